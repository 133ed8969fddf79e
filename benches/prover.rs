//! One batch proof at the default shape (B = 256 users × 20 assets, 2^14 rows):
//! plonky2's `prove` against the prover driver with the CPU backend, side by
//! side, and the driver with the GPU backend when wgpu finds an adapter (a
//! software adapter such as lavapipe is named "gpu_software": not GPU numbers).
//!
//! Before measuring, one driver proof per backend prints its phase breakdown.

use criterion::{criterion_group, criterion_main, Criterion};
use std::time::Duration;
use zkpor::backend::{Backend, CpuBackend, GpuBackend, GpuOptions};
use zkpor::bench::fixtures::BatchProof;
use zkpor::prover::Prover;

const ASSETS: usize = 20;
const BATCH_LOG: u32 = 8;

fn print_phases(name: &str, backend: &dyn Backend, fixture: &BatchProof) {
    let pw = fixture.inputs().expect("witness");
    let proved = Prover::for_circuit(backend, &fixture.circuit.data)
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
    let fixture = BatchProof::new(BATCH_LOG, ASSETS);
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
    print_phases("cpu", CpuBackend::detected(), &fixture);
    if let Some((name, gpu)) = &gpu {
        print_phases(name, gpu, &fixture);
    }

    let mut group = c.benchmark_group("batch_proof_256x20");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(30));
    group.bench_function("plonky2_prove", |b| {
        b.iter(|| fixture.plonky2().expect("plonky2 proves"))
    });
    let stock = zkpor::bench::stock::Plonky2Backend::default();
    let mut drivers: Vec<(String, &dyn Backend)> = vec![
        ("driver_plonky2_commitments".into(), &stock),
        ("driver_cpu".into(), CpuBackend::detected()),
    ];
    if let Some((name, gpu)) = &gpu {
        drivers.push((format!("driver_{name}"), gpu));
    }
    for (name, backend) in drivers {
        group.bench_function(name, |b| {
            b.iter(|| fixture.driver(backend).expect("driver proves"))
        });
    }
    group.finish();
}

criterion_group!(benches, bench_batch_proof);
criterion_main!(benches);
