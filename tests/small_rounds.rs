//! Every genuine format-1 proof (`--tiers none`) verifies whatever the user
//! count, with the default batch size and arity: n = 1, 2, 3, 20, B − 1, B
//! and B + 1 users, where B is what `--batch-size auto` picks. Below B the tree is smaller than one batch
//! (B' = 2^d < B), the case where `verify` once rebuilt the wrong parameter
//! digest. Each round is verified with `--no-cache`, then tampered with so
//! that only the proof check itself can catch it, which it must.

mod common;

use common::{s, stderr, stdout, zkpor};
use serde_json::Value;
use std::path::Path;
use zkpor::error::exit;

const ASSETS: &str = "2";

/// `zkpor gen` + `zkpor prove --tiers none` with every other default; returns summary.json.
fn prove_round(dir: &Path, users: usize) -> Value {
    let snap = dir.join("snap");
    let seed = users.to_string();
    let n = users.to_string();
    let gen = zkpor(&[
        "gen",
        "--users",
        &n,
        "--assets",
        ASSETS,
        "--seed",
        &seed,
        "--out",
        s(&snap),
    ]);
    assert!(gen.status.success(), "gen {users}: {}", stderr(&gen));
    let out = dir.join("out");
    let prove = zkpor(&[
        "prove",
        "--accounts",
        s(&snap.join("accounts.csv")),
        "--assets",
        s(&snap.join("assets.csv")),
        "--reserves",
        s(&snap.join("reserves.csv")),
        "--out",
        s(&out),
        "--json",
        "--tiers",
        "none",
    ]);
    assert!(prove.status.success(), "prove {users}: {}", stderr(&prove));
    assert!(
        stderr(&prove).contains("--batch-size auto:"),
        "prove says which B auto chose: {}",
        stderr(&prove)
    );
    serde_json::from_str(&stdout(&prove)).expect("prove --json prints summary.json")
}

fn verify(out: &Path) -> std::process::Output {
    zkpor(&["verify", s(out), "--no-cache"])
}

/// Flips one byte of the root proof and re-binds it in summary.json, so only
/// the proof's own verification stands between it and a VALID.
fn tamper_proof(out: &Path) {
    let path = out.join("root_proof.bin");
    let mut proof = std::fs::read(&path).unwrap();
    let at = proof.len() / 3;
    proof[at] ^= 0x01;
    std::fs::write(&path, &proof).unwrap();
    let summary_path = out.join("summary.json");
    let mut summary: Value =
        serde_json::from_slice(&std::fs::read(&summary_path).unwrap()).unwrap();
    let entry = &mut summary["proof"]["files"]["root_proof"];
    entry["sha256"] = zkpor::artifacts::sha256::sha256_hex(&proof).into();
    entry["bytes"] = proof.len().into();
    std::fs::write(&summary_path, serde_json::to_vec_pretty(&summary).unwrap()).unwrap();
}

fn check_round(users: usize) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let summary = prove_round(dir.path(), users);
    let out = dir.path().join("out");
    let p = &summary["proof"];
    let depth = summary["tree_depth"].as_u64().unwrap();
    let b = p["batch_size"].as_u64().unwrap();
    assert_eq!(summary["users"].as_u64(), Some(users as u64));
    assert_eq!(
        p["effective_batch_size"].as_u64(),
        Some(b.min(1 << depth)),
        "{users}: B' = min(B, 2^d)"
    );
    assert_eq!(
        p["batches"].as_u64(),
        Some((1u64 << depth) / b.min(1 << depth)),
        "{users}: batches = 2^d / B'"
    );
    let ok = verify(&out);
    assert!(
        ok.status.success(),
        "n = {users}: a genuine proof must verify: {}{}",
        stdout(&ok),
        stderr(&ok)
    );
    tamper_proof(&out);
    let bad = verify(&out);
    assert_eq!(bad.status.code(), Some(exit::VERIFY_FAILED), "n = {users}");
    let said = stdout(&bad);
    assert!(
        said.contains("INVALID") && said.contains("does not verify"),
        "n = {users}: the proof check rejects it: {said}"
    );
    summary
}

#[test]
fn genuine_rounds_of_every_small_size_verify() {
    let first = check_round(20);
    let b = first["proof"]["batch_size"].as_u64().unwrap() as usize;
    assert!(
        first["proof"]["batch_size_auto"].as_bool().unwrap(),
        "auto is the default"
    );
    assert!(b > 20, "the small case is below one batch (B = {b})");
    for users in [1, 2, 3, b - 1, b, b + 1] {
        let summary = check_round(users);
        assert_eq!(
            summary["proof"]["batch_size"].as_u64(),
            Some(b as u64),
            "auto depends only on the asset count"
        );
    }
}
