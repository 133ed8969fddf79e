//! A tiered round (account format 2) through the binary: every tier proves,
//! the root proof carries the exact per-asset sums of the input (summed here,
//! from the CSV), every user's proof lists only their positions and verifies,
//! the three input formats give one tiered root, and a killed run resumes.
//!
//! One small round for all of them: 40 generated users × 6 assets plus one
//! user holding every asset, tiers K = 1, K = 2 and dense, B = 4, k = 2.

use serde_json::Value;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use zkpor::artifacts::summary::{read_summary, SUMMARY_FORMAT_TIERED};
use zkpor::circuits::RoundParams;
use zkpor::inclusion::{make_user_proof, root_from_summary, verify_user_proof};
use zkpor::verify::round::{params_of, verify_out};

const TIERS: &str = "1,2,dense";
const EVERYONE: &str = "holds-every-asset";

struct Snapshot {
    dir: PathBuf,
    accounts: PathBuf,
    assets: PathBuf,
    reserves: PathBuf,
    secret: PathBuf,
    /// Built circuits, shared by every run of this file.
    circuits: PathBuf,
}

fn snapshot() -> &'static Snapshot {
    static S: OnceLock<Snapshot> = OnceLock::new();
    S.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap().keep();
        let snap = dir.join("snap");
        let o = zkpor(&[
            "gen", "--users", "40", "--assets", "6", "--seed", "7", "--out",
        ])
        .arg(&snap)
        .output()
        .unwrap();
        assert!(o.status.success(), "{}", text(&o.stderr));
        // One more user with the smallest unit of every asset: the dense tier's.
        let assets = std::fs::read_to_string(snap.join("assets.csv")).unwrap();
        let cells: Vec<String> = assets
            .lines()
            .skip(1)
            .map(|l| {
                let decimals: usize = l.split(',').nth(1).unwrap().parse().unwrap();
                format!("0.{}1", "0".repeat(decimals - 1))
            })
            .collect();
        let accounts = snap.join("accounts.csv");
        let mut csv = std::fs::read_to_string(&accounts).unwrap();
        csv += &format!("{EVERYONE},{}\n", cells.join(","));
        std::fs::write(&accounts, csv).unwrap();
        // The reserves file covers the generated totals with a margin of
        // several percent, so one unit more of each asset stays covered.
        let secret = dir.join("secret");
        std::fs::write(&secret, "a test round secret of at least 32 bytes\n").unwrap();
        Snapshot {
            accounts,
            assets: snap.join("assets.csv"),
            reserves: snap.join("reserves.csv"),
            secret,
            circuits: dir.join("circuits"),
            dir,
        }
    })
}

/// The zkpor binary, JSON events on stderr, a verifier cache private to this test binary.
fn zkpor(args: &[&str]) -> Command {
    let cache = std::env::temp_dir().join(format!("zkpor-tiered-cache-{}", std::process::id()));
    let mut c = Command::new(env!("CARGO_BIN_EXE_zkpor"));
    c.env("ZKPOR_CACHE_DIR", cache)
        .env_remove("ZKPOR_TEST_KILL_AFTER")
        .arg("--log-format")
        .arg("json")
        .args(args);
    c
}

/// `zkpor prove --tiers` on `accounts` into `out`, plus `extra`.
fn prove(accounts: &Path, out: &Path, extra: &[&str]) -> Command {
    let s = snapshot();
    prove_on([accounts, &s.assets, &s.reserves], out, extra)
}

/// As `prove`, on other accounts, assets and reserves files.
fn prove_on([accounts, assets, reserves]: [&Path; 3], out: &Path, extra: &[&str]) -> Command {
    let s = snapshot();
    let mut c = zkpor(&[
        "prove",
        "--tiers",
        TIERS,
        "--batch-size",
        "4",
        "--arity",
        "2",
    ]);
    c.arg("--accounts").arg(accounts);
    c.arg("--assets").arg(assets);
    c.arg("--reserves").arg(reserves);
    c.arg("--secret").arg(&s.secret);
    c.arg("--circuit-cache").arg(&s.circuits);
    c.arg("--out").arg(out).args(extra);
    c
}

fn ok(mut c: Command) -> Output {
    let o = c.output().unwrap();
    assert!(o.status.success(), "{:?}: {}", o.status, text(&o.stderr));
    o
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn events(o: &Output) -> Vec<Value> {
    text(&o.stderr)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// The round, proven once, and the events of the run that proved it.
fn proven_run() -> &'static (PathBuf, Vec<Value>) {
    static RUN: OnceLock<(PathBuf, Vec<Value>)> = OnceLock::new();
    RUN.get_or_init(|| {
        let s = snapshot();
        let out = s.dir.join("round");
        let o = ok(prove(&s.accounts, &out, &[]));
        (out, events(&o))
    })
}

fn proven() -> &'static Path {
    &proven_run().0
}

/// Units of a decimal text with `decimals` places ("" is zero).
fn units(text: &str, decimals: u32) -> u128 {
    let t = text.trim();
    if t.is_empty() {
        return 0;
    }
    let (int, frac) = t.split_once('.').unwrap_or((t, ""));
    let frac = format!("{frac:0<width$}", width = decimals as usize);
    format!("{int}{frac}").parse().unwrap()
}

/// Per-asset (equity, debt) summed from the wide CSV: a negative cell is debt.
fn sums_from_csv() -> Vec<(u128, u128)> {
    let s = snapshot();
    let decimals: Vec<u32> = std::fs::read_to_string(&s.assets)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap().parse().unwrap())
        .collect();
    let mut sums = vec![(0u128, 0u128); decimals.len()];
    let csv = std::fs::read_to_string(&s.accounts).unwrap();
    for line in csv.lines().skip(1) {
        for (i, cell) in line.split(',').skip(1).enumerate() {
            match cell.strip_prefix('-') {
                Some(debt) => sums[i].1 += units(debt, decimals[i]),
                None => sums[i].0 += units(cell, decimals[i]),
            }
        }
    }
    sums
}

/// Positions held by each user of the CSV.
fn held_counts() -> Vec<(String, usize)> {
    let csv = std::fs::read_to_string(&snapshot().accounts).unwrap();
    csv.lines()
        .skip(1)
        .map(|l| {
            let mut cells = l.split(',');
            let id = cells.next().unwrap().to_string();
            let held = cells
                .filter(|c| !c.trim().is_empty() && units(c.trim_start_matches('-'), 12) > 0)
                .count();
            (id, held)
        })
        .collect()
}

#[test]
fn every_tier_proves_and_the_root_proof_says_the_exact_sums() {
    let out = proven();
    let summary = read_summary(out).unwrap();
    assert_eq!(summary.format, SUMMARY_FORMAT_TIERED);
    let tiers = summary
        .tiers
        .as_ref()
        .expect("a tiered summary lists its tiers");
    let capacities: Vec<Option<usize>> = tiers.iter().map(|t| t.capacity).collect();
    assert_eq!(capacities, vec![Some(1), Some(2), None]);
    assert!(tiers.iter().all(|t| t.users > 0 && t.proof.is_some()));
    assert_eq!(tiers.iter().map(|t| t.users).sum::<u64>(), 41);
    assert!(matches!(
        params_of(&summary).unwrap(),
        RoundParams::Tiered(_)
    ));
    let report = verify_out(out, None).expect("the tiered round verifies");
    // The totals come from the root proof's public inputs.
    let proven: Vec<(u128, u128)> = report
        .values
        .totals
        .iter()
        .map(|&(e, d)| (u128::from(e), u128::from(d)))
        .collect();
    assert_eq!(proven, sums_from_csv());
    assert_eq!(report.values.users, 41);
    // A finished job run again publishes nothing new.
    let o = ok(prove(&snapshot().accounts, out, &[]));
    assert!(
        text(&o.stderr).contains("already complete"),
        "{}",
        text(&o.stderr)
    );
}

/// A job holds one tier's circuits at a time: each tier's are built (or
/// loaded) only once the tier before it is planned and proven, none twice,
/// and the root's last, from the tops the tiers kept.
#[test]
fn each_tier_s_circuits_are_built_after_the_tier_before_it_is_proven() {
    let ev = &proven_run().1;
    // The tier whose plan came last, so the tier proven before this point.
    let mut planned: Option<u64> = None;
    let mut built = std::collections::BTreeSet::new();
    for e in ev {
        match e["event"].as_str() {
            Some("plan") => planned = e["tier"].as_u64(),
            Some("circuit_built") => {
                let name = e["circuit"].as_str().unwrap_or_default().to_string();
                let tier: Option<u64> = name
                    .strip_prefix("tier ")
                    .and_then(|rest| rest.split(' ').next())
                    .and_then(|t| t.parse().ok());
                let before = match tier {
                    Some(0) => None,
                    Some(t) => Some(t - 1),
                    // The root: after the last of TIERS's three tiers.
                    None => Some(2),
                };
                assert_eq!(
                    planned, before,
                    "{name} built after tier {planned:?}'s plan"
                );
                assert!(built.insert(name.clone()), "{name} built twice");
            }
            _ => {}
        }
    }
    assert!(built.contains("root"), "{built:?}");
    assert!(built.contains("tier 2 batch"), "{built:?}");
}

#[test]
fn every_user_proof_lists_only_held_positions_and_verifies() {
    let out = proven();
    let summary = read_summary(out).unwrap();
    let tiers = summary.tiers.clone().unwrap();
    for (user, held) in held_counts() {
        let p = make_user_proof(out, &user).unwrap();
        assert_eq!(p.balances.len(), held, "{user}");
        let tier = p.tier.as_ref().unwrap();
        // The smallest tier that holds the user.
        let want = tiers
            .iter()
            .position(|t| t.capacity.is_none_or(|k| held <= k))
            .unwrap();
        assert_eq!(tier.index as usize, want, "{user} holding {held}");
        if user == EVERYONE {
            assert_eq!(tier.capacity, None);
        }
        let root = root_from_summary(&p, &summary).unwrap();
        verify_user_proof(&p, Some(root)).unwrap_or_else(|e| panic!("{user}: {e}"));
        let refused = |q: &zkpor::artifacts::UserProofFile, why: &str, what: &str| {
            let e = verify_user_proof(q, Some(root)).expect_err(what);
            assert!(e.to_string().contains(why), "{user}: {what}: {e}");
        };
        // Equity and debt swapped: a changed position no longer hashes to the leaf.
        let mut bad = p.clone();
        let b = &mut bad.balances[0];
        std::mem::swap(&mut b.equity, &mut b.debt);
        refused(&bad, "do not hash to the leaf", "swapped amounts");
        // A proof that drops a held position is another leaf.
        if held > 1 {
            let mut dropped = p.clone();
            dropped.balances.pop();
            refused(&dropped, "do not hash to the leaf", "dropped position");
        }
        // Upper-case hex with a 0x prefix names the same tier root (FORMAT §1),
        // also when checked against the summary.
        let mut shouted = p.clone();
        let t = shouted.tier.as_mut().unwrap();
        t.root = format!("0x{}", t.root.to_uppercase());
        let again = root_from_summary(&shouted, &summary);
        assert!(
            again.as_ref().is_ok_and(|r| *r == root),
            "{user}: {:?}",
            again.err()
        );
        verify_user_proof(&shouted, Some(root)).unwrap_or_else(|e| panic!("{user}: {e}"));
        // The same tier root at another place of the top tree leads elsewhere.
        let mut moved = p.clone();
        moved.tier.as_mut().unwrap().index ^= 1;
        refused(&moved, "not to the proof's root", "moved tier");
    }
}

/// The tiered root a `--prepare` run commits the bundled `accounts` to.
fn prepared_root(accounts: &Path, out: &Path) -> String {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/sample");
    let files = [
        accounts,
        &sample.join("assets.csv"),
        &sample.join("reserves.csv"),
    ];
    ok(prove_on(files, out, &["--prepare"]));
    let commit: Value =
        serde_json::from_slice(&std::fs::read(out.join("commit.json")).unwrap()).unwrap();
    commit["record"]["summary"]["root"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn wide_long_and_okx_inputs_give_one_tiered_root() {
    let dir = tempfile::tempdir().unwrap();
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets");
    let wide = prepared_root(&data.join("sample/accounts.csv"), &dir.path().join("wide"));
    for (name, file) in [("long", "long/accounts.csv"), ("okx", "okx/accounts.json")] {
        let other = prepared_root(&data.join(file), &dir.path().join(name));
        assert_eq!(other, wide, "{name}");
    }
}

#[test]
fn a_killed_tiered_run_resumes_to_the_same_round() {
    let s = snapshot();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("job");
    for point in ["commit:2", "batch:3", "node:2"] {
        let o = prove(&s.accounts, &out, &[])
            .env("ZKPOR_TEST_KILL_AFTER", point)
            .output()
            .unwrap();
        assert_eq!(o.status.signal(), Some(9), "{point}: {}", text(&o.stderr));
    }
    let o = ok(prove(&s.accounts, &out, &[]));
    // Tier 0's proofs from the killed runs were verified, not made again.
    let ev = events(&o);
    let plan0 = ev
        .iter()
        .find(|e| e["event"] == "plan" && e["tier"] == 0)
        .expect("a plan event for tier 0");
    assert_eq!(plan0["batches_to_prove"], 0, "{}", text(&o.stderr));
    assert!(plan0["verified"].as_u64().unwrap() >= 2, "{plan0}");
    let resumed = read_summary(&out).unwrap();
    let once = read_summary(proven()).unwrap();
    assert_eq!(resumed.root, once.root);
    assert_eq!(resumed.assets, once.assets);
    verify_out(&out, None).expect("the resumed round verifies");
}

#[test]
fn shards_prove_a_share_of_every_tier_and_aggregate_to_the_same_round() {
    let s = snapshot();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("job");
    ok(prove(&s.accounts, &out, &["--prepare"]));
    let o = ok(prove(&s.accounts, &out, &["--shard", "0/2"]));
    let marker: Value =
        serde_json::from_slice(&std::fs::read(out.join("shards/0-of-2.json")).unwrap()).unwrap();
    assert_eq!(marker["tiers"].as_array().unwrap().len(), 3, "{marker}");
    assert!(events(&o).iter().any(|e| e["event"] == "shard_done"));
    // With shard 1 missing, aggregate names the tier and the batches it lacks.
    let o = zkpor(&["aggregate"]).arg(&out).output().unwrap();
    assert_eq!(
        o.status.code(),
        Some(zkpor::error::exit::INCOMPLETE),
        "{}",
        text(&o.stderr)
    );
    assert!(
        text(&o.stderr).contains("tier 0: the job is not complete"),
        "{}",
        text(&o.stderr)
    );
    assert!(
        text(&o.stderr).contains("shard 1/2 holds batches"),
        "{}",
        text(&o.stderr)
    );
    ok(prove(&s.accounts, &out, &["--shard", "1/2"]));
    let o = ok({
        let mut c = zkpor(&["aggregate"]);
        c.arg(&out);
        c
    });
    // Every batch came from a shard: aggregate proves none.
    assert!(
        !events(&o)
            .iter()
            .any(|e| e["event"] == "batch" && e["action"] == "proved"),
        "{}",
        text(&o.stderr)
    );
    let sharded = read_summary(&out).unwrap();
    assert_eq!(sharded.root, read_summary(proven()).unwrap().root);
    verify_out(&out, None).expect("the sharded round verifies");
}

#[test]
fn a_tiered_job_is_not_resumed_with_other_tiers() {
    let s = snapshot();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("b");
    ok(prove(&s.accounts, &out, &["--prepare"]));
    let mut other = zkpor(&[
        "prove",
        "--tiers",
        "1,dense",
        "--batch-size",
        "4",
        "--arity",
        "2",
    ]);
    other.arg("--accounts").arg(&s.accounts);
    other.arg("--assets").arg(&s.assets);
    other.arg("--reserves").arg(&s.reserves);
    other.arg("--secret").arg(&s.secret);
    other.arg("--out").arg(&out).arg("--prepare");
    let o = other.output().unwrap();
    assert_eq!(o.status.code(), Some(zkpor::error::exit::USAGE));
    let err = text(&o.stderr);
    assert!(
        err.contains("tiers: 1,2,dense in the job, 1,dense in this run"),
        "{err}"
    );
}

/// `zkpor commit --tiers` on the snapshot into `out`.
fn commit_tiered(out: &Path, tiers: &str) -> Command {
    let s = snapshot();
    let mut c = zkpor(&["commit", "--tiers", tiers, "--json"]);
    c.arg("--accounts").arg(&s.accounts);
    c.arg("--assets").arg(&s.assets);
    c.arg("--reserves").arg(&s.reserves);
    c.arg("--secret").arg(&s.secret);
    c.arg("--out").arg(out);
    c
}

#[test]
fn commit_with_tiers_writes_the_round_users_can_check_before_proving() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("committed");
    let o = ok(commit_tiered(&out, TIERS));
    let printed: Value = serde_json::from_slice(&o.stdout).unwrap();
    let summary = read_summary(&out).unwrap();
    assert_eq!(summary.format, SUMMARY_FORMAT_TIERED);
    assert_eq!(printed["root"].as_str(), Some(summary.root.as_str()));
    assert!(summary.proof.is_none());
    // The same root, tiers and tier roots as the proven round.
    let proven = read_summary(proven()).unwrap();
    assert_eq!(summary.root, proven.root);
    let roots = |s: &zkpor::artifacts::Summary| -> Vec<(Option<usize>, u64, String)> {
        let tiers = s.tiers.as_ref().unwrap();
        tiers
            .iter()
            .map(|t| (t.capacity, t.users, t.root.clone()))
            .collect()
    };
    assert_eq!(roots(&summary), roots(&proven));
    assert!(
        !out.join(".tmp").exists(),
        "no temporary folder is published"
    );
    // A user proof from the commitment alone, checked against its summary.
    let p = make_user_proof(&out, EVERYONE).unwrap();
    let root = root_from_summary(&p, &summary).unwrap();
    let v = verify_user_proof(&p, Some(root)).unwrap();
    assert_eq!(v.tier.map(|t| t.capacity), Some(None), "the dense tier");
    let file = dir.path().join("me.json");
    std::fs::write(&file, serde_json::to_vec(&p).unwrap()).unwrap();
    let mut check = zkpor(&["verify-user", file.to_str().unwrap(), "--summary"]);
    check.arg(out.join("summary.json"));
    let o = ok(check);
    let shown = text(&o.stdout);
    assert!(
        shown.starts_with(&format!(
            "VALID: user {EVERYONE} is included at leaf {} of tier 2 (dense) of root {}",
            p.leaf_index, summary.root
        )),
        "{shown}"
    );
}

#[test]
fn commit_with_tiers_that_leave_a_user_out_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("committed");
    let o = commit_tiered(&out, "1,2").output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("more than any tier holds"),
        "{}",
        text(&o.stderr)
    );
    assert!(!out.exists(), "nothing is left at OUT");
}
