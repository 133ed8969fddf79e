//! Every backend variant (CPU on each instruction set, GPU with each
//! arithmetic and chunking) against plonky2's own hashing and Merkle trees.

mod common;

use common::backends;
use plonky2::field::types::{Field, Sample};
use plonky2::hash::hash_types::HashOut;
use plonky2::hash::merkle_tree::MerkleTree;
use plonky2::hash::poseidon::PoseidonHash;
use plonky2::plonk::config::Hasher;
use zkpor::backend::cpu::Isa;
use zkpor::digest::{two_to_one, Digest};
use zkpor::field::{F, P};
use zkpor::leaf::padding_leaf;
use zkpor::tree::AccountTree;

fn plonky2_digests(rows: &[F], width: usize) -> Vec<Digest> {
    rows.chunks(width)
        .map(|r| Digest::from_hash_out(PoseidonHash::hash_no_pad(r)))
        .collect()
}

/// Random rows, the first of them all p - 1 (carries in every limb).
fn rows(n: usize, width: usize) -> Vec<F> {
    let mut inputs = F::rand_vec(n * width);
    inputs[..width].fill(F::from_canonical_u64(P - 1));
    inputs
}

#[test]
fn leaf_hashing_matches_plonky2_for_every_length() {
    for width in [1usize, 2, 3, 4, 5, 8, 9, 40, 135, 139] {
        let inputs = rows(37, width);
        let want = plonky2_digests(&inputs, width);
        for (name, backend) in backends::all() {
            assert_eq!(
                backend.hash_leaves(&inputs, width).expect(&name),
                want,
                "{name} width={width}"
            );
        }
    }
}

#[test]
fn empty_leaves_hash_to_zero_on_every_instruction_set() {
    // A flat slice cannot carry rows of nothing through `hash_leaves`; the
    // per-ISA entry point takes the row count from its output instead.
    let want = Digest::from_hash_out(PoseidonHash::hash_no_pad(&[]));
    for isa in Isa::ALL.into_iter().filter(|i| i.available()) {
        let mut out = vec![Digest::from_hex(&"11".repeat(32)).unwrap(); 5];
        isa.hash_rows(&[], 0, &mut out);
        assert!(out.iter().all(|d| *d == want), "{isa:?}");
    }
}

#[test]
fn merkle_trees_match_plonky2_with_every_cap_height() {
    for (log_rows, width) in [
        (0usize, 7usize),
        (1, 4),
        (3, 1),
        (5, 9),
        (6, 44),
        (9, 5),
        (11, 3),
    ] {
        let flat = rows(1 << log_rows, width);
        let leaves: Vec<Vec<F>> = flat.chunks(width).map(<[F]>::to_vec).collect();
        for cap_height in 0..=log_rows.min(4) {
            let tree = MerkleTree::<F, PoseidonHash>::new(leaves.clone(), cap_height);
            let d = |h: &HashOut<F>| Digest::from_hash_out(*h);
            let digests: Vec<Digest> = tree.digests.iter().map(d).collect();
            let cap: Vec<Digest> = tree.cap.0.iter().map(d).collect();
            for (name, backend) in backends::all() {
                let got = backend.merkle_tree(&flat, width, cap_height).expect(&name);
                let what = format!("{name} rows=2^{log_rows} width={width} cap={cap_height}");
                assert_eq!(got.cap, cap, "cap: {what}");
                assert_eq!(got.digests, digests, "digests: {what}");
            }
        }
    }
}

/// Levels built pair by pair with plonky2's `two_to_one`, `pads[i]` for a missing right child.
fn reference_levels(leaves: &[Digest], pads: &[Digest]) -> Vec<Vec<Digest>> {
    let mut levels: Vec<Vec<Digest>> = Vec::new();
    for &pad in pads {
        let below = levels.last().map_or(leaves, Vec::as_slice);
        let next = below
            .chunks(2)
            .map(|c| two_to_one(c[0], c.get(1).copied().unwrap_or(pad)))
            .collect();
        levels.push(next);
    }
    levels
}

#[test]
fn ragged_levels_use_each_layers_padding_digest() {
    for count in [1usize, 2, 3, 7, 255, 256, 257, 1000, 4097] {
        let leaves: Vec<Digest> = (0..count)
            .map(|_| Digest::from_hash_out(HashOut::rand()))
            .collect();
        let depth = (count.max(2) - 1).ilog2() as usize + 2;
        let pads: Vec<Digest> = (0..depth)
            .map(|i| {
                Digest::from_elements([
                    F::from_canonical_u64(i as u64 + 11),
                    F::ZERO,
                    F::ONE,
                    F::NEG_ONE,
                ])
            })
            .collect();
        let want = reference_levels(&leaves, &pads);
        for (name, backend) in backends::all() {
            assert_eq!(
                backend.build_levels(&leaves, &pads).expect(&name),
                want,
                "{name} count={count}"
            );
        }
    }
}

/// Straight from docs/FORMAT.md: pad to 2^depth with the padding leaf, hash pairs up.
fn naive_root(leaves: &[Digest], assets: usize) -> Digest {
    let mut level = leaves.to_vec();
    level.resize(leaves.len().next_power_of_two(), padding_leaf(assets));
    while level.len() > 1 {
        level = level.chunks(2).map(|p| two_to_one(p[0], p[1])).collect();
    }
    level[0]
}

#[test]
fn account_trees_of_any_user_count_match_the_format() {
    const ASSETS: usize = 8;
    for n in [1usize, 2, 3, 5, 8, 9, 33, 257, 1025] {
        let leaves: Vec<Digest> = (0..n)
            .map(|_| Digest::from_hash_out(HashOut::rand()))
            .collect();
        let want = naive_root(&leaves, ASSETS);
        for (name, backend) in backends::all() {
            let tree = AccountTree::build(backend, leaves.clone(), padding_leaf(ASSETS)).unwrap();
            assert_eq!(tree.root(), want, "{name} n={n}");
        }
    }
}
