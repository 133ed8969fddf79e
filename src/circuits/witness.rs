//! Host-side witness values and the commitments the circuits recompute.

use super::layout::split_u64;
use crate::digest::{hash_no_pad, Digest};
use crate::field::F;
use crate::model::{AssetTable, Position};
use plonky2::field::types::Field;

/// Nibbles per committed price: 8 x 4 bits = the 32-bit price bound.
pub const PRICE_NIBBLES: usize = 8;

/// The committed prices and their scale.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PriceVector {
    pub value_scale: u32,
    /// Committed integer prices q_a < 2^32, in asset order.
    pub prices: Vec<u64>,
}

impl PriceVector {
    pub fn from_assets(assets: &AssetTable) -> Self {
        PriceVector {
            value_scale: assets.value_scale(),
            prices: assets.assets().iter().map(|a| a.price.units()).collect(),
        }
    }

    /// `H(S, q_0, ..., q_{A-1})`.
    pub fn commitment(&self) -> Digest {
        hash_no_pad(&self.commitment_inputs())
    }

    pub fn commitment_inputs(&self) -> Vec<F> {
        std::iter::once(u64::from(self.value_scale))
            .chain(self.prices.iter().copied())
            .map(F::from_canonical_u64)
            .collect()
    }

    /// Little-endian 4-bit nibbles of price `a`.
    pub fn nibbles(&self, a: usize) -> [F; PRICE_NIBBLES] {
        std::array::from_fn(|j| F::from_canonical_u64((self.prices[a] >> (4 * j)) & 0xF))
    }
}

/// `H(r_0_lo, r_0_hi, r_1_lo, ...)` over reserves in units.
pub fn reserve_commitment(reserves: &[u64]) -> Digest {
    let limbs: Vec<F> = reserves.iter().flat_map(|&r| split_u64(r)).collect();
    hash_no_pad(&limbs)
}

/// One user's slot in a batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserSlot {
    pub id_commitment: Digest,
    /// Dense positions over all assets.
    pub positions: Vec<Position>,
}
