//! Built circuits in the job directory (`OUT/circuits/`), and in a second
//! folder when the operator names one (`--circuit-cache`), so that a rerun of
//! the job, every shard after the first on shared storage, and other jobs on
//! the machine load them instead of building them again. `circuits::cache`
//! checks every entry it loads; this module only keeps bytes.
//!
//! Entries are named by the binary that wrote them: its version and a
//! fingerprint of its executable. A different build of zkpor never reads
//! another's entries, so a circuit change without a version bump cannot
//! load a stale circuit; storing removes the entries of other builds.

use super::digests::sha256_file;
use super::layout::{names, JobDir};
use crate::artifacts::write_atomic;
use crate::circuits::CircuitStore;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The job's circuit folder, and an optional shared one, as a [`CircuitStore`].
pub struct CircuitFiles<'j> {
    job: &'j JobDir,
    shared: Option<PathBuf>,
}

impl<'j> CircuitFiles<'j> {
    pub fn new(job: &'j JobDir, shared: Option<&Path>) -> Self {
        CircuitFiles {
            job,
            shared: shared.map(Path::to_path_buf),
        }
    }

    /// The folders entries are read from, in order, and written to.
    fn dirs(&self) -> impl Iterator<Item = PathBuf> + '_ {
        std::iter::once(self.job.file(names::CIRCUITS)).chain(self.shared.clone())
    }

    /// Removes entries other builds wrote in `dir`: they can never be read again.
    fn remove_others(dir: &Path, namespace: &str) {
        let Ok(entries) = fs::read_dir(dir) else {
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

/// The file name of `key`'s entry; `None` when this executable cannot be
/// read, and nothing is kept.
fn entry_name(key: &str) -> Option<String> {
    Some(format!("{}-{key}{SUFFIX}", namespace()?))
}

impl CircuitStore for CircuitFiles<'_> {
    fn load(&self, key: &str) -> Option<Vec<u8>> {
        let name = entry_name(key)?;
        self.dirs().find_map(|dir| fs::read(dir.join(&name)).ok())
    }

    fn store(&self, key: &str, entry: &[u8]) {
        let (Some(name), Some(namespace)) = (entry_name(key), namespace()) else {
            return;
        };
        for (i, dir) in self.dirs().enumerate() {
            Self::remove_others(&dir, namespace);
            // A folder that cannot be written costs a later run a rebuild.
            let _ = if i == 0 {
                self.job.replace(&dir.join(&name), entry)
            } else {
                fs::create_dir_all(&dir).and_then(|_| write_atomic(&dir.join(&name), entry))
            };
        }
    }
}

/// `v<version>-<first 16 hex digits of the executable's SHA-256>`, computed
/// once per process, when a circuit is first looked up.
fn namespace() -> Option<&'static str> {
    static NAMESPACE: OnceLock<Option<String>> = OnceLock::new();
    NAMESPACE
        .get_or_init(|| {
            let sum = sha256_file(&std::env::current_exe().ok()?).ok()?;
            Some(format!("v{}-{}", env!("CARGO_PKG_VERSION"), &sum[..16]))
        })
        .as_deref()
}
