//! The account tree's padding, file round trip and inclusion proofs: valid ones
//! verify, tampered ones fail. (Roots against the format on every backend: tests/backends.rs.)

use plonky2::field::types::{Field, Sample};
use plonky2::hash::hash_types::HashOut;
use plonky2::hash::poseidon::PoseidonHash;
use plonky2::plonk::config::Hasher;
use zkpor::backend::CpuBackend;
use zkpor::digest::Digest;
use zkpor::field::F;
use zkpor::leaf::padding_leaf;
use zkpor::tree::{padding_digests, AccountTree};

fn random_leaves(n: usize) -> Vec<HashOut<F>> {
    (0..n).map(|_| HashOut::rand()).collect()
}

const ASSETS: usize = 8;

fn build(leaves: &[HashOut<F>]) -> AccountTree {
    let leaves = leaves.iter().copied().map(Digest::from_hash_out).collect();
    AccountTree::build(CpuBackend::detected(), leaves, padding_leaf(ASSETS)).unwrap()
}

#[test]
fn padding_digests_follow_the_recurrence() {
    let pads = padding_digests(padding_leaf(ASSETS), 3);
    assert_eq!(
        pads[0].to_hash_out(),
        PoseidonHash::hash_no_pad(&[F::ZERO; 20])
    );
    for i in 0..3 {
        let z = pads[i].to_hash_out();
        assert_eq!(
            pads[i + 1],
            Digest::from_hash_out(PoseidonHash::two_to_one(z, z))
        );
    }
}

#[test]
fn every_leaf_proof_verifies_and_tampering_fails() {
    let leaves = random_leaves(77);
    let tree = build(&leaves);
    for i in 0..77u64 {
        let path = tree.prove(i).unwrap();
        let leaf = tree.leaf(i).unwrap();
        assert_eq!(path.root_from(leaf), Some(tree.root()), "leaf {i}");

        let mut other_leaf = leaf;
        other_leaf = zkpor::digest::two_to_one(other_leaf, Digest::ZERO);
        assert_ne!(path.root_from(other_leaf), Some(tree.root()));

        let mut bad = path.clone();
        let level = (i as usize) % bad.siblings.len();
        bad.siblings[level] = Digest::ZERO;
        assert_ne!(
            bad.root_from(leaf),
            Some(tree.root()),
            "sibling {level} of leaf {i}"
        );

        let mut moved = path.clone();
        moved.leaf_index ^= 1 << level;
        assert_ne!(
            moved.root_from(leaf),
            Some(tree.root()),
            "index of leaf {i}"
        );

        let mut outside = path.clone();
        outside.leaf_index |= 1 << bad.siblings.len();
        assert_eq!(outside.root_from(leaf), None);
    }
    assert!(tree.prove(77).is_none());
}

#[test]
fn stored_levels_round_trip_through_the_tree_file() {
    let tree = build(&random_leaves(300));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tree.bin");
    zkpor::artifacts::write_tree(&path, &tree).unwrap();
    assert_eq!(zkpor::artifacts::read_tree(&path).unwrap(), tree);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.truncate(bytes.len() - 1);
    std::fs::write(&path, &bytes).unwrap();
    assert!(
        zkpor::artifacts::read_tree(&path).is_err(),
        "truncated tree accepted"
    );
}
