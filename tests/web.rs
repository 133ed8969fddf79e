//! Runs the browser verifier's tests (`node --test web/test/`) as part of
//! `cargo test --release`, against the zkpor binary cargo just built: the JS
//! verifier against `zkpor verify-user`, and the page in headless Chromium.
//! Under CI=true a missing node, Chromium or `npm ci` is a failure; elsewhere
//! this test says what is missing and passes.

mod common;

use common::{data, run_on, s, stderr, zkpor};
use std::path::{Path, PathBuf};
use std::process::Command;

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

fn missing(what: &str) {
    assert!(!in_ci(), "CI=true and {what}; .ci/run installs it");
    eprintln!("skipping the web verifier tests: {what}");
}

fn chromium() -> Option<PathBuf> {
    std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .into_iter()
        .chain(["/usr/bin/chromium", "/usr/bin/chromium-browser"].map(PathBuf::from))
        .find(|p| p.exists())
}

#[test]
fn web_verifier_node_tests() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let node_version = Command::new("node").arg("--version").output();
    if !node_version.is_ok_and(|o| o.status.success()) {
        return missing("node is not installed");
    }
    if !repo.join("web/node_modules/puppeteer-core").is_dir() {
        return missing("web/node_modules is missing (run `npm ci` in web/)");
    }
    if chromium().is_none() {
        return missing("Chromium is not installed (apt-get install chromium)");
    }
    let out = Command::new("node")
        .args(["--test", "web/test/"])
        .current_dir(repo)
        .env("ZKPOR_BIN", env!("CARGO_BIN_EXE_zkpor"))
        .output()
        .expect("node runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "node --test web/test/ failed:\n{text}"
    );
    // Skips count as failures in CI: the node side decides, but make sure.
    assert!(
        !in_ci() || text.contains("# skipped 0"),
        "some web tests were skipped under CI:\n{text}"
    );
    println!("{text}");
}

#[test]
fn user_proof_says_where_the_browser_verifier_is() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out");
    let o = run_on(
        "commit",
        &data("sample/accounts.csv"),
        None,
        &out,
        &["--quiet"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let file = dir.path().join("me.json");
    let args = [
        "user-proof",
        s(&out),
        "--user",
        "b78b9f38a670e787",
        "--out",
        s(&file),
    ];
    let o = zkpor(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stderr(&o);
    let page = Path::new(env!("CARGO_MANIFEST_DIR")).join("web/index.html");
    assert!(text.contains(&page.display().to_string()), "{text}");
    assert!(
        text.contains(&format!("node web/verify.mjs {}", file.display())),
        "{text}"
    );
    let quiet = zkpor(&[&args[..], &["--quiet"]].concat());
    assert!(quiet.status.success());
    assert!(!stderr(&quiet).contains("index.html"), "{}", stderr(&quiet));
}
