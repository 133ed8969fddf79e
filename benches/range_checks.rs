//! Range-checking amounts < 2^48: one BaseSum gate per amount (what the batch
//! circuit does) against three 16-bit lookups plus recomposition. This isolates
//! the range checks that make up most of a batch circuit's rows.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use plonky2::field::types::Field;
use plonky2::iop::target::Target;
use plonky2::iop::witness::{PartialWitness, WitnessWrite};
use plonky2::plonk::circuit_builder::CircuitBuilder;
use plonky2::plonk::circuit_data::{CircuitConfig, CircuitData};
use plonky2::plonk::config::PoseidonGoldilocksConfig;
use std::sync::Arc;
use std::time::Duration;
use zkpor::field::F;

type C = PoseidonGoldilocksConfig;

/// Amounts checked per circuit: 2^12, as in 100 users x 20 assets x 2 sides.
const AMOUNTS: usize = 1 << 12;

fn amount(i: usize) -> u64 {
    (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 16
}

fn basesum() -> (CircuitData<F, C, 2>, Vec<Target>) {
    let mut b = CircuitBuilder::<F, 2>::new(CircuitConfig::standard_recursion_config());
    let xs: Vec<Target> = (0..AMOUNTS).map(|_| b.add_virtual_target()).collect();
    xs.iter().for_each(|&x| b.range_check(x, 48));
    println!("basesum: {} rows before padding", b.num_gates());
    (b.build::<C>(), xs)
}

/// Limbs are witnesses; the table proves each is < 2^16 and the recomposition ties them to x.
fn lookup() -> (CircuitData<F, C, 2>, Vec<Target>) {
    let mut b = CircuitBuilder::<F, 2>::new(CircuitConfig::standard_recursion_config());
    let table = b.add_lookup_table_from_pairs(Arc::new((0..=u16::MAX).map(|i| (i, 0)).collect()));
    let mut limbs = Vec::new();
    for _ in 0..AMOUNTS {
        let l: Vec<Target> = (0..3).map(|_| b.add_virtual_target()).collect();
        l.iter().for_each(|&t| {
            b.add_lookup_from_index(t, table);
        });
        let hi = b.mul_const_add(F::from_canonical_u64(1 << 16), l[2], l[1]);
        let _x = b.mul_const_add(F::from_canonical_u64(1 << 16), hi, l[0]);
        limbs.extend(l);
    }
    println!("lookup: {} rows before padding", b.num_gates());
    (b.build::<C>(), limbs)
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("range_check_2^12_amounts_48_bits");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(15));
    let (data, xs) = basesum();
    println!("basesum degree 2^{}", data.common.degree_bits());
    group.bench_function(BenchmarkId::new("basesum", AMOUNTS), |bch| {
        bch.iter(|| {
            let mut pw = PartialWitness::new();
            for (i, &x) in xs.iter().enumerate() {
                pw.set_target(x, F::from_canonical_u64(amount(i)))
                    .expect("witness");
            }
            data.prove(pw).expect("proves")
        })
    });
    let (data, limbs) = lookup();
    println!("lookup degree 2^{}", data.common.degree_bits());
    group.bench_function(BenchmarkId::new("lookup16", AMOUNTS), |bch| {
        bch.iter(|| {
            let mut pw = PartialWitness::new();
            for (i, l) in limbs.chunks(3).enumerate() {
                let a = amount(i);
                for (j, &t) in l.iter().enumerate() {
                    pw.set_target(t, F::from_canonical_u64((a >> (16 * j)) & 0xFFFF))
                        .expect("witness");
                }
            }
            data.prove(pw).expect("proves")
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
