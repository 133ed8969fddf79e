//! The job directory: where each artifact lives, and the only two ways one is
//! written, atomic replace and create-once, so that a crash or a concurrent
//! shard never leaves or sees a half-written file (docs/FORMAT.md §10).

use super::shape::Pos;
use super::shard::ShardSpec;
use crate::artifacts::names as out;
use crate::artifacts::staging::{link_once, rename_synced, sync_dir, temp_name, write_synced};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// File and folder names inside a job directory (besides `artifacts::names`).
pub mod names {
    pub const MANIFEST: &str = "job.json";
    pub const COMMIT: &str = "commit.json";
    pub const BATCH_INDEX: &str = "batches.bin";
    pub const PROOFS: &str = "proofs";
    pub const SHARDS: &str = "shards";
    pub const TMP: &str = ".tmp";
    pub const ROOT_CHECKPOINT: &str = "root.proof";
    /// Built circuits (`circuit_files`), kept across `--fresh`.
    pub const CIRCUITS: &str = "circuits";
}

/// Entries that may exist before a job's manifest does: a racing shard's
/// temporary files, a generated secret and the circuits an earlier job built.
const PRE_MANIFEST: [&str; 4] = [names::TMP, out::SECRET, names::MANIFEST, names::CIRCUITS];

/// Everything a job writes, removed by `--fresh` (the generated secret is kept).
const JOB_FILES: [&str; 12] = [
    names::MANIFEST,
    out::TIERS,
    names::COMMIT,
    names::BATCH_INDEX,
    names::PROOFS,
    names::SHARDS,
    out::ACCOUNTS,
    out::TREE,
    out::SUMMARY,
    out::ROOT_PROOF,
    out::COMMON_DATA,
    out::VERIFIER_ONLY,
];

#[derive(Clone, Debug)]
pub struct JobDir {
    root: PathBuf,
}

impl JobDir {
    pub fn new(root: &Path) -> Self {
        JobDir {
            root: root.to_path_buf(),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn file(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }

    pub fn proof(&self, pos: Pos) -> PathBuf {
        self.level_dir(pos.level)
            .join(format!("{:08}.proof", pos.index))
    }

    /// The all-padding proof of `level`, shared by every padding node there.
    pub fn padding(&self, level: u32) -> PathBuf {
        self.level_dir(level).join("padding.proof")
    }

    pub fn root_checkpoint(&self) -> PathBuf {
        self.root.join(names::PROOFS).join(names::ROOT_CHECKPOINT)
    }

    pub fn shard_marker(&self, spec: ShardSpec) -> PathBuf {
        self.root
            .join(names::SHARDS)
            .join(format!("{}-of-{}.json", spec.index, spec.count))
    }

    fn level_dir(&self, level: u32) -> PathBuf {
        self.root.join(names::PROOFS).join(level.to_string())
    }

    /// A fresh, unique temporary path inside the job's `.tmp` folder.
    pub fn temp(&self, base: &str) -> io::Result<PathBuf> {
        let dir = self.root.join(names::TMP);
        fs::create_dir_all(&dir)?;
        Ok(dir.join(temp_name(base)))
    }

    /// Atomically replaces `path` with `bytes`: temporary file, fsync, rename, fsync the folder.
    pub fn replace(&self, path: &Path, bytes: &[u8]) -> io::Result<()> {
        let tmp = self.temp(&base_name(path))?;
        write_synced(&tmp, bytes)?;
        self.install(&tmp, path)
    }

    /// Moves a finished, synced temporary file onto `path`.
    pub fn install(&self, tmp: &Path, path: &Path) -> io::Result<()> {
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir)?;
        }
        rename_synced(tmp, path).inspect_err(|_| {
            let _ = fs::remove_file(tmp);
        })
    }

    /// Creates `path` with `bytes` unless it exists; returns whether this call created it.
    pub fn create_once(&self, path: &Path, bytes: &[u8]) -> io::Result<bool> {
        let tmp = self.temp(&base_name(path))?;
        write_synced(&tmp, bytes)?;
        let created = link_once(&tmp, path);
        let _ = fs::remove_file(&tmp);
        created
    }

    /// Whether the directory holds something other than a job (or the start of one).
    pub fn foreign_entries(&self) -> io::Result<Vec<String>> {
        let mut found = Vec::new();
        let Ok(entries) = fs::read_dir(&self.root) else {
            return Ok(found);
        };
        for e in entries {
            let name = e?.file_name().to_string_lossy().into_owned();
            if !PRE_MANIFEST.contains(&name.as_str()) {
                found.push(name);
            }
        }
        found.sort();
        Ok(found)
    }

    /// `--fresh`: removes every job artifact (a generated secret stays).
    pub fn remove_job_files(&self) -> io::Result<()> {
        for name in JOB_FILES.iter().chain([&names::TMP]) {
            let p = self.root.join(name);
            match fs::symlink_metadata(&p) {
                Ok(m) if m.is_dir() => fs::remove_dir_all(&p)?,
                Ok(_) => fs::remove_file(&p)?,
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
        sync_dir(&self.root)
    }

    /// Removes temporary files no writer has touched for `age`: left by killed runs.
    pub fn clean_temps(&self, age: Duration) {
        let Ok(entries) = fs::read_dir(self.root.join(names::TMP)) else {
            return;
        };
        let now = SystemTime::now();
        for e in entries.flatten() {
            let old = e
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|t| now.duration_since(t).unwrap_or_default() >= age);
            if old {
                let _ = fs::remove_file(e.path());
            }
        }
    }
}

fn base_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".into())
}
