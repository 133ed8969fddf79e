//! The commit job: validate the snapshot, hash leaves, build the account tree,
//! and publish the output directory atomically.

mod ingest;
pub mod tiers;

use crate::artifacts::{self, names, AccountsWriter, AssetSummary, StagingDir, Summary};
use crate::backend::Backend;
use crate::digest::Digest;
use crate::error::{Error, Result};
use crate::input::{open_accounts, read_assets, read_reserves, Problems};
use crate::leaf::{padding_leaf, RoundKey};
use crate::model::AssetTable;
use crate::progress::{ms, Progress};
use crate::secret::{generate_secret, read_secret};
use crate::tree::{AccountTree, TreeBuildError};
use ingest::Ingest;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

/// What to commit and where.
pub struct CommitRequest<'a> {
    pub accounts: PathBuf,
    pub assets: PathBuf,
    pub reserves: Option<PathBuf>,
    /// Secret file; None generates one into `OUT/secret`.
    pub secret: Option<PathBuf>,
    pub out: PathBuf,
    pub force: bool,
    /// How many input problems to report before stopping.
    pub max_problems: usize,
    pub backend: &'a dyn Backend,
    pub progress: Progress,
}

/// A published commitment.
pub struct CommitOutcome {
    pub summary: Summary,
    pub out: PathBuf,
    /// Where a freshly generated secret was written, if one was.
    pub generated_secret: Option<PathBuf>,
}

/// Runs the whole commit; on any error nothing is left at `out`.
pub fn commit(req: &CommitRequest) -> Result<CommitOutcome> {
    let stage = StagingDir::create(&req.out, req.force)?;
    let staged = commit_staged(req, &stage)?;
    write_summary(&stage.file(names::SUMMARY), &staged.summary)?;
    let out = stage
        .publish()
        .map_err(Error::io("cannot publish", &req.out))?;
    Ok(CommitOutcome {
        summary: staged.summary,
        generated_secret: staged.generated_secret.then(|| out.join(names::SECRET)),
        out,
    })
}

/// A commitment written into a staging directory, not yet published.
pub struct Staged {
    pub summary: Summary,
    pub tree: AccountTree,
    pub assets: Arc<AssetTable>,
    /// Reserve per asset in units, when a reserves file was given.
    pub reserves: Option<Vec<u64>>,
    pub generated_secret: bool,
}

/// Validates, hashes and builds the tree into `stage` (summary not yet written).
pub fn commit_staged(req: &CommitRequest, stage: &StagingDir) -> Result<Staged> {
    let (key, generated_secret) = round_key(req.secret.as_deref(), stage)?;
    let mut staged = build_commitment(
        req,
        &key,
        &stage.file(names::ACCOUNTS),
        &stage.file(names::TREE),
    )?;
    staged.generated_secret = generated_secret;
    Ok(staged)
}

/// Validates the snapshot, hashes leaves with `key` and builds the tree, writing
/// the account store to `accounts_path` and the tree to `tree_path` (both synced).
pub fn build_commitment(
    req: &CommitRequest,
    key: &RoundKey,
    accounts_path: &Path,
    tree_path: &Path,
) -> Result<Staged> {
    let mut v = validate(req, key, accounts_path, true)?;
    let t = Instant::now();
    let leaves = std::mem::take(&mut v.leaves);
    let tree = build_tree(req.backend, leaves, padding_leaf(v.assets.len()))?;
    v.timings.insert("build_tree".to_string(), ms(t));

    let t = Instant::now();
    artifacts::write_tree(tree_path, &tree).map_err(Error::io("cannot write", tree_path))?;
    let head = Head {
        root: tree.root().to_hex(),
        users: tree.num_leaves(),
        depth: tree.depth(),
    };
    let mut summary = build_summary(&head, &v, req.backend);
    v.timings.insert("write_tree".to_string(), ms(t));
    summary.timings_ms = std::mem::take(&mut v.timings);
    Ok(Staged {
        summary,
        tree,
        assets: v.assets,
        reserves: v.reserves,
        generated_secret: false,
    })
}

/// A validated snapshot: every account checked and in the account store.
pub struct Validated {
    pub assets: Arc<AssetTable>,
    /// Reserve per asset in units, when a reserves file was given.
    pub reserves: Option<Vec<u64>>,
    pub totals: Vec<artifacts::AssetTotals>,
    /// `held[n]`: users holding n positions.
    pub held: Vec<u64>,
    pub users: u64,
    /// The v1 leaves, when `validate` was asked to hash them.
    pub leaves: Vec<Digest>,
    pub timings: BTreeMap<String, u64>,
}

/// Reads assets and reserves, then validates every account into the store at
/// `accounts_path` (synced), hashing v1 leaves when `hash` is set.
pub fn validate(
    req: &CommitRequest,
    key: &RoundKey,
    accounts_path: &Path,
    hash: bool,
) -> Result<Validated> {
    let mut timings = BTreeMap::new();
    let t = Instant::now();
    let assets = Arc::new(read_assets(&req.assets, req.max_problems).map_err(Error::Input)?);
    let reserves = req
        .reserves
        .as_deref()
        .map(|p| read_reserves(p, &assets, req.max_problems).map_err(Error::Input))
        .transpose()?;
    let stream = open_accounts(&req.accounts, assets.clone())
        .map_err(|ps| input_error(ps, req.max_problems))?;
    let writer = AccountsWriter::create(accounts_path, assets.len())
        .map_err(Error::io("cannot create", accounts_path))?;
    let ingested = Ingest {
        assets: &assets,
        key,
        backend: req.backend,
        hash,
        writer,
        writer_path: accounts_path,
        problems: Problems::new(req.max_problems),
        progress: req.progress.counter("leaves"),
    }
    .run(stream, &req.accounts.display().to_string())?;
    let phase = if hash {
        "read_and_hash_leaves"
    } else {
        "read_and_validate"
    };
    timings.insert(phase.to_string(), ms(t));
    Ok(Validated {
        assets,
        reserves,
        totals: ingested.totals,
        held: ingested.held,
        users: ingested.users,
        leaves: ingested.leaves,
        timings,
    })
}

/// The tree over `leaves`, a backend failure keeping its own error.
pub fn build_tree(backend: &dyn Backend, leaves: Vec<Digest>, pad: Digest) -> Result<AccountTree> {
    AccountTree::build(backend, leaves, pad).map_err(|e| match e {
        TreeBuildError::Backend(b) => Error::from(b),
        e => Error::Usage(e.to_string()),
    })
}

/// What summary.json says of the account tree itself.
pub struct Head {
    pub root: String,
    pub users: u64,
    pub depth: u32,
}

fn input_error(ps: Vec<crate::input::Problem>, limit: usize) -> Error {
    let mut problems = Problems::new(limit);
    problems.extend(ps);
    Error::Input(problems)
}

pub fn round_key(secret: Option<&Path>, stage: &StagingDir) -> Result<(RoundKey, bool)> {
    match secret {
        Some(path) => Ok((read_secret(path)?, false)),
        None => Ok((generate_secret(&stage.file(names::SECRET))?, true)),
    }
}

/// The commit part of summary.json (no proof section, no timings).
pub fn build_summary(head: &Head, v: &Validated, backend: &dyn Backend) -> Summary {
    let (assets, totals, reserves) = (&v.assets, &v.totals, v.reserves.as_deref());
    let per_asset: Vec<AssetSummary> = assets
        .assets()
        .iter()
        .enumerate()
        .map(|(i, a)| AssetSummary::new(a, totals[i], reserves.map(|r| r[i])))
        .collect();
    let all_covered = reserves.map(|_| per_asset.iter().all(|a| a.covered == Some(true)));
    Summary {
        format: artifacts::summary::SUMMARY_FORMAT.to_string(),
        zkpor_version: env!("CARGO_PKG_VERSION").to_string(),
        root: head.root.clone(),
        users: head.users,
        tree_depth: head.depth,
        value_scale: assets.value_scale(),
        backend: backend.name().to_string(),
        backend_detail: Some(backend.describe()),
        assets: per_asset,
        all_covered,
        timings_ms: BTreeMap::new(),
        proof: None,
        tiers: None,
    }
}

/// Writes summary.json atomically.
pub fn write_summary(path: &Path, summary: &Summary) -> Result<()> {
    let json = serde_json::to_vec_pretty(summary).map_err(|e| Error::Usage(e.to_string()))?;
    artifacts::write_atomic(path, &json).map_err(Error::io("cannot write", path))
}
