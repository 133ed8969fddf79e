//! The committed price vector inside a circuit: the scale and each price as
//! range-checked limbs, and their commitment `H(S, q_0, ..., q_{A-1})`.

use super::gadgets::Builder;
use super::witness::{PriceLimbs, PriceVector};
use crate::field::F;
use anyhow::{ensure, Result};
use plonky2::field::types::Field;
use plonky2::hash::hash_types::HashOutTarget;
use plonky2::hash::poseidon::PoseidonHash;
use plonky2::iop::target::Target;
use plonky2::iop::witness::{PartialWitness, WitnessWrite};

pub(super) struct PriceTargets {
    value_scale: Target,
    pub shape: PriceLimbs,
    /// Per asset, its price's limbs, little-endian, each range-checked.
    pub limbs: Vec<Vec<Target>>,
    pub commitment: HashOutTarget,
}

impl PriceTargets {
    /// `num_assets` prices split as `shape` says, and their commitment.
    pub fn add(b: &mut Builder, num_assets: usize, shape: PriceLimbs) -> Self {
        let value_scale = b.add_virtual_target();
        b.range_check(value_scale, 8);
        let limbs: Vec<Vec<Target>> = (0..num_assets)
            .map(|_| {
                let l = b.add_virtual_targets(shape.count);
                l.iter()
                    .enumerate()
                    .for_each(|(j, &t)| b.range_check(t, shape.bits(j) as usize));
                l
            })
            .collect();
        let inputs = std::iter::once(value_scale)
            .chain(limbs.iter().map(|l| recompose(b, l, shape.width)))
            .collect();
        let commitment = b.hash_n_to_hash_no_pad::<PoseidonHash>(inputs);
        PriceTargets {
            value_scale,
            shape,
            limbs,
            commitment,
        }
    }

    pub fn set(&self, pw: &mut PartialWitness<F>, prices: &PriceVector) -> Result<()> {
        ensure!(
            prices.prices.len() == self.limbs.len(),
            "price vector has {} prices, the circuit {}",
            prices.prices.len(),
            self.limbs.len()
        );
        pw.set_target(self.value_scale, F::from_canonical_u32(prices.value_scale))?;
        for (a, limbs) in self.limbs.iter().enumerate() {
            pw.set_target_arr(limbs, &prices.limbs(a, self.shape))?;
        }
        Ok(())
    }
}

fn recompose(b: &mut Builder, limbs: &[Target], width: u32) -> Target {
    let mut q = b.zero();
    for &t in limbs.iter().rev() {
        q = b.mul_const_add(F::from_canonical_u64(1 << width), q, t);
    }
    q
}
