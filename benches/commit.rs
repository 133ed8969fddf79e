//! NTTs and whole polynomial commitments (LDE plus Merkle tree), side by side:
//! stock plonky2, zkpor's CPU path, and the GPU backend when an adapter is
//! found (a software adapter such as lavapipe is not a GPU figure).
//!
//! - `ntt/*`: plonky2's `fft` of every column against `lde::ntt_columns` and
//!   `GpuBackend::ntt_columns`; `gpu_compute` counts the device time only,
//!   `gpu` the whole call with its transfers.
//! - `commit/*`: `PolynomialBatch::from_values` (no blinding, cap height 4)
//!   against `CpuBackend::commit` and `GpuBackend::commit`.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};
use plonky2::field::polynomial::{PolynomialCoeffs, PolynomialValues};
use plonky2::field::types::Sample;
use plonky2::util::timing::TimingTree;
use rayon::prelude::*;
use zkpor::backend::lde;
use zkpor::backend::{
    Batch, CommitShape, CpuBackend, Direction, GpuBackend, GpuOptions, HashBackend, Polys, Salt,
};
use zkpor::field::F;

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

fn columns(log_n: usize, count: usize) -> Vec<Vec<F>> {
    (0..count).map(|_| F::rand_vec(1 << log_n)).collect()
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
        let cols = columns(log_n, count);
        let id = format!("2^{log_n}x{count}");
        configure(&mut group, log_n >= 20);
        group.throughput(Throughput::Elements((count << log_n) as u64));
        group.bench_function(BenchmarkId::new("plonky2", &id), |b| {
            b.iter_batched(
                || cols.clone(),
                |cols| {
                    cols.into_par_iter()
                        .map(|c| PolynomialCoeffs::new(c).fft())
                        .collect::<Vec<_>>()
                },
                BatchSize::LargeInput,
            )
        });
        group.bench_function(BenchmarkId::new("zkpor_cpu", &id), |b| {
            b.iter_batched(
                || cols.clone(),
                |cols| lde::ntt_columns(cols, Direction::Forward),
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

fn bench_commit(c: &mut Criterion) {
    let gpu = gpu();
    let mut group = c.benchmark_group("commit");
    for (log_n, count, rate_bits) in COMMITS {
        let values: Vec<PolynomialValues<F>> = columns(log_n, count)
            .into_iter()
            .map(PolynomialValues::new)
            .collect();
        let id = format!("2^{log_n}x{count}_rate{rate_bits}");
        let shape = CommitShape {
            rate_bits,
            cap_height: CAP_HEIGHT,
        };
        configure(&mut group, log_n >= 16);
        group.throughput(Throughput::Elements((count << (log_n + rate_bits)) as u64));
        group.bench_function(BenchmarkId::new("plonky2", &id), |b| {
            b.iter_batched(
                || values.clone(),
                |v| {
                    let mut timing = TimingTree::default();
                    Batch::from_values(v, rate_bits, false, CAP_HEIGHT, &mut timing, None)
                },
                BatchSize::LargeInput,
            )
        });
        group.bench_function(BenchmarkId::new("zkpor_cpu", &id), |b| {
            b.iter_batched(
                || Polys::Values(values.clone()),
                |p| {
                    CpuBackend::detected()
                        .commit(p, shape, Salt::None)
                        .expect("cpu commit")
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
                    |p| gpu.commit(p, shape, Salt::None).expect("gpu commit"),
                    BatchSize::LargeInput,
                )
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench_ntt, bench_commit);
criterion_main!(benches);
