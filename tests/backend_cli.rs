//! `--backend` end to end: the same account-tree root whichever backend ran,
//! and clear behaviour when no GPU exists.

mod common;

use common::{gpu_ran, s, stderr, stdout, zkpor};
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};
use zkpor::error::exit;

fn commit(dir: &Path, out: &str, extra: &[&str]) -> Output {
    let (accounts, assets) = (dir.join("accounts.csv"), dir.join("assets.csv"));
    let out = dir.join(out);
    let mut args = vec!["commit", "--accounts", s(&accounts), "--assets", s(&assets)];
    args.extend(["--out", s(&out), "--json", "--quiet", "--tiers", "none"]);
    args.extend([
        "--secret",
        concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/sample/secret.demo"),
    ]);
    args.extend(extra);
    zkpor(&args)
}

fn summary(o: &Output) -> Value {
    assert!(o.status.success(), "commit failed: {}", stderr(o));
    serde_json::from_str(&stdout(o)).expect("summary JSON")
}

#[test]
fn cpu_and_gpu_commit_the_same_root_for_a_hundred_thousand_users() {
    let dir = tempfile::tempdir().unwrap();
    let gen = zkpor(&[
        "gen",
        "--users",
        "100000",
        "--assets",
        "8",
        "--seed",
        "7",
        "--out",
        s(dir.path()),
    ]);
    assert!(gen.status.success(), "{}", stderr(&gen));
    let cpu = summary(&commit(dir.path(), "cpu", &["--backend", "cpu"]));
    assert_eq!(cpu["backend"], "cpu");
    let gpu = commit(dir.path(), "gpu", &["--backend", "gpu"]);
    if !gpu_ran(&gpu, "gpu commit") {
        return;
    }
    let gpu = summary(&gpu);
    assert_eq!(gpu["backend"], "gpu");
    assert_eq!(gpu["users"], 100000);
    assert_eq!(gpu["root"], cpu["root"], "the root depends on the backend");
    assert_eq!(gpu["assets"], cpu["assets"]);
}

/// Runs the binary as if the machine had no Vulkan driver at all.
fn without_vulkan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zkpor"))
        .args(args)
        // The loader reads VK_DRIVER_FILES first (its newer name), so hide both.
        .env("VK_ICD_FILENAMES", "/nonexistent/icd.json")
        .env("VK_DRIVER_FILES", "/nonexistent/icd.json")
        .env_remove("VK_ADD_DRIVER_FILES")
        .env_remove("ZKPOR_BACKEND")
        .output()
        .expect("zkpor runs")
}

#[test]
fn without_an_adapter_gpu_fails_and_auto_falls_back_with_a_notice() {
    let dir = tempfile::tempdir().unwrap();
    let gen = zkpor(&[
        "gen",
        "--users",
        "50",
        "--assets",
        "3",
        "--out",
        s(dir.path()),
    ]);
    assert!(gen.status.success(), "{}", stderr(&gen));
    let (accounts, assets) = (
        dir.path().join("accounts.csv"),
        dir.path().join("assets.csv"),
    );
    let base = [
        "commit",
        "--tiers",
        "none",
        "--accounts",
        s(&accounts),
        "--assets",
        s(&assets),
    ];

    let out = dir.path().join("gpu");
    let forced = without_vulkan(&[&base[..], &["--out", s(&out), "--backend", "gpu"]].concat());
    assert_eq!(
        forced.status.code(),
        Some(exit::BACKEND_UNAVAILABLE),
        "{}",
        stderr(&forced)
    );
    assert!(
        stderr(&forced).contains("no GPU adapter"),
        "{}",
        stderr(&forced)
    );
    assert!(!out.exists(), "a failed run left output behind");

    let out = dir.path().join("auto");
    let auto = without_vulkan(&[&base[..], &["--out", s(&out), "--json"]].concat());
    assert!(
        stderr(&auto).contains("backend auto: no hardware GPU"),
        "{}",
        stderr(&auto)
    );
    assert_eq!(summary(&auto)["backend"], "cpu");

    let quiet =
        without_vulkan(&[&base[..], &["--out", s(&dir.path().join("q")), "--quiet"]].concat());
    assert!(quiet.status.success());
    assert!(
        !stderr(&quiet).contains("backend auto"),
        "--quiet still printed: {}",
        stderr(&quiet)
    );
}

#[test]
fn the_backend_can_be_chosen_through_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let gen = zkpor(&[
        "gen",
        "--users",
        "20",
        "--assets",
        "2",
        "--out",
        s(dir.path()),
    ]);
    assert!(gen.status.success(), "{}", stderr(&gen));
    let (accounts, assets, out) = (
        dir.path().join("accounts.csv"),
        dir.path().join("assets.csv"),
        dir.path().join("o"),
    );
    let o = Command::new(env!("CARGO_BIN_EXE_zkpor"))
        .args([
            "commit",
            "--accounts",
            s(&accounts),
            "--assets",
            s(&assets),
            "--out",
            s(&out),
            "--json",
            "--quiet",
            "--tiers",
            "none",
        ])
        .env("ZKPOR_BACKEND", "cpu")
        .output()
        .unwrap();
    assert_eq!(summary(&o)["backend"], "cpu");
}

/// `zkpor prove` on the bundled sample, through `backend`, into `out`; in one
/// batch of 512 so that lavapipe (a software GPU) finishes in about a minute.
fn prove_sample(out: &Path, backend: &str) -> Output {
    let data = |f: &str| format!("{}/datasets/sample/{f}", env!("CARGO_MANIFEST_DIR"));
    let (accounts, assets, reserves, secret) = (
        data("accounts.csv"),
        data("assets.csv"),
        data("reserves.csv"),
        data("secret.demo"),
    );
    zkpor(&[
        "prove",
        "--accounts",
        &accounts,
        "--assets",
        &assets,
        "--reserves",
        &reserves,
        "--secret",
        &secret,
        "--out",
        s(out),
        "--batch-size",
        "512",
        "--arity",
        "2",
        "--backend",
        backend,
        "--quiet",
        "--tiers",
        "none",
    ])
}

#[test]
fn gpu_and_cpu_prove_the_sample_to_the_same_public_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let (cpu_out, gpu_out) = (dir.path().join("cpu"), dir.path().join("gpu"));
    let cpu = prove_sample(&cpu_out, "cpu");
    assert!(cpu.status.success(), "{}", stderr(&cpu));
    let gpu = prove_sample(&gpu_out, "gpu");
    if !gpu_ran(&gpu, "gpu prove") {
        return;
    }
    let cache = dir.path().join("cache");
    let verify = |out: &Path| {
        zkpor::verify::round::verify_out(out, Some(&cache))
            .unwrap_or_else(|e| panic!("{}: {e}", out.display()))
    };
    let (c, g) = (verify(&cpu_out), verify(&gpu_out));
    assert_eq!(g.summary.backend, "gpu");
    assert_eq!(c.summary.backend, "cpu");
    assert_eq!(g.values, c.values, "the root proofs' public inputs differ");
    assert_eq!(g.summary.root, c.summary.root);
    let v = zkpor(&["verify", s(&gpu_out)]);
    assert!(
        v.status.success(),
        "zkpor verify rejected the GPU proof: {}",
        stderr(&v)
    );
}
