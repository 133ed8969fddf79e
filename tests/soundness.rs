//! Soundness: each test tries to prove a false statement and shows that proving
//! fails or the proof does not verify. Small circuits: 4 users, 2 assets, arity 2.

use plonky2::field::types::{Field, PrimeField64};
use plonky2::plonk::circuit_data::CircuitConfig;
use std::sync::OnceLock;
use zkpor::circuits::batch::RawSlot;
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
    /// Same shape as `batch`, but amounts may reach 2^63: an unsound circuit.
    evil: BatchCircuit,
}

fn fx() -> &'static Fixture {
    static FX: OnceLock<Fixture> = OnceLock::new();
    FX.get_or_init(|| {
        let config = CircuitConfig::standard_recursion_config();
        let batch = BatchCircuit::build(BATCH_LOG, ASSETS, config.clone());
        let evil = BatchCircuit::build_with_amount_bits(BATCH_LOG, ASSETS, config.clone(), 63);
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
