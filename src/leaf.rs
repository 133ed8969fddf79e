//! The leaf encoding: user id bytes, nonce derivation, id commitment and the
//! account leaf. This is `docs/FORMAT.md` section "Leaf encoding", in code.

use crate::digest::{hash_no_pad, Digest};
use crate::field::F;
use crate::model::{Holdings, Position, UserId};
use plonky2::field::types::Field;

/// Domain tags, encoded with [`encode_bytes`] in front of each keyed hash.
const DOMAIN_KEY: &[u8] = b"zkpor.v1.round-key";
const DOMAIN_NONCE: &[u8] = b"zkpor.v1.nonce";
const DOMAIN_ID: &[u8] = b"zkpor.v1.id";

/// Minimum length of a round secret file.
pub const MIN_SECRET_BYTES: usize = 32;

/// Bytes to field elements: `[len, c_0, c_1, ...]`, where each c_i packs 7 bytes
/// little-endian (the last one zero-extended). 7 bytes < 2^56 < p, so it is injective.
pub fn encode_bytes(bytes: &[u8]) -> Vec<F> {
    let mut out = Vec::with_capacity(1 + bytes.len().div_ceil(7));
    out.push(F::from_canonical_u64(bytes.len() as u64));
    for chunk in bytes.chunks(7) {
        let mut b = [0u8; 8];
        b[..chunk.len()].copy_from_slice(chunk);
        out.push(F::from_canonical_u64(u64::from_le_bytes(b)));
    }
    out
}

fn keyed_hash(domain: &[u8], key: &Digest, bytes: &[u8]) -> Digest {
    let mut input = encode_bytes(domain);
    input.extend_from_slice(&key.elements());
    input.extend(encode_bytes(bytes));
    hash_no_pad(&input)
}

/// The round key, derived from the secret file's bytes. Never published.
#[derive(Clone)]
pub struct RoundKey(Digest);

/// Why a secret was rejected.
#[derive(Debug, thiserror::Error)]
#[error("round secret is {0} bytes; it must be at least {MIN_SECRET_BYTES}")]
pub struct ShortSecret(pub usize);

impl RoundKey {
    pub fn from_secret(secret: &[u8]) -> Result<Self, ShortSecret> {
        if secret.len() < MIN_SECRET_BYTES {
            return Err(ShortSecret(secret.len()));
        }
        let mut input = encode_bytes(DOMAIN_KEY);
        input.extend(encode_bytes(secret));
        Ok(RoundKey(hash_no_pad(&input)))
    }

    /// The user's nonce: a keyed hash of the id, so a nonce reveals nothing about others.
    pub fn nonce(&self, id: &UserId) -> Digest {
        keyed_hash(DOMAIN_NONCE, &self.0, id.as_bytes())
    }
}

/// The id commitment: hides the id behind the user's nonce.
pub fn id_commitment(nonce: &Digest, id: &UserId) -> Digest {
    keyed_hash(DOMAIN_ID, nonce, id.as_bytes())
}

/// Number of field elements in a leaf preimage for `num_assets` assets.
pub fn leaf_width(num_assets: usize) -> usize {
    4 + 2 * num_assets
}

/// Writes the leaf preimage `[id_commitment, e_0, d_0, ..., e_{A-1}, d_{A-1}]` into `out`.
pub fn write_leaf_inputs(id_commit: &Digest, positions: &[(u32, Position)], out: &mut [F]) {
    out.fill(F::ZERO);
    out[..4].copy_from_slice(&id_commit.elements());
    for &(a, p) in positions {
        let at = 4 + 2 * a as usize;
        out[at] = p.equity.to_field();
        out[at + 1] = p.debt.to_field();
    }
}

/// The padding leaf: the hash of an all-zero preimage. No account hashes to it,
/// because a real id commitment is never zero in its first element.
pub fn padding_leaf(num_assets: usize) -> Digest {
    hash_no_pad(&vec![F::ZERO; leaf_width(num_assets)])
}

/// The leaf digest, hashed directly (the tree builder hashes in batches through the backend).
pub fn leaf_digest(id_commit: &Digest, positions: &[(u32, Position)], num_assets: usize) -> Digest {
    let mut buf = vec![F::ZERO; leaf_width(num_assets)];
    write_leaf_inputs(id_commit, positions, &mut buf);
    hash_no_pad(&buf)
}

/// The version-2 (sparse) leaf of one tier: the id commitment and K slots
/// of `(asset index, equity, debt)`. Held positions come first in index
/// order; slot k past them holds the padding position `(A + k, 0, 0)`, so
/// indices strictly increase across all K slots (docs/FORMAT.md §12).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SparseLayout {
    pub num_assets: usize,
    /// K, the positions a leaf of this tier holds.
    pub capacity: usize,
}

/// Holdings that cannot be written into a tier's leaf.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SparseLeafError {
    #[error("{held} held positions do not fit a tier of capacity {capacity}")]
    OverCapacity { held: usize, capacity: usize },
    #[error("asset index {index} is not below the tier's {assets} assets")]
    IndexOutOfRange { index: u32, assets: usize },
}

impl SparseLayout {
    /// Field elements in the leaf preimage: 4 + 3K.
    pub fn width(&self) -> usize {
        4 + 3 * self.capacity
    }

    /// The index of a padding position in slot `k`: past every asset.
    pub fn padding_index(&self, k: usize) -> u64 {
        (self.num_assets + k) as u64
    }

    /// Writes `[idc, (i_0, e_0, d_0), ..., (i_{K-1}, e_{K-1}, d_{K-1})]` into `out`.
    pub fn write_inputs(
        &self,
        id_commit: &Digest,
        holdings: &Holdings,
        out: &mut [F],
    ) -> Result<(), SparseLeafError> {
        let held = holdings.positions();
        if held.len() > self.capacity {
            return Err(SparseLeafError::OverCapacity {
                held: held.len(),
                capacity: self.capacity,
            });
        }
        // Holdings checked against another asset count could reach a padding index.
        if let Some(&(index, _)) = held.iter().find(|(a, _)| *a as usize >= self.num_assets) {
            return Err(SparseLeafError::IndexOutOfRange {
                index,
                assets: self.num_assets,
            });
        }
        out[..4].copy_from_slice(&id_commit.elements());
        for k in 0..self.capacity {
            let triple = match held.get(k) {
                Some(&(a, p)) => [
                    F::from_canonical_u32(a),
                    p.equity.to_field(),
                    p.debt.to_field(),
                ],
                None => [
                    F::from_canonical_u64(self.padding_index(k)),
                    F::ZERO,
                    F::ZERO,
                ],
            };
            out[4 + 3 * k..7 + 3 * k].copy_from_slice(&triple);
        }
        Ok(())
    }

    /// The leaf digest of one user.
    pub fn digest(
        &self,
        id_commit: &Digest,
        holdings: &Holdings,
    ) -> Result<Digest, SparseLeafError> {
        let mut buf = vec![F::ZERO; self.width()];
        self.write_inputs(id_commit, holdings, &mut buf)?;
        Ok(hash_no_pad(&buf))
    }

    /// The padding leaf: a zero id commitment and only padding positions. No
    /// account hashes to it: a real id commitment is never zero in its first element.
    pub fn padding_leaf(&self) -> Digest {
        let mut buf = vec![F::ZERO; self.width()];
        // An empty holding always fits.
        let _ = self.write_inputs(&Digest::ZERO, &Holdings::default(), &mut buf);
        hash_no_pad(&buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_bytes_is_length_prefixed_and_packs_seven() {
        let e = encode_bytes(b"abcdefgh");
        assert_eq!(e.len(), 3);
        assert_eq!(e[0], F::from_canonical_u64(8));
        assert_eq!(e[2], F::from_canonical_u64(u64::from(b'h')));
        assert_ne!(encode_bytes(b"a"), encode_bytes(b"a\0"));
    }

    #[test]
    fn sparse_leaves_pad_past_every_asset() {
        use crate::model::Amount;
        let layout = SparseLayout {
            num_assets: 5,
            capacity: 3,
        };
        let pos = Position {
            equity: Amount::new(9).unwrap(),
            debt: Amount::new(2).unwrap(),
        };
        let held = Holdings::new(vec![(4, pos)], 5).unwrap();
        let mut out = vec![F::ZERO; layout.width()];
        layout.write_inputs(&Digest::ZERO, &held, &mut out).unwrap();
        let tail: Vec<u64> = out[4..]
            .iter()
            .map(plonky2::field::types::PrimeField64::to_canonical_u64)
            .collect();
        assert_eq!(tail, vec![4, 9, 2, 6, 0, 0, 7, 0, 0]);
        let four = Holdings::new((0..4).map(|a| (a, pos)).collect(), 5).unwrap();
        assert_eq!(
            layout.digest(&Digest::ZERO, &four),
            Err(SparseLeafError::OverCapacity {
                held: 4,
                capacity: 3
            })
        );
        let six = SparseLayout {
            num_assets: 6,
            capacity: 3,
        };
        let at5 = Holdings::new(vec![(5, pos)], 6).unwrap();
        assert!(matches!(
            layout.digest(&Digest::ZERO, &at5),
            Err(SparseLeafError::IndexOutOfRange { index: 5, .. })
        ));
        assert!(six.digest(&Digest::ZERO, &at5).is_ok());
        assert_eq!(
            layout.padding_leaf(),
            layout.digest(&Digest::ZERO, &Holdings::default()).unwrap()
        );
    }

    #[test]
    fn secrets_must_be_long_and_keys_differ() {
        assert!(RoundKey::from_secret(&[1u8; 31]).is_err());
        let id = UserId::parse("alice").unwrap();
        let k1 = RoundKey::from_secret(&[1u8; 32]).unwrap();
        let k2 = RoundKey::from_secret(&[2u8; 32]).unwrap();
        assert_ne!(k1.nonce(&id), k2.nonce(&id));
        assert_ne!(
            id_commitment(&k1.nonce(&id), &id),
            id_commitment(&k2.nonce(&id), &id)
        );
    }
}
