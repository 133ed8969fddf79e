//! Merkle inclusion paths.

use crate::digest::{two_to_one, Digest};

/// Siblings from the leaf level upward; bit i of `leaf_index` says whether the
/// node at level i is a right child.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MerklePath {
    pub leaf_index: u64,
    pub siblings: Vec<Digest>,
}

impl MerklePath {
    /// The root this path leads to from `leaf`, or None if the index has bits
    /// beyond the path's depth (such an index is not a leaf of this tree).
    pub fn root_from(&self, leaf: Digest) -> Option<Digest> {
        let depth = self.siblings.len();
        if depth < 64 && self.leaf_index >> depth != 0 {
            return None;
        }
        let mut node = leaf;
        for (level, &sibling) in self.siblings.iter().enumerate() {
            node = if (self.leaf_index >> level) & 1 == 0 {
                two_to_one(node, sibling)
            } else {
                two_to_one(sibling, node)
            };
        }
        Some(node)
    }
}
