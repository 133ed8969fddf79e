//! The CPU backend: plonky2's scalar Poseidon, spread over every core with rayon.

use super::HashBackend;
use crate::digest::{hash_no_pad, two_to_one, Digest};
use crate::field::F;
use rayon::prelude::*;

/// Rows per rayon task: large enough to amortise scheduling, small enough to balance.
const ROWS_PER_TASK: usize = 256;

#[derive(Clone, Copy, Debug, Default)]
pub struct CpuBackend;

impl HashBackend for CpuBackend {
    fn name(&self) -> &'static str {
        "cpu"
    }

    fn hash_leaves(&self, inputs: &[F], width: usize) -> Vec<Digest> {
        assert!(
            width > 0 && inputs.len().is_multiple_of(width),
            "ragged leaf inputs"
        );
        inputs
            .par_chunks(width)
            .with_min_len(ROWS_PER_TASK)
            .map(hash_no_pad)
            .collect()
    }

    fn build_levels(&self, leaves: &[Digest], pads: &[Digest]) -> Vec<Vec<Digest>> {
        let mut levels: Vec<Vec<Digest>> = Vec::with_capacity(pads.len());
        for (i, &pad) in pads.iter().enumerate() {
            let below = if i == 0 { leaves } else { &levels[i - 1] };
            let next = hash_level(below, pad);
            levels.push(next);
        }
        levels
    }
}

fn hash_level(children: &[Digest], pad: Digest) -> Vec<Digest> {
    children
        .par_chunks(2)
        .with_min_len(ROWS_PER_TASK)
        .map(|pair| two_to_one(pair[0], pair.get(1).copied().unwrap_or(pad)))
        .collect()
}
