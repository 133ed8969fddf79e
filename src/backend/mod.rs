//! The compute seam: every bulk Poseidon job goes through [`HashBackend`].
//! Callers hold a `&dyn HashBackend` and never learn which implementation ran.

pub mod commit;
pub mod cpu;
mod fault;
pub mod gpu;
pub mod layout;
pub mod lde;
mod select;

use crate::digest::Digest;
use crate::field::F;

pub use commit::{Batch, CommitShape, CommitTimings, Polys, Salt};
pub use cpu::CpuBackend;
pub use gpu::{GpuBackend, GpuError, GpuOptions};
pub use layout::MerkleDigests;
pub use lde::Direction;
pub use select::{select, Choice, Selected};

/// Why a backend operation failed. A device that is lost or out of memory
/// mid-job is reported, never a panic: the job keeps what it wrote.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    #[error(transparent)]
    Gpu(#[from] GpuError),
    /// The caller passed something the operation cannot take (a bug).
    #[error("invalid backend request: {0}")]
    Invalid(String),
    /// A failure injected by the test hook of `fault.rs`.
    #[error("injected backend failure: {0}")]
    Injected(String),
}

pub type BackendResult<T> = Result<T, BackendError>;

/// Bulk hashing. Every implementation must agree bit for bit with plonky2's
/// `PoseidonHash` (`hash_no_pad`, `two_to_one`) and `MerkleTree`.
pub trait HashBackend: Send + Sync {
    /// A short name recorded in summaries ("cpu", "gpu").
    fn name(&self) -> &'static str;

    /// What exactly runs: the instruction set, or the adapter and arithmetic.
    fn describe(&self) -> String {
        self.name().to_string()
    }

    /// `hash_no_pad` of each consecutive `width`-element row of `inputs`.
    fn hash_leaves(&self, inputs: &[F], width: usize) -> BackendResult<Vec<Digest>>;

    /// Builds levels 1..=depth of a binary tree over `leaves` (level 0).
    ///
    /// Level i+1 holds `ceil(len_i / 2)` nodes, node j = `two_to_one(c[2j], c[2j+1])`,
    /// where a missing right child is `pads[i]`. Returns levels 1..=depth in order.
    fn build_levels(&self, leaves: &[Digest], pads: &[Digest]) -> BackendResult<Vec<Vec<Digest>>>;

    /// plonky2's `MerkleTree::new(rows, cap_height)` over the `width`-element rows
    /// of `inputs` (a power-of-two count): leaves hashed with `hash_or_noop`, the
    /// digests in plonky2's interleaved layout.
    fn merkle_tree(
        &self,
        inputs: &[F],
        width: usize,
        cap_height: usize,
    ) -> BackendResult<MerkleDigests> {
        let leaves = leaf_digests(self, inputs, width)?;
        tree_over_leaves(self, leaves, cap_height)
    }

    /// `merkle_tree` over rows held one `Vec` each, as a commitment's LDE rows
    /// are (plonky2's `MerkleTree::leaves`). The default hashes blocks of rows
    /// through `hash_leaves` and builds the levels with `build_levels`, never
    /// flattening the whole LDE; a backend whose `merkle_tree` does better
    /// than those two should override this as well.
    fn merkle_tree_rows(&self, rows: &[Vec<F>], cap_height: usize) -> BackendResult<MerkleDigests> {
        commit::row_tree(self, rows, cap_height)
    }

    /// plonky2's `PolynomialBatch::from_values` / `from_coeffs`: the same
    /// coefficients, LDE rows, digests and cap, whichever backend ran.
    fn commit(&self, polys: Polys, shape: CommitShape, salt: Salt) -> BackendResult<Batch> {
        commit::reference(self, polys, shape, salt)
    }
}

/// plonky2's `hash_or_noop` of each `width`-element row of `inputs`.
pub fn leaf_digests<B: HashBackend + ?Sized>(
    backend: &B,
    inputs: &[F],
    width: usize,
) -> BackendResult<Vec<Digest>> {
    if width <= 4 {
        Ok(inputs.chunks(width.max(1)).map(noop_digest).collect())
    } else {
        backend.hash_leaves(inputs, width)
    }
}

/// plonky2's `MerkleTree` digests and cap above the leaf digests (a power-of-two count).
pub fn tree_over_leaves<B: HashBackend + ?Sized>(
    backend: &B,
    leaves: Vec<Digest>,
    cap_height: usize,
) -> BackendResult<MerkleDigests> {
    let depth = leaves.len().max(1).trailing_zeros() as usize;
    let mut layers = vec![leaves];
    let upper = backend.build_levels(&layers[0], &vec![Digest::ZERO; depth])?;
    layers.extend(upper);
    Ok(layout::from_compact_layers(&layers, cap_height))
}

/// plonky2's `hash_or_noop` for a row of at most 4 elements: the row, zero-padded.
fn noop_digest(row: &[F]) -> Digest {
    let mut e = [<F as plonky2::field::types::Field>::ZERO; 4];
    e[..row.len()].copy_from_slice(row);
    Digest::from_elements(e)
}
