//! Host-side witness values and the commitments the circuits recompute.

use super::layout::split_u64;
use crate::digest::{hash_no_pad, Digest};
use crate::field::F;
use crate::model::{AssetTable, Position};
use plonky2::field::types::Field;

use crate::model::bounds::{AMOUNT_BITS, PRICE_BITS};

/// How committed prices are split into limbs for the net-value check.
///
/// With A assets, |sum_a (e_a - d_a) * limb_a| < 2^(ceil(log2 A) + 48 + width)
/// must stay below 2^62 (docs/FORMAT.md §3), so the width shrinks as A grows:
/// 20 assets give 9-bit limbs (4 of them), 1024 assets give 4-bit limbs (8).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PriceLimbs {
    pub width: u32,
    pub count: usize,
}

impl PriceLimbs {
    pub fn for_assets(num_assets: usize) -> Self {
        let log_a = num_assets.max(1).next_power_of_two().trailing_zeros();
        let width = 62 - AMOUNT_BITS - log_a;
        PriceLimbs {
            width,
            count: PRICE_BITS.div_ceil(width) as usize,
        }
    }

    /// Bits of limb j: `width`, except the last, which completes PRICE_BITS.
    pub fn bits(&self, j: usize) -> u32 {
        if j + 1 == self.count {
            PRICE_BITS - self.width * (self.count as u32 - 1)
        } else {
            self.width
        }
    }
}

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

    /// Little-endian limbs of price `a`.
    pub fn limbs(&self, a: usize, shape: PriceLimbs) -> Vec<F> {
        let mask = (1u64 << shape.width) - 1;
        (0..shape.count)
            .map(|j| F::from_canonical_u64((self.prices[a] >> (shape.width as usize * j)) & mask))
            .collect()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limb_sums_stay_below_2_62_for_every_asset_count() {
        for a in 1..=crate::model::bounds::MAX_ASSETS {
            let s = PriceLimbs::for_assets(a);
            let worst = a as u128 * ((1u128 << AMOUNT_BITS) - 1) * ((1u128 << s.width) - 1);
            assert!(worst < 1 << 62, "{a} assets: width {}", s.width);
            assert!(s.bits(s.count - 1) >= 1 && s.bits(s.count - 1) <= s.width);
            assert_eq!((0..s.count).map(|j| s.bits(j)).sum::<u32>(), PRICE_BITS);
        }
        assert_eq!(
            PriceLimbs::for_assets(20),
            PriceLimbs { width: 9, count: 4 }
        );
    }

    #[test]
    fn limbs_recompose_the_price() {
        let p = PriceVector {
            value_scale: 3,
            prices: vec![0xFFFF_FFFF, 12345],
        };
        let shape = PriceLimbs::for_assets(2);
        for a in 0..2 {
            let q: u64 = p
                .limbs(a, shape)
                .iter()
                .enumerate()
                .map(|(j, l)| {
                    plonky2::field::types::PrimeField64::to_canonical_u64(l)
                        << (shape.width as usize * j)
                })
                .sum();
            assert_eq!(q, p.prices[a]);
        }
    }
}
