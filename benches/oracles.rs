//! NTTs and whole polynomial commitments (LDE plus Merkle tree), side by side:
//! stock plonky2, zkpor's CPU path, and the GPU backend when an adapter is
//! found (a software adapter such as lavapipe is not a GPU figure).
//!
//! - `ntt/*`: plonky2's `fft` of every column against the CPU backend's
//!   `dft::ntt_columns` and `GpuBackend::ntt_columns`; `gpu_compute` counts
//!   the device time only, `gpu` the whole call with its transfers.
//! - `oracle/*`: `PolynomialBatch::from_values` (no blinding, cap height 4)
//!   against `CpuBackend::oracle` and `GpuBackend::oracle`.
//!
//! Inputs and the stock plonky2 calls are `zkpor bench`'s (`zkpor::bench::oracle`).

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};
use plonky2::field::polynomial::PolynomialValues;
use zkpor::backend::cpu::dft;
use zkpor::backend::{
    CpuBackend, Direction, GpuBackend, GpuOptions, OracleShape, Oracles, Polys, Salt,
};
use zkpor::bench::oracle::{plonky2_fft, plonky2_oracle, random_columns};

/// (log2 of the column length, columns).
const NTTS: [(usize, usize); 3] = [(12, 135), (16, 135), (20, 20)];
/// (log2 of the degree, polynomials, rate_bits): the first is the size of a
/// batch proof's wires (135 columns of 2^12..2^13 rows at rate 3).
const COMMITS: [(usize, usize, usize); 3] = [(12, 135, 3), (16, 20, 3), (20, 20, 1)];
const CAP_HEIGHT: usize = 4;

fn gpu() -> Option<GpuBackend> {
    match GpuBackend::open(GpuOptions::default()) {
        Ok(gpu) => {
            eprintln!("GPU rows on {}", gpu.adapter());
            Some(gpu)
        }
        Err(e) => {
            eprintln!("no GPU rows: {e}");
            None
        }
    }
}

fn configure(group: &mut criterion::BenchmarkGroup<criterion::measurement::WallTime>, big: bool) {
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(if big { 60 } else { 10 }));
}

fn bench_ntt(c: &mut Criterion) {
    let gpu = gpu();
    let mut group = c.benchmark_group("ntt");
    for (log_n, count) in NTTS {
        let cols = random_columns(log_n as u32, count);
        let id = format!("2^{log_n}x{count}");
        configure(&mut group, log_n >= 20);
        group.throughput(Throughput::Elements((count << log_n) as u64));
        group.bench_function(BenchmarkId::new("plonky2", &id), |b| {
            b.iter_batched(|| cols.clone(), plonky2_fft, BatchSize::LargeInput)
        });
        group.bench_function(BenchmarkId::new("zkpor_cpu", &id), |b| {
            b.iter_batched(
                || cols.clone(),
                |cols| dft::ntt_columns(cols, Direction::Forward),
                BatchSize::LargeInput,
            )
        });
        if let Some(gpu) = &gpu {
            group.bench_function(BenchmarkId::new("gpu", &id), |b| {
                b.iter(|| {
                    gpu.ntt_columns(&cols, Direction::Forward)
                        .map(|r| r.0.len())
                })
            });
            group.bench_function(BenchmarkId::new("gpu_compute", &id), |b| {
                b.iter_custom(|iters| {
                    (0..iters)
                        .map(|_| {
                            gpu.ntt_columns(&cols, Direction::Forward)
                                .map_or(Duration::ZERO, |r| r.1.compute)
                        })
                        .sum()
                })
            });
        }
    }
    group.finish();
}

fn bench_oracle(c: &mut Criterion) {
    let gpu = gpu();
    let mut group = c.benchmark_group("oracle");
    for (log_n, count, rate_bits) in COMMITS {
        let values: Vec<PolynomialValues<_>> = random_columns(log_n as u32, count)
            .into_iter()
            .map(PolynomialValues::new)
            .collect();
        let id = format!("2^{log_n}x{count}_rate{rate_bits}");
        let shape = OracleShape {
            rate_bits,
            cap_height: CAP_HEIGHT,
        };
        configure(&mut group, log_n >= 16);
        group.throughput(Throughput::Elements((count << (log_n + rate_bits)) as u64));
        group.bench_function(BenchmarkId::new("plonky2", &id), |b| {
            b.iter_batched(
                || values.clone(),
                |v| plonky2_oracle(v, shape),
                BatchSize::LargeInput,
            )
        });
        group.bench_function(BenchmarkId::new("zkpor_cpu", &id), |b| {
            b.iter_batched(
                || Polys::Values(values.clone()),
                |p| {
                    CpuBackend::detected()
                        .oracle(p, shape, Salt::None)
                        .expect("cpu oracle")
                },
                BatchSize::LargeInput,
            )
        });
        // A software adapter (lavapipe) hashes at tens of thousands of
        // permutations a second: only the smallest commitment runs there.
        let small = log_n + rate_bits <= 16;
        if let Some(gpu) = gpu.as_ref().filter(|g| small || g.adapter().is_hardware()) {
            group.bench_function(BenchmarkId::new("gpu", &id), |b| {
                b.iter_batched(
                    || Polys::Values(values.clone()),
                    |p| gpu.oracle(p, shape, Salt::None).expect("gpu oracle"),
                    BatchSize::LargeInput,
                )
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench_ntt, bench_oracle);
criterion_main!(benches);
