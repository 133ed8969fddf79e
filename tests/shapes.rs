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
