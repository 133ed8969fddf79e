//! Poseidon on every backend against stock plonky2, on the same inputs:
//! bare permutations (all threads and one thread), plonky2-layout Merkle trees
//! over 20-asset leaves (44 elements), and the account tree. GPU entries run
//! on whatever adapter wgpu finds, software ones included (lavapipe figures are
//! a CPU emulating a GPU, not GPU figures).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use plonky2::field::types::{Field, PrimeField64, Sample};
use plonky2::hash::merkle_tree::MerkleTree;
use plonky2::hash::poseidon::{Poseidon, PoseidonHash};
use rayon::prelude::*;
use std::time::Duration;
use zkpor::backend::cpu::Isa;
use zkpor::backend::gpu::Arith;
use zkpor::backend::{CpuBackend, GpuBackend, GpuOptions, MerkleHasher};
use zkpor::field::F;
use zkpor::leaf::{leaf_width, padding_leaf};
use zkpor::tree::AccountTree;

const TREE_ASSETS: usize = 20;

fn cpus() -> Vec<CpuBackend> {
    Isa::ALL
        .into_iter()
        .filter_map(CpuBackend::with_isa)
        .collect()
}

fn gpus() -> Vec<GpuBackend> {
    let open = |arith| {
        GpuBackend::open(GpuOptions {
            arith: Some(arith),
            ..GpuOptions::default()
        })
    };
    let gpus: Vec<GpuBackend> = [Arith::U32, Arith::U64]
        .into_iter()
        .filter_map(|a| open(a).ok())
        .collect();
    if gpus.is_empty() {
        eprintln!("no GPU adapter: GPU entries left out");
    }
    gpus
}

fn states(n: usize) -> Vec<[u64; 12]> {
    (0..n)
        .map(|_| F::rand_array::<12>().map(|x| x.to_canonical_u64()))
        .collect()
}

fn plonky2_permute(states: &mut [[u64; 12]]) {
    states.par_chunks_mut(1024).for_each(|c| {
        for s in c {
            *s = F::poseidon(s.map(F::from_noncanonical_u64)).map(|x| x.to_canonical_u64());
        }
    });
}

fn cpu_permute(cpu: &CpuBackend, states: &mut [[u64; 12]]) {
    states
        .par_chunks_mut(1024)
        .for_each(|c| cpu.isa().permute(c));
}

/// Runs `f` on `pool`, or on the global pool (all threads).
fn in_pool(pool: Option<&rayon::ThreadPool>, f: impl FnOnce() + Send) {
    match pool {
        Some(p) => p.install(f),
        None => f(),
    }
}

fn bench_permutations(c: &mut Criterion) {
    let n = 1usize << 16;
    let input = states(n);
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("pool");
    for (group_name, pool) in [
        ("permutation", None),
        ("permutation_one_thread", Some(&one)),
    ] {
        let mut group = c.benchmark_group(group_name);
        group
            .sample_size(10)
            .measurement_time(Duration::from_secs(5));
        group.throughput(Throughput::Elements(n as u64));
        group.bench_function("plonky2", |b| {
            b.iter_batched_ref(
                || input.clone(),
                |s| in_pool(pool, || plonky2_permute(s)),
                criterion::BatchSize::LargeInput,
            )
        });
        for cpu in cpus() {
            group.bench_function(format!("cpu/{}", cpu.isa().name()), |b| {
                b.iter_batched_ref(
                    || input.clone(),
                    |s| in_pool(pool, || cpu_permute(&cpu, s)),
                    criterion::BatchSize::LargeInput,
                )
            });
        }
        if pool.is_none() {
            for gpu in gpus() {
                group.bench_function(format!("gpu/{}", gpu.arith().name()), |b| {
                    b.iter(|| gpu.permute(&input).map(|(s, _)| s.len()))
                });
            }
        }
        group.finish();
    }
}

fn bench_trees(c: &mut Criterion) {
    let width = leaf_width(TREE_ASSETS);
    let gpus = gpus();
    let mut group = c.benchmark_group("merkle_tree_44");
    group.sample_size(10).warm_up_time(Duration::from_secs(1));
    for log_n in [16u32, 20] {
        let n = 1usize << log_n;
        let flat = F::rand_vec(n * width);
        group.throughput(Throughput::Elements(n as u64));
        group.measurement_time(Duration::from_secs(if log_n >= 20 { 60 } else { 8 }));
        let rows: Vec<Vec<F>> = flat.chunks(width).map(<[F]>::to_vec).collect();
        group.bench_with_input(BenchmarkId::new("plonky2", log_n), &rows, |b, rows| {
            b.iter_batched(
                || rows.clone(),
                |r| MerkleTree::<F, PoseidonHash>::new(r, 0).cap,
                criterion::BatchSize::LargeInput,
            )
        });
        for cpu in cpus() {
            let id = BenchmarkId::new(format!("cpu/{}", cpu.isa().name()), log_n);
            group.bench_with_input(id, &flat, |b, flat| {
                b.iter(|| cpu.merkle_tree(flat, width, 0).expect("cpu tree").cap)
            });
        }
        for gpu in gpus
            .iter()
            .filter(|g| log_n <= 16 || g.adapter().is_hardware())
        {
            let id = BenchmarkId::new(format!("gpu/{}", gpu.arith().name()), log_n);
            group.bench_with_input(id, &flat, |b, flat| {
                b.iter(|| gpu.merkle_tree(flat, width, 0).expect("gpu tree").cap)
            });
        }
    }
    group.finish();
}

fn bench_account_tree(c: &mut Criterion) {
    let width = leaf_width(TREE_ASSETS);
    let n = 1usize << 16;
    let flat = F::rand_vec(n * width);
    let mut group = c.benchmark_group("account_tree_16");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(5));
    group.throughput(Throughput::Elements(n as u64));
    let cpu = CpuBackend::detected();
    group.bench_function(format!("cpu/{}", cpu.isa().name()), |b| {
        b.iter(|| {
            let leaves = cpu.hash_leaves(&flat, width).expect("cpu leaves");
            AccountTree::build(cpu, leaves, padding_leaf(TREE_ASSETS)).map(|t| t.root())
        })
    });
    group.finish();
}

criterion_group!(benches, bench_permutations, bench_trees, bench_account_tree);
criterion_main!(benches);
