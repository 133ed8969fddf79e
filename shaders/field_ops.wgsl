// Field arithmetic exposed element-wise, so the host can check add, sub and
// mul against plonky2 on any adapter. Input i is (a, b) as four u32; output
// i is a + b, a - b, a * b as six u32.

struct SimpleParams {
    count: u32,
    row_len: u32,
    reserved0: u32,
    reserved1: u32,
}

@group(0) @binding(1) var<uniform> simple: SimpleParams;
@group(0) @binding(2) var<storage, read> simple_in: array<u32>;
@group(0) @binding(3) var<storage, read_write> simple_out: array<u32>;

fn put(at: u32, x: Fe) {
    simple_out[at] = fe_lo(x);
    simple_out[at + 1u] = fe_hi(x);
}

@compute @workgroup_size(64)
fn field_ops(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.y * simple.row_len + gid.x;
    if (i >= simple.count) {
        return;
    }
    let a = fe_from_limbs(simple_in[4u * i], simple_in[4u * i + 1u]);
    let b = fe_from_limbs(simple_in[4u * i + 2u], simple_in[4u * i + 3u]);
    put(6u * i, fe_add(a, b));
    put(6u * i + 2u, fe_sub(a, b));
    put(6u * i + 4u, fe_mul(a, b));
}
