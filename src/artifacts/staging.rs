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

/// Writes `bytes` to `path` atomically: a uniquely named temporary file in the
/// same directory, fsync, rename, then fsync the directory so the rename is durable.
/// Unique names let concurrent writers of the same path never share a temporary file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = parent_of(path);
    let base = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(temp_name(&base));
    write_synced(&tmp, bytes)?;
    rename_synced(&tmp, path).inspect_err(|_| {
        let _ = fs::remove_file(&tmp);
    })
}

/// A temporary file name no other process or host will pick: `.BASE.tmp-PID-RANDOM`.
pub fn temp_name(base: &str) -> String {
    let mut r = [0u8; 8];
    // Without system randomness the pid and time still separate writers on one host.
    if getrandom::getrandom(&mut r).is_err() {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        r = t.to_le_bytes();
    }
    format!(
        ".{base}.tmp-{}-{:016x}",
        std::process::id(),
        u64::from_le_bytes(r)
    )
}

/// Creates `path` (which must not exist) holding `bytes`, and fsyncs it.
pub fn write_synced(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write;
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// Renames `from` onto `to` (replacing it) and fsyncs `to`'s directory.
pub fn rename_synced(from: &Path, to: &Path) -> io::Result<()> {
    fs::rename(from, to)?;
    sync_dir(parent_of(to))
}

/// Links `from` to `to` only if `to` does not exist yet; returns whether it did.
/// A hard link is atomic and never replaces, so of several racing creators exactly one wins.
pub fn link_once(from: &Path, to: &Path) -> io::Result<bool> {
    match fs::hard_link(from, to) {
        Ok(()) => sync_dir(parent_of(to)).map(|_| true),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(e),
    }
}

/// fsyncs a directory, making renames and links inside it durable. Filesystems
/// that cannot fsync a directory (EINVAL, ENOTSUP) are let through: there the
/// rename is as durable as the filesystem makes it.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    match fs::File::open(dir)?.sync_all() {
        Err(e) if matches!(e.raw_os_error(), Some(libc::EINVAL) | Some(libc::ENOTSUP)) => Ok(()),
        other => other,
    }
}

fn parent_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}
