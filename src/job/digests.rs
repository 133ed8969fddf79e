//! SHA-256 digests of input files, as the manifest records them. Each one can
//! be recomputed with `sha256sum`: a file's digest is `sha256sum FILE`; an OKX
//! folder's is `(cd DIR && LC_ALL=C sha256sum *.json) | sha256sum`.

pub use crate::artifacts::sha256::{hex, sha256_hex};
use sha2::{Digest as _, Sha256};
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// SHA-256 of a whole file, streamed.
pub fn sha256_file(path: &Path) -> io::Result<String> {
    let mut f = File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex(&h.finalize()))
}

/// The digest of an accounts input: a file's SHA-256, or for an OKX folder the
/// SHA-256 of `sha256sum`'s listing of its `*.json` files in reading order.
pub fn accounts_digest(path: &Path) -> io::Result<String> {
    if !path.is_dir() {
        return sha256_file(path);
    }
    let files = crate::input::okx_files(path).map_err(io::Error::other)?;
    let mut listing = String::new();
    for f in files {
        let name = f
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        listing.push_str(&format!("{}  {name}\n", sha256_file(&f)?));
    }
    Ok(sha256_hex(listing.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_known_sha256_values() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.json");
        std::fs::write(&p, b"abc").unwrap();
        assert_eq!(sha256_file(&p).unwrap(), sha256_hex(b"abc"));
        // The folder digest is sha256sum's listing, hashed.
        std::fs::write(dir.path().join("b.json"), b"").unwrap();
        std::fs::write(dir.path().join("ignored.txt"), b"x").unwrap();
        let listing = format!(
            "{}  a.json\n{}  b.json\n",
            sha256_hex(b"abc"),
            sha256_hex(b"")
        );
        assert_eq!(
            accounts_digest(dir.path()).unwrap(),
            sha256_hex(listing.as_bytes())
        );
    }
}
