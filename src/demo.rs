//! `zkpor demo`: one whole round on a bundled sample (commit in the tiers
//! `prove` picks by default, prove at a small fixed shape, then one
//! customer's inclusion proof), in steps the CLI reports one by one.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use crate::artifacts::{write_atomic, UserProofFile};
use crate::backend::Backend;
use crate::commit::CommitRequest;
use crate::error::{Error, Result};
use crate::inclusion::{make_user_proof, user_at};
use crate::job::events::Reporter;
use crate::job::layout::names;
use crate::job::{prove, BatchSize, ProveOutcome, ProveRequest, Proving, TierRequest};

/// The demo's shape: small batches and a 4-ary tree, so the sample's few
/// hundred users still make several batch proofs and two aggregation levels.
const BATCH_SIZE: usize = 64;
const ARITY: usize = 4;
const MAX_PROBLEMS: usize = 20;

/// Commits and proves the sample in `data` (accounts.csv, assets.csv,
/// reserves.csv, secret.demo) into `out`, which is replaced whole but for
/// its built circuits.
pub fn prove_sample(
    data: &Path,
    out: &Path,
    backend: &dyn Backend,
    reporter: Reporter,
) -> Result<ProveOutcome> {
    let file = |name: &str| data.join(name);
    if !file("accounts.csv").exists() {
        return Err(Error::Usage(format!(
            "{} not found: run from the repository root or pass --data",
            file("accounts.csv").display()
        )));
    }
    clear_keeping_circuits(out)?;
    let commit = CommitRequest {
        accounts: file("accounts.csv"),
        assets: file("assets.csv"),
        reserves: Some(file("reserves.csv")),
        secret: Some(file("secret.demo")),
        out: out.to_path_buf(),
        force: true,
        max_problems: MAX_PROBLEMS,
        backend,
        progress: reporter.progress(),
    };
    prove(&ProveRequest {
        commit,
        batch_size: BatchSize::Given(BATCH_SIZE),
        arity: ARITY,
        fresh: true,
        shard: None,
        prepare_only: false,
        proving: Proving::default(),
        circuit_cache: None,
        // As `zkpor prove` does by default: the tiers picked from the sample.
        tiers: Some(TierRequest::Auto),
        reporter,
    })
}

/// Empties `out` (user proofs included) but for the circuits an earlier demo
/// built, which this one then loads instead of building.
fn clear_keeping_circuits(out: &Path) -> Result<()> {
    let Ok(entries) = std::fs::read_dir(out) else {
        return Ok(());
    };
    for entry in entries {
        let path = entry.map_err(Error::io("cannot list", out))?.path();
        if path.file_name() == Some(OsStr::new(names::CIRCUITS)) {
            continue;
        }
        let removed = if path.is_dir() {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
        removed.map_err(Error::io("cannot replace", &path))?;
    }
    Ok(())
}

/// The first user's inclusion proof, written beside the round as
/// `user-<id>.json`.
pub fn first_user_proof(out: &Path) -> Result<(UserProofFile, PathBuf)> {
    let user = user_at(out, 0)?;
    let proof = make_user_proof(out, &user)?;
    let path = out.join(format!("user-{user}.json"));
    let json = serde_json::to_vec_pretty(&proof).map_err(|e| Error::Usage(e.to_string()))?;
    write_atomic(&path, &json).map_err(Error::io("cannot write", &path))?;
    Ok((proof, path))
}
