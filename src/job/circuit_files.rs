//! Built circuits in the job directory (`OUT/circuits/`), so that a rerun of
//! the job, and every shard after the first on shared storage, loads them
//! instead of building them again. `circuits::cache` checks every entry it
//! loads; this module only keeps bytes.
//!
//! Entries are named by the binary that wrote them: its version and a
//! fingerprint of its executable. A different build of zkpor never reads
//! another's entries, so a circuit change without a version bump cannot
//! load a stale circuit; storing removes the entries of other builds.

use super::layout::{names, JobDir};
use crate::artifacts::sha256::hex;
use crate::circuits::CircuitStore;
use sha2::{Digest as _, Sha256};
use std::fs;
use std::path::PathBuf;
use std::sync::OnceLock;

/// The job's circuit folder as a [`CircuitStore`].
pub struct CircuitFiles<'j> {
    job: &'j JobDir,
    /// `None` when this executable cannot be read: nothing is kept then.
    namespace: Option<&'static str>,
}

impl<'j> CircuitFiles<'j> {
    pub fn new(job: &'j JobDir) -> Self {
        CircuitFiles {
            job,
            namespace: namespace(),
        }
    }

    fn dir(&self) -> PathBuf {
        self.job.file(names::CIRCUITS)
    }

    /// Removes entries other builds wrote: they can never be read again.
    fn remove_others(&self, namespace: &str) {
        let Ok(entries) = fs::read_dir(self.dir()) else {
            return;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.ends_with(SUFFIX) && !name.starts_with(namespace) {
                let _ = fs::remove_file(e.path());
            }
        }
    }
}

const SUFFIX: &str = ".circuit";

impl CircuitStore for CircuitFiles<'_> {
    fn load(&self, key: &str) -> Option<Vec<u8>> {
        let namespace = self.namespace?;
        fs::read(self.dir().join(format!("{namespace}-{key}{SUFFIX}"))).ok()
    }

    fn store(&self, key: &str, entry: &[u8]) {
        let Some(namespace) = self.namespace else {
            return;
        };
        self.remove_others(namespace);
        let path = self.dir().join(format!("{namespace}-{key}{SUFFIX}"));
        // A folder that cannot be written costs the next run a rebuild.
        let _ = self.job.replace(&path, entry);
    }
}

/// `v<version>-<first 16 hex digits of the executable's SHA-256>`, computed
/// once per process.
fn namespace() -> Option<&'static str> {
    static NAMESPACE: OnceLock<Option<String>> = OnceLock::new();
    NAMESPACE
        .get_or_init(|| {
            let exe = std::env::current_exe().ok()?;
            let bytes = fs::read(exe).ok()?;
            let sum = hex(&Sha256::digest(&bytes));
            Some(format!("v{}-{}", env!("CARGO_PKG_VERSION"), &sum[..16]))
        })
        .as_deref()
}
