//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn data(rel: &str) -> PathBuf {
    repo().join("datasets").join(rel)
}

/// Runs the zkpor binary with `args`.
pub fn zkpor(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zkpor"))
        .args(args)
        .output()
        .expect("zkpor binary runs")
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
