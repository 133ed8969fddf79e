//! Leaf hashing and tree building: zkpor's CPU backend against plonky2's own
//! `MerkleTree::new`, on the same leaf preimages (8 assets: 20 elements each).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use plonky2::field::types::Sample;
use plonky2::hash::merkle_tree::MerkleTree;
use plonky2::hash::poseidon::PoseidonHash;
use std::time::Duration;
use zkpor::backend::{CpuBackend, HashBackend};
use zkpor::field::F;
use zkpor::leaf::{leaf_width, padding_leaf};
use zkpor::tree::AccountTree;

const ASSETS: usize = 8;

fn leaf_inputs(n: usize) -> Vec<F> {
    (0..n * leaf_width(ASSETS)).map(|_| F::rand()).collect()
}

fn bench_tree(c: &mut Criterion) {
    let width = leaf_width(ASSETS);
    let mut group = c.benchmark_group("leaves_and_tree");
    group.sample_size(10).warm_up_time(Duration::from_secs(1));
    for log_n in [16u32, 20] {
        let n = 1usize << log_n;
        let inputs = leaf_inputs(n);
        group.throughput(Throughput::Elements(n as u64));
        group.measurement_time(Duration::from_secs(if log_n >= 20 { 40 } else { 5 }));
        group.bench_with_input(
            BenchmarkId::new("zkpor_cpu", log_n),
            &inputs,
            |b, inputs| {
                b.iter(|| {
                    let leaves = CpuBackend::default().hash_leaves(inputs, width);
                    AccountTree::build(&CpuBackend::default(), leaves, padding_leaf(ASSETS))
                        .map(|t| t.root())
                })
            },
        );
        let rows: Vec<Vec<F>> = inputs.chunks(width).map(<[F]>::to_vec).collect();
        group.bench_with_input(
            BenchmarkId::new("plonky2_merkle_tree", log_n),
            &rows,
            |b, rows| b.iter(|| MerkleTree::<F, PoseidonHash>::new(rows.clone(), 0).cap),
        );
    }
    group.finish();
}

fn bench_leaf_hashing(c: &mut Criterion) {
    let width = leaf_width(ASSETS);
    let mut group = c.benchmark_group("leaf_hashing");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(5));
    let n = 1usize << 16;
    let inputs = leaf_inputs(n);
    group.throughput(Throughput::Elements(n as u64));
    group.bench_function("zkpor_cpu/16", |b| {
        b.iter(|| CpuBackend::default().hash_leaves(&inputs, width))
    });
    group.finish();
}

criterion_group!(benches, bench_tree, bench_leaf_hashing);
criterion_main!(benches);
