//! The proof parameters (B, k, A, depth) and the circuit shapes they imply.

use crate::digest::{hash_no_pad, Digest};
use crate::field::F;
use plonky2::field::types::Field;

/// Largest batch: keeps a batch's per-asset sum below 2^62 (docs/FORMAT.md §3).
pub const MAX_BATCH_LOG: u32 = 14;
/// Largest aggregation arity: keeps a node's limb sums below 2^48.
pub const MAX_ARITY_LOG: u32 = 16;
/// Version of the circuit family, hashed into the parameter digest. Bump it
/// whenever any circuit changes: it also keys the local verifier-data cache.
pub const CIRCUIT_VERSION: u64 = 2;

/// B' = min(B, 2^depth): the users per batch proof for a requested `batch_size`
/// (the one place this is derived; docs/FORMAT.md §9).
pub fn effective_batch_size(batch_size: usize, depth: u32) -> usize {
    batch_size.min(1 << depth)
}

/// Parameters that fix every circuit of a round.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProofParams {
    /// log2 of the batch size B as requested.
    pub batch_log: u32,
    /// log2 of the aggregation arity k.
    pub arity_log: u32,
    pub num_assets: usize,
    /// Account-tree depth.
    pub depth: u32,
}

impl ProofParams {
    pub fn new(
        batch_size: usize,
        arity: usize,
        num_assets: usize,
        depth: u32,
    ) -> Result<Self, String> {
        let log = |what: &str, v: usize, max: u32, min: u32| -> Result<u32, String> {
            if !v.is_power_of_two() || v.trailing_zeros() > max || v.trailing_zeros() < min {
                return Err(format!(
                    "{what} {v} must be a power of two between 2^{min} and 2^{max}"
                ));
            }
            Ok(v.trailing_zeros())
        };
        Ok(ProofParams {
            batch_log: log("batch size", batch_size, MAX_BATCH_LOG, 0)?,
            arity_log: log("arity", arity, MAX_ARITY_LOG, 1)?,
            num_assets,
            depth,
        })
    }

    /// log2 of the batch actually proven: a tree smaller than B is one batch.
    pub fn leaf_batch_log(&self) -> u32 {
        self.batch_log.min(self.depth)
    }

    /// B as requested: the value in the parameter digest.
    pub fn requested_batch_size(&self) -> usize {
        1 << self.batch_log
    }

    /// B' = min(B, 2^depth), the user slots of each batch proof.
    pub fn batch_size(&self) -> usize {
        effective_batch_size(self.requested_batch_size(), self.depth)
    }

    pub fn num_batches(&self) -> u64 {
        1 << (self.depth - self.leaf_batch_log())
    }

    /// log2 of each aggregation level's arity, bottom up; the last may be smaller than k.
    pub fn level_arity_logs(&self) -> Vec<u32> {
        let mut remaining = self.depth - self.leaf_batch_log();
        let mut levels = Vec::new();
        while remaining > 0 {
            let a = remaining.min(self.arity_log);
            levels.push(a);
            remaining -= a;
        }
        levels
    }

    /// Digest of (version, B, k, A, depth): a public input of the root proof.
    pub fn digest(&self) -> Digest {
        let v = [
            CIRCUIT_VERSION,
            self.requested_batch_size() as u64,
            1u64 << self.arity_log,
            self.num_assets as u64,
            u64::from(self.depth),
        ];
        hash_no_pad(&v.map(F::from_canonical_u64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_cover_the_tree() {
        let p = ProofParams::new(64, 4, 8, 9).unwrap();
        assert_eq!((p.batch_size(), p.num_batches()), (64, 8));
        assert_eq!(p.level_arity_logs(), vec![2, 1]);
        let small = ProofParams::new(64, 4, 8, 3).unwrap();
        assert_eq!((small.batch_size(), small.num_batches()), (8, 1));
        assert!(small.level_arity_logs().is_empty());
        assert!(ProofParams::new(48, 4, 8, 9).is_err());
        assert!(ProofParams::new(64, 1, 8, 9).is_err());
    }
}
