//! Atomic output directories: everything is written under a temporary name and
//! renamed into place at the end, so a failed run leaves nothing that looks complete.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// A directory being written; removed on drop unless published.
pub struct StagingDir {
    staging: PathBuf,
    target: PathBuf,
    published: bool,
}

/// Why an output directory could not be staged.
#[derive(Debug, thiserror::Error)]
pub enum StagingError {
    #[error("{0} already exists; pass --force to replace it")]
    Exists(PathBuf),
    #[error("cannot create {path}: {source}")]
    Io { path: PathBuf, source: io::Error },
}

impl StagingDir {
    pub fn create(target: &Path, force: bool) -> Result<Self, StagingError> {
        if target.exists() && !force {
            return Err(StagingError::Exists(target.to_path_buf()));
        }
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "out".into());
        let staging = target.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
        let io_err = |source| StagingError::Io {
            path: staging.clone(),
            source,
        };
        if staging.exists() {
            fs::remove_dir_all(&staging).map_err(io_err)?;
        }
        fs::create_dir_all(&staging).map_err(io_err)?;
        Ok(StagingDir {
            staging,
            target: target.to_path_buf(),
            published: false,
        })
    }

    pub fn path(&self) -> &Path {
        &self.staging
    }

    pub fn file(&self, name: &str) -> PathBuf {
        self.staging.join(name)
    }

    /// Renames the staging directory onto the target, replacing an old one.
    pub fn publish(mut self) -> io::Result<PathBuf> {
        if self.target.exists() {
            let old = self.staging.with_extension("old");
            fs::rename(&self.target, &old)?;
            fs::rename(&self.staging, &self.target)?;
            fs::remove_dir_all(&old)?;
        } else {
            fs::rename(&self.staging, &self.target)?;
        }
        self.published = true;
        Ok(self.target.clone())
    }
}

impl Drop for StagingDir {
    fn drop(&mut self) {
        if !self.published {
            let _ = fs::remove_dir_all(&self.staging);
        }
    }
}

/// Writes `bytes` to `path` atomically: temporary file, fsync, rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write;
    let tmp = path.with_extension("tmp");
    let mut f = fs::File::create(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    fs::rename(&tmp, path)
}
