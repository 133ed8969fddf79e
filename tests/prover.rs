//! The prover driver against plonky2's prover: with zero knowledge off, its
//! proofs must equal plonky2's byte for byte; with it on, plonky2 must verify
//! them; unsupported circuits and unsatisfied witnesses are refused.
//!
//! Determinism, two sources of randomness in plonky2's prover:
//! - Witness generation draws random values (unused public-input gate wires,
//!   blinding rows), even without zero knowledge. Each comparison generates the
//!   partition witness once and gives both provers a clone of it
//!   (`prove_with_partition_witness` / `Prover::prove_partition`).
//! - The FRI proof of work searches nonces with rayon's `find_any`, which may
//!   return any valid nonce when several threads search. Both provers run
//!   inside one 1-thread rayon pool, where the search visits nonces in a fixed
//!   order.
//!
//! The GPU tests use whatever adapter wgpu finds (lavapipe in CI); with CI=true
//! a missing adapter fails them, elsewhere they say so and pass.

mod common;

use common::backends::open_gpu_with;

use std::sync::{Arc, OnceLock};

use plonky2::field::extension::Extendable;
use plonky2::field::types::{Field, Sample};
use plonky2::hash::poseidon::PoseidonHash;
use plonky2::iop::target::Target;
use plonky2::iop::witness::{PartialWitness, WitnessWrite};
use plonky2::plonk::circuit_builder::CircuitBuilder;
use plonky2::plonk::circuit_data::{CircuitConfig, CircuitData};
use plonky2::plonk::prover::prove_with_partition_witness;
use plonky2::util::timing::TimingTree;
use zkpor::backend::{Backend, CpuBackend, GpuBackend, GpuOptions};
use zkpor::circuits::batch::RawSlot;
use zkpor::circuits::gates::dot::dot_add;
use zkpor::circuits::gates::range::range_check_many;
use zkpor::circuits::gates::{DotGate, RangeGate};
use zkpor::circuits::witness::PriceVector;
use zkpor::circuits::{AggregateCircuit, BatchCircuit, Proof, ProofParams, RootCircuit, C, D};
use zkpor::digest::Digest;
use zkpor::field::F;
use zkpor::prover::{witness, Prover, Unsupported};

type Data = CircuitData<F, C, D>;
type Ext = <F as Extendable<D>>::Extension;

fn one_thread<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a 1-thread pool")
        .install(f)
}

/// Proves one witness with plonky2 and with the driver; the bytes must match.
fn assert_same_proof(backend: &dyn Backend, data: &Data, pw: PartialWitness<F>) {
    let (want, got) = one_thread(|| {
        let partition = witness::generate_partition(&data.prover_only, &data.common, pw)
            .expect("the witness generates");
        let want = prove_with_partition_witness(
            &data.prover_only,
            &data.common,
            partition.clone(),
            &mut TimingTree::default(),
        )
        .expect("plonky2 proves");
        let got = Prover::for_circuit(backend, data)
            .expect("the circuit is supported")
            .prove_partition(partition)
            .expect("the driver proves")
            .proof;
        (want, got)
    });
    // The intermediate values first: a mismatch names the first step that differs.
    assert_eq!(got.public_inputs, want.public_inputs, "public inputs");
    assert_eq!(got.proof.wires_cap, want.proof.wires_cap, "wires cap");
    assert_eq!(
        got.proof.plonk_zs_partial_products_cap, want.proof.plonk_zs_partial_products_cap,
        "Z and partial products cap"
    );
    assert_eq!(
        got.proof.quotient_polys_cap, want.proof.quotient_polys_cap,
        "quotient cap"
    );
    assert_eq!(got.proof.openings, want.proof.openings, "openings");
    assert_eq!(got.to_bytes(), want.to_bytes(), "proof bytes");
    data.verify(got)
        .expect("plonky2 verifies the driver's proof");
}

/// Proves with the driver (all threads) and verifies with plonky2.
fn assert_verifies(backend: &dyn Backend, data: &Data, pw: PartialWitness<F>) {
    let proved = Prover::for_circuit(backend, data)
        .expect("the circuit is supported")
        .prove(pw)
        .expect("the driver proves");
    assert!(proved.timings.total() > std::time::Duration::ZERO);
    data.verify(proved.proof)
        .expect("plonky2 verifies the driver's proof");
}

fn build(b: CircuitBuilder<F, D>, inputs: Vec<(Target, F)>) -> (Data, PartialWitness<F>) {
    let data = b.build::<C>();
    let mut pw = PartialWitness::new();
    for (t, v) in inputs {
        pw.set_target(t, v).expect("a fresh target");
    }
    (data, pw)
}

/// x_{i+1} = x_i * y + c_i: arithmetic gates only (with constants and public inputs).
fn arithmetic_circuit(config: CircuitConfig) -> (Data, PartialWitness<F>) {
    let mut b = CircuitBuilder::<F, D>::new(config);
    let x0 = b.add_virtual_target();
    let y = b.add_virtual_target();
    let mut x = x0;
    for i in 0..100u64 {
        let c = b.constant(F::from_canonical_u64(i * 7 + 3));
        let xy = b.mul(x, y);
        x = b.add(xy, c);
    }
    b.register_public_input(x0);
    b.register_public_input(x);
    build(b, vec![(x0, F::from_canonical_u64(5)), (y, F::rand())])
}

/// A Poseidon hash chain: the Poseidon gate.
fn poseidon_circuit(config: CircuitConfig) -> (Data, PartialWitness<F>) {
    let mut b = CircuitBuilder::<F, D>::new(config);
    let inputs = b.add_virtual_targets(10);
    let mut h = b.hash_n_to_hash_no_pad::<PoseidonHash>(inputs.clone());
    for _ in 0..3 {
        h = b.hash_n_to_hash_no_pad::<PoseidonHash>(h.elements.to_vec());
    }
    b.register_public_inputs(&h.elements);
    let values = inputs.into_iter().map(|t| (t, F::rand())).collect();
    build(b, values)
}

/// Range checks and bit splits: base-sum gates.
fn range_check_circuit(config: CircuitConfig) -> (Data, PartialWitness<F>) {
    let mut b = CircuitBuilder::<F, D>::new(config);
    let xs = b.add_virtual_targets(12);
    for (i, &x) in xs.iter().enumerate() {
        b.range_check(x, 20 + 3 * i);
    }
    let bits = b.split_le(xs[0], 32);
    let back = b.le_sum(bits.iter());
    b.connect(back, xs[0]);
    b.register_public_input(xs[1]);
    let values = xs
        .iter()
        .map(|&x| (x, F::from_canonical_u64(0xabcde)))
        .collect();
    build(b, values)
}

/// Random access, exponentiation, extension-field arithmetic, Poseidon and
/// base-sum gates together: many gates, several selector groups.
fn mixed_circuit(config: CircuitConfig) -> (Data, PartialWitness<F>) {
    let mut b = CircuitBuilder::<F, D>::new(config);
    let v = b.add_virtual_targets(16);
    let index = b.add_virtual_target();
    let picked = b.random_access(index, v.clone());
    let exponent = b.add_virtual_target();
    let power = b.exp(picked, exponent, 10);
    let e0 = b.add_virtual_extension_target();
    let e1 = b.add_virtual_extension_target();
    let prod = b.mul_extension(e0, e1);
    let sum = b.add_extension(prod, e0);
    let cube = b.exp_u64_extension(sum, 3);
    let quot = b.div_extension(cube, e1);
    let h = b.hash_n_to_hash_no_pad::<PoseidonHash>(vec![power, quot.0[0], quot.0[1]]);
    b.range_check(picked, 40);
    b.register_public_inputs(&h.elements);
    b.register_public_input(power);
    let mut values: Vec<(Target, F)> = v
        .iter()
        .enumerate()
        .map(|(i, &t)| (t, F::from_canonical_u64(1000 + i as u64)))
        .collect();
    values.push((index, F::from_canonical_u64(11)));
    values.push((exponent, F::from_canonical_u64(777)));
    let (data, mut pw) = build(b, values);
    pw.set_extension_target(e0, Ext::rand()).unwrap();
    pw.set_extension_target(e1, Ext::rand()).unwrap();
    (data, pw)
}

/// zkpor's custom gates beside standard ones: RangeGate rows in base 2^limb_bits
/// (base 8 is degree 8, so it gets a selector group of its own), DotGate rows,
/// Poseidon, arithmetic and base-sum gates.
fn custom_gates_circuit(config: CircuitConfig, limb_bits: usize) -> (Data, PartialWitness<F>) {
    let mut b = CircuitBuilder::<F, D>::new(config);
    let xs = b.add_virtual_targets(21);
    range_check_many(&mut b, &xs, 48, limb_bits);
    let small = b.add_virtual_targets(3);
    range_check_many(&mut b, &small, 7, limb_bits);
    b.range_check(xs[0], 50);
    let zero = b.zero();
    let pairs: Vec<(Target, Target)> = xs.chunks(2).map(|c| (c[0], c[c.len() - 1])).collect();
    let dot = dot_add(&mut b, zero, &pairs);
    let prod = b.mul(dot, small[0]);
    let h = b.hash_n_to_hash_no_pad::<PoseidonHash>(vec![dot, prod, small[1]]);
    b.register_public_inputs(&h.elements);
    b.register_public_input(dot);
    let mut values: Vec<(Target, F)> = xs
        .iter()
        .enumerate()
        .map(|(i, &t)| (t, F::from_canonical_u64((1 << 47) + 977 * i as u64)))
        .collect();
    values.extend(small.iter().map(|&t| (t, F::from_canonical_u64(100))));
    build(b, values)
}

/// Other shapes: 3 challenges, rate 2^4, and a quotient degree factor that is
/// not a power of two (so the quotient is trimmed and the last permutation
/// chunk is short; with factor 7 the quotient domain is half the LDE).
fn odd_config(quotient_degree_factor: usize) -> CircuitConfig {
    let mut config = CircuitConfig::standard_recursion_config();
    config.num_challenges = 3;
    config.max_quotient_degree_factor = quotient_degree_factor;
    config.fri_config.rate_bits = 4;
    config.fri_config.cap_height = 2;
    // 22 rounds × 4 bits + 16 bits of work keep plonky2's 100-bit target.
    config.fri_config.num_query_rounds = 22;
    config
}

fn standard() -> CircuitConfig {
    CircuitConfig::standard_recursion_config()
}

#[test]
fn arithmetic_gates_equal_plonky2() {
    let (data, pw) = arithmetic_circuit(standard());
    assert_same_proof(CpuBackend::detected(), &data, pw);
}

#[test]
fn poseidon_gate_equals_plonky2() {
    let (data, pw) = poseidon_circuit(standard());
    assert_same_proof(CpuBackend::detected(), &data, pw);
}

#[test]
fn range_checks_equal_plonky2() {
    let (data, pw) = range_check_circuit(standard());
    assert_same_proof(CpuBackend::detected(), &data, pw);
}

#[test]
fn mixed_gates_equal_plonky2() {
    let (data, pw) = mixed_circuit(standard());
    assert!(data.common.selectors_info.num_selectors() > 1);
    assert_same_proof(CpuBackend::detected(), &data, pw);
}

#[test]
fn custom_gates_equal_plonky2() {
    for limb_bits in [2, 3] {
        let (data, pw) = custom_gates_circuit(standard(), limb_bits);
        let custom = |g: &&plonky2::gates::gate::GateRef<F, D>| {
            g.0.as_any().is::<RangeGate>() || g.0.as_any().is::<DotGate>()
        };
        assert_eq!(data.common.gates.iter().filter(custom).count(), 3);
        assert!(data.common.selectors_info.num_selectors() > 1);
        assert_same_proof(CpuBackend::detected(), &data, pw);
    }
}

#[test]
fn other_config_shapes_equal_plonky2() {
    // The public-input hash's Poseidon gate (degree 7) needs a factor of 7 or more.
    let (data, pw) = arithmetic_circuit(odd_config(7));
    assert_eq!(data.common.quotient_degree_factor, 7);
    assert_same_proof(CpuBackend::detected(), &data, pw);
    let (data, pw) = mixed_circuit(odd_config(9));
    assert_eq!(data.common.quotient_degree_factor, 9);
    assert_same_proof(CpuBackend::detected(), &data, pw);
    // Base-4 digits (degree 4) under factor 7; base 8 under factor 9.
    let (data, pw) = custom_gates_circuit(odd_config(7), 2);
    assert_same_proof(CpuBackend::detected(), &data, pw);
    let (data, pw) = custom_gates_circuit(odd_config(9), 3);
    assert_same_proof(CpuBackend::detected(), &data, pw);
}

// --- The project's circuits: 4 users × 2 assets, aggregation over 2 children.

const ASSETS: usize = 2;
const BATCH_LOG: u32 = 2;

struct Fixture {
    batch: BatchCircuit,
    agg: AggregateCircuit,
    /// Two batch proofs (plonky2's) for the aggregation tests.
    children: [Proof; 2],
}

fn fx() -> &'static Fixture {
    static FX: OnceLock<Fixture> = OnceLock::new();
    FX.get_or_init(|| {
        let batch = BatchCircuit::build(BATCH_LOG, ASSETS, standard());
        let agg = AggregateCircuit::build(
            &batch.data.common,
            &batch.data.verifier_only,
            1,
            ASSETS,
            standard(),
        );
        let children = [0, 10].map(|seed| {
            let inputs = batch.witness_raw(&prices(), &slots(seed));
            batch
                .data
                .prove(inputs.expect("a witness"))
                .expect("a batch proof")
        });
        Fixture {
            batch,
            agg,
            children,
        }
    })
}

fn prices() -> PriceVector {
    PriceVector {
        value_scale: 2,
        prices: vec![100, 1],
    }
}

fn slots(seed: u64) -> Vec<RawSlot> {
    let user = |i: u64, e: [u64; 2], d: [u64; 2]| RawSlot {
        real: true,
        id_commitment: zkpor::digest::hash_no_pad(&[F::from_canonical_u64(seed + i)]),
        equity: e.map(F::from_canonical_u64).to_vec(),
        debt: d.map(F::from_canonical_u64).to_vec(),
    };
    vec![
        user(1, [5, 300], [0, 0]),
        user(2, [1, 0], [0, 90]),
        user(3, [0, 7], [0, 0]),
        RawSlot {
            real: false,
            id_commitment: Digest::ZERO,
            equity: vec![F::ZERO; 2],
            debt: vec![F::ZERO; 2],
        },
    ]
}

#[test]
fn batch_circuit_equals_plonky2() {
    let fx = fx();
    // Its range checks are zkpor's own gate (at 2 assets no chain is long
    // enough for DotGate rows; custom_gates_equal_plonky2 covers those).
    assert!(fx
        .batch
        .data
        .common
        .gates
        .iter()
        .any(|g| g.0.as_any().is::<RangeGate>()));
    let pw = fx.batch.witness_raw(&prices(), &slots(0)).unwrap();
    assert_same_proof(CpuBackend::detected(), &fx.batch.data, pw);
}

#[test]
fn aggregate_circuit_equals_plonky2() {
    let fx = fx();
    let [a, b] = &fx.children;
    let pw = fx.agg.witness(&[a, b]).unwrap();
    assert_same_proof(CpuBackend::detected(), &fx.agg.data, pw);
}

// --- Zero knowledge: random salts and blinding rows, so no byte equality;
// plonky2's verifier must accept.

#[test]
fn zero_knowledge_proofs_verify() {
    let zk = CircuitConfig::standard_recursion_zk_config();
    let (data, pw) = mixed_circuit(zk.clone());
    assert!(data.common.fri_params.hiding);
    assert_verifies(CpuBackend::detected(), &data, pw);
    let (data, pw) = poseidon_circuit(zk);
    assert_verifies(CpuBackend::detected(), &data, pw);
}

#[test]
fn root_circuit_proof_through_the_driver_verifies() {
    let fx = fx();
    let [a, b] = &fx.children;
    let driver = |data, inputs| zkpor::prover::prove(CpuBackend::detected(), data, inputs);
    let top = driver(&fx.agg.data, fx.agg.witness(&[a, b]).unwrap()).unwrap();
    fx.agg.data.verify(top.clone()).unwrap();
    let params = ProofParams::new(4, 2, ASSETS, BATCH_LOG + 1).unwrap();
    let root = RootCircuit::build(&fx.agg.data.common, &fx.agg.data.verifier_only, &params);
    assert!(root.data.common.config.zero_knowledge);
    let proof = driver(&root.data, root.witness(&top, &[1000, 1000]).unwrap()).unwrap();
    root.data.verify(proof).unwrap();
}

/// One prover may serve several threads at once (batches proven side by side).
#[test]
fn a_prover_is_shared_between_threads() {
    fn shared<T: Send + Sync>() {}
    shared::<Prover<'static>>();
    let (data, pw) = arithmetic_circuit(standard());
    let prover = Prover::for_circuit(CpuBackend::detected(), &data).unwrap();
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                let proof = prover.prove(pw.clone()).unwrap().proof;
                data.verify(proof).unwrap();
            });
        }
    });
}

// --- Refusals.

#[test]
fn lookup_circuits_are_refused_up_front() {
    let mut b = CircuitBuilder::<F, D>::new(standard());
    let table = Arc::new((0..16u16).map(|i| (i, i * i)).collect::<Vec<_>>());
    let lut = b.add_lookup_table_from_pairs(table);
    let x = b.add_virtual_target();
    let y = b.add_lookup_from_index(x, lut);
    b.register_public_input(y);
    let data = b.build::<C>();
    let err = Prover::for_circuit(CpuBackend::detected(), &data)
        .err()
        .expect("a circuit with lookups is refused");
    assert_eq!(
        err.downcast_ref::<Unsupported>(),
        Some(&Unsupported::Lookups { tables: 1 })
    );
    assert!(err.to_string().contains("lookup"), "{err}");
}

#[test]
fn unsatisfied_witness_is_an_error_not_a_proof() {
    let (data, pw) = arithmetic_circuit(standard());
    let mut partition = witness::generate_partition(&data.prover_only, &data.common, pw).unwrap();
    // Change the final output (a public input) everywhere it is copied: the copy
    // constraints still hold, the last arithmetic gate's constraint does not.
    let out = data.prover_only.public_inputs[1];
    let rep = partition.representative_map[out.index(partition.num_wires, partition.degree)];
    let value = partition.values[rep].unwrap();
    partition.values[rep] = Some(value + F::ONE);
    let err = Prover::for_circuit(CpuBackend::detected(), &data)
        .unwrap()
        .prove_partition(partition)
        .expect_err("an unsatisfied witness must not prove");
    assert!(format!("{err:#}").contains("does not satisfy"), "{err:#}");
}

#[test]
fn a_witness_of_another_circuit_is_refused() {
    let (arith, pw) = arithmetic_circuit(standard());
    let (other, _) = range_check_circuit(standard());
    let partition = witness::generate_partition(&arith.prover_only, &arith.common, pw).unwrap();
    let err = Prover::for_circuit(CpuBackend::detected(), &other)
        .unwrap()
        .prove_partition(partition)
        .expect_err("another circuit's witness must not prove");
    assert!(err.to_string().contains("another circuit"), "{err:#}");
}

// --- The GPU backend.

fn gpu() -> Option<&'static GpuBackend> {
    static GPU: OnceLock<Option<GpuBackend>> = OnceLock::new();
    GPU.get_or_init(|| open_gpu_with(GpuOptions::default()))
        .as_ref()
}

#[test]
fn gpu_backend_equals_plonky2() {
    let Some(gpu) = gpu() else { return };
    let (data, pw) = mixed_circuit(standard());
    assert_same_proof(gpu, &data, pw);
    let fx = fx();
    let pw = fx.batch.witness_raw(&prices(), &slots(0)).unwrap();
    assert_same_proof(gpu, &fx.batch.data, pw);
}
