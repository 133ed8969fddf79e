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

@compute @workgroup_size(64)
fn permute_states(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.y * simple.row_len + gid.x;
    if (i >= simple.count) {
        return;
    }
    var state: array<Fe, 12>;
    for (var j = 0u; j < 12u; j = j + 1u) {
        state[j] = fe_from_limbs(simple_in[24u * i + 2u * j], simple_in[24u * i + 2u * j + 1u]);
    }
    state = permute(state);
    for (var j = 0u; j < 12u; j = j + 1u) {
        simple_out[24u * i + 2u * j] = fe_lo(state[j]);
        simple_out[24u * i + 2u * j + 1u] = fe_hi(state[j]);
    }
}
