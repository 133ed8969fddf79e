//! The circuit cache (`circuits::cache`): every circuit of a round is stored
//! when built and loaded afterwards with the same data, and an entry that is
//! damaged, or consistent with itself but not with its digest, is rebuilt.

use std::collections::HashMap;
use std::sync::Mutex;

use zkpor::circuits::cache::{decode, encode};
use zkpor::circuits::witness::PriceVector;
use zkpor::circuits::{Built, CircuitSet, CircuitStore, Origin, ProofParams, Watch};

/// Entries in memory.
#[derive(Default)]
struct Memory(Mutex<HashMap<String, Vec<u8>>>);

impl CircuitStore for Memory {
    fn load(&self, key: &str) -> Option<Vec<u8>> {
        self.0.lock().unwrap().get(key).cloned()
    }

    fn store(&self, key: &str, entry: &[u8]) {
        self.0
            .lock()
            .unwrap()
            .insert(key.to_string(), entry.to_vec());
    }
}

impl Memory {
    fn edit(&self, key_part: &str, edit: impl Fn(&mut Vec<u8>)) {
        let mut map = self.0.lock().unwrap();
        let (_, entry) = map
            .iter_mut()
            .find(|(k, _)| k.starts_with(key_part))
            .unwrap_or_else(|| panic!("no {key_part} entry"));
        edit(entry);
    }
}

/// Each circuit's origin, by name.
#[derive(Default)]
struct Origins(Mutex<Vec<(String, Origin)>>);

impl Watch for Origins {
    fn building(&self, circuit: &str) -> Built<'_> {
        let name = circuit.to_string();
        Box::new(move |_, origin| self.0.lock().unwrap().push((name, origin.clone())))
    }
}

/// B = 2 users, k = 2, 3 assets, a tree of depth 3: batch, two levels, root.
fn params() -> ProofParams {
    ProofParams::new(2, 2, 3, 3).unwrap()
}

/// Builds every circuit of the round through `store`; returns the circuit
/// digests (batch, levels, root) and each circuit's origin.
fn round(store: &Memory) -> (Vec<String>, Vec<(String, Origin)>) {
    let origins = Origins::default();
    let set = CircuitSet::stored(params(), &origins, store);
    let mut digests: Vec<String> = (0..=set.num_levels())
        .map(|l| set.digest(l).to_hex())
        .collect();
    let root = &set.root().data.verifier_only;
    digests.push(format!("{:?}", root.circuit_digest));
    drop(set);
    (digests, origins.0.into_inner().unwrap())
}

fn sources(origins: &[(String, Origin)]) -> Vec<&Origin> {
    origins.iter().map(|(_, o)| o).collect()
}

#[test]
fn a_round_is_stored_then_loaded_and_damaged_entries_are_rebuilt() {
    let store = Memory::default();
    let (built, first) = round(&store);
    assert_eq!(first.len(), 4, "{first:?}");
    assert!(sources(&first).iter().all(|o| **o == Origin::Built));
    assert_eq!(store.0.lock().unwrap().len(), 4);

    let (loaded, second) = round(&store);
    assert_eq!(loaded, built);
    assert!(
        sources(&second).iter().all(|o| **o == Origin::Loaded),
        "{second:?}"
    );

    // A flipped byte in the batch entry's payload: the checksum catches it.
    store.edit("batch", |e| {
        let at = e.len() / 2;
        e[at] ^= 1;
    });
    let (again, third) = round(&store);
    assert_eq!(again, built);
    match &third[0] {
        (name, Origin::Rebuilt(why)) if name == "batch" => {
            assert!(why.contains("checksum"), "{why}")
        }
        other => panic!("batch: {other:?}"),
    }
    // The rebuilt entry replaced the damaged one.
    assert!(sources(&round(&store).1)
        .iter()
        .all(|o| **o == Origin::Loaded));
}

#[test]
fn an_entry_whose_digest_does_not_match_its_constants_is_rebuilt() {
    let store = Memory::default();
    let (built, _) = round(&store);
    // Re-encode the batch circuit with another digest: the checksum holds,
    // the recomputed digest does not.
    store.edit("batch", |e| {
        let public_inputs = zkpor::circuits::layout::node_len(3);
        let mut data = decode(e, public_inputs).expect("a stored entry decodes");
        data.verifier_only.circuit_digest.elements[0] += plonky2::field::types::Field::ONE;
        *e = encode(&data).unwrap();
    });
    let (again, origins) = round(&store);
    assert_eq!(again, built);
    match &origins[0] {
        (_, Origin::Rebuilt(why)) => assert!(why.contains("digest"), "{why}"),
        other => panic!("batch: {other:?}"),
    }
}

#[test]
fn a_loaded_batch_circuit_proves_what_the_built_one_verifies() {
    let store = Memory::default();
    let built = CircuitSet::stored(params(), &zkpor::circuits::Unwatched, &store);
    let batch = built.batch();
    let loaded = CircuitSet::stored(params(), &zkpor::circuits::Unwatched, &store);
    // Only the circuit data is loaded; the targets come from the same gates.
    let prices = PriceVector {
        value_scale: 2,
        prices: vec![100, 1, 7],
    };
    let padding = vec![None; loaded.batch().batch_size()];
    let witness = loaded.batch().witness(&prices, &padding).unwrap();
    let proof = loaded
        .batch()
        .data
        .prove(witness)
        .expect("the loaded circuit proves");
    batch
        .data
        .verify(proof)
        .expect("the built circuit verifies it");
}
