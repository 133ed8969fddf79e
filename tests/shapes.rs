//! Row counts of the batch circuit's shapes (docs/PERFORMANCE.md §16). Exact
//! and machine-independent: `num_gates` before `build`.

use plonky2::plonk::circuit_data::CircuitConfig;
use zkpor::circuits::batch::{BatchCircuit, Shape};

fn rows(log: u32, assets: usize, shape: Shape) -> usize {
    BatchCircuit::rows_shape(
        log,
        assets,
        CircuitConfig::standard_recursion_config(),
        shape,
    )
}

/// Rows per user: the difference between two batch sizes, so fixed rows cancel.
fn per_user(assets: usize, shape: Shape) -> f64 {
    (rows(5, assets, shape) - rows(4, assets, shape)) as f64 / 16.0
}

#[test]
#[ignore = "prints the table of docs/PERFORMANCE.md §16"]
fn print_shapes() {
    let base = Shape {
        range_limb_bits: None,
        dot: false,
        ..Shape::PACKED
    };
    let shapes = [
        ("BaseSum, ArithmeticGate sums (before)", base),
        (
            "base-4 RangeGate",
            Shape {
                range_limb_bits: Some(2),
                ..base
            },
        ),
        (
            "base-8 RangeGate",
            Shape {
                range_limb_bits: Some(3),
                ..base
            },
        ),
        (
            "base-4 RangeGate + DotGate",
            Shape {
                range_limb_bits: Some(2),
                ..Shape::PACKED
            },
        ),
        ("base-8 RangeGate + DotGate (default)", Shape::PACKED),
    ];
    // `--batch-size auto` per shape: the largest B whose rows (and the
    // margin for constants) fit 2^15.
    for assets in [2, 8, 20, 50, 100, 220, 500, 1024] {
        let auto = |s: Shape| {
            (0..=14u32)
                .take_while(|&log| {
                    (rows(log, assets, s) + zkpor::circuits::batch::ROWS_MARGIN).next_power_of_two()
                        <= 1 << 15
                })
                .last()
                .map(|log| (1usize << log, rows(log, assets, s)))
        };
        println!(
            "A={assets:5} auto B: before {:?}  base-4 + dot {:?}  base-8 + dot {:?}",
            auto(base),
            auto(Shape {
                range_limb_bits: Some(2),
                ..Shape::PACKED
            }),
            auto(Shape::PACKED)
        );
    }
    for assets in [2, 20, 220, 1024] {
        for (name, s) in shapes {
            println!(
                "A={assets:5} {name:40} per user {:7.2}  fixed {:6}",
                per_user(assets, s),
                rows(4, assets, s) as f64 - 16.0 * per_user(assets, s)
            );
        }
    }
}

/// Driver proofs (CPU backend) of every shape, round-robin so that a change
/// in the machine's load hits all shapes alike: `ZKPOR_SHAPE_REPEATS` rounds
/// (default 3) after a warm-up, medians of the whole proof and of its
/// quotient phase (the one phase that depends on the gates, not only on the
/// degree). `ZKPOR_SHAPES=A:B,...` picks the sizes (default 220:128,20:1024).
#[test]
#[ignore = "timings for docs/PERFORMANCE.md §16; minutes"]
fn time_shapes() {
    use std::time::Duration;
    use zkpor::backend::CpuBackend;
    use zkpor::bench::fixtures::{full_batch, prices};
    use zkpor::prover::Prover;
    let repeats: usize = std::env::var("ZKPOR_SHAPE_REPEATS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let sizes: Vec<(usize, u32)> = std::env::var("ZKPOR_SHAPES")
        .unwrap_or_else(|_| "220:128,20:1024".into())
        .split(',')
        .map(|s| {
            let (a, b) = s.split_once(':').unwrap();
            (
                a.parse().unwrap(),
                b.parse::<usize>().unwrap().trailing_zeros(),
            )
        })
        .collect();
    let base = Shape {
        range_limb_bits: None,
        dot: false,
        ..Shape::PACKED
    };
    let shapes = [
        ("base-8 RangeGate + DotGate", Shape::PACKED),
        (
            "base-4 RangeGate + DotGate",
            Shape {
                range_limb_bits: Some(2),
                ..Shape::PACKED
            },
        ),
        (
            "base-8 RangeGate",
            Shape {
                range_limb_bits: Some(3),
                ..base
            },
        ),
        (
            "base-4 RangeGate",
            Shape {
                range_limb_bits: Some(2),
                ..base
            },
        ),
    ];
    let backend = CpuBackend::detected();
    let median = |mut v: Vec<Duration>| {
        v.sort();
        v[v.len() / 2].as_secs_f64()
    };
    for (assets, log) in sizes {
        let users = full_batch(1 << log, assets);
        let circuits: Vec<BatchCircuit> = shapes
            .iter()
            .map(|(_, s)| {
                BatchCircuit::build_shape(
                    log,
                    assets,
                    CircuitConfig::standard_recursion_config(),
                    *s,
                )
            })
            .collect();
        let provers: Vec<Prover> = circuits
            .iter()
            .map(|c| Prover::for_circuit(backend, &c.data).unwrap())
            .collect();
        let mut runs = vec![Vec::new(); shapes.len()];
        for round in 0..=repeats {
            for (i, (c, p)) in circuits.iter().zip(&provers).enumerate() {
                let pw = c.witness(&prices(assets), &users).unwrap();
                let t = std::time::Instant::now();
                let proved = p.prove(pw).unwrap();
                if round > 0 {
                    runs[i].push((t.elapsed(), proved.timings.quotient));
                }
            }
        }
        for (i, (name, shape)) in shapes.iter().enumerate() {
            let total = median(runs[i].iter().map(|r| r.0).collect());
            let quotient = median(runs[i].iter().map(|r| r.1).collect());
            println!(
                "A={assets} B={} {name:28} rows {} (2^{}) median {total:.2} s = {:.1} users/s, quotient {quotient:.2} s; runs {:?}",
                1 << log,
                rows(log, assets, *shape),
                circuits[i].data.common.degree_bits(),
                (1u64 << log) as f64 / total,
                runs[i].iter().map(|r| (r.0.as_secs_f64() * 100.0).round() / 100.0).collect::<Vec<_>>()
            );
        }
    }
}
