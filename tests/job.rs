//! The job directory end to end: resume after SIGKILL at several points,
//! corrupted and truncated artifacts redone, refused mismatches, sharding
//! across concurrent processes, and the JSON event log.
//!
//! One tiny round for all of them: 5 users × 2 assets, B = 2, k = 2, so 3 real
//! batches and a padding batch under nodes (1,0), (1,1) and the top (2,0).

mod common;

use serde_json::Value;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use zkpor::error::exit;
use zkpor::job::shape::Pos;
use zkpor::job::store::{self, Slot};

struct Snapshot {
    _dir: PathBuf,
    accounts: PathBuf,
    assets: PathBuf,
    reserves: PathBuf,
    secret: PathBuf,
}

fn snapshot() -> &'static Snapshot {
    static S: OnceLock<Snapshot> = OnceLock::new();
    S.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap().keep();
        let snap = dir.join("snap");
        let o = zkpor(&[
            "gen", "--users", "5", "--assets", "2", "--seed", "11", "--out",
        ])
        .arg(&snap)
        .output()
        .unwrap();
        assert!(o.status.success(), "{}", text(&o.stderr));
        let secret = dir.join("secret");
        std::fs::write(&secret, "a test round secret of at least 32 bytes\n").unwrap();
        Snapshot {
            accounts: snap.join("accounts.csv"),
            assets: snap.join("assets.csv"),
            reserves: snap.join("reserves.csv"),
            secret,
            _dir: dir,
        }
    })
}

/// The zkpor binary, JSON events on stderr, a verifier cache private to this test binary.
fn zkpor(args: &[&str]) -> Command {
    let cache = std::env::temp_dir().join(format!("zkpor-job-cache-{}", std::process::id()));
    let mut c = Command::new(env!("CARGO_BIN_EXE_zkpor"));
    c.env("ZKPOR_CACHE_DIR", cache)
        .env_remove("ZKPOR_TEST_KILL_AFTER")
        .arg("--log-format")
        .arg("json")
        .args(args);
    c
}

/// `zkpor prove` on the snapshot into `out`, plus `extra`.
fn prove(out: &Path, extra: &[&str]) -> Command {
    prove_with(out, &[], extra)
}

/// As `prove`, with some flags set to other values ("" drops the flag).
fn prove_with(out: &Path, set: &[(&str, &str)], extra: &[&str]) -> Command {
    let s = snapshot();
    let path = |p: &PathBuf| p.to_str().unwrap().to_string();
    let mut flags: Vec<(String, String)> = [
        ("--batch-size", "2".to_string()),
        ("--arity", "2".to_string()),
        ("--accounts", path(&s.accounts)),
        ("--assets", path(&s.assets)),
        ("--reserves", path(&s.reserves)),
        ("--secret", path(&s.secret)),
        // These tests are format 1's; tests/tiered_job.rs has format 2's.
        ("--tiers", "none".to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    for (k, v) in set {
        match flags.iter_mut().find(|f| f.0 == *k) {
            Some(f) => f.1 = v.to_string(),
            None => flags.push((k.to_string(), v.to_string())),
        }
    }
    let mut c = zkpor(&["prove"]);
    for (k, v) in flags.iter().filter(|f| !f.1.is_empty()) {
        c.arg(k).arg(v);
    }
    c.arg("--out").arg(out).args(extra);
    c
}

fn killed_after(mut c: Command, point: &str) -> Output {
    let o = c.env("ZKPOR_TEST_KILL_AFTER", point).output().unwrap();
    assert_eq!(
        o.status.signal(),
        Some(9),
        "{point}: not killed: {:?} {}",
        o.status,
        text(&o.stderr)
    );
    o
}

fn ok(mut c: Command) -> Output {
    let o = c.output().unwrap();
    assert!(o.status.success(), "{:?}: {}", o.status, text(&o.stderr));
    o
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The JSON events of a run; every stderr line must be one.
fn events(o: &Output) -> Vec<Value> {
    text(&o.stderr)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

/// (event, action, batch or [level, node]) of every artifact event.
fn artifact_actions(ev: &[Value]) -> Vec<(String, String, Value)> {
    ev.iter()
        .filter(|e| ["batch", "node", "padding", "root"].contains(&e["event"].as_str().unwrap()))
        .map(|e| {
            let at = if e["event"] == "batch" {
                e["batch"].clone()
            } else {
                serde_json::json!([e["level"], e["node"]])
            };
            (
                e["event"].as_str().unwrap().to_string(),
                e["action"].as_str().unwrap().to_string(),
                at,
            )
        })
        .collect()
}

fn has(ev: &[Value], event: &str, action: &str, at: Value) -> bool {
    artifact_actions(ev)
        .iter()
        .any(|(e, a, p)| e == event && a == action && *p == at)
}

/// summary.json without timings, which differ from run to run.
fn comparable(out: &Path) -> Value {
    let mut v: Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    v.as_object_mut().unwrap().remove("timings_ms");
    // The root proof is zero-knowledge, so its bytes (and their digest) differ
    // from run to run; its public inputs are compared by `root_inputs`.
    if let Some(entry) = v.pointer_mut("/proof/files/root_proof") {
        entry.as_object_mut().unwrap().remove("sha256");
    }
    v
}

/// The root proof's public inputs, after stock plonky2 verified it with the shipped data.
fn root_inputs(out: &Path) -> Vec<u64> {
    use plonky2::field::goldilocks_field::GoldilocksField as F;
    use plonky2::field::types::PrimeField64;
    use plonky2::plonk::circuit_data::{
        CommonCircuitData, VerifierCircuitData, VerifierOnlyCircuitData,
    };
    use plonky2::plonk::config::PoseidonGoldilocksConfig as C;
    use plonky2::plonk::proof::ProofWithPublicInputs;
    use plonky2::util::serialization::DefaultGateSerializer;
    let read = |n: &str| std::fs::read(out.join(n)).unwrap();
    let common =
        CommonCircuitData::<F, 2>::from_bytes(read("root_common_data.bin"), &DefaultGateSerializer)
            .unwrap();
    let verifier_only =
        VerifierOnlyCircuitData::<C, 2>::from_bytes(read("root_verifier_only.bin")).unwrap();
    let proof =
        ProofWithPublicInputs::<F, C, 2>::from_bytes(read("root_proof.bin"), &common).unwrap();
    VerifierCircuitData {
        verifier_only,
        common,
    }
    .verify(proof.clone())
    .expect("the root proof verifies");
    proof
        .public_inputs
        .iter()
        .map(|x| x.to_canonical_u64())
        .collect()
}

struct Reference {
    out: PathBuf,
    events: Vec<Value>,
}

/// One uninterrupted run, proven once per test binary.
fn reference() -> &'static Reference {
    static R: OnceLock<Reference> = OnceLock::new();
    R.get_or_init(|| {
        let out = tempfile::tempdir().unwrap().keep().join("reference");
        let o = ok(prove(&out, &[]));
        Reference {
            events: events(&o),
            out,
        }
    })
}

/// The finished job in `out` equals the reference and passes `zkpor verify`.
fn assert_same_as_reference(out: &Path) {
    let r = reference();
    assert_eq!(comparable(out), comparable(&r.out), "summary differs");
    assert_eq!(
        root_inputs(out),
        root_inputs(&r.out),
        "root public inputs differ"
    );
    let o = zkpor(&["verify"]).arg(out).output().unwrap();
    assert!(o.status.success(), "{}{}", text(&o.stdout), text(&o.stderr));
}

#[test]
fn an_uninterrupted_run_logs_one_json_event_per_line() {
    let ev = &reference().events;
    for b in 0..3 {
        assert!(has(ev, "batch", "proved", b.into()), "batch {b}");
    }
    for (l, n) in [(1, 0), (1, 1), (2, 0)] {
        assert!(
            has(ev, "node", "proved", serde_json::json!([l, n])),
            "node {l},{n}"
        );
    }
    let batch = ev.iter().find(|e| e["event"] == "batch").unwrap();
    for key in ["phase", "batch", "duration_ms", "backend", "ts_ms"] {
        assert!(!batch[key].is_null(), "batch event lacks {key}: {batch}");
    }
    assert_eq!(batch["backend"], "cpu");
    let node = ev.iter().find(|e| e["event"] == "node").unwrap();
    assert_eq!(node["phase"], "aggregate");
    assert!(node["level"].is_u64() && node["node"].is_u64() && node["duration_ms"].is_u64());
    // The padding batch is proven once, the root once, and the run says it is done.
    assert_eq!(ev.iter().filter(|e| e["event"] == "padding").count(), 1);
    assert!(has(ev, "root", "proved", serde_json::json!([null, null])));
    assert_eq!(ev.last().unwrap()["event"], "done");
    let out = &reference().out;
    for f in [
        "job.json",
        "commit.json",
        "batches.bin",
        "proofs/root.proof",
        "proofs/0/padding.proof",
    ] {
        assert!(out.join(f).exists(), "{f} missing");
    }
}

#[test]
fn killed_runs_resume_to_the_same_result() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("killed");
    // During the commitment: the account store is in place, nothing else.
    killed_after(prove(&out, &[]), "commit:1");
    assert!(!out.join("commit.json").exists());
    // During batch proving: two batches written. Two proofs are in flight on
    // workers, so which finished first depends on scheduling, and the other
    // worker may land a third in the instant before the kill.
    let o = killed_after(prove(&out, &[]), "batch:2");
    let written = batch_files(&out);
    assert!((2..=3).contains(&written.len()), "{written:?}");
    assert!(written
        .iter()
        .any(|&b| has(&events(&o), "batch", "proved", b.into())));
    // During aggregation: the run verifies those two batches instead of redoing them.
    let o = killed_after(prove(&out, &[]), "node:1");
    let ev = events(&o);
    // It loads the batch circuit the killed run built, instead of building it.
    assert_eq!(
        circuit_sources(&ev).get("batch").map(String::as_str),
        Some("cache")
    );
    for &b in &written {
        assert!(
            has(&ev, "batch", "verified", b.into()),
            "batch {b} not verified"
        );
        assert!(!has(&ev, "batch", "proved", b.into()), "batch {b} redone");
    }
    // After the root proof, and halfway through publishing: nothing looks finished.
    killed_after(prove(&out, &[]), "root:1");
    killed_after(prove(&out, &[]), "publish:2");
    assert!(out.join("root_proof.bin").exists());
    assert!(
        !out.join("summary.json").exists(),
        "summary published before the end"
    );
    let o = zkpor(&["verify"]).arg(&out).output().unwrap();
    assert!(!o.status.success(), "verify accepted an unfinished job");
    // The last run only publishes: the root checkpoint is verified, not remade,
    // and every circuit it needs is loaded.
    let ev = events(&ok(prove(&out, &[])));
    let sources = circuit_sources(&ev);
    assert!(
        !sources.is_empty() && sources.values().all(|s| s == "cache"),
        "{sources:?}"
    );
    assert!(has(
        &ev,
        "root",
        "verified",
        serde_json::json!([null, null])
    ));
    assert!(
        !ev.iter().any(|e| e["action"] == "proved"),
        "work was redone"
    );
    assert_same_as_reference(&out);
    // Running a finished job again changes nothing.
    let before = std::fs::read(out.join("summary.json")).unwrap();
    ok(prove(&out, &[]));
    assert_eq!(std::fs::read(out.join("summary.json")).unwrap(), before);
}

#[test]
fn a_shared_circuit_folder_serves_the_next_job() {
    let dir = tempfile::tempdir().unwrap();
    let shared = dir.path().join("shared circuits");
    let flag = ["--circuit-cache", shared.to_str().unwrap()];
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    let first = circuit_sources(&events(&ok(prove(&a, &flag))));
    assert!(
        !first.is_empty() && first.values().all(|s| s == "built"),
        "{first:?}"
    );
    // Another job directory, empty: every circuit comes from the shared folder.
    let second = circuit_sources(&events(&ok(prove(&b, &flag))));
    assert_eq!(
        second.keys().collect::<Vec<_>>(),
        first.keys().collect::<Vec<_>>()
    );
    assert!(second.values().all(|s| s == "cache"), "{second:?}");
    assert_eq!(root_inputs(&a), root_inputs(&b));
    // Entries are written where a circuit is built, not copied on load.
    assert!(!b.join("circuits").exists());
}

/// Where each circuit of a run came from (`circuit_built` events' `source`).
fn circuit_sources(ev: &[Value]) -> std::collections::BTreeMap<String, String> {
    ev.iter()
        .filter(|e| e["event"] == "circuit_built")
        .map(|e| {
            let text = |k: &str| e[k].as_str().unwrap_or_default().to_string();
            (text("circuit"), text("source"))
        })
        .collect()
}

/// The batch numbers whose proof artifacts exist in `out`.
fn batch_files(out: &Path) -> Vec<u64> {
    let mut found: Vec<u64> = std::fs::read_dir(out.join("proofs/0"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter_map(|n| n.strip_suffix(".proof")?.parse().ok())
        .collect();
    found.sort_unstable();
    found
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

fn flip(path: &Path, at_from_end: usize) {
    let mut b = std::fs::read(path).unwrap();
    let i = b.len() - at_from_end;
    b[i] ^= 0x20;
    std::fs::write(path, b).unwrap();
}

fn truncate(path: &Path) {
    let b = std::fs::read(path).unwrap();
    std::fs::write(path, &b[..b.len() / 2]).unwrap();
}

#[test]
fn corrupted_or_truncated_artifacts_are_redone() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("damaged");
    copy_dir(&reference().out, &out);
    std::fs::remove_file(out.join("summary.json")).unwrap();
    flip(&out.join("proofs/root.proof"), 100);
    truncate(&out.join("proofs/2/00000000.proof"));
    let ev = events(&ok(prove(&out, &[])));
    let rejected: Vec<_> = artifact_actions(&ev)
        .into_iter()
        .filter(|a| a.1 == "rejected")
        .collect();
    assert_eq!(rejected.len(), 2, "{rejected:?}");
    assert!(has(&ev, "node", "rejected", serde_json::json!([2, 0])));
    assert!(has(
        &ev,
        "root",
        "rejected",
        serde_json::json!([null, null])
    ));
    // Its children are verified and reused; only the damaged proofs are remade.
    assert!(has(&ev, "node", "verified", serde_json::json!([1, 0])));
    assert!(has(&ev, "node", "proved", serde_json::json!([2, 0])));
    assert!(!has(&ev, "node", "proved", serde_json::json!([1, 0])));
    let reason = ev
        .iter()
        .find(|e| e["action"] == "rejected" && e["event"] == "node")
        .unwrap()["reason"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(reason.contains("truncated"), "{reason}");
    assert_same_as_reference(&out);
}

fn spawn(mut c: Command) -> Child {
    c.stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn shards_in_any_order_end_like_a_single_run() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sharded");
    // Two shards race on an empty directory: one creates the manifest and both the commitment.
    let a = spawn(prove(&out, &["--shard", "0/3"]));
    let b = spawn(prove(&out, &["--shard", "2/3"]));
    for child in [a, b] {
        let o = child.wait_with_output().unwrap();
        assert!(o.status.success(), "{}", text(&o.stderr));
    }
    assert!(out.join("shards/0-of-3.json").exists() && out.join("shards/2-of-3.json").exists());
    // Shard 2/3 holds batch 2 and the padding batch: it aggregates node (1,1) itself.
    assert!(out.join("proofs/1/00000001.proof").exists());
    assert!(!out.join("proofs/1/00000000.proof").exists());

    // Aggregating now names exactly what is missing, without building circuits.
    let o = zkpor(&["aggregate"]).arg(&out).output().unwrap();
    assert_eq!(
        o.status.code(),
        Some(exit::INCOMPLETE),
        "{}",
        text(&o.stderr)
    );
    let ev = events(&o);
    let incomplete = ev.iter().find(|e| e["event"] == "incomplete").unwrap();
    assert_eq!(incomplete["missing_batches"], serde_json::json!([1]));
    assert!(!ev.iter().any(|e| e["event"] == "circuit_built"));
    let message = ev.iter().find(|e| e["event"] == "error").unwrap()["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(message.contains("batches 1\n"), "{message}");
    assert!(
        message.contains("shard 1/3 holds batches 1 (not finished)"),
        "{message}"
    );

    // The last shard, with its index from the environment as a scheduler sets it.
    ok({
        let mut c = prove(&out, &["--shard-index-env", "TASK", "--shard-count", "3"]);
        c.env("TASK", "1");
        c
    });
    // Damage shard 0's batch and shard 2's node; re-running them redoes exactly that.
    flip(&out.join("proofs/0/00000000.proof"), 40);
    truncate(&out.join("proofs/1/00000001.proof"));
    let ev = events(&ok(prove(&out, &["--shard", "0/3"])));
    assert!(has(&ev, "batch", "rejected", 0.into()) && has(&ev, "batch", "proved", 0.into()));
    let ev = events(&ok(prove(&out, &["--shard", "2/3"])));
    assert!(has(&ev, "node", "rejected", serde_json::json!([1, 1])));
    assert!(has(&ev, "batch", "verified", 2.into()) && !has(&ev, "batch", "proved", 2.into()));
    assert!(has(&ev, "node", "proved", serde_json::json!([1, 1])));
    // A valid proof filed under another position is refused by its public inputs.
    let bytes = std::fs::read(out.join("proofs/0/00000000.proof")).unwrap();
    let env = store::decode(&bytes).unwrap();
    let moved = store::encode(
        Slot::Node(Pos::new(0, 1)),
        env.params_digest,
        env.circuit_digest,
        &env.backend,
        env.proof,
    );
    std::fs::write(out.join("proofs/0/00000001.proof"), moved).unwrap();
    let ev = events(&ok(prove(&out, &["--shard", "1/3"])));
    let rejected = ev.iter().find(|e| e["action"] == "rejected").unwrap();
    assert!(
        rejected["reason"]
            .as_str()
            .unwrap()
            .contains("subtree root"),
        "{rejected}"
    );
    assert!(has(&ev, "batch", "proved", 1.into()));

    let mut c = zkpor(&["aggregate"]);
    c.arg(&out);
    let o = ok(c);
    assert!(has(
        &events(&o),
        "node",
        "proved",
        serde_json::json!([1, 0])
    ));
    assert_same_as_reference(&out);
}

#[test]
fn other_inputs_are_refused_and_fresh_starts_over() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("job");
    // Stop right after the commitment: no proving needed for these checks.
    killed_after(prove(&out, &[]), "commit:4");
    let refused = |c: &mut Command, what: &str| {
        let o = c.output().unwrap();
        assert_eq!(
            o.status.code(),
            Some(exit::USAGE),
            "{what}: {}",
            text(&o.stderr)
        );
        let msg = events(&o).last().unwrap()["message"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(msg.contains(what), "expected '{what}' in: {msg}");
        msg
    };
    let other = dir.path().join("reserves.csv");
    let s = snapshot();
    let reserves = std::fs::read_to_string(&s.reserves).unwrap();
    std::fs::write(
        &other,
        reserves.replace("symbol,amount\n", "symbol,amount\nBTC,7\n"),
    )
    .unwrap();
    let msg = refused(
        &mut prove_with(&out, &[("--reserves", other.to_str().unwrap())], &[]),
        "reserves: sha256",
    );
    assert!(msg.contains("--fresh"), "{msg}");
    refused(
        &mut prove_with(&out, &[("--batch-size", "4")], &[]),
        "batch size: 2 in the job, 4 in this run",
    );
    refused(
        &mut prove_with(&out, &[("--arity", "4")], &[]),
        "arity: 2 in the job, 4 in this run",
    );
    // A format-1 job is not resumed as a tiered one, as the default would ask.
    refused(
        &mut prove_with(&out, &[("--tiers", "")], &[]),
        "tiers: none (format 1) in the job, auto in this run",
    );
    let secret = dir.path().join("secret2");
    std::fs::write(&secret, "another round secret, also 32 bytes or more\n").unwrap();
    refused(
        &mut prove_with(&out, &[("--secret", secret.to_str().unwrap())], &[]),
        "round secret",
    );
    let manifest = out.join("job.json");
    let original = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(
        &manifest,
        original.replace("\"zkpor_version\": \"", "\"zkpor_version\": \"9"),
    )
    .unwrap();
    refused(&mut prove(&out, &[]), "zkpor version");
    refused(&mut prove(&out, &["--fresh", "--shard", "0/2"]), "--fresh");

    // A damaged commitment is rebuilt from the inputs, not trusted.
    std::fs::write(&manifest, &original).unwrap();
    flip(&out.join("tree.bin"), 5);
    let ev = events(&ok(prove(&out, &["--prepare"])));
    assert!(has_notice(&ev, "tree.bin differs"), "{ev:?}");
    assert!(ev
        .iter()
        .any(|e| e["event"] == "commitment" && e["action"] == "built"));
    let ev = events(&ok(prove(&out, &["--prepare"])));
    assert!(ev
        .iter()
        .any(|e| e["event"] == "commitment" && e["action"] == "verified"));

    // So is a commit record edited in place.
    let record = out.join("commit.json");
    let text_before = std::fs::read_to_string(&record).unwrap();
    std::fs::write(
        &record,
        text_before.replacen("\"users\": 5", "\"users\": 6", 1),
    )
    .unwrap();
    let ev = events(&ok(prove(&out, &["--prepare"])));
    assert!(has_notice(&ev, "checksum mismatch"), "{ev:?}");

    // --fresh starts over: the old proofs and manifest go.
    std::fs::create_dir_all(out.join("proofs/0")).unwrap();
    std::fs::write(out.join("proofs/0/00000000.proof"), b"old").unwrap();
    ok(prove_with(
        &out,
        &[("--arity", "4")],
        &["--fresh", "--prepare"],
    ));
    assert!(!out.join("proofs/0/00000000.proof").exists());
    assert!(std::fs::read_to_string(&manifest)
        .unwrap()
        .contains("\"arity\": 4"));
    // Aggregating a job no shard has worked on lists every batch, before building circuits.
    let o = zkpor(&["aggregate"]).arg(&out).output().unwrap();
    assert_eq!(o.status.code(), Some(exit::INCOMPLETE));
    let msg = events(&o).last().unwrap()["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(msg.contains("3 of 3 batch proofs are missing"), "{msg}");
    assert!(msg.contains("no shard has reported completion"), "{msg}");

    // A folder that is not a job is left alone; aggregate needs a job.
    let foreign = dir.path().join("foreign");
    std::fs::create_dir_all(&foreign).unwrap();
    std::fs::write(foreign.join("notes.txt"), b"mine").unwrap();
    refused(&mut prove(&foreign, &[]), "is not a zkpor job directory");
    std::fs::create_dir_all(foreign.join("proofs")).unwrap();
    refused(
        &mut prove(&foreign, &["--fresh"]),
        "is not a zkpor job directory",
    );
    assert!(
        foreign.join("proofs").exists(),
        "--fresh cleared a folder zkpor did not make"
    );
    let o = zkpor(&["aggregate"]).arg(&foreign).output().unwrap();
    assert_eq!(o.status.code(), Some(exit::USAGE));
    assert_eq!(std::fs::read(foreign.join("notes.txt")).unwrap(), b"mine");
}

#[test]
fn a_generated_secret_is_made_once_and_required_afterwards() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("job");
    let no_secret = || prove_with(&out, &[("--secret", "")], &["--prepare"]);
    let ev = events(&ok(no_secret()));
    assert!(ev
        .iter()
        .any(|e| e["event"] == "commitment" && e["action"] == "built"));
    let secret = std::fs::read(out.join("secret")).unwrap();
    // Resuming without --secret uses the job's own secret.
    let ev = events(&ok(no_secret()));
    assert!(ev
        .iter()
        .any(|e| e["event"] == "commitment" && e["action"] == "verified"));
    assert_eq!(std::fs::read(out.join("secret")).unwrap(), secret);
    // A job started with --secret needs it again.
    let other = dir.path().join("job2");
    ok(prove(&other, &["--prepare"]));
    let o = prove_with(&other, &[("--secret", "")], &["--prepare"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(exit::USAGE));
    assert!(
        text(&o.stderr).contains("pass the same --secret"),
        "{}",
        text(&o.stderr)
    );
    assert!(!other.join("secret").exists());
}

/// Whether some `notice` event's message contains `text` (other notices,
/// such as the backend's, may come first).
fn has_notice(events: &[Value], text: &str) -> bool {
    events
        .iter()
        .any(|e| e["event"] == "notice" && e["message"].as_str().is_some_and(|m| m.contains(text)))
}

#[test]
fn a_backend_failure_mid_job_exits_7_keeps_its_proofs_and_resumes_on_the_cpu() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("failed");
    let fail = |point: &str| {
        let mut c = prove(&out, &[]);
        c.env("ZKPOR_TEST_BACKEND_FAIL", point);
        let o = c.output().unwrap();
        let err = text(&o.stderr);
        assert_eq!(
            o.status.code(),
            Some(exit::BACKEND_UNAVAILABLE),
            "{point}: {err}"
        );
        assert!(
            !err.contains("panicked"),
            "{point}: a panic, not an error: {err}"
        );
        let last = events(&o).pop().unwrap();
        assert_eq!(last["event"], "error", "{point}: {last}");
        assert!(
            last["message"]
                .as_str()
                .unwrap()
                .contains("injected backend failure"),
            "{point}: {last}"
        );
    };
    // While hashing the account tree: no commitment is left half-written.
    fail("levels:1");
    assert!(!out.join("commit.json").exists());
    // Mid-proving, the device "lost" at the 7th commitment (the 3rd proof):
    // the batches finished before it stay.
    fail("commit:7");
    let kept = batch_files(&out);
    assert!(!kept.is_empty(), "no proof kept");
    // The same job resumes on the CPU backend, verifying what was kept.
    let ev = events(&ok(prove(&out, &["--backend", "cpu"])));
    for &b in &kept {
        assert!(
            has(&ev, "batch", "verified", b.into()),
            "batch {b} not verified"
        );
        assert!(!has(&ev, "batch", "proved", b.into()), "batch {b} redone");
    }
    assert_same_as_reference(&out);
}
