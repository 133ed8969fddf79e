//! One batch proof and one aggregation proof at 20 assets, for choosing the
//! batch size B and the arity k (docs/PERFORMANCE.md).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use plonky2::plonk::circuit_data::CircuitConfig;
use std::time::Duration;
use zkpor::bench::fixtures;
use zkpor::circuits::witness::{PriceVector, UserSlot};
use zkpor::circuits::{AggregateCircuit, BatchCircuit, Proof};

const ASSETS: usize = 20;

fn prices() -> PriceVector {
    fixtures::prices(ASSETS)
}

/// Full batches: every user holds three assets and a little debt in a fourth.
fn users(n: usize) -> Vec<Option<UserSlot>> {
    fixtures::full_batch(n, ASSETS)
}

fn bench_batch(c: &mut Criterion) {
    let mut group = c.benchmark_group("batch_proof_20_assets");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    for log_b in [6u32, 7, 8] {
        let circuit =
            BatchCircuit::build(log_b, ASSETS, CircuitConfig::standard_recursion_config());
        let slots = users(1 << log_b);
        group.bench_with_input(
            BenchmarkId::new("users", 1u32 << log_b),
            &slots,
            |b, slots| b.iter(|| circuit.prove(&prices(), slots).expect("batch proves")),
        );
    }
    group.finish();
}

fn bench_aggregation(c: &mut Criterion) {
    let config = CircuitConfig::standard_recursion_config();
    let batch = BatchCircuit::build(7, ASSETS, config.clone());
    let child: Proof = batch.prove(&prices(), &users(128)).expect("batch proves");
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
            |b, children| b.iter(|| agg.prove(children).expect("aggregation proves")),
        );
    }
    group.finish();
}

criterion_group!(benches, bench_batch, bench_aggregation);
criterion_main!(benches);
