//! Soundness: each test tries to prove a false statement and shows that proving
//! fails or the proof does not verify. Small circuits: 4 users, 2 assets, arity 2.

use plonky2::field::types::{Field, PrimeField64};
use plonky2::plonk::circuit_data::CircuitConfig;
use std::sync::OnceLock;
use zkpor::circuits::batch::{RawSlot, Shape};
use zkpor::circuits::witness::{reserve_commitment, PriceVector};
use zkpor::circuits::{
    AggregateCircuit, BatchCircuit, NodeValues, Proof, ProofParams, RootCircuit, RootValues,
};
use zkpor::digest::Digest;
use zkpor::field::{F, P};
use zkpor::leaf::leaf_digest;
use zkpor::model::{Amount, Position};

const ASSETS: usize = 2;
const BATCH_LOG: u32 = 2;

struct Fixture {
    batch: BatchCircuit,
    agg: AggregateCircuit,
    root: RootCircuit,
    /// Same gates and shape as `batch`, but debts are not range-checked: an
    /// unsound circuit.
    evil: BatchCircuit,
}

fn fx() -> &'static Fixture {
    static FX: OnceLock<Fixture> = OnceLock::new();
    FX.get_or_init(|| {
        let config = CircuitConfig::standard_recursion_config();
        let batch = BatchCircuit::build(BATCH_LOG, ASSETS, config.clone());
        let evil = BatchCircuit::build_shape(
            BATCH_LOG,
            ASSETS,
            config.clone(),
            Shape {
                unchecked_debts: true,
                ..Shape::PACKED
            },
        );
        let agg = AggregateCircuit::build(
            &batch.data.common,
            &batch.data.verifier_only,
            1,
            ASSETS,
            config,
        );
        let params = ProofParams::new(4, 2, ASSETS, BATCH_LOG + 1).unwrap();
        let root = RootCircuit::build(&agg.data.common, &agg.data.verifier_only, &params);
        Fixture {
            batch,
            agg,
            root,
            evil,
        }
    })
}

/// BTC-like asset at 100 value units per unit, USD-like at 1.
fn prices() -> PriceVector {
    PriceVector {
        value_scale: 2,
        prices: vec![100, 1],
    }
}

fn idc(i: u64) -> Digest {
    zkpor::digest::hash_no_pad(&[F::from_canonical_u64(i)])
}

fn slot(i: u64, equity: [u64; ASSETS], debt: [u64; ASSETS]) -> RawSlot {
    RawSlot {
        real: true,
        id_commitment: idc(i),
        equity: equity
            .iter()
            .map(|&x| F::from_noncanonical_u64(x))
            .collect(),
        debt: debt.iter().map(|&x| F::from_noncanonical_u64(x)).collect(),
    }
}

fn padding() -> RawSlot {
    RawSlot {
        real: false,
        id_commitment: Digest::ZERO,
        equity: vec![F::ZERO; ASSETS],
        debt: vec![F::ZERO; ASSETS],
    }
}

fn honest_slots(seed: u64) -> Vec<RawSlot> {
    vec![
        slot(seed, [5, 300], [0, 0]),
        slot(seed + 1, [1, 0], [0, 90]),
        slot(seed + 2, [0, 7], [0, 0]),
        padding(),
    ]
}

/// Why a false statement did not end in a verifying proof.
#[derive(Debug)]
enum Refusal {
    /// The witness cannot satisfy the circuit: plonky2's witness generation
    /// met a copy constraint it cannot meet, or its prover found that the
    /// vanishing polynomial is not divisible by Z_H.
    Unsatisfiable,
    /// A proof came out, and the verifier rejected it.
    DoesNotVerify,
}

/// The messages plonky2 1.1 gives when a witness cannot satisfy the circuit.
const UNSATISFIABLE: [&str; 3] = [
    "was set twice with different values",
    "Quotient has failed, the vanishing polynomial is not divisible by Z_H",
    "the witness does not satisfy the circuit's constraints",
];

/// Asserts that a false statement cannot end in a verifying proof, and that
/// it fails for the intended reason: a constraint that cannot be satisfied, or
/// a proof that does not verify. Any other failure (a fixture of the wrong
/// shape, an index out of range) fails the test: it would prove nothing.
fn must_fail<T>(
    what: &str,
    attempt: impl FnOnce() -> anyhow::Result<T>,
    verify: impl FnOnce(T) -> anyhow::Result<()>,
) -> Refusal {
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(attempt));
    let failure = match outcome {
        Ok(Ok(proof)) => match verify(proof) {
            Ok(()) => panic!("{what}: a proof of a false statement verified"),
            Err(_) => return Refusal::DoesNotVerify,
        },
        Ok(Err(e)) => format!("{e:#}"),
        Err(panic) => panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default(),
    };
    assert!(
        UNSATISFIABLE.iter().any(|m| failure.contains(m)),
        "{what}: proving failed, but not because a constraint is unsatisfiable: {failure}"
    );
    Refusal::Unsatisfiable
}

/// plonky2's `prove` on raw slots (the circuits only make witnesses).
fn prove_raw(c: &BatchCircuit, prices: &PriceVector, slots: &[RawSlot]) -> anyhow::Result<Proof> {
    c.data.prove(c.witness_raw(prices, slots)?)
}

fn prove_node(c: &AggregateCircuit, children: &[&Proof]) -> anyhow::Result<Proof> {
    c.data.prove(c.witness(children)?)
}

fn prove_root(c: &RootCircuit, top: &Proof, reserves: &[u64]) -> anyhow::Result<Proof> {
    c.data.prove(c.witness(top, reserves)?)
}

fn prove_batch(slots: &[RawSlot]) -> anyhow::Result<Proof> {
    prove_raw(&fx().batch, &prices(), slots)
}

fn verify_batch(p: Proof) -> anyhow::Result<()> {
    fx().batch.data.verify(p)
}

#[test]
fn honest_batch_proves_the_right_statement() {
    let p = prove_batch(&honest_slots(0)).unwrap();
    fx().batch.data.verify(p.clone()).unwrap();
    let v = NodeValues::parse(&p.public_inputs, ASSETS).unwrap();
    assert_eq!(v.count, 3);
    assert_eq!(v.totals, vec![(6, 0), (307, 90)]);
    assert_eq!(v.price_commitment, prices().commitment());
    // The subtree root is the account tree's over the same leaves, padding as zero.
    let leaves: Vec<Digest> = honest_slots(0).iter().map(host_leaf).collect();
    let tree = zkpor::tree::AccountTree::build(
        &zkpor::backend::CpuBackend::default(),
        leaves[..3].to_vec(),
        zkpor::leaf::padding_leaf(ASSETS),
    )
    .unwrap();
    assert_eq!(v.root, tree.root());
}

fn host_leaf(s: &RawSlot) -> Digest {
    if !s.real {
        return zkpor::leaf::padding_leaf(ASSETS);
    }
    let positions: Vec<(u32, Position)> = (0..ASSETS)
        .map(|a| {
            let amount = |x: F| Amount::new(u128::from(x.to_canonical_u64())).unwrap();
            (
                a as u32,
                Position {
                    equity: amount(s.equity[a]),
                    debt: amount(s.debt[a]),
                },
            )
        })
        .collect();
    leaf_digest(&s.id_commitment, &positions, ASSETS)
}

#[test]
fn negative_balance_smuggled_as_p_minus_1_fails() {
    // Equity p - 1 is "-1" in the field: it would hide one unit of liability.
    let mut slots = honest_slots(0);
    slots[0].equity[1] = F::from_canonical_u64(P - 1);
    must_fail("equity p-1", || prove_batch(&slots), verify_batch);
    let mut slots = honest_slots(0);
    slots[1].debt[1] = F::from_canonical_u64(P - 50);
    must_fail("debt p-50", || prove_batch(&slots), verify_batch);
}

#[test]
fn amount_over_the_bound_fails() {
    let mut slots = honest_slots(0);
    slots[2].equity[0] = F::from_canonical_u64(1 << 48);
    must_fail("equity 2^48", || prove_batch(&slots), verify_batch);
}

#[test]
fn insolvent_user_fails() {
    // 1 unit at price 100 against 101 units of debt at price 1.
    let mut slots = honest_slots(0);
    slots[1] = slot(9, [1, 0], [0, 101]);
    must_fail("net value -1", || prove_batch(&slots), verify_batch);
    // Exactly zero net value is allowed.
    slots[1] = slot(9, [1, 0], [0, 100]);
    verify_batch(prove_batch(&slots).unwrap()).unwrap();
}

#[test]
fn padding_slot_with_a_balance_fails() {
    // A padding slot hashes to zero, so a balance there would be in the totals but in no leaf.
    let mut slots = honest_slots(0);
    slots[3].equity[1] = F::from_canonical_u64(1000);
    must_fail("padding with balance", || prove_batch(&slots), verify_batch);
}

#[test]
fn total_off_by_one_fails() {
    let p = prove_batch(&honest_slots(0)).unwrap();
    for at in [9, 10, 11, 12, 13] {
        let mut bad = p.clone();
        bad.public_inputs[at] += F::ONE;
        assert!(
            fx().batch.data.verify(bad).is_err(),
            "batch total at {at} off by one verified"
        );
    }
    let mut bad_count = p.clone();
    bad_count.public_inputs[4] += F::ONE;
    assert!(fx().batch.data.verify(bad_count).is_err());
}

#[test]
fn leaf_that_does_not_match_the_balances_fails() {
    // The committed tree holds the honest balances; a prover that changes one
    // balance gets a different subtree root, which cannot aggregate to the
    // published account root.
    let committed: Vec<Digest> = honest_slots(0).iter().map(host_leaf).collect();
    let committed_root = zkpor::tree::AccountTree::build(
        &zkpor::backend::CpuBackend::default(),
        committed[..3].to_vec(),
        zkpor::leaf::padding_leaf(ASSETS),
    )
    .unwrap()
    .root();
    let mut slots = honest_slots(0);
    slots[0].equity[1] = F::from_canonical_u64(299);
    let p = prove_batch(&slots).unwrap();
    assert_ne!(
        NodeValues::parse(&p.public_inputs, ASSETS).unwrap().root,
        committed_root
    );
    // Claiming the committed root for those balances does not verify.
    let mut claimed = p;
    claimed.public_inputs[..4].copy_from_slice(&committed_root.elements());
    assert!(fx().batch.data.verify(claimed).is_err());
}

#[test]
fn aggregation_adds_totals_and_hashes_roots() {
    let a = prove_batch(&honest_slots(0)).unwrap();
    let b = prove_batch(&honest_slots(10)).unwrap();
    let p = prove_node(&fx().agg, &[&a, &b]).unwrap();
    fx().agg.data.verify(p.clone()).unwrap();
    let v = NodeValues::parse(&p.public_inputs, ASSETS).unwrap();
    let (va, vb) = (
        NodeValues::parse(&a.public_inputs, ASSETS).unwrap(),
        NodeValues::parse(&b.public_inputs, ASSETS).unwrap(),
    );
    assert_eq!(v.count, 6);
    assert_eq!(v.totals, vec![(12, 0), (614, 180)]);
    assert_eq!(v.root, zkpor::digest::two_to_one(va.root, vb.root));
    let mut bad = p;
    bad.public_inputs[9] += F::ONE;
    assert!(
        fx().agg.data.verify(bad).is_err(),
        "aggregated total off by one verified"
    );
}

#[test]
fn child_proof_of_a_different_circuit_fails() {
    let evil = prove_raw(&fx().evil, &prices(), &honest_slots(0)).unwrap();
    fx().evil.data.verify(evil.clone()).unwrap();
    // Same shape, so the proof fits the aggregation circuit's slot; only the
    // constant verifier data tells the circuits apart.
    assert_eq!(fx().evil.data.common, fx().batch.data.common);
    assert_ne!(
        fx().evil.data.verifier_only.circuit_digest,
        fx().batch.data.verifier_only.circuit_digest
    );
    let honest = prove_batch(&honest_slots(10)).unwrap();
    must_fail(
        "evil child",
        || prove_node(&fx().agg, &[&honest, &evil]),
        |p| fx().agg.data.verify(p),
    );
}

#[test]
fn mismatched_price_commitments_fail() {
    let a = prove_batch(&honest_slots(0)).unwrap();
    let other = PriceVector {
        value_scale: 2,
        prices: vec![101, 1],
    };
    let b = prove_raw(&fx().batch, &other, &honest_slots(10)).unwrap();
    fx().batch.data.verify(b.clone()).unwrap();
    must_fail(
        "mixed prices",
        || prove_node(&fx().agg, &[&a, &b]),
        |p| fx().agg.data.verify(p),
    );
}

#[test]
fn root_proves_coverage_and_refuses_a_shortfall() {
    let a = prove_batch(&honest_slots(0)).unwrap();
    let b = prove_batch(&honest_slots(10)).unwrap();
    let top = prove_node(&fx().agg, &[&a, &b]).unwrap();
    // Net liabilities: asset 0: 12 - 0, asset 1: 614 - 180 = 434.
    let covered = [12, 434];
    let p = prove_root(&fx().root, &top, &covered).unwrap();
    fx().root.data.verify(p.clone()).unwrap();
    let v = RootValues::parse(&p.public_inputs, ASSETS).unwrap();
    assert_eq!(
        (v.users, v.reserve_commitment),
        (6, reserve_commitment(&covered))
    );
    assert!(fx().root.data.common.config.zero_knowledge);
    must_fail(
        "reserve short by one",
        || prove_root(&fx().root, &top, &[12, 433]),
        |p| fx().root.data.verify(p),
    );
    must_fail(
        "reserve short",
        || prove_root(&fx().root, &top, &[11, 434]),
        |p| fx().root.data.verify(p),
    );
}

#[test]
fn insolvency_at_extreme_values_fails() {
    // Amounts near 2^48 and prices near 2^32 exercise every carry of the value check.
    let max_amount = (1u64 << 48) - 1;
    let p = PriceVector {
        value_scale: 0,
        prices: vec![u32::MAX as u64 - 1, u32::MAX as u64],
    };
    // Equity at the lower price, the same debt at the higher: short by 2^48 - 1 value units.
    let mut slots = honest_slots(0);
    slots[0] = slot(7, [max_amount, 0], [0, max_amount]);
    must_fail(
        "short at extremes",
        || prove_raw(&fx().batch, &p, &slots),
        verify_batch,
    );
    // The mirror image is solvent and proves.
    slots[0] = slot(7, [0, max_amount], [max_amount, 0]);
    slots[1] = slot(8, [max_amount, max_amount], [0, 0]);
    verify_batch(prove_raw(&fx().batch, &p, &slots).unwrap()).unwrap();
}

// ---- The custom gates (src/circuits/gates/) ----

use plonky2::field::extension::{Extendable, FieldExtension};
use plonky2::gates::gate::Gate;
use plonky2::hash::hash_types::HashOut;
use plonky2::iop::target::Target;
use plonky2::iop::witness::{PartialWitness, PartitionWitness, WitnessWrite};
use plonky2::plonk::circuit_builder::CircuitBuilder;
use plonky2::plonk::circuit_data::CircuitData;
use plonky2::plonk::vars::EvaluationVars;
use zkpor::backend::CpuBackend;
use zkpor::circuits::gates::dot::dot_add;
use zkpor::circuits::gates::range::range_check_many;
use zkpor::circuits::gates::{DotGate, RangeGate};
use zkpor::field::{C, D};
use zkpor::prover::Prover;

type Ext = <F as Extendable<2>>::Extension;

/// A circuit that only range-checks `n` inputs < 2^48 with RangeGate rows.
fn range_only(n: usize, limb_bits: usize) -> (CircuitData<F, C, D>, Vec<Target>) {
    let mut b = CircuitBuilder::<F, D>::new(CircuitConfig::standard_recursion_config());
    let xs = b.add_virtual_targets(n);
    range_check_many(&mut b, &xs, 48, limb_bits);
    (b.build::<C>(), xs)
}

fn prove_values(
    data: &CircuitData<F, C, D>,
    xs: &[Target],
    values: &[u64],
) -> anyhow::Result<Proof> {
    let mut pw = PartialWitness::new();
    for (&t, &v) in xs.iter().zip(values) {
        pw.set_target(t, F::from_canonical_u64(v))?;
    }
    data.prove(pw)
}

#[test]
fn exact_bounds_in_48_bit_rows_refuse_the_first_value_past_them() {
    use zkpor::circuits::gadgets::below;
    for bits in [1usize, 12, 47, 48, 52, 63] {
        let mut b = CircuitBuilder::<F, D>::new(CircuitConfig::standard_recursion_config());
        let x = b.add_virtual_target();
        let mut checks = Vec::new();
        below(&mut b, x, bits, &mut checks);
        range_check_many(&mut b, &checks, 48, 3);
        let data = b.build::<C>();
        let top = (1u64 << bits) - 1;
        for ok in [0, top] {
            data.verify(prove_values(&data, &[x], &[ok]).unwrap())
                .unwrap();
        }
        for bad in [top + 1, P - 1] {
            let what = format!("{bad} below 2^{bits}");
            must_fail(
                &what,
                || prove_values(&data, &[x], &[bad]),
                |p| data.verify(p),
            );
        }
    }
}

#[test]
fn a_split_that_does_not_recompose_fails() {
    // x = lo + 2^48·hi is the only thing tying the parts to x: the carry
    // checks of the sparse net value rest on it.
    use zkpor::circuits::gadgets::{below, split_parts};
    let mut b = CircuitBuilder::<F, D>::new(CircuitConfig::standard_recursion_config());
    let x = b.add_virtual_target();
    let (lo, hi) = split_parts(&mut b, x, 48);
    let mut checks = vec![lo];
    below(&mut b, hi, 15, &mut checks);
    range_check_many(&mut b, &checks, 48, 3);
    let data = b.build::<C>();
    let v = (1u64 << 48) + 3;
    let targets = [x, lo, hi];
    data.verify(prove_values(&data, &targets, &[v, 3, 1]).unwrap())
        .unwrap();
    for (what, values) in [
        ("lo = hi = 0", [v, 0, 0]),
        ("hi dropped", [v, 3, 0]),
        ("lo = hi = 0 for p - 5", [P - 5, 0, 0]),
        ("largest lo, no hi", [v, (1 << 48) - 1, 0]),
    ] {
        must_fail(
            what,
            || prove_values(&data, &targets, &values),
            |p| data.verify(p),
        );
    }
}

/// The value held at a target, through the partition's representatives.
fn rep(p: &PartitionWitness<F>, t: Target) -> usize {
    p.representative_map[t.index(p.num_wires, p.degree)]
}

/// The circuit's RangeGate (zkpor builds each circuit with one shape).
fn range_gate(data: &CircuitData<F, C, D>) -> RangeGate {
    *data
        .common
        .gates
        .iter()
        .find_map(|g| g.0.as_any().downcast_ref::<RangeGate>())
        .expect("the circuit has a RangeGate")
}

/// Moves 2^limb_bits from low digit 1 into low digit 0 of the first checked
/// value whose digit 1 is non-zero: the recomposition still equals the value,
/// so only digit 0's range constraint (now ≥ 2^limb_bits) can fail. Returns
/// the row's constraint values after the change.
fn tamper_range_digit(data: &CircuitData<F, C, D>, p: &mut PartitionWitness<F>) -> Vec<Ext> {
    let gate = range_gate(data);
    let base = 1u64 << gate.limb_bits;
    for g in &data.prover_only.generators {
        if !g.0.id().contains("RangeDigits") {
            continue;
        }
        let Some(&Target::Wire(w)) = g.0.watch_list().first() else {
            continue;
        };
        let op = w.column;
        let (d0, d1) = (
            Target::wire(w.row, gate.wire_limb(op, 0)),
            Target::wire(w.row, gate.wire_limb(op, 1)),
        );
        let get = |p: &PartitionWitness<F>, t| p.values[rep(p, t)].unwrap_or(F::ZERO);
        let v1 = get(p, d1).to_canonical_u64();
        if v1 == 0 {
            continue;
        }
        let v0 = get(p, d0).to_canonical_u64();
        let (r0, r1) = (rep(p, d0), rep(p, d1));
        p.values[r0] = Some(F::from_canonical_u64(v0 + base));
        p.values[r1] = Some(F::from_canonical_u64(v1 - 1));
        let wires: Vec<Ext> = (0..p.num_wires)
            .map(|c| <Ext as FieldExtension<2>>::from_basefield(get(p, Target::wire(w.row, c))))
            .collect();
        let hash = HashOut::<F>::ZERO;
        let vars = EvaluationVars {
            local_constants: &[],
            local_wires: &wires,
            public_inputs_hash: &hash,
        };
        return Gate::<F, D>::eval_unfiltered(&gate, vars);
    }
    panic!("no range-checked value with a non-zero second digit");
}

fn driver_prove(data: &CircuitData<F, C, D>, p: PartitionWitness<F>) -> anyhow::Result<Proof> {
    let backend = CpuBackend::default();
    Ok(Prover::for_circuit(&backend, data)?
        .prove_partition(p)?
        .proof)
}

#[test]
fn range_gate_accepts_every_amount_below_2_48() {
    for limb_bits in [2, 3] {
        let (data, xs) = range_only(11, limb_bits);
        let values = [
            0,
            1,
            7,
            8,
            300,
            12345,
            1 << 47,
            (1 << 48) - 1,
            1 << 40,
            5,
            6,
        ];
        data.verify(prove_values(&data, &xs, &values).unwrap())
            .unwrap();
    }
}

#[test]
fn range_gate_refuses_2_48_and_p_minus_1() {
    for limb_bits in [2, 3] {
        let (data, xs) = range_only(3, limb_bits);
        for bad in [1u64 << 48, P - 1, (1 << 48) + 7, 1 << 63] {
            must_fail(
                &format!("range gate, base 2^{limb_bits}, value {bad}"),
                || prove_values(&data, &xs, &[3, bad, 4]),
                |p| data.verify(p),
            );
        }
    }
}

#[test]
fn range_gate_refuses_a_digit_out_of_range() {
    for limb_bits in [2, 3] {
        let (data, xs) = range_only(3, limb_bits);
        let pw = || {
            let mut pw = PartialWitness::new();
            for (&t, v) in xs.iter().zip([3u64, 300, 4]) {
                pw.set_target(t, F::from_canonical_u64(v)).unwrap();
            }
            pw
        };
        // Control: the untouched witness proves through the same path.
        let honest =
            zkpor::prover::witness::generate_partition(&data.prover_only, &data.common, pw())
                .unwrap();
        data.verify(driver_prove(&data, honest).unwrap()).unwrap();
        let mut p =
            zkpor::prover::witness::generate_partition(&data.prover_only, &data.common, pw())
                .unwrap();
        let constraints = tamper_range_digit(&data, &mut p);
        // Exactly one constraint of the row is broken: the digit's own.
        assert_eq!(constraints.iter().filter(|c| **c != Ext::ZERO).count(), 1);
        must_fail(
            &format!("digit out of range, base 2^{limb_bits}"),
            || driver_prove(&data, p),
            |p| data.verify(p),
        );
    }
}

#[test]
fn batch_circuit_refuses_a_digit_out_of_range() {
    // The same attack on the batch circuit itself: balances 300 etc. keep their
    // value, so the leaf, totals and net value are all unchanged.
    let batch = &fx().batch;
    let pw = batch.witness_raw(&prices(), &honest_slots(0)).unwrap();
    let mut p =
        zkpor::prover::witness::generate_partition(&batch.data.prover_only, &batch.data.common, pw)
            .unwrap();
    let constraints = tamper_range_digit(&batch.data, &mut p);
    assert_eq!(constraints.iter().filter(|c| **c != Ext::ZERO).count(), 1);
    must_fail(
        "batch digit out of range",
        || driver_prove(&batch.data, p),
        verify_batch,
    );
}

#[test]
fn dot_gate_refuses_a_wrong_sum() {
    // out = in + Σ x_i y_i; a prover that writes another out (here by
    // overwriting the witness after generation) cannot prove.
    let mut b = CircuitBuilder::<F, D>::new(CircuitConfig::standard_recursion_config());
    let xs = b.add_virtual_targets(50);
    let zero = b.zero();
    let pairs: Vec<(Target, Target)> = xs.chunks(2).map(|c| (c[0], c[1])).collect();
    let out = dot_add(&mut b, zero, &pairs);
    b.register_public_input(out);
    let data = b.build::<C>();
    assert!(data
        .common
        .gates
        .iter()
        .any(|g| g.0.as_any().is::<DotGate>()));
    let mut pw = PartialWitness::new();
    for (i, &t) in xs.iter().enumerate() {
        pw.set_target(t, F::from_canonical_u64(i as u64 + 1))
            .unwrap();
    }
    let p = data.prove(pw.clone()).unwrap();
    let want: u64 = (0..25u64).map(|i| (2 * i + 1) * (2 * i + 2)).sum();
    assert_eq!(p.public_inputs[0], F::from_canonical_u64(want));
    data.verify(p).unwrap();
    let mut part =
        zkpor::prover::witness::generate_partition(&data.prover_only, &data.common, pw).unwrap();
    let r = rep(&part, out);
    part.values[r] = Some(F::from_canonical_u64(want + 1));
    must_fail(
        "dot gate, wrong sum",
        || driver_prove(&data, part),
        |p| data.verify(p),
    );
}

// ---------------------------------------------------------------------------
// Sparse tiers (format version 2): each false routing statement, for every
// tier, is refused with every check in place, and proves once the one check
// meant to refuse it is dropped: so that check, and nothing else, refuses it.

mod sparse {
    use super::*;
    use zkpor::circuits::sparse::{Checks, RawRouting, RawSparseSlot};
    use zkpor::circuits::{SparseBatchCircuit, SparseUser};
    use zkpor::leaf::SparseLayout;
    use zkpor::model::Holdings;

    const ASSETS: usize = 5;
    /// K = 1, 2 and K = A: the smallest tier, a middle one and the full one.
    const TIERS: [usize; 3] = [1, 2, ASSETS];

    struct Tier {
        full: SparseBatchCircuit,
        no_order: SparseBatchCircuit,
        no_routing: SparseBatchCircuit,
        no_amounts: SparseBatchCircuit,
        /// Neither order nor routing: the control that an index statement
        /// refused by both is refused by nothing else.
        no_order_or_routing: SparseBatchCircuit,
    }

    fn tier(capacity: usize) -> &'static Tier {
        static TIERS_FX: [OnceLock<Tier>; 3] = [OnceLock::new(), OnceLock::new(), OnceLock::new()];
        let at = TIERS.iter().position(|&k| k == capacity).unwrap();
        TIERS_FX[at].get_or_init(|| {
            let layout = SparseLayout {
                num_assets: ASSETS,
                capacity,
            };
            let config = CircuitConfig::standard_recursion_config();
            let build = |checks| {
                SparseBatchCircuit::build_checked(BATCH_LOG, layout, config.clone(), checks)
            };
            Tier {
                full: build(Checks::ALL),
                no_order: build(Checks {
                    order: false,
                    ..Checks::ALL
                }),
                no_routing: build(Checks {
                    routing: false,
                    ..Checks::ALL
                }),
                no_amounts: build(Checks {
                    amounts: false,
                    ..Checks::ALL
                }),
                no_order_or_routing: build(Checks {
                    order: false,
                    routing: false,
                    ..Checks::ALL
                }),
            }
        })
    }

    /// Asset 4 is priced at zero: a debt there costs nothing.
    fn prices() -> PriceVector {
        PriceVector {
            value_scale: 2,
            prices: vec![100, 1, 7, 30_000, 0],
        }
    }

    fn pos(equity: u128, debt: u128) -> Position {
        Position {
            equity: Amount::new(equity).unwrap(),
            debt: Amount::new(debt).unwrap(),
        }
    }

    /// Three users holding up to `capacity` positions each, and one padding slot.
    fn users(capacity: usize) -> Vec<Option<SparseUser>> {
        let held: [&[(u32, Position)]; 3] = [
            &[
                (0, pos(5, 0)),
                (1, pos(300, 2)),
                (2, pos(1, 0)),
                (3, pos(0, 0)),
                (4, pos(9, 9)),
            ],
            &[(0, pos(1, 0)), (1, pos(0, 90))],
            &[(2, pos(7, 0)), (4, pos(0, 3))],
        ];
        let mut v: Vec<Option<SparseUser>> = held
            .iter()
            .enumerate()
            .map(|(j, h)| {
                // The smallest tier takes each user's first position only.
                let h = &h[..h.len().min(capacity)];
                Some(SparseUser {
                    id_commitment: idc(100 + j as u64),
                    holdings: Holdings::new(h.to_vec(), ASSETS).unwrap(),
                })
            })
            .collect();
        v.push(None);
        v
    }

    /// The raw witness of the honest batch, for attacks to edit.
    fn honest_raw(capacity: usize) -> Vec<RawSparseSlot> {
        // Recovered from the typed API, so that tests edit exactly what it proves.
        let c = &tier(capacity).full;
        let layout = c.layout;
        users(capacity)
            .iter()
            .map(|u| raw_slot(u.as_ref(), layout))
            .collect()
    }

    fn raw_slot(u: Option<&SparseUser>, layout: SparseLayout) -> RawSparseSlot {
        let shape = zkpor::circuits::witness::PriceLimbs::for_assets(layout.capacity);
        RawSparseSlot::from_user(u, layout, &prices(), shape).unwrap()
    }

    fn prove(
        c: &SparseBatchCircuit,
        slots: &[RawSparseSlot],
        routing: &RawRouting,
    ) -> anyhow::Result<Proof> {
        c.data.prove(c.witness_raw(&prices(), slots, routing)?)
    }

    /// Refused by the full circuit; proves and verifies without `dropped`.
    fn refused_only_by(
        what: &str,
        capacity: usize,
        dropped: &SparseBatchCircuit,
        slots: &[RawSparseSlot],
        routing: &RawRouting,
    ) {
        let full = &tier(capacity).full;
        let what = format!("K = {capacity}: {what}");
        must_fail(
            &what,
            || prove(full, slots, routing),
            |p| full.data.verify(p),
        );
        let p = prove(dropped, slots, routing)
            .unwrap_or_else(|e| panic!("{what}: refused even without its check: {e:#}"));
        dropped.data.verify(p).unwrap();
    }

    fn honest_routing(capacity: usize, slots: &[RawSparseSlot]) -> RawRouting {
        RawRouting::honest(slots, tier(capacity).full.layout)
    }

    #[test]
    fn every_tier_proves_the_right_statement() {
        for capacity in TIERS {
            let c = &tier(capacity).full;
            let users = users(capacity);
            let p = c.data.prove(c.witness(&prices(), &users).unwrap()).unwrap();
            c.data.verify(p.clone()).unwrap();
            let v = NodeValues::parse(&p.public_inputs, ASSETS).unwrap();
            // Independent per-asset sums over the holdings.
            let mut sums = vec![(0u64, 0u64); ASSETS];
            for (a, q) in users.iter().flatten().flat_map(|u| u.holdings.positions()) {
                sums[*a as usize].0 += q.equity.units();
                sums[*a as usize].1 += q.debt.units();
            }
            assert_eq!(v.totals, sums, "K = {capacity}");
            assert_eq!(v.count, 3);
            assert_eq!(v.price_commitment, prices().commitment());
            // The subtree root is the account tree's over the v2 leaves.
            let leaves: Vec<Digest> = users
                .iter()
                .flatten()
                .map(|u| c.layout.digest(&u.id_commitment, &u.holdings).unwrap())
                .collect();
            let tree = zkpor::tree::AccountTree::build(
                &zkpor::backend::CpuBackend::default(),
                leaves,
                c.layout.padding_leaf(),
            )
            .unwrap();
            assert_eq!(v.root, tree.root(), "K = {capacity}");
        }
    }

    #[test]
    fn the_full_tier_holds_a_user_with_every_asset() {
        let c = &tier(ASSETS).full;
        let all: Vec<(u32, Position)> = (0..ASSETS as u32).map(|a| (a, pos(10, 1))).collect();
        let mut users = users(ASSETS);
        users[2] = Some(SparseUser {
            id_commitment: idc(7),
            holdings: Holdings::new(all, ASSETS).unwrap(),
        });
        let p = c.data.prove(c.witness(&prices(), &users).unwrap()).unwrap();
        c.data.verify(p).unwrap();
        // One more position than the tier holds is refused before proving.
        let too_many = Holdings::new(vec![(0, pos(1, 0)), (1, pos(1, 0))], ASSETS).unwrap();
        let mut users = super::sparse::users(1);
        users[2] = Some(SparseUser {
            id_commitment: idc(7),
            holdings: too_many,
        });
        let k1 = &tier(1).full;
        let err = k1.witness(&prices(), &users[..]).err().unwrap();
        assert!(format!("{err:#}").contains("holds 2 positions"), "{err:#}");
    }

    #[test]
    fn an_index_past_the_assets_carrying_an_amount_fails() {
        for capacity in TIERS {
            // Equity at a padding index (A + 0) of a user holding nothing
            // would be in the leaf but in no asset's total.
            let mut slots = honest_raw(capacity);
            let layout = tier(capacity).full.layout;
            let empty = SparseUser {
                id_commitment: idc(66),
                holdings: Holdings::default(),
            };
            slots[2] = raw_slot(Some(&empty), layout);
            let dropped = &tier(capacity).no_routing;
            for (what, debt) in [
                ("equity at a padding index", false),
                ("debt at a padding index", true),
            ] {
                let mut slots = slots.clone();
                let p = &mut slots[2].positions[0];
                if debt {
                    // A debt nowhere in the totals is harmless to hide; the
                    // routing must refuse it all the same (one leaf, one statement).
                    p.debt = F::from_canonical_u64(1_000);
                } else {
                    p.equity = F::from_canonical_u64(1_000);
                }
                let routing = honest_routing(capacity, &slots);
                refused_only_by(what, capacity, dropped, &slots, &routing);
            }
        }
    }

    /// Slot 2 replaced by a user holding nothing: all K positions padding.
    fn with_empty_user(capacity: usize) -> Vec<RawSparseSlot> {
        let mut slots = honest_raw(capacity);
        let empty = SparseUser {
            id_commitment: idc(66),
            holdings: Holdings::default(),
        };
        slots[2] = raw_slot(Some(&empty), tier(capacity).full.layout);
        slots
    }

    #[test]
    fn an_index_at_or_past_a_plus_k_fails() {
        // On a padding position (zero amounts, zero price), so that nothing
        // but the index is wrong: such an index breaks the order bound and
        // has no table row, each check refuses it alone, and with both
        // dropped it proves.
        for capacity in TIERS {
            let top = (ASSETS + capacity) as u64;
            for (what, at, index) in [
                ("index A + K", capacity - 1, top),
                ("index p - 1", 0, P - 1),
            ] {
                let mut slots = with_empty_user(capacity);
                slots[2].positions[at].index = F::from_canonical_u64(index);
                let routing = honest_routing(capacity, &slots);
                let t = tier(capacity);
                for (check, c) in [
                    ("all", &t.full),
                    ("order only", &t.no_routing),
                    ("routing only", &t.no_order),
                ] {
                    let what = format!("K = {capacity}: {what}, {check}");
                    must_fail(&what, || prove(c, &slots, &routing), |p| c.data.verify(p));
                }
                let none = &t.no_order_or_routing;
                let p = prove(none, &slots, &routing).unwrap_or_else(|e| {
                    panic!("K = {capacity}: {what} refused by something else: {e:#}")
                });
                none.data.verify(p).unwrap();
            }
        }
    }

    #[test]
    fn an_amount_of_p_minus_x_fails() {
        // "−10" units of a zero-priced asset cost nothing in net value and
        // would take 10 units off that asset's total equity.
        for capacity in TIERS {
            let layout = tier(capacity).full.layout;
            let mut slots = honest_raw(capacity);
            let holder = |i, e| SparseUser {
                id_commitment: idc(i),
                holdings: Holdings::new(vec![(4, pos(e, 0))], ASSETS).unwrap(),
            };
            slots[0] = raw_slot(Some(&holder(90, 10)), layout);
            slots[0].positions[0].equity = F::from_canonical_u64(P - 10);
            slots[2] = raw_slot(Some(&holder(91, 100)), layout);
            let routing = honest_routing(capacity, &slots);
            assert_eq!(routing.equity[4], F::from_canonical_u64(90));
            let dropped = &tier(capacity).no_amounts;
            refused_only_by("equity p - 10", capacity, dropped, &slots, &routing);
        }
    }

    #[test]
    fn a_padding_slot_with_a_balance_fails() {
        for capacity in TIERS {
            let mut slots = honest_raw(capacity);
            slots[3].positions[0].equity = F::from_canonical_u64(5);
            let routing = honest_routing(capacity, &slots);
            let c = &tier(capacity).full;
            let what = format!("K = {capacity}: padding slot with a balance");
            must_fail(&what, || prove(c, &slots, &routing), |p| c.data.verify(p));
        }
    }

    #[test]
    fn the_challenges_are_the_hash_of_everything_the_identity_mentions() {
        use plonky2::hash::hashing::hash_n_to_m_no_pad;
        use plonky2::hash::poseidon::PoseidonPermutation;
        use plonky2::iop::generator::generate_partial_witness;
        use plonky2::iop::witness::Witness;
        for capacity in TIERS {
            let c = &tier(capacity).full;
            let slots = honest_raw(capacity);
            let routing = honest_routing(capacity, &slots);
            let pw = c.witness_raw(&prices(), &slots, &routing).unwrap();
            let w = generate_partial_witness(pw, &c.data.prover_only, &c.data.common).unwrap();
            let root = &w.get_targets(&c.data.prover_only.public_inputs[..4]);
            // FORMAT §12: root, price commitment, (E_a, D_a) per asset,
            // multiplicities, every position's limbs in slot order.
            let mut inputs = root.to_vec();
            inputs.extend(prices().commitment().elements());
            for (e, d) in routing.equity.iter().zip(&routing.debt) {
                inputs.extend([*e, *d]);
            }
            inputs.extend(&routing.multiplicity);
            for p in slots.iter().flat_map(|s| &s.positions) {
                inputs.extend(&p.limbs);
            }
            let host = hash_n_to_m_no_pad::<F, PoseidonPermutation<F>>(&inputs, 6);
            assert_eq!(w.get_targets(&c.challenges), host, "K = {capacity}");
        }
    }

    #[test]
    fn a_repeated_or_unsorted_index_fails() {
        for capacity in TIERS.into_iter().filter(|&k| k >= 2) {
            // Repeated: the first user's asset 0 split over two positions.
            let mut slots = honest_raw(capacity);
            let held = &mut slots[0].positions;
            held[1].index = held[0].index;
            held[1].limbs = held[0].limbs.clone();
            let routing = honest_routing(capacity, &slots);
            let dropped = &tier(capacity).no_order;
            refused_only_by("repeated index", capacity, dropped, &slots, &routing);
            // Unsorted: the first user's two positions swapped.
            let mut slots = honest_raw(capacity);
            slots[0].positions.swap(0, 1);
            let routing = honest_routing(capacity, &slots);
            refused_only_by("unsorted indices", capacity, dropped, &slots, &routing);
        }
    }

    #[test]
    fn a_price_that_is_not_the_committed_one_fails() {
        for capacity in TIERS {
            // A user owing 20 units of asset 2 (price 7) is insolvent; priced
            // as asset 4 (zero) the debt would cost nothing.
            let mut slots = honest_raw(capacity);
            let layout = tier(capacity).full.layout;
            let debtor = SparseUser {
                id_commitment: idc(55),
                holdings: Holdings::new(vec![(2, pos(0, 20))], ASSETS).unwrap(),
            };
            slots[0] = raw_slot(Some(&debtor), layout);
            let routing = honest_routing(capacity, &slots);
            // Honestly priced, the net-value check refuses it.
            let full = &tier(capacity).full;
            must_fail(
                "insolvent debtor",
                || prove(full, &slots, &routing),
                |p| full.data.verify(p),
            );
            let shape = zkpor::circuits::witness::PriceLimbs::for_assets(capacity);
            slots[0].positions[0].limbs = prices().limbs(4, shape);
            let dropped = &tier(capacity).no_routing;
            refused_only_by(
                "price of another asset",
                capacity,
                dropped,
                &slots,
                &routing,
            );
        }
    }

    #[test]
    fn insolvency_by_one_at_the_largest_amounts_fails() {
        // 7·E − 100·D = −1 with E, D near 2^48: the carry chain at its
        // widest. One unit of value more and it proves.
        let max = (1u128 << 48) - 1;
        let e = max - (max - 57) % 100;
        let d = (7 * e + 1) / 100;
        assert!(d <= max && 7 * e + 1 == 100 * d);
        for capacity in [2, ASSETS] {
            let layout = tier(capacity).full.layout;
            let c = &tier(capacity).full;
            let user = |e: u128, d: u128| SparseUser {
                id_commitment: idc(77),
                holdings: Holdings::new(vec![(0, pos(0, d)), (2, pos(e, 0))], ASSETS).unwrap(),
            };
            let mut slots = honest_raw(capacity);
            slots[0] = raw_slot(Some(&user(e, d)), layout);
            let routing = honest_routing(capacity, &slots);
            must_fail(
                "net value -1 at 2^48",
                || prove(c, &slots, &routing),
                |p| c.data.verify(p),
            );
            slots[0] = raw_slot(Some(&user(e, d - 1)), layout);
            let routing = honest_routing(capacity, &slots);
            c.data.verify(prove(c, &slots, &routing).unwrap()).unwrap();
        }
        // K = 1, the widest limbs (w = 14): one position owing one unit more
        // than it holds, at price 30,000.
        let layout = tier(1).full.layout;
        let c = &tier(1).full;
        for (debt, solvent) in [(max, false), (max - 1, true)] {
            let user = SparseUser {
                id_commitment: idc(78),
                holdings: Holdings::new(vec![(3, pos(max - 1, debt))], ASSETS).unwrap(),
            };
            let mut slots = honest_raw(1);
            slots[0] = raw_slot(Some(&user), layout);
            let routing = honest_routing(1, &slots);
            if solvent {
                c.data.verify(prove(c, &slots, &routing).unwrap()).unwrap();
            } else {
                must_fail(
                    "K = 1: net value -30000",
                    || prove(c, &slots, &routing),
                    |p| c.data.verify(p),
                );
            }
        }
    }

    #[test]
    fn a_total_that_is_not_the_exact_sum_fails() {
        for capacity in TIERS {
            let slots = honest_raw(capacity);
            let dropped = &tier(capacity).no_routing;
            for (what, edit) in [
                ("equity total of asset 0 minus one", 0),
                ("debt total of asset 0 plus one", 1),
                ("multiplicity of asset 0 plus one", 2),
            ] {
                let mut routing = honest_routing(capacity, &slots);
                match edit {
                    0 => routing.equity[0] -= F::ONE,
                    1 => routing.debt[0] += F::ONE,
                    _ => routing.multiplicity[0] += F::ONE,
                }
                refused_only_by(what, capacity, dropped, &slots, &routing);
            }
        }
    }

    // -- A tiered round: tiers K = 1 (two batches and a level), K = 2 (one
    // batch) and dense (one user: B' = 1), merged by the root.

    struct Round {
        set: &'static zkpor::circuits::TieredCircuitSet<'static>,
        /// Each tier's circuits, kept for the whole test binary.
        tiers: Vec<zkpor::circuits::TierCircuits<'static, 'static>>,
        users: [Vec<Option<SparseUser>>; 3],
    }

    fn round() -> &'static Round {
        use zkpor::circuits::{Tier, TierKind, TieredCircuitSet, TieredParams};
        static ROUND: OnceLock<Round> = OnceLock::new();
        ROUND.get_or_init(|| {
            let tier = |kind, batch, depth| Tier {
                kind,
                tree: ProofParams::new(batch, 2, ASSETS, depth).unwrap(),
            };
            let params = TieredParams::new(vec![
                tier(TierKind::Sparse { capacity: 1 }, 4, 3),
                tier(TierKind::Sparse { capacity: 2 }, 4, 2),
                tier(TierKind::Dense, 2, 0),
            ])
            .unwrap();
            let user = |i: u64, held: Vec<(u32, Position)>| {
                Some(SparseUser {
                    id_commitment: idc(200 + i),
                    holdings: Holdings::new(held, ASSETS).unwrap(),
                })
            };
            let mut k1: Vec<_> = (0..6)
                .map(|i| user(i, vec![((i % 5) as u32, pos(10 + i as u128, 0))]))
                .collect();
            k1.resize(8, None);
            let k2 = vec![
                user(10, vec![(0, pos(1, 0)), (1, pos(0, 50))]),
                user(11, vec![(2, pos(3, 0)), (4, pos(0, 8))]),
                user(12, vec![(1, pos(4, 0)), (3, pos(1, 0))]),
                None,
            ];
            let every: Vec<(u32, Position)> =
                (0..ASSETS as u32).map(|a| (a, pos(100, 1))).collect();
            let dense = vec![user(20, every)];
            let set: &'static TieredCircuitSet = Box::leak(Box::new(TieredCircuitSet::new(params)));
            Round {
                set,
                tiers: (0..set.num_tiers()).map(|t| set.tier(t)).collect(),
                users: [k1, k2, dense],
            }
        })
    }

    fn dense_slot(u: &Option<SparseUser>) -> Option<zkpor::circuits::witness::UserSlot> {
        u.as_ref().map(|u| {
            let mut positions = vec![Position::default(); ASSETS];
            for &(a, p) in u.holdings.positions() {
                positions[a as usize] = p;
            }
            zkpor::circuits::witness::UserSlot {
                id_commitment: u.id_commitment,
                positions,
            }
        })
    }

    /// Every tier's top proof, proven bottom up.
    fn tier_tops() -> Vec<Proof> {
        use zkpor::circuits::{TierBatch, TreeCircuits as _};
        let r = round();
        (0..3)
            .map(|t| {
                let batch = r.tiers[t].batch();
                let size = 1usize << r.set.params.tiers()[t].tree.leaf_batch_log();
                let proofs: Vec<Proof> = r.users[t]
                    .chunks(size)
                    .map(|chunk| match batch {
                        TierBatch::Sparse(c) => c.data.prove(c.witness(&prices(), chunk).unwrap()),
                        TierBatch::Dense(c) => {
                            let slots: Vec<_> = chunk.iter().map(dense_slot).collect();
                            c.data.prove(c.witness(&prices(), &slots).unwrap())
                        }
                    })
                    .collect::<anyhow::Result<_>>()
                    .unwrap();
                let mut level = proofs;
                for l in 1..=r.tiers[t].num_levels() {
                    let c = r.tiers[t].level(l);
                    level = level
                        .chunks(c.arity())
                        .map(|ch| {
                            let refs: Vec<&Proof> = ch.iter().collect();
                            c.data.prove(c.witness(&refs).unwrap()).unwrap()
                        })
                        .collect();
                }
                assert_eq!(level.len(), 1);
                level.pop().unwrap()
            })
            .collect()
    }

    fn host_tier_root(t: usize) -> Digest {
        let r = round();
        let tier = r.set.params.tiers()[t];
        let leaves: Vec<Digest> = r.users[t]
            .iter()
            .flatten()
            .map(|u| match tier.kind.sparse_layout(ASSETS) {
                Some(layout) => layout.digest(&u.id_commitment, &u.holdings).unwrap(),
                None => leaf_digest(&u.id_commitment, u.holdings.positions(), ASSETS),
            })
            .collect();
        let pad = match tier.kind.sparse_layout(ASSETS) {
            Some(layout) => layout.padding_leaf(),
            None => zkpor::leaf::padding_leaf(ASSETS),
        };
        let tree =
            zkpor::tree::AccountTree::build(&zkpor::backend::CpuBackend::default(), leaves, pad)
                .unwrap();
        assert_eq!(tree.depth(), tier.tree.depth);
        tree.root()
    }

    #[test]
    fn a_tiered_round_proves_exact_totals_under_the_tiered_root() {
        let r = round();
        let tops = tier_tops();
        let refs: Vec<&Proof> = tops.iter().collect();
        let reserves = vec![1_000; ASSETS];
        let root = r.set.root();
        let p = root
            .data
            .prove(root.witness_tiers(&refs, &reserves).unwrap())
            .unwrap();
        root.data.verify(p.clone()).unwrap();
        let v = RootValues::parse(&p.public_inputs, ASSETS).unwrap();
        let roots: Vec<Digest> = (0..3).map(host_tier_root).collect();
        assert_eq!(v.account_root, zkpor::circuits::tiers::account_root(&roots));
        assert_eq!(v.users, 10);
        let mut sums = vec![(0u64, 0u64); ASSETS];
        for u in r.users.iter().flatten().flatten() {
            for (a, q) in u.holdings.positions() {
                sums[*a as usize].0 += q.equity.units();
                sums[*a as usize].1 += q.debt.units();
            }
        }
        assert_eq!(v.totals, sums);
        assert_eq!(v.params_digest, r.set.params.digest());
        assert_eq!(v.reserve_commitment, reserve_commitment(&reserves));

        // A tier's top from a circuit without the routing check has the same
        // shape; only the pinned verifier data tells it apart, and it proves
        // a total that is not the sum.
        let no_routing = &tier(2).no_routing;
        assert_eq!(no_routing.data.common, r.set.top(1).common);
        let slots: Vec<RawSparseSlot> = r.users[1]
            .iter()
            .map(|u| raw_slot(u.as_ref(), no_routing.layout))
            .collect();
        let mut routing = RawRouting::honest(&slots, no_routing.layout);
        routing.equity[0] += F::from_canonical_u64(500);
        let evil = prove(no_routing, &slots, &routing).unwrap();
        no_routing.data.verify(evil.clone()).unwrap();
        let refs = [&tops[0], &evil, &tops[2]];
        must_fail(
            "top of an unpinned circuit",
            || root.data.prove(root.witness_tiers(&refs, &reserves)?),
            |p| root.data.verify(p),
        );

        // A tier proven at other prices: its price commitment differs.
        let zkpor::circuits::TierBatch::Sparse(k2) = r.tiers[1].batch() else {
            panic!("tier 1 is sparse");
        };
        let mut other = prices();
        other.prices[0] += 1;
        let repriced = k2
            .data
            .prove(k2.witness(&other, &r.users[1]).unwrap())
            .unwrap();
        let refs = [&tops[0], &repriced, &tops[2]];
        must_fail(
            "tiers at different prices",
            || root.data.prove(root.witness_tiers(&refs, &reserves)?),
            |p| root.data.verify(p),
        );
    }
}
