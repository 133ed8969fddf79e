//! Built circuits kept as bytes between processes, so that a rerun, or every
//! shard after the first, loads its circuits instead of building them again.
//!
//! A [`CircuitStore`] maps keys to bytes; the set asks it before building a
//! circuit and hands it each circuit it builds. Circuits know no files: the
//! job's store keeps the bytes in its directory. A key names everything the
//! circuit is built from (its parameters and, above the batches, the digest
//! of the circuit it verifies). An entry is used only if its checksum holds,
//! it reads back with zkpor's serializers, and plonky2's circuit digest,
//! recomputed from the constants it holds, is the one it records; otherwise
//! the circuit is rebuilt and the entry replaced.

use plonky2::field::types::Field;
use plonky2::hash::poseidon::PoseidonHash;
use plonky2::plonk::circuit_data::CircuitData;
use plonky2::plonk::config::Hasher;
use sha2::{Digest as _, Sha256};

use super::gadgets::Builder;
use super::gates::{ZkporGateSerializer, ZkporGeneratorSerializer};
use crate::field::{C, D, F};

/// Keeps circuit entries between processes.
pub trait CircuitStore: Sync {
    /// The entry stored under `key`, if there is one.
    fn load(&self, key: &str) -> Option<Vec<u8>>;
    /// Keeps `entry` under `key`. A store that cannot write costs a later run
    /// a rebuild, nothing more, so this does not fail.
    fn store(&self, key: &str, entry: &[u8]);
}

/// Keeps nothing: every circuit is built.
pub struct NoStore;

impl CircuitStore for NoStore {
    fn load(&self, _key: &str) -> Option<Vec<u8>> {
        None
    }

    fn store(&self, _key: &str, _entry: &[u8]) {}
}

/// Where a circuit came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// Built; the store had no entry for it.
    Built,
    /// Read from the store, and checked.
    Loaded,
    /// Built because the stored entry failed a check (the reason).
    Rebuilt(String),
}

const MAGIC: &[u8; 16] = b"zkpor-circuit/1\n";
const CHECKSUM_LEN: usize = 32;

/// The circuit `b` describes: `store`'s entry for `key` when it checks out,
/// else `b` built (and stored).
pub fn compile(store: &dyn CircuitStore, key: &str, b: Builder) -> (CircuitData<F, C, D>, Origin) {
    let public_inputs = b.num_public_inputs();
    let rejected = match store.load(key).map(|e| decode(&e, public_inputs)) {
        Some(Ok(data)) => return (data, Origin::Loaded),
        Some(Err(why)) => Some(why),
        None => None,
    };
    let data = b.build::<C>();
    // Every circuit zkpor builds serialises (tests/circuit_cache.rs), so a
    // failure here only means the next run builds it again.
    if let Ok(entry) = encode(&data) {
        store.store(key, &entry);
    }
    (data, rejected.map_or(Origin::Built, Origin::Rebuilt))
}

/// A store entry: a magic line, the SHA-256 of the payload, then the payload
/// (plonky2's `CircuitData::to_bytes` with zkpor's serializers).
pub fn encode(data: &CircuitData<F, C, D>) -> Result<Vec<u8>, String> {
    let payload = data
        .to_bytes(&ZkporGateSerializer, &ZkporGeneratorSerializer)
        .map_err(|e| format!("cannot serialise the circuit: {e:?}"))?;
    let mut entry = Vec::with_capacity(MAGIC.len() + CHECKSUM_LEN + payload.len());
    entry.extend_from_slice(MAGIC);
    entry.extend_from_slice(&Sha256::digest(&payload));
    entry.extend_from_slice(&payload);
    Ok(entry)
}

/// The circuit in `entry`, if every check holds; `public_inputs` is the count
/// the circuit being loaded registers.
pub fn decode(entry: &[u8], public_inputs: usize) -> Result<CircuitData<F, C, D>, String> {
    let rest = entry
        .strip_prefix(MAGIC.as_slice())
        .ok_or("it is not a zkpor circuit entry")?;
    if rest.len() < CHECKSUM_LEN {
        return Err("it is truncated".into());
    }
    let (checksum, payload) = rest.split_at(CHECKSUM_LEN);
    if Sha256::digest(payload).as_slice() != checksum {
        return Err("its checksum does not match: the entry is damaged".into());
    }
    let data = CircuitData::from_bytes(payload, &ZkporGateSerializer, &ZkporGeneratorSerializer)
        .map_err(|e| format!("it does not read back: {e:?}"))?;
    check(&data, public_inputs)?;
    Ok(data)
}

/// The consistency checks a loaded circuit must pass.
fn check(data: &CircuitData<F, C, D>, public_inputs: usize) -> Result<(), String> {
    let (prover, verifier) = (&data.prover_only, &data.verifier_only);
    if prover.constants_sigmas_commitment.merkle_tree.cap != verifier.constants_sigmas_cap {
        return Err("its prover and verifier data commit to different constants".into());
    }
    if circuit_digest(data) != verifier.circuit_digest
        || prover.circuit_digest != verifier.circuit_digest
    {
        return Err("its circuit digest does not match its constants".into());
    }
    if data.common.num_public_inputs != public_inputs {
        return Err(format!(
            "it has {} public inputs, the circuit registers {public_inputs}",
            data.common.num_public_inputs
        ));
    }
    Ok(())
}

/// plonky2's circuit digest as `CircuitBuilder::build` computes it: the
/// constants-and-sigmas cap, the (empty) domain separator's digest and the
/// degree.
fn circuit_digest(data: &CircuitData<F, C, D>) -> plonky2::hash::hash_types::HashOut<F> {
    let separator = PoseidonHash::hash_pad(&[]);
    let parts: Vec<F> = data
        .verifier_only
        .constants_sigmas_cap
        .flatten()
        .into_iter()
        .chain(separator.elements)
        .chain([F::from_canonical_usize(data.common.degree_bits())])
        .collect();
    PoseidonHash::hash_no_pad(&parts)
}
