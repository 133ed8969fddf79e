//! Proof artifacts: a batch, aggregation, padding or root proof on disk, in an
//! envelope that says what it is a proof of and ends in a SHA-256 checksum
//! (docs/FORMAT.md §10). A file is trusted only after the checksum matches,
//! the header names the expected position, parameters and circuit, the proof
//! verifies against that circuit, and its public inputs are the expected ones.

use super::layout::JobDir;
use super::shape::Pos;
use crate::circuits::{Proof, C, D};
use crate::digest::Digest;
use crate::field::F;
use plonky2::plonk::circuit_data::CircuitData;
use sha2::{Digest as _, Sha256};
use std::io;
use std::path::{Path, PathBuf};

const MAGIC: &[u8; 8] = b"ZKPPROOF";
const VERSION: u32 = 1;
const HEADER: usize = 112;
const BACKEND_BYTES: usize = 16;
/// Level field of the root proof's checkpoint.
pub const ROOT_LEVEL: u32 = u32::MAX;
/// Index field of a level's all-padding proof.
pub const PADDING_INDEX: u64 = u64::MAX;

/// Which proof a file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    Node(Pos),
    /// The all-padding proof of a level.
    Padding(u32),
    Root,
}

impl Slot {
    fn header(self) -> (u32, u64) {
        match self {
            Slot::Node(p) => (p.level, p.index),
            Slot::Padding(level) => (level, PADDING_INDEX),
            Slot::Root => (ROOT_LEVEL, 0),
        }
    }

    pub fn path(self, job: &JobDir) -> PathBuf {
        match self {
            Slot::Node(p) => job.proof(p),
            Slot::Padding(level) => job.padding(level),
            Slot::Root => job.root_checkpoint(),
        }
    }
}

/// A SHA-256 checksum of a whole artifact file.
pub type Checksum = [u8; 32];

/// Encodes a proof artifact.
pub fn encode(
    slot: Slot,
    params_digest: Digest,
    circuit_digest: Digest,
    backend: &str,
    proof: &[u8],
) -> Vec<u8> {
    let (level, index) = slot.header();
    let mut v = Vec::with_capacity(HEADER + proof.len() + 32);
    v.extend_from_slice(MAGIC);
    v.extend_from_slice(&VERSION.to_le_bytes());
    v.extend_from_slice(&level.to_le_bytes());
    v.extend_from_slice(&index.to_le_bytes());
    v.extend_from_slice(&params_digest.to_bytes());
    v.extend_from_slice(&circuit_digest.to_bytes());
    let mut name = [0u8; BACKEND_BYTES];
    let b = backend.as_bytes();
    name[..b.len().min(BACKEND_BYTES)].copy_from_slice(&b[..b.len().min(BACKEND_BYTES)]);
    v.extend_from_slice(&name);
    v.extend_from_slice(&(proof.len() as u64).to_le_bytes());
    v.extend_from_slice(proof);
    let sum = Sha256::digest(&v);
    v.extend_from_slice(&sum);
    v
}

/// A decoded envelope, before the proof inside is checked.
pub struct Envelope<'a> {
    pub level: u32,
    pub index: u64,
    pub params_digest: Digest,
    pub circuit_digest: Digest,
    pub backend: String,
    pub proof: &'a [u8],
    pub checksum: Checksum,
}

/// Decodes an envelope, checking its length and checksum.
pub fn decode(bytes: &[u8]) -> Result<Envelope<'_>, String> {
    if bytes.len() < HEADER + 32 {
        return Err(format!("truncated ({} bytes)", bytes.len()));
    }
    if &bytes[..8] != MAGIC {
        return Err("not a proof artifact (bad magic)".into());
    }
    let u32_at = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes"));
    let u64_at = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"));
    let digest_at = |at: usize| {
        Digest::from_bytes(bytes[at..at + 32].try_into().expect("32 bytes"))
            .map_err(|e| format!("corrupt header: {e}"))
    };
    let len = u64_at(104);
    if (bytes.len() - HEADER - 32) as u64 != len {
        return Err(format!(
            "truncated or padded: {} bytes for a {len}-byte proof",
            bytes.len()
        ));
    }
    let body = bytes.len() - 32;
    let checksum: Checksum = bytes[body..].try_into().expect("32 bytes");
    if Sha256::digest(&bytes[..body]).as_slice() != checksum {
        return Err("checksum mismatch (the file is corrupt)".into());
    }
    if u32_at(8) != VERSION {
        return Err(format!("unsupported artifact version {}", u32_at(8)));
    }
    let backend = &bytes[88..88 + BACKEND_BYTES];
    let end = backend
        .iter()
        .position(|&b| b == 0)
        .unwrap_or(BACKEND_BYTES);
    Ok(Envelope {
        level: u32_at(12),
        index: u64_at(16),
        params_digest: digest_at(24)?,
        circuit_digest: digest_at(56)?,
        backend: String::from_utf8_lossy(&backend[..end]).into_owned(),
        proof: &bytes[HEADER..body],
        checksum,
    })
}

/// What a file was checked against.
pub struct Expect<'a> {
    pub slot: Slot,
    pub params_digest: Digest,
    pub circuit: &'a CircuitData<F, C, D>,
    /// Checks the proof's public inputs; the error says which one differs.
    pub public_inputs: &'a dyn Fn(&[F]) -> Result<(), String>,
}

/// The outcome of looking at an artifact.
pub enum Found {
    Missing,
    Rejected(String),
    Valid {
        proof: Box<Proof>,
        checksum: Checksum,
    },
}

/// Reads and fully checks the artifact at `path`.
pub fn inspect(path: &Path, expect: &Expect) -> Found {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Found::Missing,
        Err(e) => return Found::Rejected(format!("unreadable: {e}")),
    };
    match check(&bytes, expect) {
        Ok((proof, checksum)) => Found::Valid {
            proof: Box::new(proof),
            checksum,
        },
        Err(why) => Found::Rejected(why),
    }
}

fn check(bytes: &[u8], expect: &Expect) -> Result<(Proof, Checksum), String> {
    let env = decode(bytes)?;
    if (env.level, env.index) != expect.slot.header() {
        return Err(format!(
            "made for another position (level {}, index {})",
            env.level, env.index
        ));
    }
    if env.params_digest != expect.params_digest {
        return Err("made with other parameters".into());
    }
    let circuit = Digest::from_hash_out(expect.circuit.verifier_only.circuit_digest);
    if env.circuit_digest != circuit {
        return Err("made by another circuit".into());
    }
    let proof = parse_and_verify(env.proof, expect.circuit)?;
    (expect.public_inputs)(&proof.public_inputs)?;
    Ok((proof, env.checksum))
}

/// Deserialises and verifies plonky2 proof bytes. plonky2 may panic on
/// adversarial bytes; a panic counts as a failed check.
pub fn parse_and_verify(bytes: &[u8], circuit: &CircuitData<F, C, D>) -> Result<Proof, String> {
    let run = || -> Result<Proof, String> {
        let proof = Proof::from_bytes(bytes.to_vec(), &circuit.common)
            .map_err(|e| format!("malformed proof: {e}"))?;
        circuit
            .verify(proof.clone())
            .map_err(|e| format!("does not verify: {e}"))?;
        Ok(proof)
    };
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(run))
        .unwrap_or_else(|_| Err("does not verify (malformed data)".into()))
}

/// Re-reads an artifact checked earlier in this run: the same bytes (same
/// checksum) need no second verification.
pub fn reload(path: &Path, checksum: &Checksum, circuit: &CircuitData<F, C, D>) -> Option<Proof> {
    let bytes = std::fs::read(path).ok()?;
    let env = decode(&bytes).ok()?;
    if &env.checksum != checksum {
        return None;
    }
    Proof::from_bytes(env.proof.to_vec(), &circuit.common).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_round_trips_and_detects_damage() {
        let slot = Slot::Node(Pos::new(1, 7));
        let d = Digest::ZERO;
        let bytes = encode(slot, d, d, "cpu", b"proof bytes");
        let env = decode(&bytes).unwrap();
        assert_eq!(
            (env.level, env.index, env.proof),
            (1, 7, &b"proof bytes"[..])
        );
        assert_eq!(env.backend, "cpu");
        for at in [0, 12, 20, 60, 100, 115, bytes.len() - 1] {
            let mut bad = bytes.clone();
            bad[at] ^= 1;
            assert!(decode(&bad).is_err(), "flip at {at} accepted");
        }
        for len in [0, 50, HEADER + 32, bytes.len() - 1] {
            assert!(
                decode(&bytes[..len]).is_err(),
                "truncation to {len} accepted"
            );
        }
    }
}
