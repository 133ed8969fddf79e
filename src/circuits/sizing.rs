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
use super::sparse::SparseBatchCircuit;
use super::tiers::TierKind;
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
    auto_batch_within(num_assets, ROW_BUDGET_LOG)
}

/// As `auto_batch`, within 2^budget_log rows (`zkpor bench --tier-row-log`).
pub fn auto_batch_within(num_assets: usize, budget_log: u32) -> BatchFit {
    let mut chosen = BatchFit::of(0, num_assets);
    for log in 1..=MAX_BATCH_LOG {
        let fit = BatchFit::of(log, num_assets);
        if fit.padded_rows > 1 << budget_log {
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
    fn tiers_follow_the_holdings() {
        // Everyone holds one or two assets: no dense tier, and each tier's
        // circuit fits the row budget with the B it was given.
        let mut held = HeldCounts::default();
        (0..5000).for_each(|i| held.add(1 + i % 2));
        let tiers = choose_tiers(&held, 20);
        assert!(tiers.iter().all(|t| t.kind != TierKind::Dense), "{tiers:?}");
        assert!(tiers.last().unwrap().kind.holds(2));
        for t in &tiers {
            assert!(t.fit.padded_rows <= 1 << ROW_BUDGET_LOG, "{t:?}");
        }
        // One user holding every asset adds a dense tier (or a sparse one
        // that holds all 20) after the others.
        held.add(20);
        let tiers = choose_tiers(&held, 20);
        assert!(tiers.last().unwrap().kind.holds(20), "{tiers:?}");
        assert!(tiers.len() >= 2, "{tiers:?}");
    }

    #[test]
    fn parses_auto_or_a_number() {
        assert_eq!("auto".parse(), Ok(BatchSize::Auto));
        assert_eq!("64".parse(), Ok(BatchSize::Given(64)));
        assert!("sixty".parse::<BatchSize>().is_err());
    }
}

/// How one tier's batch circuit fills its rows at the B chosen for it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TierFit {
    pub kind: TierKind,
    pub fit: BatchFit,
}

/// Rows of a tier's batch circuit for 2^batch_log users.
fn tier_rows(kind: TierKind, batch_log: u32, num_assets: usize) -> usize {
    let config = CircuitConfig::standard_recursion_config();
    match kind.sparse_layout(num_assets) {
        Some(layout) => SparseBatchCircuit::rows(batch_log, layout, config),
        None => BatchCircuit::rows(batch_log, num_assets, config),
    }
}

/// A tier's rows as `fixed + per_user · B`, from two small circuits (rows
/// grow linearly in B: every slot adds the same gates).
#[derive(Clone, Copy, Debug)]
struct RowModel {
    fixed: f64,
    per_user: f64,
}

impl RowModel {
    fn of(kind: TierKind, num_assets: usize) -> Self {
        let (small, large) = (
            tier_rows(kind, 4, num_assets),
            tier_rows(kind, 6, num_assets),
        );
        let per_user = (large - small) as f64 / 48.0;
        RowModel {
            fixed: small as f64 - 16.0 * per_user,
            per_user,
        }
    }

    /// The largest log2 B this model says fits 2^budget_log rows.
    fn batch_log(&self, budget_log: u32) -> u32 {
        let budget = ((1usize << budget_log) - ROWS_MARGIN) as f64;
        (0..=MAX_BATCH_LOG)
            .rev()
            .find(|&b| self.fixed + self.per_user * (1u64 << b) as f64 <= budget)
            .unwrap_or(0)
    }
}

/// The exact fit for `kind`: the model's B, halved while the real circuit
/// spills past the row budget.
pub fn fit_tier(kind: TierKind, num_assets: usize) -> TierFit {
    fit_tier_within(kind, num_assets, ROW_BUDGET_LOG)
}

/// As `fit_tier`, within 2^budget_log rows.
pub fn fit_tier_within(kind: TierKind, num_assets: usize, budget_log: u32) -> TierFit {
    if kind == TierKind::Dense {
        return TierFit {
            kind,
            fit: auto_batch_within(num_assets, budget_log),
        };
    }
    let mut log = RowModel::of(kind, num_assets).batch_log(budget_log);
    loop {
        let rows = tier_rows(kind, log, num_assets);
        let padded_rows = (rows + ROWS_MARGIN).next_power_of_two();
        if padded_rows <= 1 << budget_log || log == 0 {
            let fit = BatchFit {
                batch_size: 1 << log,
                rows,
                padded_rows,
            };
            return TierFit { kind, fit };
        }
        log -= 1;
    }
}

/// Users by how many positions they hold: `counts[n]` users hold n.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HeldCounts(pub Vec<u64>);

impl HeldCounts {
    pub fn add(&mut self, held: usize) {
        if self.0.len() <= held {
            self.0.resize(held + 1, 0);
        }
        self.0[held] += 1;
    }

    /// The most positions any user holds.
    pub fn max_held(&self) -> usize {
        self.0.iter().rposition(|&c| c > 0).unwrap_or(0)
    }
}

/// Most sparse tiers `choose_tiers` picks (a dense tier may come on top).
pub const MAX_SPARSE_TIERS: usize = 3;
/// Largest sparse capacity considered: past it a user's positions cost more
/// rows than the dense circuit's whole row at 220 assets.
pub const MAX_SPARSE_CAPACITY: usize = 64;

/// The tiers for a snapshot, from measured rows: for each batch size, the
/// largest capacity whose circuit still fits the row budget is a candidate
/// (a smaller one at the same B costs the same per proof); the chosen set
/// minimises the batch proofs it needs, plus one per tier for the extra
/// aggregation and root input each tier brings. Users holding more than
/// every sparse candidate go to a dense tier.
pub fn choose_tiers(held: &HeldCounts, num_assets: usize) -> Vec<TierFit> {
    let dense = RowModel::of(TierKind::Dense, num_assets);
    let most = held.max_held().max(1);
    // Candidates by capacity, each with its modelled B (one model per K).
    let mut best_at: Vec<(usize, u32)> = Vec::new();
    for k in 1..=num_assets.min(MAX_SPARSE_CAPACITY) {
        let model = RowModel::of(TierKind::Sparse { capacity: k }, num_assets);
        if model.per_user >= dense.per_user {
            break;
        }
        let log = model.batch_log(ROW_BUDGET_LOG);
        match best_at.last_mut() {
            Some(last) if last.1 == log => last.0 = k,
            _ => best_at.push((k, log)),
        }
        if k >= most {
            break;
        }
    }
    let dense_log = auto_batch(num_assets).batch_size.trailing_zeros();
    let cost = |tiers: &[(usize, u32)], with_dense: bool| -> Option<u64> {
        let mut proofs = 0u64;
        let mut from = 0usize;
        for &(k, log) in tiers {
            let users: u64 = held.0.iter().take(k + 1).skip(from).sum();
            proofs += users.div_ceil(1 << log) + 1;
            from = k + 1;
        }
        let rest: u64 = held.0.iter().skip(from).sum();
        match (rest, with_dense) {
            (0, _) => Some(proofs),
            (_, true) => Some(proofs + rest.div_ceil(1 << dense_log) + 1),
            (_, false) => None,
        }
    };
    // (cost, sparse tiers as (K, log2 B), with a dense tier)
    let mut best: (u64, Vec<(usize, u32)>, bool) = (u64::MAX, Vec::new(), true);
    for subset in subsets(&best_at, MAX_SPARSE_TIERS) {
        for with_dense in [false, true] {
            match cost(&subset, with_dense) {
                Some(c) if c < best.0 => best = (c, subset.clone(), with_dense),
                _ => {}
            }
        }
    }
    let (_, sparse, with_dense) = best;
    let mut tiers: Vec<TierFit> = sparse
        .iter()
        .map(|&(capacity, _)| fit_tier(TierKind::Sparse { capacity }, num_assets))
        .collect();
    if with_dense || tiers.is_empty() {
        tiers.push(fit_tier(TierKind::Dense, num_assets));
    }
    tiers
}

/// Every subset of `items` with 1..=max elements, in order.
fn subsets<T: Copy>(items: &[T], max: usize) -> Vec<Vec<T>> {
    let mut out: Vec<Vec<T>> = vec![Vec::new()];
    for &item in items {
        let grown: Vec<Vec<T>> = out
            .iter()
            .filter(|s| s.len() < max)
            .map(|s| {
                let mut s = s.clone();
                s.push(item);
                s
            })
            .collect();
        out.extend(grown);
    }
    out.retain(|s| !s.is_empty());
    out
}
