//! The round secret: read from a file, or generated into the output directory.

use crate::error::{Error, Result};
use crate::leaf::{RoundKey, MIN_SECRET_BYTES};
use std::io::Write;
use std::path::Path;

/// Reads a secret file (at least 32 bytes; every byte counts, newline included).
pub fn read_secret(path: &Path) -> Result<RoundKey> {
    let bytes = std::fs::read(path).map_err(Error::io("cannot read secret", path))?;
    secret_from_bytes(&path.display().to_string(), &bytes)
}

/// The round key of a secret file's bytes; `file` names it in the error.
pub fn secret_from_bytes(file: &str, bytes: &[u8]) -> Result<RoundKey> {
    RoundKey::from_secret(bytes).map_err(|e| Error::Usage(format!("{file}: {e}")))
}

/// Writes 32 fresh random bytes, hex-encoded, to `path` with mode 0600.
pub fn generate_secret(path: &Path) -> Result<RoundKey> {
    let mut raw = [0u8; MIN_SECRET_BYTES];
    getrandom::getrandom(&mut raw)
        .map_err(|e| Error::Usage(format!("no system randomness for the secret: {e}")))?;
    let text: String = raw.iter().map(|b| format!("{b:02x}")).collect::<String>() + "\n";
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts
        .open(path)
        .map_err(Error::io("cannot create secret", path))?;
    f.write_all(text.as_bytes())
        .and_then(|_| f.sync_all())
        .map_err(Error::io("cannot write secret", path))?;
    RoundKey::from_secret(text.as_bytes()).map_err(|e| Error::Usage(e.to_string()))
}
