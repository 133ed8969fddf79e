//! The sparse batch circuit (format version 2): B user slots of one tier,
//! each holding K positions `(asset index, equity, debt)` out of A assets.
//! It recomputes every v2 leaf, range-checks every amount, proves that each
//! user's indices strictly increase below A + K, routes every position to
//! its asset's committed price and per-asset totals with the logUp argument
//! of `routing`, checks each user's net value and computes the subtree root.
//! Its public inputs are a dense batch's (`layout::NodeTargets`), so the
//! aggregation circuits above it are the same.

use super::gadgets::{assert_non_negative_value_queued, merkle_root, totals_to_limbs, Builder};
use super::gates::range::range_check_many;
use super::layout::NodeTargets;
use super::prices::PriceTargets;
use super::routing::{index_constant, Challenges};
use super::witness::{PriceLimbs, PriceVector};
use super::{C, D};
use crate::digest::Digest;
use crate::field::F;
use crate::leaf::SparseLayout;
use crate::model::bounds::AMOUNT_BITS;
use crate::model::Holdings;
use anyhow::{ensure, Result};
use plonky2::field::types::Field;
use plonky2::hash::hash_types::HashOutTarget;
use plonky2::hash::poseidon::PoseidonHash;
use plonky2::iop::target::{BoolTarget, Target};
use plonky2::iop::witness::{PartialWitness, WitnessWrite};
use plonky2::plonk::circuit_data::{CircuitConfig, CircuitData};

/// Which of the routing constraints the circuit holds. Every circuit zkpor
/// proves with holds all; the soundness tests drop one at a time to show that
/// it, and nothing else, refuses a false statement.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Checks {
    /// Indices strictly increase and stay below A + K.
    pub order: bool,
    /// The logUp identity holds.
    pub routing: bool,
    /// Every amount is below 2^48.
    pub amounts: bool,
}

impl Checks {
    pub const ALL: Checks = Checks {
        order: true,
        routing: true,
        amounts: true,
    };
}

/// One user of a sparse batch: their id commitment and holdings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SparseUser {
    pub id_commitment: Digest,
    pub holdings: Holdings,
}

struct PositionTargets {
    index: Target,
    equity: Target,
    debt: Target,
    /// The price of `index`, as the table's limbs (proven by routing).
    limbs: Vec<Target>,
}

struct SlotTargets {
    real: BoolTarget,
    id_commitment: HashOutTarget,
    positions: Vec<PositionTargets>,
    /// Witness: the inverse of idc_0 for a real slot, 0 for padding.
    idc_inverse: Target,
}

/// The table side of the routing identity: one row per asset, then one per
/// padding index A + k, whose totals are the constant zero.
struct RoutingTargets {
    equity: Vec<Target>,
    debt: Vec<Target>,
    multiplicity: Vec<Target>,
}

/// A compiled sparse batch circuit and the targets its witness fills.
pub struct SparseBatchCircuit {
    pub data: CircuitData<F, C, D>,
    pub layout: SparseLayout,
    slots: Vec<SlotTargets>,
    prices: PriceTargets,
    routing: RoutingTargets,
    /// α, β, γ as six base targets (the conformance test reads them).
    #[doc(hidden)]
    pub challenges: [Target; 6],
}

struct Gates {
    builder: Builder,
    slots: Vec<SlotTargets>,
    prices: PriceTargets,
    routing: RoutingTargets,
    challenges: [Target; 6],
}

impl SparseBatchCircuit {
    /// The circuit for `2^batch_log` slots of `layout`'s tier.
    pub fn build(batch_log: u32, layout: SparseLayout, config: CircuitConfig) -> Self {
        Self::build_with(batch_log, layout, config, |b| b.build::<C>())
    }

    /// As `build`, with `compile` turning the gates into circuit data.
    pub fn build_with(
        batch_log: u32,
        layout: SparseLayout,
        config: CircuitConfig,
        compile: impl FnOnce(Builder) -> CircuitData<F, C, D>,
    ) -> Self {
        let g = gates(batch_log, layout, config, Checks::ALL);
        Self::from_gates(g, layout, compile)
    }

    /// As `build`, holding only `checks` (the soundness tests only).
    #[doc(hidden)]
    pub fn build_checked(
        batch_log: u32,
        layout: SparseLayout,
        config: CircuitConfig,
        checks: Checks,
    ) -> Self {
        let g = gates(batch_log, layout, config, checks);
        Self::from_gates(g, layout, |b| b.build::<C>())
    }

    fn from_gates(
        g: Gates,
        layout: SparseLayout,
        compile: impl FnOnce(Builder) -> CircuitData<F, C, D>,
    ) -> Self {
        SparseBatchCircuit {
            data: compile(g.builder),
            layout,
            slots: g.slots,
            prices: g.prices,
            routing: g.routing,
            challenges: g.challenges,
        }
    }

    /// Rows before plonky2 pads to a power of two, as `BatchCircuit::rows`
    /// counts them.
    pub fn rows(batch_log: u32, layout: SparseLayout, config: CircuitConfig) -> usize {
        let g = gates(batch_log, layout, config, Checks::ALL);
        let public_inputs = super::layout::node_len(layout.num_assets);
        g.builder.num_gates() + public_inputs.div_ceil(8) + 1
    }

    pub fn batch_size(&self) -> usize {
        self.slots.len()
    }

    /// The circuit inputs for one batch; `None` slots are padding.
    pub fn witness(
        &self,
        prices: &PriceVector,
        users: &[Option<SparseUser>],
    ) -> Result<PartialWitness<F>> {
        let slots: Vec<RawSparseSlot> = users
            .iter()
            .map(|u| RawSparseSlot::from_user(u.as_ref(), self.layout, prices, self.prices.shape))
            .collect::<Result<_>>()?;
        let routing = RawRouting::honest(&slots, self.layout);
        self.witness_raw(prices, &slots, &routing)
    }

    /// The circuit inputs from raw field values, bypassing every host-side
    /// check: the soundness tests use it to try witnesses the typed API
    /// cannot express.
    #[doc(hidden)]
    pub fn witness_raw(
        &self,
        prices: &PriceVector,
        slots: &[RawSparseSlot],
        routing: &RawRouting,
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
            set_slot(&mut pw, t, s)?;
        }
        let r = &self.routing;
        pw.set_target_arr(&r.equity, &routing.equity)?;
        pw.set_target_arr(&r.debt, &routing.debt)?;
        pw.set_target_arr(&r.multiplicity, &routing.multiplicity)?;
        Ok(pw)
    }
}

fn set_slot(pw: &mut PartialWitness<F>, t: &SlotTargets, s: &RawSparseSlot) -> Result<()> {
    ensure!(
        s.positions.len() == t.positions.len(),
        "slot holds {} positions, got {}",
        t.positions.len(),
        s.positions.len()
    );
    pw.set_bool_target(t.real, s.real)?;
    pw.set_hash_target(t.id_commitment, s.id_commitment.to_hash_out())?;
    for (pt, p) in t.positions.iter().zip(&s.positions) {
        pw.set_target(pt.index, p.index)?;
        pw.set_target(pt.equity, p.equity)?;
        pw.set_target(pt.debt, p.debt)?;
        pw.set_target_arr(&pt.limbs, &p.limbs)?;
    }
    let idc0 = s.id_commitment.elements()[0];
    ensure!(
        !s.real || idc0 != F::ZERO,
        "a real slot needs a non-zero id commitment"
    );
    let inverse = if s.real { idc0.inverse() } else { F::ZERO };
    pw.set_target(t.idc_inverse, inverse)?;
    Ok(())
}

/// One position's witness as raw field values.
#[doc(hidden)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawPosition {
    pub index: F,
    pub equity: F,
    pub debt: F,
    pub limbs: Vec<F>,
}

/// One slot's witness as raw field values.
#[doc(hidden)]
#[derive(Clone, Debug)]
pub struct RawSparseSlot {
    pub real: bool,
    pub id_commitment: Digest,
    pub positions: Vec<RawPosition>,
}

impl RawSparseSlot {
    /// The honest raw slot of `user` (None: padding), prices split as `shape`.
    pub fn from_user(
        user: Option<&SparseUser>,
        layout: SparseLayout,
        prices: &PriceVector,
        shape: PriceLimbs,
    ) -> Result<Self> {
        let (real, id_commitment, held) = match user {
            Some(u) => (true, u.id_commitment, u.holdings.positions()),
            None => (false, Digest::ZERO, &[][..]),
        };
        ensure!(
            held.len() <= layout.capacity,
            "a user holds {} positions, the tier {}",
            held.len(),
            layout.capacity
        );
        let positions = (0..layout.capacity)
            .map(|k| match held.get(k) {
                Some(&(a, p)) => {
                    ensure!(
                        (a as usize) < prices.prices.len(),
                        "asset index {a} has no price"
                    );
                    Ok(RawPosition {
                        index: F::from_canonical_u32(a),
                        equity: p.equity.to_field(),
                        debt: p.debt.to_field(),
                        limbs: prices.limbs(a as usize, shape),
                    })
                }
                None => Ok(RawPosition {
                    index: F::from_canonical_u64(layout.padding_index(k)),
                    equity: F::ZERO,
                    debt: F::ZERO,
                    limbs: vec![F::ZERO; shape.count],
                }),
            })
            .collect::<Result<_>>()?;
        Ok(RawSparseSlot {
            real,
            id_commitment,
            positions,
        })
    }
}

/// The table side's witness: per asset the summed equity and debt, and per
/// table row (assets, then padding indices) how many positions it routes.
#[doc(hidden)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawRouting {
    pub equity: Vec<F>,
    pub debt: Vec<F>,
    pub multiplicity: Vec<F>,
}

impl RawRouting {
    /// The values that satisfy the identity for `slots` (positions with an
    /// index outside the table have no row to count them).
    pub fn honest(slots: &[RawSparseSlot], layout: SparseLayout) -> Self {
        let rows = layout.num_assets + layout.capacity;
        let mut r = RawRouting {
            equity: vec![F::ZERO; layout.num_assets],
            debt: vec![F::ZERO; layout.num_assets],
            multiplicity: vec![F::ZERO; rows],
        };
        for p in slots.iter().flat_map(|s| &s.positions) {
            let i = plonky2::field::types::PrimeField64::to_canonical_u64(&p.index) as usize;
            if i < rows {
                r.multiplicity[i] += F::ONE;
            }
            if i < layout.num_assets {
                r.equity[i] += p.equity;
                r.debt[i] += p.debt;
            }
        }
        r
    }
}

fn gates(batch_log: u32, layout: SparseLayout, config: CircuitConfig, checks: Checks) -> Gates {
    // Shapes come from zkpor's tier parameters, never from input.
    assert!(
        (1..=layout.num_assets).contains(&layout.capacity),
        "a sparse tier holds 1..=A positions"
    );
    let mut b = Builder::new(config);
    let shape = PriceLimbs::for_assets(layout.capacity);
    let prices = PriceTargets::add(&mut b, layout.num_assets, shape);
    let pad_leaf = layout.padding_leaf();
    let mut slots = Vec::new();
    let mut leaves = Vec::new();
    for _ in 0..1usize << batch_log {
        let slot = add_slot(&mut b, layout, shape, checks);
        leaves.push(slot_leaf(&mut b, &slot, pad_leaf));
        let net: Vec<Target> = slot
            .positions
            .iter()
            .map(|p| b.sub(p.equity, p.debt))
            .collect();
        let limbs: Vec<Vec<Target>> = slot.positions.iter().map(|p| p.limbs.clone()).collect();
        let mut bounded = Vec::new();
        assert_non_negative_value_queued(&mut b, &net, &limbs, shape.width, &mut bounded);
        range_check_many(&mut b, &bounded, AMOUNT_BITS as usize, 3);
        slots.push(slot);
    }
    let rows = layout.num_assets + layout.capacity;
    let routing = RoutingTargets {
        equity: b.add_virtual_targets(layout.num_assets),
        debt: b.add_virtual_targets(layout.num_assets),
        multiplicity: b.add_virtual_targets(rows),
    };
    let root = merkle_root(&mut b, leaves);
    let ch = Challenges::derive(&mut b, challenge_inputs(root, &prices, &routing, &slots));
    route(&mut b, &ch, &slots, &prices, &routing, layout, checks);
    let count = b.add_many(slots.iter().map(|s| s.real.target));
    let bits = AMOUNT_BITS as usize + batch_log as usize;
    let totals = (0..layout.num_assets)
        .map(|a| totals_to_limbs(&mut b, routing.equity[a], routing.debt[a], bits))
        .collect();
    let node = NodeTargets {
        root,
        count,
        price_commitment: prices.commitment,
        totals,
    };
    b.register_public_inputs(&node.flatten());
    Gates {
        builder: b,
        slots,
        prices,
        routing,
        challenges: ch.targets(),
    }
}

/// Everything the identity mentions that the leaves do not already bind
/// through `root`: the price commitment, the table's totals and
/// multiplicities, and every position's price limbs (docs/FORMAT.md §12).
fn challenge_inputs(
    root: HashOutTarget,
    prices: &PriceTargets,
    routing: &RoutingTargets,
    slots: &[SlotTargets],
) -> Vec<Target> {
    let mut v = root.elements.to_vec();
    v.extend(prices.commitment.elements);
    for (&e, &d) in routing.equity.iter().zip(&routing.debt) {
        v.extend([e, d]);
    }
    v.extend(&routing.multiplicity);
    for p in slots.iter().flat_map(|s| &s.positions) {
        v.extend(&p.limbs);
    }
    v
}

/// The logUp identity: positions on the left, the table on the right.
fn route(
    b: &mut Builder,
    ch: &Challenges,
    slots: &[SlotTargets],
    prices: &PriceTargets,
    routing: &RoutingTargets,
    layout: SparseLayout,
    checks: Checks,
) {
    let one = b.one();
    let mut lhs = b.zero_extension();
    for p in slots.iter().flat_map(|s| &s.positions) {
        let key: Vec<Target> = std::iter::once(p.index)
            .chain(p.limbs.iter().copied())
            .collect();
        lhs = ch.add_term(b, lhs, &key, one, Some((p.equity, p.debt)));
    }
    let mut rhs = b.zero_extension();
    for a in 0..layout.num_assets {
        let index = index_constant(b, a as u64);
        let key: Vec<Target> = std::iter::once(index)
            .chain(prices.limbs[a].iter().copied())
            .collect();
        let sides = Some((routing.equity[a], routing.debt[a]));
        rhs = ch.add_term(b, rhs, &key, routing.multiplicity[a], sides);
    }
    for k in 0..layout.capacity {
        // A padding row's price limbs are zero, so its key is its index alone.
        let index = index_constant(b, layout.padding_index(k));
        let m = routing.multiplicity[layout.num_assets + k];
        rhs = ch.add_term(b, rhs, &[index], m, None);
    }
    if checks.routing {
        b.connect_extension(lhs, rhs);
    }
}

fn add_slot(
    b: &mut Builder,
    layout: SparseLayout,
    shape: PriceLimbs,
    checks: Checks,
) -> SlotTargets {
    let real = b.add_virtual_bool_target_safe();
    let id_commitment = b.add_virtual_hash();
    let positions: Vec<PositionTargets> = (0..layout.capacity)
        .map(|_| PositionTargets {
            index: b.add_virtual_target(),
            equity: b.add_virtual_target(),
            debt: b.add_virtual_target(),
            limbs: b.add_virtual_targets(shape.count),
        })
        .collect();
    let mut checked: Vec<Target> = if checks.amounts {
        positions.iter().flat_map(|p| [p.equity, p.debt]).collect()
    } else {
        Vec::new()
    };
    if checks.order {
        checked.extend(order_gaps(b, &positions, layout));
    }
    range_check_many(b, &checked, AMOUNT_BITS as usize, 3);
    let idc_inverse = b.add_virtual_target();
    let prod = b.mul(id_commitment.elements[0], idc_inverse);
    b.connect(prod, real.target);
    SlotTargets {
        real,
        id_commitment,
        positions,
        idc_inverse,
    }
}

/// `i_0`, each `i_{k+1} − i_k − 1` and `A + K − 1 − i_{K−1}`: all below
/// 2^48 exactly when the indices are integers with
/// 0 ≤ i_0 < i_1 < ... < i_{K−1} < A + K (docs/FORMAT.md §12).
fn order_gaps(b: &mut Builder, positions: &[PositionTargets], layout: SparseLayout) -> Vec<Target> {
    let mut gaps = vec![positions[0].index];
    for w in positions.windows(2) {
        let step = b.sub(w[1].index, w[0].index);
        gaps.push(b.add_const(step, -F::ONE));
    }
    let last = positions[positions.len() - 1].index;
    let top = F::from_canonical_u64(layout.padding_index(layout.capacity - 1));
    let top = b.constant(top);
    gaps.push(b.sub(top, last));
    gaps
}

/// H(idc, i_0, e_0, d_0, ...); a padding slot must hash to the padding leaf.
fn slot_leaf(b: &mut Builder, s: &SlotTargets, pad_leaf: Digest) -> HashOutTarget {
    let mut inputs = s.id_commitment.elements.to_vec();
    for p in &s.positions {
        inputs.extend([p.index, p.equity, p.debt]);
    }
    let h = b.hash_n_to_hash_no_pad::<PoseidonHash>(inputs);
    for (&x, z) in h.elements.iter().zip(pad_leaf.elements()) {
        let diff = b.add_const(x, -z);
        let kept = b.mul(s.real.target, diff);
        b.connect(kept, diff);
    }
    h
}
