//! SHA-256 in the form every zkpor file records it: 64 lower-case hex digits,
//! as `sha256sum` prints them.

use sha2::{Digest as _, Sha256};

/// Lower-case hex of SHA-256 over `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
