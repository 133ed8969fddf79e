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

/// Per-gate cost of the quotient's gate evaluation: every gate is evaluated at
/// every point of the quotient domain, so the time per batch of points is what
/// a gate adds to a proof, whatever its number of rows.
#[test]
#[ignore = "prints per-gate evaluation times for docs/PERFORMANCE.md §16"]
fn gate_costs() {
    use plonky2::field::types::Sample;
    use plonky2::hash::hash_types::HashOut;
    use plonky2::plonk::vars::EvaluationVarsBaseBatch;
    use std::time::Instant;
    use zkpor::field::F;
    use zkpor::prover::selectors::Selectors;
    const LEN: usize = 32;
    const BATCHES: usize = 1 << 10;
    for (name, bits) in [("base-8", 3), ("base-4", 2)] {
        let shape = Shape {
            range_limb_bits: Some(bits),
            ..Shape::PACKED
        };
        let circuit =
            BatchCircuit::build_shape(7, 220, CircuitConfig::standard_recursion_config(), shape);
        let common = &circuit.data.common;
        let selectors = Selectors::read(common).expect("selectors");
        let constants = F::rand_vec(common.num_constants * LEN);
        let wires = F::rand_vec(common.config.num_wires * LEN);
        let hash = HashOut::<F>::rand();
        let vars = EvaluationVarsBaseBatch::new(LEN, &constants, &wires, &hash);
        let mut total = 0.0;
        for (g, gate) in common.gates.iter().enumerate() {
            let s = selectors.indices[g];
            let start = Instant::now();
            for _ in 0..BATCHES {
                let v = gate.0.eval_filtered_base_batch(
                    vars,
                    g,
                    s,
                    selectors.groups[s].clone(),
                    selectors.num_selectors(),
                    common.num_lookup_selectors,
                );
                std::hint::black_box(v);
            }
            let us = start.elapsed().as_secs_f64() * 1e6 / (BATCHES * LEN) as f64;
            total += us;
            println!(
                "{name} {:60} {:4} constraints {:8.3} us/point",
                gate.0.id().chars().take(60).collect::<String>(),
                gate.0.num_constraints(),
                us
            );
        }
        println!(
            "{name} all gates {total:.3} us/point, {} constraints, {} rows, x 2^18 points = {:.0} ms on one thread",
            common.num_gate_constraints,
            common.degree(),
            total * (1 << 18) as f64 / 1e3
        );
    }
}

/// Rows per user of the sparse batch circuit by capacity K, against the
/// dense one, from the difference between B = 64 and B = 16 (fixed rows
/// cancel), and the fixed rows at B = 16.
#[test]
#[ignore = "prints the sparse rows table of docs/PERFORMANCE.md §18"]
fn sparse_rows() {
    use zkpor::circuits::SparseBatchCircuit;
    use zkpor::leaf::SparseLayout;
    let c = CircuitConfig::standard_recursion_config();
    println!("| A | circuit | rows/user | rows at B = 16 |");
    println!("| --- | --- | --- | --- |");
    for a in [20usize, 220] {
        let (d4, d6) = (rows(4, a, Shape::PACKED), rows(6, a, Shape::PACKED));
        println!("| {a} | dense | {:.1} | {d4} |", (d6 - d4) as f64 / 48.0);
        for k in [1usize, 2, 3, 4, 8, 16, 32] {
            let layout = SparseLayout {
                num_assets: a,
                capacity: k,
            };
            let r4 = SparseBatchCircuit::rows(4, layout, c.clone());
            let r6 = SparseBatchCircuit::rows(6, layout, c.clone());
            println!(
                "| {a} | sparse K = {k} | {:.1} | {r4} |",
                (r6 - r4) as f64 / 48.0
            );
        }
    }
}

/// The tiers `choose_tiers` picks for `zkpor gen`'s holdings (1–8 assets,
/// 3% with one more debt position) at 65,536 users.
#[test]
#[ignore = "prints the tier choice of docs/PERFORMANCE.md §18"]
fn print_tier_choice() {
    use zkpor::circuits::sizing::{choose_tiers, HeldCounts};
    // gen's weights out of 12 for 1, 2, 3, 4, 5 and 8 held assets.
    let weights = [(1, 4), (2, 3), (3, 2), (4, 1), (5, 1), (8, 1)];
    for assets in [20, 220] {
        let mut held = HeldCounts::default();
        for (n, w) in weights {
            let users = 65_536 * w / 12;
            // 3% hold one more (a debt position).
            (0..users * 97 / 100).for_each(|_| held.add(n));
            (0..users * 3 / 100).for_each(|_| held.add(n + 1));
        }
        let t = std::time::Instant::now();
        let tiers = choose_tiers(&held, assets);
        println!("A = {assets}: chosen in {:.1} s", t.elapsed().as_secs_f64());
        for t in tiers {
            println!(
                "  {:?}: B = {}, {} rows ({})",
                t.kind, t.fit.batch_size, t.fit.rows, t.fit.padded_rows
            );
        }
    }
}
