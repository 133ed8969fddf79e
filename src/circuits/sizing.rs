//! `--batch-size auto`: the batch size B whose circuit fills a 2^15-row
//! circuit best at the snapshot's asset count. plonky2 pads every circuit to a
//! power of two and each row costs the same, so a batch that spills a few rows
//! past 2^k pays for 2^k empty ones. A smaller B fills its own smaller power
//! of two no better (rows grow linearly in B), and every batch costs one child
//! verification in an aggregation proof (thousands of rows, whatever B is), so
//! the cheapest B per user is the largest one whose circuit stays within the
//! row budget.

use super::batch::{BatchCircuit, ROWS_MARGIN};
use super::params::MAX_BATCH_LOG;
use plonky2::plonk::circuit_data::CircuitConfig;
use std::fmt;
use std::str::FromStr;

/// Largest batch circuit `auto` picks, as log2 of its rows: 2^15 rows cost
/// about 1 GB of prover memory, so two proofs in flight fit a small machine.
pub const ROW_BUDGET_LOG: u32 = 15;

/// The batch size as asked for on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BatchSize {
    /// Chosen from the asset count by [`auto_batch`].
    Auto,
    /// Exactly this many users per batch (a power of two).
    Given(usize),
}

impl FromStr for BatchSize {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        if s == "auto" {
            return Ok(BatchSize::Auto);
        }
        s.parse()
            .map(BatchSize::Given)
            .map_err(|_| format!("'{s}' is neither auto nor a number of users"))
    }
}

impl fmt::Display for BatchSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BatchSize::Auto => f.write_str("auto"),
            BatchSize::Given(b) => write!(f, "{b}"),
        }
    }
}

/// How a batch circuit fills its rows.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BatchFit {
    pub batch_size: usize,
    /// Rows used, as the circuit builder counts them (plus the public-input
    /// hash that `build` adds).
    pub rows: usize,
    /// The power of two plonky2 pads `rows` (and a margin for constants) to.
    pub padded_rows: usize,
}

impl BatchFit {
    pub fn of(batch_log: u32, num_assets: usize) -> Self {
        let config = CircuitConfig::standard_recursion_config();
        let rows = BatchCircuit::rows(batch_log, num_assets, config);
        BatchFit {
            batch_size: 1 << batch_log,
            rows,
            padded_rows: (rows + ROWS_MARGIN).next_power_of_two(),
        }
    }

    pub fn fill(&self) -> f64 {
        self.rows as f64 / self.padded_rows as f64
    }
}

/// The B for `num_assets`: the largest whose batch circuit has at most
/// 2^ROW_BUDGET_LOG rows; B = 1 when even one user needs more.
pub fn auto_batch(num_assets: usize) -> BatchFit {
    let mut chosen = BatchFit::of(0, num_assets);
    for log in 1..=MAX_BATCH_LOG {
        let fit = BatchFit::of(log, num_assets);
        if fit.padded_rows > 1 << ROW_BUDGET_LOG {
            break;
        }
        chosen = fit;
    }
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_estimate_bounds_plonky2s_degree() {
        // The rows counted never exceed the built circuit's degree, and the
        // padded estimate (with its margin) never falls below it.
        for (log, assets) in [(0, 1), (1, 2), (2, 8), (3, 20), (5, 3)] {
            let fit = BatchFit::of(log, assets);
            let config = CircuitConfig::standard_recursion_config();
            let degree = BatchCircuit::build(log, assets, config)
                .data
                .common
                .degree();
            assert!(
                fit.rows <= degree,
                "B=2^{log} A={assets}: {fit:?} vs {degree}"
            );
            assert!(
                fit.padded_rows >= degree,
                "B=2^{log} A={assets}: {fit:?} vs {degree}"
            );
        }
    }

    #[test]
    fn auto_stays_within_the_row_budget() {
        for assets in [2, 20, 220] {
            let fit = auto_batch(assets);
            assert_eq!(fit.padded_rows, 1 << ROW_BUDGET_LOG, "{assets}: {fit:?}");
            assert!(fit.fill() > 0.5, "{assets}: {fit:?}");
            // Doubling B would leave the budget.
            let next = BatchFit::of(fit.batch_size.trailing_zeros() + 1, assets);
            assert!(next.padded_rows > 1 << ROW_BUDGET_LOG, "{assets}: {next:?}");
        }
    }

    #[test]
    fn parses_auto_or_a_number() {
        assert_eq!("auto".parse(), Ok(BatchSize::Auto));
        assert_eq!("64".parse(), Ok(BatchSize::Given(64)));
        assert!("sixty".parse::<BatchSize>().is_err());
    }
}
