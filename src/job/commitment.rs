//! The job's commitment: account store, tree, batch index and `commit.json`.
//! A run reuses them when they check out against the digests `commit.json`
//! records; otherwise it rebuilds them from the inputs. `commit.json` is
//! written last, so its presence means the other three are complete.

use super::batch_index::{self, BatchIndex};
use super::digests::{sha256_file, sha256_hex};
use super::events::Reporter;
use super::killpoint::{self, Kind};
use super::layout::{names, JobDir};
use crate::artifacts::{self, names as out, Summary};
use crate::circuits::params::effective_batch_size;
use crate::circuits::witness::PriceVector;
use crate::commit::{build_commitment, CommitRequest};
use crate::error::{Error, Result};
use crate::leaf::RoundKey;
use crate::progress::ms;
use crate::tree::AccountTree;
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::time::Instant;

pub const COMMIT_FORMAT: &str = "zkpor-commit/1";

/// A verified commitment, everything the proofs need without the inputs.
pub struct Commitment {
    /// The commit part of summary.json (no proof section yet).
    pub summary: Summary,
    pub tree: AccountTree,
    pub prices: PriceVector,
    /// Reserve per asset in units.
    pub reserves: Vec<u64>,
    pub batches: BatchIndex,
}

impl Commitment {
    /// The commitment a checked record describes, with its tree and batch index.
    fn from_record(record: CommitRecord, tree: AccountTree, batches: BatchIndex) -> Self {
        Commitment {
            prices: PriceVector {
                value_scale: record.summary.value_scale,
                prices: record.committed_prices,
            },
            reserves: record.reserves,
            summary: record.summary,
            tree,
            batches,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct CommitRecord {
    format: String,
    /// Users per batch as proven: min(B, 2^depth).
    batch_size: usize,
    summary: Summary,
    /// Committed integer prices, in asset order.
    committed_prices: Vec<u64>,
    /// Reserves in units, in asset order.
    reserves: Vec<u64>,
    files: Vec<FileEntry>,
}

/// A file of the commitment, by its path in the job directory.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct FileEntry {
    name: String,
    bytes: u64,
    sha256: String,
}

impl FileEntry {
    /// The entry for `name`, whose content is at `tmp` for now.
    pub(super) fn of(name: &str, tmp: &Path) -> Result<Self> {
        let bytes = std::fs::metadata(tmp)
            .map_err(Error::io("cannot read", tmp))?
            .len();
        let sha256 = sha256_file(tmp).map_err(Error::io("cannot read", tmp))?;
        Ok(FileEntry {
            name: name.into(),
            bytes,
            sha256,
        })
    }
}

/// Checks every file against its recorded digest.
pub(super) fn check_files(job: &JobDir, files: &[FileEntry]) -> std::result::Result<(), String> {
    for f in files {
        let p = job.file(&f.name);
        let digest = sha256_file(&p).map_err(|e| format!("{}: {e}", f.name))?;
        if digest != f.sha256 {
            return Err(format!(
                "{} differs from the digest in {}",
                f.name,
                names::COMMIT
            ));
        }
    }
    Ok(())
}

/// commit.json: the record and the SHA-256 of its compact serialisation.
#[derive(Serialize, Deserialize)]
pub(super) struct Sealed<R> {
    pub record: R,
    pub sha256: String,
}

impl<R: Serialize + serde::de::DeserializeOwned> Sealed<R> {
    pub(super) fn new(record: R) -> Result<Self> {
        Ok(Sealed {
            sha256: seal(&record).map_err(Error::Usage)?,
            record,
        })
    }

    /// Reads commit.json; the error says why it cannot be used.
    pub(super) fn read(job: &JobDir) -> std::result::Result<R, String> {
        let path = job.file(names::COMMIT);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err("none yet".into()),
            Err(e) => return Err(format!("{}: {e}", path.display())),
        };
        let sealed: Sealed<R> =
            serde_json::from_slice(&bytes).map_err(|e| format!("{}: {e}", names::COMMIT))?;
        if seal(&sealed.record)? != sealed.sha256 {
            return Err(format!("{}: checksum mismatch", names::COMMIT));
        }
        Ok(sealed.record)
    }

    /// Writes commit.json atomically: last, after every file it names.
    pub(super) fn write(&self, job: &JobDir) -> Result<()> {
        let mut json = serde_json::to_vec_pretty(self).map_err(|e| Error::Usage(e.to_string()))?;
        json.push(b'\n');
        let path = job.file(names::COMMIT);
        job.replace(&path, &json)
            .map_err(Error::io("cannot write", &path))?;
        killpoint::written(Kind::Commit);
        Ok(())
    }
}

/// The inputs, when this run has them (`aggregate` does not).
pub struct Inputs<'a> {
    pub request: &'a CommitRequest<'a>,
    pub key: &'a RoundKey,
}

/// Loads the job's commitment, or builds it from `inputs`.
pub fn ensure(
    job: &JobDir,
    inputs: Option<&Inputs>,
    batch_size: usize,
    reporter: &Reporter,
) -> Result<Commitment> {
    let build = inputs.map(|i| move || build(job, i, batch_size));
    reuse_or_build(job, reporter, load(job, batch_size), build)
}

/// The commitment `found` on disk when it checks out, else the one `build`
/// makes (a run without inputs cannot build, and says why it stops).
pub(super) fn reuse_or_build<T>(
    job: &JobDir,
    reporter: &Reporter,
    found: std::result::Result<T, String>,
    build: Option<impl FnOnce() -> Result<T>>,
) -> Result<T> {
    let t = Instant::now();
    let action = |a: &str| reporter.event("commitment", "commit", serde_json::json!({"action": a}));
    let commitment = match (found, build) {
        (Ok(c), _) => {
            action("verified");
            c
        }
        (Err(why), Some(build)) => {
            if job.file(names::COMMIT).exists() {
                reporter.notice("commit", &format!("rebuilding the commitment: {why}"));
            }
            let c = build()?;
            action("built");
            c
        }
        (Err(why), None) => {
            return Err(Error::Usage(format!(
                "{} holds no usable commitment ({why}); run zkpor prove with the inputs first",
                job.root().display()
            )))
        }
    };
    reporter.phase_done("commit", t.elapsed());
    Ok(commitment)
}

/// Loads and checks the commitment; the error says why it cannot be used.
fn load(job: &JobDir, batch_size: usize) -> std::result::Result<Commitment, String> {
    let record: CommitRecord = Sealed::read(job)?;
    if record.format != COMMIT_FORMAT {
        return Err(format!(
            "{}: unknown format {}",
            names::COMMIT,
            record.format
        ));
    }
    check_files(job, &record.files)?;
    let tree = artifacts::read_tree(&job.file(out::TREE)).map_err(|e| format!("tree: {e}"))?;
    if tree.root().to_hex() != record.summary.root || tree.num_leaves() != record.summary.users {
        return Err("the tree does not match the recorded root".into());
    }
    let leaf_batch = effective_batch_size(batch_size, tree.depth());
    if record.batch_size != leaf_batch {
        return Err(format!(
            "batch index cut at {} users, this job proves {leaf_batch}",
            record.batch_size
        ));
    }
    let batches = BatchIndex::open(&job.file(names::BATCH_INDEX))
        .map_err(|e| format!("{}: {e}", names::BATCH_INDEX))?;
    let assets = record.summary.assets.len();
    if batches.batch_size != leaf_batch
        || batches.num_assets != assets
        || batches.batches != tree.num_leaves().div_ceil(leaf_batch as u64)
        || record.committed_prices.len() != assets
        || record.reserves.len() != assets
    {
        return Err("the batch index or prices do not fit the commitment".into());
    }
    Ok(Commitment::from_record(record, tree, batches))
}

/// Builds the commitment from the inputs and installs it.
fn build(job: &JobDir, inputs: &Inputs, batch_size: usize) -> Result<Commitment> {
    let tmp = |name: &str| {
        job.temp(name)
            .map_err(Error::io("cannot create", job.root()))
    };
    let (acc_tmp, tree_tmp, idx_tmp) = (
        tmp(out::ACCOUNTS)?,
        tmp(out::TREE)?,
        tmp(names::BATCH_INDEX)?,
    );
    let result = build_into(job, inputs, batch_size, [&acc_tmp, &tree_tmp, &idx_tmp]);
    for t in [&acc_tmp, &tree_tmp, &idx_tmp] {
        let _ = std::fs::remove_file(t);
    }
    result
}

fn build_into(
    job: &JobDir,
    inputs: &Inputs,
    batch_size: usize,
    [acc_tmp, tree_tmp, idx_tmp]: [&Path; 3],
) -> Result<Commitment> {
    let staged = build_commitment(inputs.request, inputs.key, acc_tmp, tree_tmp)?;
    let leaf_batch = effective_batch_size(batch_size, staged.tree.depth());
    let t = Instant::now();
    batch_index::write(acc_tmp, leaf_batch, idx_tmp).map_err(Error::io("cannot write", idx_tmp))?;
    let mut summary = staged.summary;
    summary.timings_ms.insert("batch_index".into(), ms(t));
    let files = [
        (out::ACCOUNTS, acc_tmp),
        (out::TREE, tree_tmp),
        (names::BATCH_INDEX, idx_tmp),
    ]
    .iter()
    .map(|(name, tmp)| FileEntry::of(name, tmp))
    .collect::<Result<Vec<_>>>()?;
    let record = CommitRecord {
        format: COMMIT_FORMAT.into(),
        batch_size: leaf_batch,
        committed_prices: staged
            .assets
            .assets()
            .iter()
            .map(|a| a.price.units())
            .collect(),
        reserves: staged
            .reserves
            .clone()
            .unwrap_or_else(|| vec![0; staged.assets.len()]),
        summary,
        files,
    };
    // Another shard may have installed the same commitment meanwhile: keep it.
    if let Ok(c) = load(job, batch_size) {
        if c.summary.root == record.summary.root {
            return Ok(c);
        }
    }
    for (name, tmp) in [
        (out::ACCOUNTS, acc_tmp),
        (out::TREE, tree_tmp),
        (names::BATCH_INDEX, idx_tmp),
    ] {
        let path = job.file(name);
        job.install(tmp, &path)
            .map_err(Error::io("cannot write", &path))?;
        killpoint::written(Kind::Commit);
    }
    let sealed = Sealed::new(record)?;
    sealed.write(job)?;
    let record = sealed.record;
    let batches = BatchIndex::open(&job.file(names::BATCH_INDEX))
        .map_err(Error::io("cannot read", job.file(names::BATCH_INDEX)))?;
    Ok(Commitment::from_record(record, staged.tree, batches))
}

/// SHA-256 of the record as compact JSON (keys in declaration order, no whitespace).
fn seal<R: Serialize>(record: &R) -> std::result::Result<String, String> {
    serde_json::to_vec(record)
        .map(|v| sha256_hex(&v))
        .map_err(|e| e.to_string())
}
