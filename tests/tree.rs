//! The account tree against a naive, independent implementation, and inclusion
//! proofs: valid ones verify, tampered ones fail.

use plonky2::field::types::{Field, Sample};
use plonky2::hash::hash_types::HashOut;
use plonky2::hash::poseidon::PoseidonHash;
use plonky2::plonk::config::Hasher;
use zkpor::backend::{CpuBackend, HashBackend};
use zkpor::digest::Digest;
use zkpor::field::F;
use zkpor::leaf::padding_leaf;
use zkpor::tree::{padding_digests, AccountTree};

/// Straight from the spec: pad to 2^depth with the padding leaf H(0^(4+2A)), hash pairs up.
fn naive_root(leaves: &[HashOut<F>]) -> HashOut<F> {
    let pad = PoseidonHash::hash_no_pad(&[F::ZERO; 4 + 2 * ASSETS]);
    let mut level: Vec<HashOut<F>> = leaves.to_vec();
    level.resize(leaves.len().next_power_of_two(), pad);
    while level.len() > 1 {
        level = level
            .chunks(2)
            .map(|p| PoseidonHash::two_to_one(p[0], p[1]))
            .collect();
    }
    level[0]
}

fn random_leaves(n: usize) -> Vec<HashOut<F>> {
    (0..n).map(|_| HashOut::rand()).collect()
}

const ASSETS: usize = 8;

fn build(leaves: &[HashOut<F>]) -> AccountTree {
    let leaves = leaves.iter().copied().map(Digest::from_hash_out).collect();
    AccountTree::build(&CpuBackend::default(), leaves, padding_leaf(ASSETS)).unwrap()
}

#[test]
fn root_matches_naive_tree_for_many_sizes() {
    for n in [1usize, 2, 3, 4, 5, 7, 8, 9, 13, 31, 33, 100, 1000, 1025] {
        let leaves = random_leaves(n);
        let tree = build(&leaves);
        assert_eq!(
            tree.root(),
            Digest::from_hash_out(naive_root(&leaves)),
            "n = {n}"
        );
        assert_eq!(1u64 << tree.depth(), (n as u64).next_power_of_two());
    }
}

#[test]
fn backend_leaf_hashing_matches_plonky2() {
    for width in [1usize, 4, 5, 8, 9, 20, 44] {
        let inputs: Vec<F> = (0..width * 37).map(|_| F::rand()).collect();
        let got = CpuBackend::default().hash_leaves(&inputs, width);
        let want: Vec<Digest> = inputs
            .chunks(width)
            .map(|c| Digest::from_hash_out(PoseidonHash::hash_no_pad(c)))
            .collect();
        assert_eq!(got, want, "width {width}");
    }
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
