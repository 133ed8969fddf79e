// plonky2's Poseidon permutation, width 12: HALF_N_FULL_ROUNDS full rounds,
// N_PARTIAL_ROUNDS partial rounds, HALF_N_FULL_ROUNDS full rounds. Each round
// adds its constants, applies x^7 (to every element in a full round, to
// element 0 in a partial one) and multiplies by the circulant-plus-diagonal
// MDS matrix. This is plonky2's `poseidon_naive`, which plonky2's fast
// partial-round form equals exactly.
//
// Needs from the generated prelude: HALF_N_FULL_ROUNDS, N_PARTIAL_ROUNDS and
// the straight-line layers `add_round_constants`, `sbox_layer` and `mds`;
// and a field file (goldilocks_u32 or goldilocks_u64).
//
// The layers are generated with a literal index for every state element, so
// that no array is indexed by a variable: naga's SPIR-V keeps such arrays
// (and a constant array indexed by a variable) in slow local memory.

// plonky2's ALL_ROUND_CONSTANTS as (lo, hi) limbs, uploaded by the host.
@group(0) @binding(0) var<storage, read> round_constants: array<vec2<u32>>;

fn sbox(x: Fe) -> Fe {
    let x2 = fe_mul(x, x);
    let x3 = fe_mul(x, x2);
    let x4 = fe_mul(x2, x2);
    return fe_mul(x3, x4);
}

fn round_constant(round: u32, i: u32) -> Fe {
    let c = round_constants[round * 12u + i];
    return fe_from_limbs(c.x, c.y);
}

fn full_round(state: ptr<function, array<Fe, 12>>, round: u32) {
    add_round_constants(state, round);
    sbox_layer(state);
    *state = mds(*state);
}

fn partial_round(state: ptr<function, array<Fe, 12>>, round: u32) {
    add_round_constants(state, round);
    (*state)[0] = sbox((*state)[0]);
    *state = mds(*state);
}

fn permute(input: array<Fe, 12>) -> array<Fe, 12> {
    var state = input;
    var round = 0u;
    for (var i = 0u; i < HALF_N_FULL_ROUNDS; i = i + 1u) {
        full_round(&state, round);
        round = round + 1u;
    }
    for (var i = 0u; i < N_PARTIAL_ROUNDS; i = i + 1u) {
        partial_round(&state, round);
        round = round + 1u;
    }
    for (var i = 0u; i < HALF_N_FULL_ROUNDS; i = i + 1u) {
        full_round(&state, round);
        round = round + 1u;
    }
    return state;
}

fn zero_state() -> array<Fe, 12> {
    return array<Fe, 12>(fe_zero(), fe_zero(), fe_zero(), fe_zero(), fe_zero(), fe_zero(), fe_zero(), fe_zero(), fe_zero(), fe_zero(), fe_zero(), fe_zero());
}

// plonky2's two_to_one: permute [l, r, 0, 0, 0, 0] and keep the first four.
fn two_to_one(l: array<Fe, 4>, r: array<Fe, 4>) -> array<Fe, 4> {
    let z = fe_zero();
    let out = permute(array<Fe, 12>(l[0], l[1], l[2], l[3], r[0], r[1], r[2], r[3], z, z, z, z));
    return array<Fe, 4>(out[0], out[1], out[2], out[3]);
}
