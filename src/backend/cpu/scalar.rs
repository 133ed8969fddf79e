//! The portable path: plonky2's own Poseidon, one hash at a time, with the
//! same signatures as the vectorised entry points in `sponge.rs`.

use plonky2::field::types::{Field, PrimeField64};
use plonky2::hash::poseidon::{Poseidon, SPONGE_WIDTH};

use crate::digest::{hash_no_pad, two_to_one, Digest};
use crate::field::F;

pub fn hash_rows(inputs: &[F], width: usize, out: &mut [Digest]) {
    // Indexing rather than `chunks`: rows of width 0 still have a digest each.
    for (i, d) in out.iter_mut().enumerate() {
        *d = hash_no_pad(&inputs[i * width..(i + 1) * width]);
    }
}

pub fn hash_pairs(pairs: &[(Digest, Digest)], out: &mut [Digest]) {
    for (d, &(l, r)) in out.iter_mut().zip(pairs) {
        *d = two_to_one(l, r);
    }
}

pub fn permute_states(states: &mut [[u64; SPONGE_WIDTH]]) {
    for s in states {
        *s = F::poseidon(s.map(F::from_noncanonical_u64)).map(|x| x.to_canonical_u64());
    }
}
