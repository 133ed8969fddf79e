//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub mod backends;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn data(rel: &str) -> PathBuf {
    repo().join("datasets").join(rel)
}

/// Runs the zkpor binary with `args`, with a verifier cache private to this test process.
pub fn zkpor(args: &[&str]) -> Output {
    let cache = std::env::temp_dir().join(format!("zkpor-test-cache-{}", std::process::id()));
    Command::new(env!("CARGO_BIN_EXE_zkpor"))
        .args(args)
        .env("ZKPOR_CACHE_DIR", cache)
        .output()
        .expect("zkpor binary runs")
}

/// Whether a `--backend gpu` run of the binary ran. It may fail only because
/// the machine has no adapter (exit 7, "no GPU adapter"), and then only outside
/// CI, where the caller skips; any other failure fails the test.
pub fn gpu_ran(o: &Output, what: &str) -> bool {
    if o.status.success() {
        return true;
    }
    let no_adapter = o.status.code() == Some(zkpor::error::exit::BACKEND_UNAVAILABLE)
        && stderr(o).contains("no GPU adapter");
    if no_adapter && !backends::in_ci() {
        eprintln!("SKIPPED: {what}: no GPU adapter: {}", stderr(o));
        return false;
    }
    panic!("{what} failed: {}", stderr(o));
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// Runs `zkpor <cmd>` (commit or prove) on `accounts` with the sample's
/// assets.csv and demo secret, `reserves` if given, writing a format-1 round
/// (`--tiers none`) to `out`, plus `extra` flags.
pub fn run_on(
    cmd: &str,
    accounts: &Path,
    reserves: Option<&Path>,
    out: &Path,
    extra: &[&str],
) -> Output {
    let assets = data("sample/assets.csv");
    let secret = data("sample/secret.demo");
    let mut args = vec![
        cmd,
        "--accounts",
        s(accounts),
        "--assets",
        s(&assets),
        "--secret",
        s(&secret),
        "--out",
        s(out),
        "--tiers",
        "none",
    ];
    if let Some(r) = reserves {
        args.extend(["--reserves", s(r)]);
    }
    args.extend(extra);
    zkpor(&args)
}
