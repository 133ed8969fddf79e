//! The account tree: a binary Poseidon Merkle tree over the leaves, padded to
//! 2^depth leaves with the padding leaf, stored without its padding.

mod path;

pub use path::MerklePath;

use crate::backend::Backend;
use crate::digest::{two_to_one, Digest};

/// Padding digests per level: Z_0 = the padding leaf, Z_{i+1} = two_to_one(Z_i, Z_i).
pub fn padding_digests(pad_leaf: Digest, depth: u32) -> Vec<Digest> {
    let mut pads = vec![pad_leaf];
    for i in 0..depth as usize {
        pads.push(two_to_one(pads[i], pads[i]));
    }
    pads
}

/// The depth of the tree for `n` leaves: the smallest d with 2^d >= n.
pub fn depth_for(n: u64) -> u32 {
    n.max(1).next_power_of_two().trailing_zeros()
}

/// Why stored levels do not form a tree.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TreeShapeError {
    #[error("a tree needs at least one leaf")]
    Empty,
    #[error("level {level} has {found} nodes, expected {expected}")]
    LevelSize {
        level: usize,
        found: usize,
        expected: usize,
    },
}

/// Why a tree could not be built: its shape, or the backend hashing it.
#[derive(Debug, thiserror::Error)]
pub enum TreeBuildError {
    #[error(transparent)]
    Shape(#[from] TreeShapeError),
    #[error(transparent)]
    Backend(#[from] crate::backend::BackendError),
}

/// All levels of the account tree, each holding only its non-padding prefix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountTree {
    levels: Vec<Vec<Digest>>,
    pads: Vec<Digest>,
}

impl AccountTree {
    /// Builds the tree over `leaves` (in leaf order) on `backend`.
    pub fn build(
        backend: &dyn Backend,
        leaves: Vec<Digest>,
        pad_leaf: Digest,
    ) -> Result<Self, TreeBuildError> {
        if leaves.is_empty() {
            return Err(TreeShapeError::Empty.into());
        }
        let pads = padding_digests(pad_leaf, depth_for(leaves.len() as u64));
        let upper = backend.build_levels(&leaves, &pads[..pads.len() - 1])?;
        let mut levels = Vec::with_capacity(pads.len());
        levels.push(leaves);
        levels.extend(upper);
        Ok(Self::from_levels(levels, pad_leaf)?)
    }

    /// Wraps stored levels after checking that their sizes fit the shape.
    pub fn from_levels(levels: Vec<Vec<Digest>>, pad_leaf: Digest) -> Result<Self, TreeShapeError> {
        let n = levels.first().map_or(0, Vec::len);
        if n == 0 {
            return Err(TreeShapeError::Empty);
        }
        let depth = depth_for(n as u64);
        let expected_levels = depth as usize + 1;
        for level in 0..expected_levels.max(levels.len()) {
            let expected = n.div_ceil(1 << level);
            let found = levels.get(level).map_or(0, Vec::len);
            if found != expected || level >= expected_levels {
                return Err(TreeShapeError::LevelSize {
                    level,
                    found,
                    expected,
                });
            }
        }
        Ok(AccountTree {
            levels,
            pads: padding_digests(pad_leaf, depth),
        })
    }

    pub fn depth(&self) -> u32 {
        (self.levels.len() - 1) as u32
    }

    pub fn num_leaves(&self) -> u64 {
        self.levels[0].len() as u64
    }

    /// The digest in every padding leaf slot.
    pub fn pad_leaf(&self) -> Digest {
        self.pads[0]
    }

    pub fn root(&self) -> Digest {
        self.levels[self.levels.len() - 1][0]
    }

    pub fn levels(&self) -> &[Vec<Digest>] {
        &self.levels
    }

    pub fn leaf(&self, index: u64) -> Option<Digest> {
        self.levels[0].get(index as usize).copied()
    }

    /// The node at (level, index), padding included.
    pub fn node(&self, level: usize, index: u64) -> Digest {
        self.levels[level]
            .get(index as usize)
            .copied()
            .unwrap_or(self.pads[level])
    }

    /// The inclusion path of a non-padding leaf.
    pub fn prove(&self, leaf_index: u64) -> Option<MerklePath> {
        if leaf_index >= self.num_leaves() {
            return None;
        }
        let siblings = (0..self.depth() as usize)
            .map(|level| self.node(level, (leaf_index >> level) ^ 1))
            .collect();
        Some(MerklePath {
            leaf_index,
            siblings,
        })
    }
}
