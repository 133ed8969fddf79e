//! The batch circuit: B user slots, A assets. It recomputes every leaf from the
//! witness balances, range-checks every amount, checks each user's net value at
//! the committed prices, sums per-asset totals and computes the subtree root.

use super::gadgets::{assert_non_negative_value, merkle_root, totals_to_limbs, Builder};
use super::gates::dot::{dot_pays, sum};
use super::gates::range::range_check_many;
use super::layout::NodeTargets;
use super::prices::PriceTargets;
use super::witness::{PriceLimbs, PriceVector, UserSlot};
use super::{C, D};
use crate::digest::Digest;
use crate::field::F;
use crate::leaf::padding_leaf;
use crate::model::bounds::AMOUNT_BITS;
use anyhow::{ensure, Result};
use plonky2::field::types::Field;
use plonky2::hash::hash_types::HashOutTarget;
use plonky2::hash::poseidon::PoseidonHash;
use plonky2::iop::target::{BoolTarget, Target};
use plonky2::iop::witness::{PartialWitness, WitnessWrite};
use plonky2::plonk::circuit_data::{CircuitConfig, CircuitData};

/// Rows kept free below a power of two when sizing batches: the constant
/// gates `build` adds for the circuit's constants.
pub const ROWS_MARGIN: usize = 16;

/// How the batch circuit range-checks amounts and forms its sums. The
/// default is [`Shape::PACKED`]; the others exist to measure the
/// alternatives (docs/PERFORMANCE.md §16) and for the soundness tests.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shape {
    /// Bits of each amount's range check.
    pub amount_bits: usize,
    /// `Some(b)`: [`RangeGate`](super::gates::RangeGate) rows with base-2^b
    /// digits; `None`: one plonky2 BaseSum row per amount.
    pub range_limb_bits: Option<usize>,
    /// Net-value limb sums and per-asset totals in
    /// [`DotGate`](super::gates::DotGate) rows instead of ArithmeticGate ops.
    pub dot: bool,
    /// Deliberately unsound, for the soundness tests only: debts are not
    /// range-checked (the circuit keeps the same gates and shape).
    pub unchecked_debts: bool,
}

impl Shape {
    pub const PACKED: Shape = Shape {
        amount_bits: AMOUNT_BITS as usize,
        range_limb_bits: Some(3),
        dot: true,
        unchecked_debts: false,
    };
}

struct SlotTargets {
    real: BoolTarget,
    id_commitment: HashOutTarget,
    equity: Vec<Target>,
    debt: Vec<Target>,
    /// Witness: the inverse of idc_0 for a real slot, 0 for padding.
    idc_inverse: Target,
}

/// A compiled batch circuit and the targets its witness fills.
pub struct BatchCircuit {
    pub data: CircuitData<F, C, D>,
    slots: Vec<SlotTargets>,
    prices: PriceTargets,
    num_assets: usize,
}

impl BatchCircuit {
    /// Builds the circuit for `2^batch_log` slots and `num_assets` assets.
    pub fn build(batch_log: u32, num_assets: usize, config: CircuitConfig) -> Self {
        Self::build_shape(batch_log, num_assets, config, Shape::PACKED)
    }

    /// As `build`, with `compile` turning the gates into circuit data (the
    /// circuit set loads it from its store when it can).
    pub fn build_with(
        batch_log: u32,
        num_assets: usize,
        config: CircuitConfig,
        compile: impl FnOnce(Builder) -> CircuitData<F, C, D>,
    ) -> Self {
        let (b, slots, prices) = Self::gates(batch_log, num_assets, config, Shape::PACKED);
        BatchCircuit {
            data: compile(b),
            slots,
            prices,
            num_assets,
        }
    }

    /// As `build`, in another [`Shape`] (measurements and tests only).
    #[doc(hidden)]
    pub fn build_shape(
        batch_log: u32,
        num_assets: usize,
        config: CircuitConfig,
        shape: Shape,
    ) -> Self {
        let (b, slots, prices) = Self::gates(batch_log, num_assets, config, shape);
        BatchCircuit {
            data: b.build::<C>(),
            slots,
            prices,
            num_assets,
        }
    }

    /// Rows the circuit for `2^batch_log` slots fills before plonky2 pads it
    /// to a power of two: its gates, plus the public-input hash and gate that
    /// `build` adds. Constant gates come on top; [`ROWS_MARGIN`] covers them.
    pub fn rows(batch_log: u32, num_assets: usize, config: CircuitConfig) -> usize {
        Self::rows_shape(batch_log, num_assets, config, Shape::PACKED)
    }

    /// As `rows`, in another [`Shape`].
    #[doc(hidden)]
    pub fn rows_shape(
        batch_log: u32,
        num_assets: usize,
        config: CircuitConfig,
        shape: Shape,
    ) -> usize {
        let (b, _, _) = Self::gates(batch_log, num_assets, config, shape);
        let public_inputs = super::layout::node_len(num_assets);
        b.num_gates() + public_inputs.div_ceil(8) + 1
    }

    /// Every gate of the circuit, not yet built.
    fn gates(
        batch_log: u32,
        num_assets: usize,
        config: CircuitConfig,
        shape: Shape,
    ) -> (Builder, Vec<SlotTargets>, PriceTargets) {
        let mut b = Builder::new(config);
        let pad_leaf = padding_leaf(num_assets);
        let prices = PriceTargets::add(&mut b, num_assets, PriceLimbs::for_assets(num_assets));
        let price_commitment = prices.commitment;
        // Each asset's equity and debt terms, summed once after the loop.
        let mut terms_e = vec![Vec::new(); num_assets];
        let mut terms_d = vec![Vec::new(); num_assets];
        let mut reals = Vec::new();
        let mut leaves = Vec::new();
        let mut slots = Vec::new();
        for _ in 0..1usize << batch_log {
            let slot = add_slot(&mut b, num_assets, shape);
            leaves.push(slot_leaf(&mut b, &slot, pad_leaf));
            let net: Vec<Target> = slot
                .equity
                .iter()
                .zip(&slot.debt)
                .map(|(&e, &d)| b.sub(e, d))
                .collect();
            assert_non_negative_value(&mut b, &net, &prices.limbs, prices.shape.width, shape.dot);
            for a in 0..num_assets {
                terms_e[a].push(slot.equity[a]);
                terms_d[a].push(slot.debt[a]);
            }
            reals.push(slot.real.target);
            slots.push(slot);
        }
        let add_up = |b: &mut Builder, terms: &[Target]| {
            if shape.dot && dot_pays(b, terms.len()) {
                sum(b, terms)
            } else {
                b.add_many(terms)
            }
        };
        let sum_e: Vec<Target> = terms_e.iter().map(|t| add_up(&mut b, t)).collect();
        let sum_d: Vec<Target> = terms_d.iter().map(|t| add_up(&mut b, t)).collect();
        let count = add_up(&mut b, &reals);
        let root = merkle_root(&mut b, leaves);
        let bits = shape.amount_bits + batch_log as usize;
        let totals = (0..num_assets)
            .map(|a| totals_to_limbs(&mut b, sum_e[a], sum_d[a], bits))
            .collect();
        let node = NodeTargets {
            root,
            count,
            price_commitment,
            totals,
        };
        b.register_public_inputs(&node.flatten());
        (b, slots, prices)
    }

    pub fn batch_size(&self) -> usize {
        self.slots.len()
    }

    /// The circuit inputs for one batch; `None` slots are padding.
    pub fn witness(
        &self,
        prices: &PriceVector,
        users: &[Option<UserSlot>],
    ) -> Result<PartialWitness<F>> {
        let slots: Vec<RawSlot> = users
            .iter()
            .map(|u| RawSlot::from_user(u.as_ref(), self.num_assets))
            .collect::<Result<_>>()?;
        self.witness_raw(prices, &slots)
    }

    /// The circuit inputs from raw field values, bypassing the typed bounds:
    /// the soundness tests use it to try witnesses that the typed API cannot
    /// even express.
    #[doc(hidden)]
    pub fn witness_raw(
        &self,
        prices: &PriceVector,
        slots: &[RawSlot],
    ) -> Result<PartialWitness<F>> {
        ensure!(
            slots.len() == self.slots.len(),
            "batch holds {} slots, got {}",
            self.slots.len(),
            slots.len()
        );
        let mut pw = PartialWitness::new();
        self.prices.set(&mut pw, prices)?;
        for (t, s) in self.slots.iter().zip(slots) {
            pw.set_bool_target(t.real, s.real)?;
            pw.set_hash_target(t.id_commitment, s.id_commitment.to_hash_out())?;
            pw.set_target_arr(&t.equity, &s.equity)?;
            pw.set_target_arr(&t.debt, &s.debt)?;
            let idc0 = s.id_commitment.elements()[0];
            ensure!(
                !s.real || idc0 != F::ZERO,
                "a real slot needs a non-zero id commitment"
            );
            let inverse = if s.real { idc0.inverse() } else { F::ZERO };
            pw.set_target(t.idc_inverse, inverse)?;
        }
        Ok(pw)
    }
}

/// One slot's witness as raw field elements.
#[doc(hidden)]
#[derive(Clone, Debug)]
pub struct RawSlot {
    pub real: bool,
    pub id_commitment: Digest,
    pub equity: Vec<F>,
    pub debt: Vec<F>,
}

impl RawSlot {
    fn from_user(user: Option<&UserSlot>, num_assets: usize) -> Result<Self> {
        let Some(u) = user else {
            let zeros = vec![F::ZERO; num_assets];
            return Ok(RawSlot {
                real: false,
                id_commitment: Digest::ZERO,
                equity: zeros.clone(),
                debt: zeros,
            });
        };
        ensure!(
            u.positions.len() == num_assets,
            "user slot has {} positions, expected {num_assets}",
            u.positions.len()
        );
        Ok(RawSlot {
            real: true,
            id_commitment: u.id_commitment,
            equity: u.positions.iter().map(|p| p.equity.to_field()).collect(),
            debt: u.positions.iter().map(|p| p.debt.to_field()).collect(),
        })
    }
}

fn add_slot(b: &mut Builder, num_assets: usize, shape: Shape) -> SlotTargets {
    let real = b.add_virtual_bool_target_safe();
    let id_commitment = b.add_virtual_hash();
    let equity = b.add_virtual_targets(num_assets);
    let debt = b.add_virtual_targets(num_assets);
    let amounts = if shape.unchecked_debts {
        equity.clone()
    } else {
        [equity.as_slice(), debt.as_slice()].concat()
    };
    match shape.range_limb_bits {
        Some(limb_bits) => range_check_many(b, &amounts, shape.amount_bits, limb_bits),
        None => amounts
            .iter()
            .for_each(|&t| b.range_check(t, shape.amount_bits)),
    }
    // A real slot's id commitment starts with a non-zero element: idc_0 * inv = real.
    let idc_inverse = b.add_virtual_target();
    let prod = b.mul(id_commitment.elements[0], idc_inverse);
    b.connect(prod, real.target);
    SlotTargets {
        real,
        id_commitment,
        equity,
        debt,
        idc_inverse,
    }
}

/// H(idc, e_0, d_0, ...); a padding slot (real = 0) must hash to the padding
/// leaf, so by collision resistance its balances are zero, while a real slot,
/// with idc_0 != 0, can never hash to it.
fn slot_leaf(b: &mut Builder, s: &SlotTargets, pad_leaf: Digest) -> HashOutTarget {
    let mut inputs = s.id_commitment.elements.to_vec();
    for (&e, &d) in s.equity.iter().zip(&s.debt) {
        inputs.extend([e, d]);
    }
    let h = b.hash_n_to_hash_no_pad::<PoseidonHash>(inputs);
    for (&x, z) in h.elements.iter().zip(pad_leaf.elements()) {
        // (1 - real) * (x - z) = 0.
        let diff = b.add_const(x, -z);
        let kept = b.mul(s.real.target, diff);
        b.connect(kept, diff);
    }
    h
}
