//! One batch proof at the default shape (B = 256 users × 20 assets, 2^14 rows):
//! plonky2's `prove` against the prover driver with the CPU backend, side by
//! side, and the driver with the GPU backend when wgpu finds an adapter (a
//! software adapter such as lavapipe is named "gpu_software": not GPU numbers).
//!
//! Before measuring, one driver proof per backend prints its phase breakdown.

use criterion::{criterion_group, criterion_main, Criterion};
use plonky2::plonk::circuit_data::CircuitConfig;
use std::time::Duration;
use zkpor::backend::{CpuBackend, GpuBackend, GpuOptions, HashBackend};
use zkpor::bench::fixtures;
use zkpor::circuits::witness::{PriceVector, UserSlot};
use zkpor::circuits::BatchCircuit;
use zkpor::prover::Prover;

const ASSETS: usize = 20;
const BATCH_LOG: u32 = 8;

fn prices() -> PriceVector {
    fixtures::prices(ASSETS)
}

/// Full batches: every user holds three assets and a little debt in a fourth.
fn users(n: usize) -> Vec<Option<UserSlot>> {
    fixtures::full_batch(n, ASSETS)
}

fn print_phases(
    name: &str,
    backend: &dyn HashBackend,
    circuit: &BatchCircuit,
    users: &[Option<UserSlot>],
) {
    let pw = circuit.witness(&prices(), users).expect("witness");
    let proved = Prover::for_circuit(backend, &circuit.data)
        .expect("supported circuit")
        .prove(pw)
        .expect("driver proves");
    eprintln!("phases, driver with {name}:");
    for (phase, d) in proved.timings.phases() {
        eprintln!("  {phase:<34} {:>9.1} ms", d.as_secs_f64() * 1e3);
    }
    eprintln!(
        "  {:<34} {:>9.1} ms",
        "total",
        proved.timings.total().as_secs_f64() * 1e3
    );
}

fn bench_batch_proof(c: &mut Criterion) {
    let circuit = BatchCircuit::build(
        BATCH_LOG,
        ASSETS,
        CircuitConfig::standard_recursion_config(),
    );
    let users = users(1 << BATCH_LOG);
    let gpu = match GpuBackend::open(GpuOptions::default()) {
        Ok(gpu) => {
            let name = if gpu.adapter().is_hardware() {
                "gpu"
            } else {
                "gpu_software"
            };
            Some((name, gpu))
        }
        Err(e) => {
            eprintln!("no GPU adapter ({e}): the GPU row is left out");
            None
        }
    };
    print_phases("cpu", CpuBackend::detected(), &circuit, &users);
    if let Some((name, gpu)) = &gpu {
        print_phases(name, gpu, &circuit, &users);
    }

    let mut group = c.benchmark_group("batch_proof_256x20");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(30));
    group.bench_function("plonky2_prove", |b| {
        b.iter(|| circuit.prove(&prices(), &users).expect("plonky2 proves"))
    });
    let stock = zkpor::bench::stock::Plonky2Backend::default();
    group.bench_function("driver_plonky2_commitments", |b| {
        b.iter(|| {
            circuit
                .prove_with(&stock, &prices(), &users)
                .expect("driver proves")
        })
    });
    group.bench_function("driver_cpu", |b| {
        b.iter(|| {
            circuit
                .prove_with(CpuBackend::detected(), &prices(), &users)
                .expect("driver proves")
        })
    });
    if let Some((name, gpu)) = &gpu {
        group.bench_function(format!("driver_{name}"), |b| {
            b.iter(|| {
                circuit
                    .prove_with(gpu, &prices(), &users)
                    .expect("driver proves")
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_batch_proof);
criterion_main!(benches);
