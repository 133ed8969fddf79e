//! Merkle hashing: the concept trait and what every backend derives from it.
//! Every implementation must agree bit for bit with plonky2's `PoseidonHash`
//! (`hash_no_pad`, `two_to_one`) and `MerkleTree`.

use rayon::prelude::*;

use super::layout::{self, MerkleDigests};
use super::BackendResult;
use crate::digest::Digest;
use crate::field::F;

pub trait MerkleHasher: Send + Sync {
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
        row_tree(self, rows, cap_height)
    }
}

/// plonky2's `hash_or_noop` of each `width`-element row of `inputs`.
pub fn leaf_digests<B: MerkleHasher + ?Sized>(
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
pub fn tree_over_leaves<B: MerkleHasher + ?Sized>(
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

/// Elements hashed per block: rows are copied block by block into a buffer
/// that stays in cache, never into one flat copy of the whole LDE.
const HASH_BLOCK_ELEMENTS: usize = 1 << 16;

/// plonky2's `MerkleTree::new(rows, cap_height)` digests and cap, through
/// the backend's leaf hashing and level building (the default
/// `MerkleHasher::merkle_tree_rows`).
pub fn row_tree<B: MerkleHasher + ?Sized>(
    backend: &B,
    rows: &[Vec<F>],
    cap_height: usize,
) -> BackendResult<MerkleDigests> {
    let width = rows.first().map_or(0, Vec::len);
    let block = (HASH_BLOCK_ELEMENTS / width.max(1)).max(1);
    let blocks: Vec<Vec<Digest>> = rows
        .par_chunks(block)
        .map(|rows| leaf_digests(backend, &rows.concat(), width))
        .collect::<BackendResult<_>>()?;
    tree_over_leaves(backend, blocks.concat(), cap_height)
}

/// plonky2's `hash_or_noop` for a row of at most 4 elements: the row, zero-padded.
fn noop_digest(row: &[F]) -> Digest {
    let mut e = [<F as plonky2::field::types::Field>::ZERO; 4];
    e[..row.len()].copy_from_slice(row);
    Digest::from_elements(e)
}
