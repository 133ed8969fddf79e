//! One batch proof and one aggregation proof at 20 assets, for choosing the
//! batch size B and the arity k (docs/PERFORMANCE.md).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use plonky2::plonk::circuit_data::CircuitConfig;
use std::time::Duration;
use zkpor::bench::fixtures::BatchProof;
use zkpor::circuits::{AggregateCircuit, Proof};

const ASSETS: usize = 20;

fn bench_batch(c: &mut Criterion) {
    let mut group = c.benchmark_group("batch_proof_20_assets");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    for log_b in [6u32, 7, 8] {
        let fixture = BatchProof::new(log_b, ASSETS);
        group.bench_with_input(
            BenchmarkId::new("users", 1u32 << log_b),
            &fixture,
            |b, fixture| b.iter(|| fixture.plonky2().expect("batch proves")),
        );
    }
    group.finish();
}

fn bench_aggregation(c: &mut Criterion) {
    let config = CircuitConfig::standard_recursion_config();
    let fixture = BatchProof::new(7, ASSETS);
    let batch = &fixture.circuit;
    let child: Proof = fixture.plonky2().expect("batch proves");
    let mut group = c.benchmark_group("aggregation_proof_20_assets");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(30));
    for arity_log in [1u32, 2, 3] {
        let agg = AggregateCircuit::build(
            &batch.data.common,
            &batch.data.verifier_only,
            arity_log,
            ASSETS,
            config.clone(),
        );
        let children: Vec<&Proof> = vec![&child; 1 << arity_log];
        group.bench_with_input(
            BenchmarkId::new("arity", 1u32 << arity_log),
            &children,
            |b, children| {
                b.iter(|| {
                    let inputs = agg.witness(children).expect("a full node");
                    agg.data.prove(inputs).expect("aggregation proves")
                })
            },
        );
    }
    group.finish();
}

criterion_group!(benches, bench_batch, bench_aggregation);
criterion_main!(benches);
