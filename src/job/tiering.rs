//! `--tiers`: which tiers a format 2 round uses, and each tier's B. `auto`
//! picks capacities from the snapshot's held-asset counts and measured row
//! counts (`circuits::sizing::choose_tiers`); a list names them. Tiers no
//! user falls into are left out, so every tier proves at least one user.

use super::events::Reporter;
use crate::circuits::sizing::{choose_tiers, fit_tier, BatchSize, HeldCounts};
use crate::circuits::tiers::MAX_TIERS;
use crate::circuits::TierKind;
use crate::commit::tiers::tier_of;
use crate::error::{Error, Result};
use std::fmt;
use std::str::FromStr;

/// The tiers as the operator asks for them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TierRequest {
    Auto,
    /// Capacities in strictly increasing order, a dense tier last if any.
    Given(Vec<TierKind>),
}

impl FromStr for TierRequest {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, String> {
        if s == "auto" {
            return Ok(TierRequest::Auto);
        }
        let mut kinds = Vec::new();
        for part in s.split(',') {
            let kind = match part.trim() {
                "dense" => TierKind::Dense,
                k => match k.parse::<usize>() {
                    Ok(capacity) if capacity > 0 => TierKind::Sparse { capacity },
                    _ => {
                        return Err(format!(
                            "--tiers: {k:?} is neither a capacity (a positive integer) nor dense"
                        ))
                    }
                },
            };
            kinds.push(kind);
        }
        if kinds.windows(2).any(|w| w[0].rank() >= w[1].rank()) {
            return Err("--tiers: capacities must strictly increase, dense last".into());
        }
        if kinds.len() > MAX_TIERS {
            return Err(format!("--tiers: at most {MAX_TIERS} tiers"));
        }
        Ok(TierRequest::Given(kinds))
    }
}

impl fmt::Display for TierRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TierRequest::Auto => f.write_str("auto"),
            TierRequest::Given(kinds) => {
                let parts: Vec<String> = kinds.iter().map(kind_name).collect();
                f.write_str(&parts.join(","))
            }
        }
    }
}

/// A tier's name on the command line and in messages: K, or `dense`.
pub fn kind_name(kind: &TierKind) -> String {
    match kind {
        TierKind::Sparse { capacity } => capacity.to_string(),
        TierKind::Dense => "dense".into(),
    }
}

/// The tiers of a round with `held` users by held count, each with its B,
/// every one holding at least one user; said to the operator once.
pub fn resolve(
    request: &TierRequest,
    batch_size: BatchSize,
    held: &HeldCounts,
    num_assets: usize,
    reporter: &Reporter,
) -> Result<Vec<(TierKind, usize)>> {
    let b = |kind: TierKind| match batch_size {
        BatchSize::Given(b) => b,
        BatchSize::Auto => fit_tier(kind, num_assets).fit.batch_size,
    };
    let kinds: Vec<(TierKind, usize)> = match (request, batch_size) {
        (TierRequest::Auto, BatchSize::Auto) => choose_tiers(held, num_assets)
            .into_iter()
            .map(|t| (t.kind, t.fit.batch_size))
            .collect(),
        (TierRequest::Auto, BatchSize::Given(b)) => choose_tiers(held, num_assets)
            .into_iter()
            .map(|t| (t.kind, b))
            .collect(),
        (TierRequest::Given(kinds), _) => kinds.iter().map(|&k| (k, b(k))).collect(),
    };
    for (k, _) in &kinds {
        if let TierKind::Sparse { capacity } = k {
            if *capacity > num_assets {
                return Err(Error::Usage(format!(
                    "--tiers: capacity {capacity} is above the {num_assets} assets; use dense"
                )));
            }
        }
    }
    let only: Vec<TierKind> = kinds.iter().map(|(k, _)| *k).collect();
    let mut users = vec![0u64; kinds.len()];
    for (n, &count) in held.0.iter().enumerate() {
        if count == 0 {
            continue;
        }
        match tier_of(&only, n) {
            Some(t) => users[t] += count,
            None => {
                return Err(Error::Usage(format!(
                    "--tiers {request}: {count} users hold {n} assets, more than any tier holds; add a larger capacity or dense"
                )))
            }
        }
    }
    let (kinds, users): (Vec<_>, Vec<u64>) =
        kinds.into_iter().zip(users).filter(|(_, u)| *u > 0).unzip();
    let said: Vec<String> = kinds
        .iter()
        .zip(&users)
        .map(|((k, b), u)| format!("{} (B = {b}, {u} users)", kind_name(k)))
        .collect();
    reporter.notice("tiers", &format!("--tiers {request}: {}", said.join(", ")));
    Ok(kinds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lists_and_refuses_bad_ones() {
        assert_eq!("auto".parse(), Ok(TierRequest::Auto));
        let r: TierRequest = "1, 4,dense".parse().unwrap();
        assert_eq!(
            r,
            TierRequest::Given(vec![
                TierKind::Sparse { capacity: 1 },
                TierKind::Sparse { capacity: 4 },
                TierKind::Dense
            ])
        );
        assert_eq!(r.to_string(), "1,4,dense");
        for bad in ["4,1", "dense,2", "0", "x", "1,1"] {
            assert!(bad.parse::<TierRequest>().is_err(), "{bad}");
        }
    }

    #[test]
    fn empty_tiers_are_left_out_and_unheld_users_refused() {
        let r = Reporter::new(
            crate::progress::Progress::hidden(),
            Default::default(),
            true,
            "cpu",
        );
        let held = HeldCounts(vec![0, 5, 0, 2]);
        let req: TierRequest = "1,2,dense".parse().unwrap();
        let tiers = resolve(&req, BatchSize::Given(4), &held, 6, &r).unwrap();
        assert_eq!(
            tiers,
            vec![(TierKind::Sparse { capacity: 1 }, 4), (TierKind::Dense, 4)]
        );
        let req: TierRequest = "1,2".parse().unwrap();
        let e = resolve(&req, BatchSize::Given(4), &held, 6, &r).unwrap_err();
        assert!(e.to_string().contains("2 users hold 3 assets"), "{e}");
    }
}
