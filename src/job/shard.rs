//! Sharding: which part of the proof tree shard i of N proves.
//!
//! A share is a contiguous run of whole, aligned subtrees ("units") at one
//! level, the *unit level*: the highest level that still has at least N·k
//! non-padding nodes, so that every shard gets about the same number of units
//! (within one unit in k) while its units are as large as possible. Shard i
//! takes units ⌊i·U/N⌋ .. ⌊(i+1)·U/N⌋ of the U non-padding ones; the last shard
//! also takes the padding after them. A shard proves every batch and node under
//! its units, and every higher node whose children all lie in its share, so it
//! aggregates as high as its share allows. `zkpor aggregate` proves the rest.

use super::shape::{Pos, Shape};
use std::fmt;
use std::ops::Range;
use std::str::FromStr;

/// Shard `index` of `count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShardSpec {
    pub index: u32,
    pub count: u32,
}

impl ShardSpec {
    pub fn new(index: u32, count: u32) -> Result<Self, String> {
        if count == 0 {
            return Err("the shard count must be at least 1".into());
        }
        if index >= count {
            return Err(format!(
                "shard index {index} is out of range: shards are numbered 0 to {}",
                count - 1
            ));
        }
        Ok(ShardSpec { index, count })
    }
}

impl FromStr for ShardSpec {
    type Err = String;

    /// `i/N`, for example `3/16`.
    fn from_str(s: &str) -> Result<Self, String> {
        let (i, n) = s
            .split_once('/')
            .ok_or_else(|| format!("shard '{s}' must look like i/N, for example 3/16"))?;
        let num = |t: &str| {
            t.trim()
                .parse::<u32>()
                .map_err(|_| format!("shard '{s}': '{t}' is not a non-negative integer"))
        };
        ShardSpec::new(num(i)?, num(n)?)
    }
}

impl fmt::Display for ShardSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// What one shard proves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Share {
    pub unit_level: u32,
    /// Units at `unit_level`, padding included for the last shard.
    pub units: Range<u64>,
    /// The highest nodes wholly inside the share, in leaf order.
    pub roots: Vec<Pos>,
}

impl Share {
    /// Non-padding batches in the share.
    pub fn batches(&self, shape: &Shape) -> Range<u64> {
        let span = shape.span(0, self.unit_level);
        let real = shape.real(0);
        (self.units.start * span).min(real)..(self.units.end * span).min(real)
    }
}

/// The level whose nodes are the units of a split into `count` shards.
pub fn unit_level(shape: &Shape, count: u32) -> u32 {
    (0..=shape.top_level())
        .rev()
        .find(|&l| {
            let k = if l < shape.top_level() {
                shape.arity(l + 1)
            } else {
                1
            };
            shape.real(l) >= u64::from(count) * k
        })
        .unwrap_or(0)
}

pub fn share(shape: &Shape, spec: ShardSpec) -> Share {
    let level = unit_level(shape, spec.count);
    let units = shape.real(level) as u128;
    let n = u128::from(spec.count);
    let cut = |i: u128| (i * units / n) as u64;
    let start = cut(u128::from(spec.index));
    let end = if spec.index + 1 == spec.count {
        shape.width(level)
    } else {
        cut(u128::from(spec.index) + 1)
    };
    Share {
        unit_level: level,
        units: start..end,
        roots: decompose(shape, level, start..end),
    }
}

/// Splits units `range` of `level` into the fewest aligned subtrees, highest first.
pub fn decompose(shape: &Shape, level: u32, range: Range<u64>) -> Vec<Pos> {
    let mut roots = Vec::new();
    let mut at = range.start;
    while at < range.end {
        let mut up = level;
        while up < shape.top_level() {
            let span = shape.span(level, up + 1);
            if !at.is_multiple_of(span) || at + span > range.end {
                break;
            }
            up += 1;
        }
        let span = shape.span(level, up);
        roots.push(Pos::new(up, at / span));
        at += span;
    }
    roots
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::circuits::ProofParams;

    fn shape(users: u64, batch: usize, arity: usize) -> Shape {
        let depth = crate::tree::depth_for(users);
        Shape::new(&ProofParams::new(batch, arity, 2, depth).unwrap(), users)
    }

    #[test]
    fn parses_and_rejects_specs() {
        assert_eq!(
            "3/16".parse::<ShardSpec>(),
            Ok(ShardSpec {
                index: 3,
                count: 16
            })
        );
        for bad in ["16/16", "1/0", "3", "-1/4", "a/4", "1/b"] {
            assert!(bad.parse::<ShardSpec>().is_err(), "{bad}");
        }
    }

    /// Every non-padding batch belongs to exactly one shard, every root is an
    /// aligned subtree inside its share, and roots are as high as possible.
    #[test]
    fn shares_partition_the_batches_into_aligned_subtrees() {
        for users in [1, 2, 5, 9, 100, 1000, 4097, 100_000] {
            for (batch, arity) in [(1, 2), (2, 2), (4, 8), (256, 8)] {
                let s = shape(users, batch, arity);
                for count in [1, 2, 3, 5, 8, 13, 64, 1024] {
                    let mut owner = vec![None; s.real(0) as usize];
                    for index in 0..count {
                        let spec = ShardSpec::new(index, count).unwrap();
                        let sh = share(&s, spec);
                        let mut covered = Vec::new();
                        for root in &sh.roots {
                            assert!(root.level >= sh.unit_level);
                            for b in s.real_batches(*root) {
                                assert_eq!(owner[b as usize], None, "batch {b} twice");
                                owner[b as usize] = Some(index);
                                covered.push(b);
                            }
                            // Maximal: the parent is not wholly inside the share.
                            if let Some(p) = s.parent(*root) {
                                let units = s.span(sh.unit_level, p.level);
                                let first = p.index * units;
                                assert!(
                                    first < sh.units.start || first + units > sh.units.end,
                                    "{root} could climb"
                                );
                            }
                        }
                        let want: Vec<u64> = sh.batches(&s).collect();
                        assert_eq!(covered, want, "{users} users, {spec}");
                    }
                    assert!(owner.iter().all(Option::is_some), "{users} users / {count}");
                }
            }
        }
    }

    #[test]
    fn one_shard_is_the_whole_tree() {
        let s = shape(1000, 4, 8);
        let sh = share(&s, ShardSpec::new(0, 1).unwrap());
        assert_eq!(sh.roots, vec![s.top()]);
    }

    #[test]
    fn shares_are_balanced_within_one_unit() {
        let s = shape(100_000, 256, 8);
        let sizes: Vec<u64> = (0..16)
            .map(|i| {
                let b = share(&s, ShardSpec::new(i, 16).unwrap()).batches(&s);
                b.end - b.start
            })
            .collect();
        let (lo, hi) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
        let unit = s.span(0, unit_level(&s, 16));
        assert!(hi - lo <= unit, "{sizes:?}");
        assert_eq!(sizes.iter().sum::<u64>(), s.real(0));
    }
}
