//! The shape of a round's proof tree: which proof covers which leaves.
//!
//! Level 0 holds the batch proofs; level l ≥ 1 holds the aggregation proofs of
//! aggregation level l; the single node of the top level is what the root
//! proof wraps. A node is *padding* when every leaf under it is a padding leaf.

use crate::circuits::ProofParams;
use std::fmt;
use std::ops::Range;

/// A node of the proof tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Pos {
    pub level: u32,
    pub index: u64,
}

impl Pos {
    pub fn new(level: u32, index: u64) -> Self {
        Pos { level, index }
    }
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.level == 0 {
            write!(f, "batch {}", self.index)
        } else {
            write!(f, "level {} node {}", self.level, self.index)
        }
    }
}

/// Heights and counts of every level, for `users` leaves under `params`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shape {
    users: u64,
    depth: u32,
    /// Tree height of each level's nodes: level 0 is log2 of the batch size.
    heights: Vec<u32>,
}

impl Shape {
    pub fn new(params: &ProofParams, users: u64) -> Self {
        let mut heights = vec![params.leaf_batch_log()];
        for a in params.level_arity_logs() {
            let h = heights[heights.len() - 1] + a;
            heights.push(h);
        }
        Shape {
            users,
            depth: params.depth,
            heights,
        }
    }

    pub fn users(&self) -> u64 {
        self.users
    }

    /// The highest level; its single node is the top of the tree.
    pub fn top_level(&self) -> u32 {
        (self.heights.len() - 1) as u32
    }

    pub fn top(&self) -> Pos {
        Pos::new(self.top_level(), 0)
    }

    /// The account-tree level a node of `level` corresponds to.
    pub fn height(&self, level: u32) -> u32 {
        self.heights[level as usize]
    }

    /// Number of nodes at `level`, padding included.
    pub fn width(&self, level: u32) -> u64 {
        1 << (self.depth - self.height(level))
    }

    /// Number of non-padding nodes at `level`.
    pub fn real(&self, level: u32) -> u64 {
        self.users.div_ceil(1 << self.height(level))
    }

    pub fn is_padding(&self, pos: Pos) -> bool {
        pos.index >= self.real(pos.level)
    }

    /// Children per node at `level` (≥ 1).
    pub fn arity(&self, level: u32) -> u64 {
        1 << (self.height(level) - self.height(level - 1))
    }

    pub fn children(&self, pos: Pos) -> impl Iterator<Item = Pos> {
        let k = self.arity(pos.level);
        (pos.index * k..(pos.index + 1) * k).map(move |i| Pos::new(pos.level - 1, i))
    }

    pub fn parent(&self, pos: Pos) -> Option<Pos> {
        (pos.level < self.top_level())
            .then(|| Pos::new(pos.level + 1, pos.index / self.arity(pos.level + 1)))
    }

    /// Leaf slots under `pos`.
    pub fn leaves(&self, pos: Pos) -> Range<u64> {
        let h = self.height(pos.level);
        pos.index << h..(pos.index + 1) << h
    }

    /// Non-padding leaves under `pos`.
    pub fn users_in(&self, pos: Pos) -> Range<u64> {
        let r = self.leaves(pos);
        r.start.min(self.users)..r.end.min(self.users)
    }

    /// Batches under `pos`.
    pub fn batches(&self, pos: Pos) -> Range<u64> {
        let shift = self.height(pos.level) - self.height(0);
        pos.index << shift..(pos.index + 1) << shift
    }

    /// Non-padding batches under `pos`.
    pub fn real_batches(&self, pos: Pos) -> Range<u64> {
        let r = self.batches(pos);
        let real = self.real(0);
        r.start.min(real)..r.end.min(real)
    }

    /// How many nodes of `level` lie under one node of `upper` (≥ level).
    pub fn span(&self, level: u32, upper: u32) -> u64 {
        1 << (self.height(upper) - self.height(level))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_follow_the_parameters() {
        // 5 users, B = 2, k = 2: depth 3, 4 batches, two aggregation levels.
        let s = Shape::new(&ProofParams::new(2, 2, 2, 3).unwrap(), 5);
        assert_eq!(s.top_level(), 2);
        assert_eq!((s.width(0), s.real(0)), (4, 3));
        assert_eq!((s.width(1), s.real(1)), (2, 2));
        assert!(s.is_padding(Pos::new(0, 3)) && !s.is_padding(Pos::new(0, 2)));
        assert_eq!(s.users_in(Pos::new(0, 2)), 4..5);
        assert_eq!(s.users_in(Pos::new(0, 3)), 5..5);
        assert_eq!(
            s.children(Pos::new(2, 0)).collect::<Vec<_>>(),
            vec![Pos::new(1, 0), Pos::new(1, 1)]
        );
        assert_eq!(s.parent(Pos::new(0, 3)), Some(Pos::new(1, 1)));
        assert_eq!(s.parent(s.top()), None);
        assert_eq!(s.real_batches(Pos::new(1, 1)), 2..3);
        // The top level may be narrower than k.
        let s = Shape::new(&ProofParams::new(2, 4, 2, 4).unwrap(), 9);
        assert_eq!(s.arity(1), 4);
        assert_eq!(s.arity(2), 2);
        assert_eq!(s.span(0, 2), 8);
    }

    #[test]
    fn a_tree_no_larger_than_a_batch_is_one_batch() {
        let s = Shape::new(&ProofParams::new(64, 4, 2, 3).unwrap(), 5);
        assert_eq!(s.top_level(), 0);
        assert_eq!(s.top(), Pos::new(0, 0));
        assert_eq!(s.users_in(s.top()), 0..5);
    }
}
