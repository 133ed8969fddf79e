//! plonky2's `MerkleTree` layout, shared by every backend.
//!
//! A tree over 2^(n + h) leaves with cap height h is 2^h subtrees of 2^n
//! leaves. `digests` holds each subtree's nodes below its root, subtrees one
//! after another (2^(n+1) - 2 digests each); inside a subtree, siblings sit
//! side by side and the layers interleave recursively, so that the pair q of
//! layer i is at 2 (q 2^(i+1) + 2^i - 1) (plonky2's `merkle_tree_prove`).
//! The subtree roots are the cap.

use crate::digest::Digest;

/// A tree in plonky2's layout: `MerkleTree { digests, cap, .. }` element for element.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MerkleDigests {
    pub digests: Vec<Digest>,
    pub cap: Vec<Digest>,
}

/// Digests one cap subtree of 2^subtree_log leaves stores.
pub fn subtree_digests(subtree_log: u32) -> usize {
    (1usize << (subtree_log + 1)) - 2
}

/// Where node `node` of `layer` (0 = leaf digests, below `subtree_log`) sits in `digests`.
pub fn interleaved_index(layer: u32, node: usize, subtree_log: u32) -> usize {
    debug_assert!(layer < subtree_log);
    let below = subtree_log - layer;
    let subtree = node >> below;
    let local = node & ((1 << below) - 1);
    subtree * subtree_digests(subtree_log) + ((local >> 1) << (layer + 2)) + (1 << (layer + 1)) - 2
        + (local & 1)
}

/// Arranges compact layers (layer 0 = leaf digests, each layer half the one below)
/// into plonky2's layout for `cap_height`.
pub fn from_compact_layers(layers: &[Vec<Digest>], cap_height: usize) -> MerkleDigests {
    let total_log = layers.len().saturating_sub(1);
    let subtree_log = (total_log - cap_height) as u32;
    let leaves = layers.first().map_or(0, Vec::len);
    let mut digests = vec![Digest::ZERO; 2 * (leaves - (1 << cap_height))];
    for (layer, nodes) in layers.iter().enumerate().take(subtree_log as usize) {
        for (j, d) in nodes.iter().enumerate() {
            digests[interleaved_index(layer as u32, j, subtree_log)] = *d;
        }
    }
    let cap = layers
        .get(subtree_log as usize)
        .cloned()
        .unwrap_or_default();
    MerkleDigests { digests, cap }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_slot_is_used_once() {
        for n in 1..8u32 {
            for subtrees in [1usize, 2, 4] {
                let mut seen = vec![false; subtrees * subtree_digests(n)];
                for layer in 0..n {
                    for j in 0..subtrees << (n - layer) {
                        let at = interleaved_index(layer, j, n);
                        assert!(!seen[at], "n={n} layer={layer} j={j}");
                        seen[at] = true;
                    }
                }
                assert!(seen.iter().all(|&s| s));
            }
        }
    }
}
