//! Poseidon digests: four canonical Goldilocks elements, and the two plonky2
//! Poseidon entry points every other module hashes through.

use crate::field::{F, P};
use plonky2::field::types::{Field, PrimeField64};
use plonky2::hash::hash_types::HashOut;
use plonky2::hash::poseidon::PoseidonHash;
use plonky2::plonk::config::Hasher;
use std::fmt;

/// A Poseidon digest. Elements are stored canonically (< p), so equality and
/// hashing of the struct agree with field equality.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Digest([u64; 4]);

/// Why bytes or hex did not decode into a digest.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DigestError {
    #[error("digest hex must be 64 hex digits, got {0} characters")]
    Length(usize),
    #[error("digest hex contains a non-hex character")]
    NotHex,
    #[error("digest element {0} is not a canonical Goldilocks element (>= p)")]
    NonCanonical(usize),
}

impl Digest {
    /// The all-zero digest, used as the padding leaf.
    pub const ZERO: Digest = Digest([0; 4]);

    pub fn from_elements(e: [F; 4]) -> Self {
        Digest(e.map(|x| x.to_canonical_u64()))
    }

    /// From limbs already below p (what the vectorised hashers produce).
    pub(crate) fn from_canonical_limbs(limbs: [u64; 4]) -> Self {
        debug_assert!(limbs.iter().all(|&l| l < P), "non-canonical digest limb");
        Digest(limbs)
    }

    pub fn elements(&self) -> [F; 4] {
        self.0.map(F::from_canonical_u64)
    }

    pub fn limbs(&self) -> [u64; 4] {
        self.0
    }

    pub fn from_hash_out(h: HashOut<F>) -> Self {
        Self::from_elements(h.elements)
    }

    pub fn to_hash_out(&self) -> HashOut<F> {
        HashOut {
            elements: self.elements(),
        }
    }

    /// 32 bytes: each element as 8 bytes little-endian, as plonky2's `HashOut::to_bytes`.
    pub fn to_bytes(&self) -> [u8; 32] {
        let mut out = [0u8; 32];
        for (chunk, limb) in out.chunks_exact_mut(8).zip(self.0) {
            chunk.copy_from_slice(&limb.to_le_bytes());
        }
        out
    }

    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self, DigestError> {
        let mut limbs = [0u64; 4];
        for (i, chunk) in bytes.chunks_exact(8).enumerate() {
            let mut b = [0u8; 8];
            b.copy_from_slice(chunk);
            limbs[i] = u64::from_le_bytes(b);
            if limbs[i] >= P {
                return Err(DigestError::NonCanonical(i));
            }
        }
        Ok(Digest(limbs))
    }

    /// Lower-case hex of `to_bytes`.
    pub fn to_hex(&self) -> String {
        self.to_bytes().iter().map(|b| format!("{b:02x}")).collect()
    }

    pub fn from_hex(text: &str) -> Result<Self, DigestError> {
        let text = text.strip_prefix("0x").unwrap_or(text);
        if text.len() != 64 {
            return Err(DigestError::Length(text.len()));
        }
        // Upper- or lower-case hex digits only (from_str_radix alone would take a '+').
        if !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(DigestError::NotHex);
        }
        let mut bytes = [0u8; 32];
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = u8::from_str_radix(text.get(2 * i..2 * i + 2).ok_or(DigestError::NotHex)?, 16)
                .map_err(|_| DigestError::NotHex)?;
        }
        Self::from_bytes(&bytes)
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Digest({})", self.to_hex())
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

/// plonky2's `PoseidonHash::hash_no_pad`: overwrite-mode sponge, rate 8, no padding.
pub fn hash_no_pad(input: &[F]) -> Digest {
    Digest::from_hash_out(PoseidonHash::hash_no_pad(input))
}

/// plonky2's `PoseidonHash::two_to_one`: permute `[l, r, 0, 0, 0, 0]`, keep 4.
pub fn two_to_one(left: Digest, right: Digest) -> Digest {
    Digest::from_hash_out(PoseidonHash::two_to_one(
        left.to_hash_out(),
        right.to_hash_out(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip_and_canonical_check() {
        let d = hash_no_pad(&[F::ONE, F::TWO]);
        assert_eq!(Digest::from_hex(&d.to_hex()).unwrap(), d);
        let mut bad = d.to_bytes();
        bad[..8].copy_from_slice(&P.to_le_bytes());
        assert_eq!(Digest::from_bytes(&bad), Err(DigestError::NonCanonical(0)));
        assert!(Digest::from_hex("zz").is_err());
        let signed = format!("+{}", &d.to_hex()[1..]);
        assert_eq!(Digest::from_hex(&signed), Err(DigestError::NotHex));
    }

    #[test]
    fn bytes_match_plonky2_hashout() {
        use plonky2::plonk::config::GenericHashOut;
        let h = PoseidonHash::hash_no_pad(&[F::from_canonical_u64(7); 9]);
        assert_eq!(Digest::from_hash_out(h).to_bytes().to_vec(), h.to_bytes());
    }
}
