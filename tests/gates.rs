//! The custom gates and what may use them: batch circuits serialise only with
//! zkpor's gate serializer; the aggregation and published root circuits hold
//! plonky2's standard gates only, so stock plonky2 reads the root's verifier
//! data with `DefaultGateSerializer` (tests/job.rs verifies a published root
//! proof from the files that way).

use plonky2::plonk::circuit_data::{CircuitConfig, CommonCircuitData};
use plonky2::util::serialization::DefaultGateSerializer;
use zkpor::circuits::gates::{DotGate, RangeGate, ZkporGateSerializer};
use zkpor::circuits::{AggregateCircuit, BatchCircuit, ProofParams, RootCircuit};
use zkpor::field::{D, F};

fn custom_gates(common: &CommonCircuitData<F, D>) -> usize {
    common
        .gates
        .iter()
        .filter(|g| g.0.as_any().is::<RangeGate>() || g.0.as_any().is::<DotGate>())
        .count()
}

#[test]
fn only_the_batch_circuit_uses_custom_gates() {
    let config = CircuitConfig::standard_recursion_config();
    let batch = BatchCircuit::build(2, 21, config.clone());
    let agg = AggregateCircuit::build(&batch.data.common, &batch.data.verifier_only, 1, 21, config);
    let params = ProofParams::new(4, 2, 21, 3).unwrap();
    let root = RootCircuit::build(&agg.data.common, &agg.data.verifier_only, &params);
    // A single-batch round: the root verifies the batch proof directly.
    let single = ProofParams::new(4, 2, 21, 2).unwrap();
    let root_of_batch = RootCircuit::build(&batch.data.common, &batch.data.verifier_only, &single);

    assert_eq!(custom_gates(&batch.data.common), 2);
    // The batch circuit needs zkpor's serializer, and round-trips with it.
    assert!(batch.data.common.to_bytes(&DefaultGateSerializer).is_err());
    let bytes = batch.data.common.to_bytes(&ZkporGateSerializer).unwrap();
    let back = CommonCircuitData::<F, D>::from_bytes(bytes.clone(), &ZkporGateSerializer).unwrap();
    assert_eq!(back, batch.data.common);
    assert_eq!(back.to_bytes(&ZkporGateSerializer).unwrap(), bytes);

    for (what, common) in [
        ("aggregation", &agg.data.common),
        ("root", &root.data.common),
        ("root over a batch", &root_of_batch.data.common),
    ] {
        assert_eq!(custom_gates(common), 0, "{what}");
        // Standard gates only: stock plonky2 reads it, and zkpor's serializer
        // writes the very same bytes (the standard gates keep their tags).
        let stock = common.to_bytes(&DefaultGateSerializer).unwrap();
        assert_eq!(
            common.to_bytes(&ZkporGateSerializer).unwrap(),
            stock,
            "{what}"
        );
        let back = CommonCircuitData::<F, D>::from_bytes(stock, &DefaultGateSerializer).unwrap();
        assert_eq!(&back, common, "{what}");
    }
}

#[test]
fn unsound_gate_shapes_do_not_deserialise() {
    use plonky2::gates::gate::Gate;
    use plonky2::util::serialization::{Buffer, Write};
    let batch = BatchCircuit::build(1, 3, CircuitConfig::standard_recursion_config());
    let common = &batch.data.common;
    let range = |v: [usize; 3]| {
        let mut bytes = Vec::new();
        v.iter().for_each(|&x| bytes.write_usize(x).unwrap());
        <RangeGate as Gate<F, D>>::deserialize(&mut Buffer::new(&bytes), common)
    };
    assert!(range([8, 48, 3]).is_ok());
    // A bound of 2^64 or more could wrap around p; digits of 4 bits are
    // degree 16; no ops at all is no gate.
    for bad in [
        [8, 64, 3],
        [8, 48, 4],
        [8, 48, 0],
        [0, 48, 3],
        [usize::MAX, 48, 3],
    ] {
        assert!(range(bad).is_err(), "{bad:?}");
    }
    let dot = |n: usize| {
        let mut bytes = Vec::new();
        bytes.write_usize(n).unwrap();
        <DotGate as Gate<F, D>>::deserialize(&mut Buffer::new(&bytes), common)
    };
    assert!(dot(39).is_ok());
    assert!(dot(0).is_err() && dot(usize::MAX).is_err());
}
