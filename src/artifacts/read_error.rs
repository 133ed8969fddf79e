//! Why a published JSON file could not be read back. Its own type, so that
//! the artifacts sit below the crate's error (which maps it: an unreadable
//! file is an I/O error, a malformed one a failed verification).

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The file's name and what is wrong, with serde_json's line and column.
    #[error("{0}")]
    Malformed(String),
}
