//! The command line end to end: gen, commit, user-proof and verify-user.

mod common;

use common::{data, run_on, s, stderr, stdout, zkpor};
use serde_json::Value;
use std::path::Path;
use zkpor::error::exit;

fn commit_sample(accounts: &Path, out: &Path) -> Value {
    let reserves = data("sample/reserves.csv");
    let o = run_on(
        "commit",
        accounts,
        Some(&reserves),
        out,
        &["--json", "--quiet"],
    );
    assert!(o.status.success(), "commit failed: {}", stderr(&o));
    serde_json::from_str(&stdout(&o)).expect("summary JSON on stdout")
}

#[test]
fn generator_is_deterministic_for_a_seed() {
    let dir = tempfile::tempdir().unwrap();
    let gen = |name: &str, seed: &str| {
        let out = dir.path().join(name);
        let o = zkpor(&[
            "gen",
            "--users",
            "500",
            "--assets",
            "25",
            "--seed",
            seed,
            "--out",
            s(&out),
            "--quiet",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        ["accounts.csv", "assets.csv", "reserves.csv"].map(|f| std::fs::read(out.join(f)).unwrap())
    };
    let a = gen("a", "42");
    assert_eq!(a, gen("b", "42"));
    assert_ne!(a[0], gen("c", "43")[0]);
    // The committed sample was made by this generator and must still be
    // reproduced, in both CSV forms.
    let sample_gen = |name: &str, format: &str| {
        let out = dir.path().join(name);
        let o = zkpor(&[
            "gen",
            "--users",
            "300",
            "--assets",
            "8",
            "--seed",
            "7",
            "--format",
            format,
            "--out",
            s(&out),
            "--quiet",
        ]);
        (out, o)
    };
    let (sample, o) = sample_gen("sample", "csv");
    assert!(o.status.success());
    for f in ["accounts.csv", "assets.csv", "reserves.csv"] {
        assert_eq!(
            std::fs::read(sample.join(f)).unwrap(),
            std::fs::read(data(&format!("sample/{f}"))).unwrap(),
            "{f}"
        );
    }
    let (long, o) = sample_gen("long", "long");
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        std::fs::read(long.join("accounts.csv")).unwrap(),
        std::fs::read(data("long/accounts.csv")).unwrap()
    );
}

#[test]
fn generated_snapshot_commits_with_debt_and_covered_reserves() {
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("snap");
    let o = zkpor(&[
        "gen",
        "--users",
        "3000",
        "--assets",
        "30",
        "--seed",
        "5",
        "--out",
        s(&snap),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = zkpor(&[
        "commit",
        "--accounts",
        s(&snap.join("accounts.csv")),
        "--assets",
        s(&snap.join("assets.csv")),
        "--reserves",
        s(&snap.join("reserves.csv")),
        "--out",
        s(&dir.path().join("out")),
        "--json",
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let summary: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(summary["users"], 3000);
    assert_eq!(summary["all_covered"], true);
    // Without --tiers the round is tiered (format 2), from the snapshot's holdings.
    let tiers = summary["tiers"].as_array().expect("a tiered summary");
    let in_tiers: u64 = tiers.iter().map(|t| t["users"].as_u64().unwrap()).sum();
    assert_eq!(in_tiers, 3000);
    // `--tiers none` commits format 1: one tree, other leaves, the same totals.
    let f1 = commit_sample_from(&snap, &dir.path().join("f1"));
    assert!(f1.get("tiers").is_none(), "{f1}");
    assert_ne!(f1["root"], summary["root"]);
    assert_eq!(f1["assets"], summary["assets"]);
    let with_debt = summary["assets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| {
            a["total_debt"]
                .as_str()
                .unwrap()
                .chars()
                .any(|c| ('1'..='9').contains(&c))
        })
        .count();
    assert!(with_debt > 0, "no asset carries debt");
    let secret = dir.path().join("out/secret");
    assert!(std::fs::read(&secret).unwrap().len() >= 32);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&secret).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
}

#[test]
fn same_inputs_and_secret_give_the_same_root() {
    let dir = tempfile::tempdir().unwrap();
    let a = commit_sample(&data("sample/accounts.csv"), &dir.path().join("a"));
    let b = commit_sample(&data("sample/accounts.csv"), &dir.path().join("b"));
    assert_eq!(a["root"], b["root"]);
    assert_eq!(a["users"], 300);
    // A different secret gives a different root over the same balances.
    let other = dir.path().join("other.secret");
    std::fs::write(&other, [9u8; 40]).unwrap();
    let o = zkpor(&[
        "commit",
        "--accounts",
        s(&data("sample/accounts.csv")),
        "--assets",
        s(&data("sample/assets.csv")),
        "--secret",
        s(&other),
        "--out",
        s(&dir.path().join("c")),
        "--json",
        "--quiet",
        "--tiers",
        "none",
    ]);
    let c: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_ne!(a["root"], c["root"]);
    assert_eq!(
        a["assets"][0]["total_equity"],
        c["assets"][0]["total_equity"]
    );
}

#[test]
fn okx_import_gives_the_same_totals_as_csv() {
    let dir = tempfile::tempdir().unwrap();
    let csv = commit_sample(&data("sample/accounts.csv"), &dir.path().join("csv"));
    let okx = commit_sample(&data("okx/accounts.json"), &dir.path().join("okx"));
    assert_eq!(csv["assets"], okx["assets"]);
    assert_eq!(csv["users"], okx["users"]);
    // The OKX file lists each user's assets in another order; leaves do not depend on it.
    assert_eq!(csv["root"], okx["root"]);
    // A folder of OKX files reads the same as one file.
    let folder = dir.path().join("okxdir");
    std::fs::create_dir(&folder).unwrap();
    std::fs::copy(data("okx/accounts.json"), folder.join("part-0.json")).unwrap();
    let from_folder = commit_sample(&folder, &dir.path().join("okx2"));
    assert_eq!(from_folder["root"], csv["root"]);
}

/// The wide sample rewritten in long form by this test, not by zkpor: one row
/// per non-blank cell, each user's rows in reverse column order.
fn long_from_wide(wide: &str) -> String {
    let mut lines = wide.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let mut out = String::from("user_id,symbol,amount\n");
    for line in lines {
        let cells: Vec<&str> = line.split(',').collect();
        for (symbol, amount) in header[1..].iter().zip(&cells[1..]).rev() {
            if !amount.trim().is_empty() {
                out += &format!("{},{symbol},{amount}\n", cells[0]);
            }
        }
    }
    out
}

#[test]
fn long_csv_gives_the_same_root_as_wide_csv_and_okx() {
    let dir = tempfile::tempdir().unwrap();
    let wide = commit_sample(&data("sample/accounts.csv"), &dir.path().join("wide"));
    let okx = commit_sample(&data("okx/accounts.json"), &dir.path().join("okx"));
    let bundled = commit_sample(&data("long/accounts.csv"), &dir.path().join("long"));
    let text = std::fs::read_to_string(data("sample/accounts.csv")).unwrap();
    let converted = dir.path().join("converted.csv");
    std::fs::write(&converted, long_from_wide(&text)).unwrap();
    let reordered = commit_sample(&converted, &dir.path().join("reordered"));
    for (name, other) in [("okx", &okx), ("long", &bundled), ("reordered", &reordered)] {
        assert_eq!(other["root"], wide["root"], "{name}");
        assert_eq!(other["assets"], wide["assets"], "{name}");
        assert_eq!(other["users"], wide["users"], "{name}");
    }
}

#[test]
fn user_proofs_verify_and_tampering_is_caught() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let summary = commit_sample(&data("sample/accounts.csv"), &out);
    let root = summary["root"].as_str().unwrap();
    let users: Vec<String> = std::fs::read_to_string(data("sample/accounts.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().to_string())
        .collect();
    for user in [&users[0], &users[137], &users[299]] {
        let file = dir.path().join(format!("{user}.json"));
        let o = zkpor(&["user-proof", s(&out), "--user", user, "--out", s(&file)]);
        assert!(o.status.success(), "{}", stderr(&o));
        let o = zkpor(&["verify-user", s(&file), "--root", root]);
        assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
        assert!(stdout(&o).starts_with("VALID"), "{}", stdout(&o));
    }

    let file = dir.path().join("p.json");
    assert!(zkpor(&[
        "user-proof",
        s(&out),
        "--user",
        &users[5],
        "--out",
        s(&file)
    ])
    .status
    .success());
    let proof: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    let tampered = |name: &str, edit: &dyn Fn(&mut Value)| {
        let mut p = proof.clone();
        edit(&mut p);
        let path = dir.path().join(name);
        std::fs::write(&path, serde_json::to_vec(&p).unwrap()).unwrap();
        let o = zkpor(&["verify-user", s(&path), "--root", root]);
        assert_eq!(
            o.status.code(),
            Some(exit::VERIFY_FAILED),
            "{name} accepted: {}",
            stdout(&o)
        );
        assert!(stdout(&o).starts_with("INVALID"), "{}", stdout(&o));
    };
    let held = proof["balances"]
        .as_array()
        .unwrap()
        .iter()
        .position(|b| b["equity"] != "0.00000000" && b["equity"] != "0.000000")
        .unwrap();
    tampered("balance.json", &|p| {
        p["balances"][held]["equity"] = Value::from("1000000")
    });
    tampered("debt.json", &|p| {
        p["balances"][0]["debt"] = Value::from("0.00000001")
    });
    tampered("sibling.json", &|p| {
        p["siblings"][2] = Value::from("0".repeat(64))
    });
    tampered("index.json", &|p| {
        p["leaf_index"] = Value::from(p["leaf_index"].as_u64().unwrap() ^ 4)
    });
    tampered("nonce.json", &|p| p["nonce"] = Value::from("1".repeat(64)));
    tampered("user.json", &|p| p["user_id"] = Value::from("someone-else"));
    // A self-consistent proof for another root fails against the published one.
    let o = zkpor(&["verify-user", s(&file), "--root", &"2".repeat(64)]);
    assert_eq!(o.status.code(), Some(exit::VERIFY_FAILED));
}

#[test]
fn rejected_commit_exits_with_input_code_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = run_on(
        "commit",
        &data("invalid/malformed_number.csv"),
        None,
        &out,
        &[],
    );
    assert_eq!(o.status.code(), Some(exit::BAD_INPUT));
    assert!(
        stderr(&o).contains("malformed_number.csv:2: column 3 (ETH)"),
        "{}",
        stderr(&o)
    );
    assert!(
        std::fs::read_dir(dir.path()).unwrap().next().is_none(),
        "output left behind"
    );
    let o = run_on("commit", &data("invalid/insolvent.csv"), None, &out, &[]);
    assert_eq!(o.status.code(), Some(exit::INSOLVENT_USER));
}

#[test]
fn existing_output_is_not_overwritten_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    commit_sample(&data("sample/accounts.csv"), &out);
    let o = run_on(
        "commit",
        &data("sample/accounts.csv"),
        None,
        &out,
        &["--quiet"],
    );
    assert_eq!(o.status.code(), Some(exit::USAGE));
    assert!(stderr(&o).contains("--force"));
}

#[test]
fn dense_generator_gives_every_user_every_asset_and_commits() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("dense");
    let o = zkpor(&[
        "gen",
        "--users",
        "200",
        "--assets",
        "30",
        "--seed",
        "3",
        "--dense",
        "--out",
        s(&out),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let csv = std::fs::read_to_string(out.join("accounts.csv")).unwrap();
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    assert_eq!(rows.len(), 200);
    for row in &rows {
        let cells: Vec<&str> = row.split(',').collect();
        assert_eq!(cells.len(), 31, "{row}");
        assert!(cells[1..].iter().all(|c| !c.trim().is_empty()), "{row}");
    }
    let summary = commit_sample_from(&out, &dir.path().join("c"));
    assert_eq!(summary["users"], 200);
}

/// A format-1 commitment of the snapshot `gen` wrote.
fn commit_sample_from(gen: &Path, out: &Path) -> Value {
    let o = zkpor(&[
        "commit",
        "--tiers",
        "none",
        "--accounts",
        s(&gen.join("accounts.csv")),
        "--assets",
        s(&gen.join("assets.csv")),
        "--reserves",
        s(&gen.join("reserves.csv")),
        "--out",
        s(out),
        "--json",
        "--quiet",
    ]);
    assert!(o.status.success(), "commit failed: {}", stderr(&o));
    serde_json::from_str(&stdout(&o)).expect("summary JSON on stdout")
}

#[test]
fn bench_reports_rows_per_user() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("bench.json");
    let o = zkpor(&[
        "bench",
        "--backend",
        "cpu",
        "--only",
        "proofs",
        "--proof-users",
        "2",
        "--proof-assets",
        "3",
        "--repeats",
        "1",
        "--quiet",
        "--json",
        s(&json),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("rows per user"), "{}", stdout(&o));
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let c = &v["sections"][0]["circuit"];
    assert_eq!(
        (c["users"].as_u64(), c["assets"].as_u64()),
        (Some(2), Some(3))
    );
    let (rows, padded) = (
        c["rows"].as_f64().unwrap(),
        c["padded_rows"].as_f64().unwrap(),
    );
    assert!(rows > 0.0 && rows <= padded, "{c}");
    assert_eq!(c["rows_per_user"].as_f64(), Some(rows / 2.0));
}

#[test]
fn bench_compares_each_tier_with_the_dense_batch() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("bench.json");
    let o = zkpor(&[
        "bench",
        "--backend",
        "cpu",
        "--only",
        "tiers",
        "--proof-assets",
        "6",
        "--tier-row-log",
        "11",
        "--repeats",
        "1",
        "--quiet",
        "--json",
        s(&json),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let entries = v["sections"][0]["rows"][0]["entries"]
        .as_array()
        .unwrap()
        .clone();
    let names: Vec<&str> = entries
        .iter()
        .map(|e| e["implementation"].as_str().unwrap())
        .collect();
    // Dense first (the ratios' baseline), then K = 1 and 4 (8 and 16 exceed 6 assets).
    assert_eq!(names.len(), 3, "{names:?}");
    assert!(names[0].starts_with("dense B="), "{names:?}");
    assert!(names[1].starts_with("sparse K=1 B=") && names[2].starts_with("sparse K=4 B="));
    assert_eq!(entries[0]["ratio"].as_f64(), Some(1.0));
    // At the same row budget a one-position tier packs more users than the dense one.
    let b = |e: &Value| -> u64 {
        let n = e["implementation"].as_str().unwrap();
        n.rsplit("B=").next().unwrap().parse().unwrap()
    };
    assert!(b(&entries[1]) > b(&entries[0]), "{names:?}");
    assert!(stdout(&o).contains("sparse K=4"), "{}", stdout(&o));
}
