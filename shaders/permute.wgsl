// The bare permutation, one width-12 state per invocation: for differential
// tests and for measuring permutations per second.

struct SimpleParams {
    count: u32,
    row_len: u32,
    reserved0: u32,
    reserved1: u32,
}

@group(0) @binding(1) var<uniform> simple: SimpleParams;
@group(0) @binding(2) var<storage, read> simple_in: array<u32>;
@group(0) @binding(3) var<storage, read_write> simple_out: array<u32>;

fn ld(at: u32) -> Fe {
    return fe_from_limbs(simple_in[at], simple_in[at + 1u]);
}

fn st(at: u32, x: Fe) {
    simple_out[at] = fe_lo(x);
    simple_out[at + 1u] = fe_hi(x);
}

// Loads and stores name every state element by a literal index: a loop index
// into `state` would leave unrolling to the driver, and an array it does not
// unroll stays in slow local memory.
fn load_state(b: u32) -> array<Fe, 12> {
    return array<Fe, 12>(
        ld(b + 0u),
        ld(b + 2u),
        ld(b + 4u),
        ld(b + 6u),
        ld(b + 8u),
        ld(b + 10u),
        ld(b + 12u),
        ld(b + 14u),
        ld(b + 16u),
        ld(b + 18u),
        ld(b + 20u),
        ld(b + 22u)
    );
}

fn store_state(b: u32, s: array<Fe, 12>) {
    st(b + 0u, s[0]);
    st(b + 2u, s[1]);
    st(b + 4u, s[2]);
    st(b + 6u, s[3]);
    st(b + 8u, s[4]);
    st(b + 10u, s[5]);
    st(b + 12u, s[6]);
    st(b + 14u, s[7]);
    st(b + 16u, s[8]);
    st(b + 18u, s[9]);
    st(b + 20u, s[10]);
    st(b + 22u, s[11]);
}

@compute @workgroup_size(POSEIDON_WORKGROUP)
fn permute_states(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.y * simple.row_len + gid.x;
    if (i >= simple.count) {
        return;
    }
    store_state(24u * i, permute(load_state(24u * i)));
}
