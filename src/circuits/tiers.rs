//! Tiers (format version 2): the users of a round split by how many assets
//! they hold. Each tier is its own account subtree, proven by its own batch
//! circuit (sparse with capacity K, or dense over all assets) and its own
//! aggregation levels; the root circuit merges the tiers' top proofs.

use super::params::ProofParams;
use crate::digest::{hash_no_pad, Digest};
use crate::field::F;
use crate::leaf::SparseLayout;
use plonky2::field::types::Field;

/// Version of the tiered circuit family, first in the parameter digest.
pub const TIERED_VERSION: u64 = 3;
/// Most tiers in one round: the root verifies one proof per tier.
pub const MAX_TIERS: usize = 8;

/// How a tier's leaves hold balances.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TierKind {
    /// At most K positions `(index, equity, debt)` (the v2 sparse leaf).
    Sparse { capacity: usize },
    /// Every asset's equity and debt (the v1 leaf).
    Dense,
}

impl TierKind {
    /// The tier's code in the parameter digest: K, or 0 for dense.
    pub fn code(&self) -> u64 {
        match self {
            TierKind::Sparse { capacity } => *capacity as u64,
            TierKind::Dense => 0,
        }
    }

    /// Whether a user holding `held` positions fits.
    pub fn holds(&self, held: usize) -> bool {
        match self {
            TierKind::Sparse { capacity } => held <= *capacity,
            TierKind::Dense => true,
        }
    }

    /// The kind a file records as its capacity: K, or none for dense.
    pub fn from_capacity(capacity: Option<usize>) -> Self {
        match capacity {
            Some(capacity) => TierKind::Sparse { capacity },
            None => TierKind::Dense,
        }
    }

    /// K, or none for the dense tier.
    pub fn capacity(&self) -> Option<usize> {
        match self {
            TierKind::Sparse { capacity } => Some(*capacity),
            TierKind::Dense => None,
        }
    }

    /// The order tiers come in: by capacity, dense last.
    pub fn rank(&self) -> usize {
        self.capacity().unwrap_or(usize::MAX)
    }

    pub fn sparse_layout(&self, num_assets: usize) -> Option<SparseLayout> {
        match *self {
            TierKind::Sparse { capacity } => Some(SparseLayout {
                num_assets,
                capacity,
            }),
            TierKind::Dense => None,
        }
    }
}

/// One tier: its kind and its subtree's proof parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tier {
    pub kind: TierKind,
    pub tree: ProofParams,
}

/// Every tier of a round, in increasing capacity (dense last).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TieredParams {
    tiers: Vec<Tier>,
}

impl TieredParams {
    /// Checks that tiers are 1..=MAX_TIERS, share the asset count and arity,
    /// and strictly increase in capacity with at most one dense tier, last.
    pub fn new(tiers: Vec<Tier>) -> Result<Self, String> {
        let Some(first) = tiers.first() else {
            return Err("a round needs at least one tier".into());
        };
        if tiers.len() > MAX_TIERS {
            return Err(format!("{} tiers; at most {MAX_TIERS}", tiers.len()));
        }
        let (assets, arity) = (first.tree.num_assets, first.tree.arity_log);
        for (i, t) in tiers.iter().enumerate() {
            if t.tree.num_assets != assets || t.tree.arity_log != arity {
                return Err("tiers must share the asset count and the arity".into());
            }
            if let TierKind::Sparse { capacity } = t.kind {
                if capacity == 0 || capacity > assets {
                    return Err(format!("capacity {capacity} must be in 1..={assets}"));
                }
            }
            if i > 0 && tiers[i - 1].kind.rank() >= t.kind.rank() {
                return Err("tier capacities must strictly increase, dense last".into());
            }
        }
        Ok(TieredParams { tiers })
    }

    pub fn tiers(&self) -> &[Tier] {
        &self.tiers
    }

    pub fn num_assets(&self) -> usize {
        self.tiers[0].tree.num_assets
    }

    /// Depth of the top tree over the tier roots: ⌈log2 T⌉.
    pub fn top_depth(&self) -> u32 {
        self.tiers.len().next_power_of_two().trailing_zeros()
    }

    /// Digest of (version, A, k, T, then per tier: kind code, B, depth): a
    /// public input of the root proof.
    pub fn digest(&self) -> Digest {
        let first = &self.tiers[0].tree;
        let mut v = vec![
            TIERED_VERSION,
            first.num_assets as u64,
            1u64 << first.arity_log,
            self.tiers.len() as u64,
        ];
        for t in &self.tiers {
            v.extend([
                t.kind.code(),
                t.tree.requested_batch_size() as u64,
                u64::from(t.tree.depth),
            ]);
        }
        let v: Vec<F> = v.into_iter().map(F::from_canonical_u64).collect();
        hash_no_pad(&v)
    }
}

/// A round's parameters: one dense account tree (account format 1), or
/// tiers (format 2). Their digest is the root proof's public input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RoundParams {
    Single(ProofParams),
    Tiered(TieredParams),
}

impl RoundParams {
    pub fn digest(&self) -> Digest {
        match self {
            RoundParams::Single(p) => p.digest(),
            RoundParams::Tiered(t) => t.digest(),
        }
    }

    pub fn num_assets(&self) -> usize {
        match self {
            RoundParams::Single(p) => p.num_assets,
            RoundParams::Tiered(t) => t.num_assets(),
        }
    }
}

/// The account root over the tier roots: a binary tree of depth
/// `top_depth`, empty places holding the zero digest.
pub fn account_root(tier_roots: &[Digest]) -> Digest {
    let mut level: Vec<Digest> = tier_roots.to_vec();
    level.resize(tier_roots.len().next_power_of_two(), Digest::ZERO);
    while level.len() > 1 {
        level = level
            .chunks(2)
            .map(|p| crate::digest::two_to_one(p[0], p[1]))
            .collect();
    }
    level[0]
}

/// The siblings of tier `tier`'s root in the top tree, from the bottom up:
/// the path a user proof takes from the tier root to the account root.
pub fn top_siblings(tier_roots: &[Digest], tier: usize) -> Vec<Digest> {
    let mut level: Vec<Digest> = tier_roots.to_vec();
    level.resize(tier_roots.len().next_power_of_two(), Digest::ZERO);
    let mut at = tier;
    let mut siblings = Vec::new();
    while level.len() > 1 {
        siblings.push(level.get(at ^ 1).copied().unwrap_or(Digest::ZERO));
        level = level
            .chunks(2)
            .map(|p| crate::digest::two_to_one(p[0], p[1]))
            .collect();
        at /= 2;
    }
    siblings
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tier(kind: TierKind, batch: usize, depth: u32) -> Tier {
        Tier {
            kind,
            tree: ProofParams::new(batch, 4, 8, depth).unwrap(),
        }
    }

    #[test]
    fn tiers_increase_and_share_assets() {
        let sparse = |k| TierKind::Sparse { capacity: k };
        assert!(
            TieredParams::new(vec![tier(sparse(2), 4, 3), tier(TierKind::Dense, 2, 1)]).is_ok()
        );
        assert!(TieredParams::new(vec![tier(sparse(2), 4, 3), tier(sparse(2), 4, 3)]).is_err());
        assert!(
            TieredParams::new(vec![tier(TierKind::Dense, 4, 3), tier(sparse(2), 4, 3)]).is_err()
        );
        assert!(TieredParams::new(vec![tier(sparse(9), 4, 3)]).is_err());
        assert!(TieredParams::new(vec![]).is_err());
        let a = TieredParams::new(vec![tier(sparse(2), 4, 3)]).unwrap();
        let b = TieredParams::new(vec![tier(sparse(3), 4, 3)]).unwrap();
        assert_ne!(a.digest(), b.digest());
        assert_eq!(a.top_depth(), 0);
    }

    #[test]
    fn the_account_root_pads_with_zero() {
        let d = |i: u64| hash_no_pad(&[F::from_canonical_u64(i)]);
        assert_eq!(account_root(&[d(1)]), d(1));
        let three = account_root(&[d(1), d(2), d(3)]);
        let left = crate::digest::two_to_one(d(1), d(2));
        let right = crate::digest::two_to_one(d(3), Digest::ZERO);
        assert_eq!(three, crate::digest::two_to_one(left, right));
        assert_eq!(
            top_siblings(&[d(1), d(2), d(3)], 2),
            vec![Digest::ZERO, left]
        );
        assert_eq!(top_siblings(&[d(1), d(2), d(3)], 1), vec![d(1), right]);
        assert!(top_siblings(&[d(1)], 0).is_empty());
    }
}
