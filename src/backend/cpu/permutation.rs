//! plonky2's Poseidon permutation (width 12) over lanes: HALF_N_FULL_ROUNDS
//! full rounds, N_PARTIAL_ROUNDS partial rounds, HALF_N_FULL_ROUNDS full rounds;
//! each adds its round constants, applies x^7 (to all elements, or to element 0
//! in a partial round) and the MDS layer. This is plonky2's `poseidon_naive`,
//! which its fast partial-round form equals exactly; with the MDS layer made
//! of shifts (mds.rs) the naive partial round is the cheaper one here.

use plonky2::hash::poseidon::{
    ALL_ROUND_CONSTANTS, HALF_N_FULL_ROUNDS, N_PARTIAL_ROUNDS, SPONGE_WIDTH,
};

use super::lanes::{Lanes, P};
use super::mds::mds;

pub type State<V> = [V; SPONGE_WIDTH];

const fn constants_are_canonical() -> bool {
    let mut i = 0;
    while i < ALL_ROUND_CONSTANTS.len() {
        assert!(ALL_ROUND_CONSTANTS[i] < P, "round constant >= p");
        i += 1;
    }
    true
}

// `add_canonical` needs canonical round constants.
const _: () = assert!(constants_are_canonical());

#[inline(always)]
fn sbox<V: Lanes>(x: V) -> V {
    let x2 = x.square();
    let x4 = x2.square();
    x.mul(x2).mul(x4)
}

#[inline(always)]
fn add_round_constants<V: Lanes>(state: &mut State<V>, round: usize) {
    let constants = &ALL_ROUND_CONSTANTS[round * SPONGE_WIDTH..(round + 1) * SPONGE_WIDTH];
    for (x, &c) in state.iter_mut().zip(constants) {
        *x = x.add_canonical(V::splat(c));
    }
}

#[inline(always)]
fn full_round<V: Lanes>(state: &mut State<V>, round: usize) {
    add_round_constants(state, round);
    for x in state.iter_mut() {
        *x = sbox(*x);
    }
    *state = mds(state);
}

#[inline(always)]
fn partial_round<V: Lanes>(state: &mut State<V>, round: usize) {
    add_round_constants(state, round);
    state[0] = sbox(state[0]);
    *state = mds(state);
}

/// Permutes each lane's state; inputs may be any 64-bit representatives,
/// outputs are canonical.
#[inline(always)]
pub fn permute<V: Lanes>(state: &mut State<V>) {
    let mut round = 0;
    for _ in 0..HALF_N_FULL_ROUNDS {
        full_round(state, round);
        round += 1;
    }
    for _ in 0..N_PARTIAL_ROUNDS {
        partial_round(state, round);
        round += 1;
    }
    for _ in 0..HALF_N_FULL_ROUNDS {
        full_round(state, round);
        round += 1;
    }
    for x in state.iter_mut() {
        *x = x.canonical();
    }
}
