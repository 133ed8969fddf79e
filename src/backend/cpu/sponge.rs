//! Many hashes at once, one per lane: plonky2's overwrite-mode sponge over
//! rows (`hash_no_pad`), `two_to_one` over digest pairs, and bare
//! permutations. A group of `V::WIDTH` rows is gathered lane-wise; a short
//! last group fills its spare lanes with zeros and drops their results.

use plonky2::hash::poseidon::SPONGE_WIDTH;

use super::lanes::Lanes;
use super::permutation::{permute, State};
use crate::digest::Digest;
use crate::field::F;

/// Sponge rate: each chunk of 8 inputs overwrites state[0..8].
const RATE: usize = 8;
/// The widest lanes implemented (AVX-512).
const MAX_LANES: usize = 8;

fn zero_state<V: Lanes>() -> State<V> {
    [V::splat(0); SPONGE_WIDTH]
}

/// Lane-major staging: `at[element][lane]`.
type Staging = [[u64; MAX_LANES]; SPONGE_WIDTH];

/// Reads element `e` of every lane from staging into the state.
#[inline(always)]
fn load_elements<V: Lanes>(state: &mut State<V>, staging: &Staging, elements: usize) {
    for (x, lanes) in state.iter_mut().zip(staging).take(elements) {
        *x = V::load(lanes);
    }
}

/// Writes the first four (canonical) state elements of each lane out as digests.
#[inline(always)]
fn store_digests<V: Lanes>(state: &State<V>, out: &mut [Digest]) {
    let mut staging = [[0u64; MAX_LANES]; 4];
    for (x, lanes) in state.iter().zip(staging.iter_mut()) {
        x.store(lanes);
    }
    for (lane, d) in out.iter_mut().enumerate() {
        *d = Digest::from_canonical_limbs(std::array::from_fn(|i| staging[i][lane]));
    }
}

/// `hash_no_pad` of each `width`-element row; `out.len()` rows.
#[inline(always)]
pub fn hash_rows<V: Lanes>(inputs: &[F], width: usize, out: &mut [Digest]) {
    debug_assert_eq!(inputs.len(), width * out.len());
    for (group, digests) in out.chunks_mut(V::WIDTH).enumerate() {
        let first_row = group * V::WIDTH;
        let mut state = zero_state::<V>();
        for start in (0..width).step_by(RATE) {
            let take = RATE.min(width - start);
            let mut staging: Staging = [[0; MAX_LANES]; SPONGE_WIDTH];
            for lane in 0..digests.len() {
                let row = &inputs[(first_row + lane) * width + start..][..take];
                for (e, x) in row.iter().enumerate() {
                    staging[e][lane] = x.0;
                }
            }
            load_elements(&mut state, &staging, take);
            permute(&mut state);
        }
        store_digests(&state, digests);
    }
}

/// `two_to_one(left, right)` of each pair: permute [l, r, 0, 0, 0, 0], keep 4.
#[inline(always)]
pub fn hash_pairs<V: Lanes>(pairs: &[(Digest, Digest)], out: &mut [Digest]) {
    debug_assert_eq!(pairs.len(), out.len());
    for (group, digests) in out.chunks_mut(V::WIDTH).enumerate() {
        let mut staging: Staging = [[0; MAX_LANES]; SPONGE_WIDTH];
        for (lane, (l, r)) in pairs[group * V::WIDTH..]
            .iter()
            .take(digests.len())
            .enumerate()
        {
            for (i, (a, b)) in l.limbs().into_iter().zip(r.limbs()).enumerate() {
                staging[i][lane] = a;
                staging[i + 4][lane] = b;
            }
        }
        let mut state = zero_state::<V>();
        load_elements(&mut state, &staging, 8);
        permute(&mut state);
        store_digests(&state, digests);
    }
}

/// The permutation of each state (any 64-bit inputs; canonical outputs).
#[inline(always)]
pub fn permute_states<V: Lanes>(states: &mut [[u64; SPONGE_WIDTH]]) {
    for group in states.chunks_mut(V::WIDTH) {
        let mut staging: Staging = [[0; MAX_LANES]; SPONGE_WIDTH];
        for (lane, s) in group.iter().enumerate() {
            for (e, &x) in s.iter().enumerate() {
                staging[e][lane] = x;
            }
        }
        let mut state = zero_state::<V>();
        load_elements(&mut state, &staging, SPONGE_WIDTH);
        permute(&mut state);
        let mut back: Staging = [[0; MAX_LANES]; SPONGE_WIDTH];
        for (x, lanes) in state.iter().zip(back.iter_mut()) {
            x.store(lanes);
        }
        for (lane, s) in group.iter_mut().enumerate() {
            *s = std::array::from_fn(|e| back[e][lane]);
        }
    }
}
