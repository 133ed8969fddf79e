//! Public-input layouts (docs/FORMAT.md §9).
//!
//! Node proofs (batch and aggregation): `root[4] | count | price_commitment[4] |
//! per asset: equity_lo, equity_hi, debt_lo, debt_hi` with 32-bit limbs.
//! Root proof: `account_root[4] | users | per asset: equity_lo, equity_hi,
//! debt_lo, debt_hi | price_commitment[4] | reserve_commitment[4] | params_digest[4]`.

use crate::digest::Digest;
use crate::field::F;
use plonky2::field::types::{Field, PrimeField64};
use plonky2::hash::hash_types::HashOutTarget;
use plonky2::iop::target::Target;

/// A 64-bit total as two 32-bit limbs (lo, hi).
pub type Limbs = [Target; 2];

/// Per-asset totals as limbs.
#[derive(Clone, Copy, Debug)]
pub struct TotalTargets {
    pub equity: Limbs,
    pub debt: Limbs,
}

/// A node's public inputs as targets.
#[derive(Clone, Debug)]
pub struct NodeTargets {
    pub root: HashOutTarget,
    pub count: Target,
    pub price_commitment: HashOutTarget,
    pub totals: Vec<TotalTargets>,
}

pub fn node_len(num_assets: usize) -> usize {
    9 + 4 * num_assets
}

pub fn root_len(num_assets: usize) -> usize {
    17 + 4 * num_assets
}

fn hash_at(pis: &[Target], at: usize) -> HashOutTarget {
    HashOutTarget {
        elements: [pis[at], pis[at + 1], pis[at + 2], pis[at + 3]],
    }
}

fn totals_at(pis: &[Target], at: usize, num_assets: usize) -> Vec<TotalTargets> {
    (0..num_assets)
        .map(|a| {
            let t = &pis[at + 4 * a..];
            TotalTargets {
                equity: [t[0], t[1]],
                debt: [t[2], t[3]],
            }
        })
        .collect()
}

fn flatten_totals(totals: &[TotalTargets]) -> Vec<Target> {
    totals
        .iter()
        .flat_map(|t| [t.equity[0], t.equity[1], t.debt[0], t.debt[1]])
        .collect()
}

impl NodeTargets {
    pub fn from_public_inputs(pis: &[Target], num_assets: usize) -> Self {
        NodeTargets {
            root: hash_at(pis, 0),
            count: pis[4],
            price_commitment: hash_at(pis, 5),
            totals: totals_at(pis, 9, num_assets),
        }
    }

    /// The targets in public-input order.
    pub fn flatten(&self) -> Vec<Target> {
        let mut v = self.root.elements.to_vec();
        v.push(self.count);
        v.extend(self.price_commitment.elements);
        v.extend(flatten_totals(&self.totals));
        v
    }
}

/// The root proof's public inputs as targets.
pub struct RootTargets<'a> {
    pub node: &'a NodeTargets,
    pub reserve_commitment: HashOutTarget,
    pub params_digest: HashOutTarget,
}

impl RootTargets<'_> {
    pub fn flatten(&self) -> Vec<Target> {
        let mut v = self.node.root.elements.to_vec();
        v.push(self.node.count);
        v.extend(flatten_totals(&self.node.totals));
        v.extend(self.node.price_commitment.elements);
        v.extend(self.reserve_commitment.elements);
        v.extend(self.params_digest.elements);
        v
    }
}

/// Why public inputs could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("public inputs: {0}")]
pub struct LayoutError(pub String);

fn digest_at(v: &[F], at: usize) -> Digest {
    Digest::from_elements([v[at], v[at + 1], v[at + 2], v[at + 3]])
}

/// Joins a (lo, hi) limb pair, checking each is below 2^32.
fn join(lo: F, hi: F) -> Result<u64, LayoutError> {
    let (lo, hi) = (lo.to_canonical_u64(), hi.to_canonical_u64());
    if lo >> 32 != 0 || hi >> 32 != 0 {
        return Err(LayoutError(format!("limb out of range ({lo}, {hi})")));
    }
    Ok(lo | hi << 32)
}

fn totals_from(v: &[F], at: usize, num_assets: usize) -> Result<Vec<(u64, u64)>, LayoutError> {
    (0..num_assets)
        .map(|a| {
            let t = &v[at + 4 * a..];
            Ok((join(t[0], t[1])?, join(t[2], t[3])?))
        })
        .collect()
}

/// A node proof's public inputs as values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeValues {
    pub root: Digest,
    pub count: u64,
    pub price_commitment: Digest,
    /// (total equity, total debt) per asset, in units.
    pub totals: Vec<(u64, u64)>,
}

impl NodeValues {
    pub fn parse(v: &[F], num_assets: usize) -> Result<Self, LayoutError> {
        if v.len() != node_len(num_assets) {
            return Err(LayoutError(format!(
                "{} node inputs, expected {}",
                v.len(),
                node_len(num_assets)
            )));
        }
        Ok(NodeValues {
            root: digest_at(v, 0),
            count: v[4].to_canonical_u64(),
            price_commitment: digest_at(v, 5),
            totals: totals_from(v, 9, num_assets)?,
        })
    }
}

/// The root proof's public inputs as values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RootValues {
    pub account_root: Digest,
    pub users: u64,
    pub totals: Vec<(u64, u64)>,
    pub price_commitment: Digest,
    pub reserve_commitment: Digest,
    pub params_digest: Digest,
}

impl RootValues {
    pub fn parse(v: &[F], num_assets: usize) -> Result<Self, LayoutError> {
        if v.len() != root_len(num_assets) {
            return Err(LayoutError(format!(
                "{} root inputs, expected {}",
                v.len(),
                root_len(num_assets)
            )));
        }
        let at = 5 + 4 * num_assets;
        Ok(RootValues {
            account_root: digest_at(v, 0),
            users: v[4].to_canonical_u64(),
            totals: totals_from(v, 5, num_assets)?,
            price_commitment: digest_at(v, at),
            reserve_commitment: digest_at(v, at + 4),
            params_digest: digest_at(v, at + 8),
        })
    }
}

/// A u64 as (lo, hi) field limbs.
pub fn split_u64(x: u64) -> [F; 2] {
    [
        F::from_canonical_u64(x & 0xFFFF_FFFF),
        F::from_canonical_u64(x >> 32),
    ]
}
