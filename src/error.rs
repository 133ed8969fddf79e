//! The library's error type and the process exit codes it maps to.

use crate::input::Problems;
use std::io;
use std::path::PathBuf;

/// Documented exit codes (README, docs/FORMAT.md).
pub mod exit {
    pub const OK: i32 = 0;
    pub const FAILURE: i32 = 1;
    pub const USAGE: i32 = 2;
    pub const BAD_INPUT: i32 = 3;
    pub const INSOLVENT_USER: i32 = 4;
    pub const RESERVE_SHORTFALL: i32 = 5;
    pub const IO: i32 = 6;
    pub const BACKEND_UNAVAILABLE: i32 = 7;
    pub const VERIFY_FAILED: i32 = 8;
    pub const INCOMPLETE: i32 = 9;
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input files broke validation rules.
    #[error("{0}")]
    Input(Problems),
    #[error("{context} {}: {source}", path.display())]
    Io {
        context: &'static str,
        path: PathBuf,
        source: io::Error,
    },
    /// The command line asks for something that cannot be done.
    #[error("{0}")]
    Usage(String),
    /// Reserves do not cover an asset, so no root proof can exist.
    #[error("reserve shortfall: {0}")]
    Shortfall(Shortfall),
    /// Proving failed (a bug or an unsatisfiable witness).
    #[error("proving failed: {0}")]
    Prove(String),
    /// A proof or artifact did not verify.
    #[error("verification failed: {0}")]
    Verify(String),
    /// The requested compute backend cannot run here, or failed mid-job.
    #[error("compute backend: {0}")]
    Backend(String),
    /// `aggregate` found work that shards have not finished.
    #[error("{0}")]
    Incomplete(String),
}

/// Which assets reserves fail to cover, with the summary that shows the numbers.
#[derive(Debug)]
pub struct Shortfall {
    /// "BTC short by 0.15347445, ..."
    pub message: String,
    pub summary: Option<Box<crate::artifacts::Summary>>,
}

impl std::fmt::Display for Shortfall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl Error {
    pub fn io(context: &'static str, path: impl Into<PathBuf>) -> impl FnOnce(io::Error) -> Error {
        let path = path.into();
        move |source| Error::Io {
            context,
            path,
            source,
        }
    }

    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Input(p) if p.only_insolvency() => exit::INSOLVENT_USER,
            Error::Input(_) => exit::BAD_INPUT,
            Error::Io { .. } => exit::IO,
            Error::Usage(_) => exit::USAGE,
            Error::Verify(_) => exit::VERIFY_FAILED,
            Error::Shortfall(_) => exit::RESERVE_SHORTFALL,
            Error::Prove(_) => exit::FAILURE,
            Error::Backend(_) => exit::BACKEND_UNAVAILABLE,
            Error::Incomplete(_) => exit::INCOMPLETE,
        }
    }
}

impl From<crate::artifacts::staging::StagingError> for Error {
    fn from(e: crate::artifacts::staging::StagingError) -> Self {
        match e {
            crate::artifacts::staging::StagingError::Exists(_) => Error::Usage(e.to_string()),
            crate::artifacts::staging::StagingError::Io { path, source } => Error::Io {
                context: "cannot create",
                path,
                source,
            },
        }
    }
}

impl From<crate::artifacts::ReadError> for Error {
    fn from(e: crate::artifacts::ReadError) -> Self {
        match e {
            crate::artifacts::ReadError::Io { path, source } => Error::Io {
                context: "cannot read",
                path,
                source,
            },
            crate::artifacts::ReadError::Malformed(why) => Error::Verify(why),
        }
    }
}

impl From<crate::backend::BackendError> for Error {
    fn from(e: crate::backend::BackendError) -> Self {
        Error::Backend(e.to_string())
    }
}

impl From<crate::backend::GpuError> for Error {
    fn from(e: crate::backend::GpuError) -> Self {
        Error::Backend(e.to_string())
    }
}

pub type Result<T> = std::result::Result<T, Error>;
