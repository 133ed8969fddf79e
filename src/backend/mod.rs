//! The compute seam: every bulk Poseidon job goes through [`HashBackend`].
//! Callers hold a `&dyn HashBackend` and never learn which implementation ran.

pub mod cpu;

use crate::digest::Digest;
use crate::field::F;

pub use cpu::CpuBackend;

/// Bulk hashing. Every implementation must agree bit for bit with plonky2's
/// `PoseidonHash` (`hash_no_pad`, `two_to_one`).
pub trait HashBackend: Send + Sync {
    /// A short name recorded in summaries ("cpu", "gpu").
    fn name(&self) -> &'static str;

    /// `hash_no_pad` of each consecutive `width`-element row of `inputs`.
    fn hash_leaves(&self, inputs: &[F], width: usize) -> Vec<Digest>;

    /// Builds levels 1..=depth of a binary tree over `leaves` (level 0).
    ///
    /// Level i+1 holds `ceil(len_i / 2)` nodes, node j = `two_to_one(c[2j], c[2j+1])`,
    /// where a missing right child is `pads[i]`. Returns levels 1..=depth in order.
    fn build_levels(&self, leaves: &[Digest], pads: &[Digest]) -> Vec<Vec<Digest>>;
}
