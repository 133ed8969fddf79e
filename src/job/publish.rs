//! The end of a job: the root proof (checkpointed in `proofs/root.proof`),
//! then the published files, `summary.json` last. A summary with a proof
//! section therefore means a finished job; `zkpor verify OUT` reads nothing else.

use super::check::{root_matches, Checker};
use super::killpoint::{self, Kind};
use super::store::{self, Found, Slot};
use super::work::{proving_error, ProofMaker};
use crate::artifacts::summary::read_summary;
use crate::artifacts::{names as out, ProofFiles, ProofSummary, PublishedFile, Summary};
use crate::circuits::Proof;
use crate::digest::Digest;
use crate::error::{Error, Result};
use crate::verify::round::{verifier_bytes, verify_with, ShippedProof};
use std::time::Instant;

/// The root proof checkpoint, if one checks out.
pub fn checkpoint(check: &Checker) -> Option<Proof> {
    match check.inspect(Slot::Root) {
        Found::Valid { proof, .. } => Some(*proof),
        _ => None,
    }
}

/// Proves the root over `top` and checkpoints it.
pub fn prove_root(check: &Checker, prover: &ProofMaker, top: &Proof) -> Result<Proof> {
    let circuit = check.circuits.root();
    let spinner = check.reporter.spinner("proving the root");
    let t = Instant::now();
    let root = prover
        .root(circuit, top, &check.commitment.reserves)
        .map_err(|e| proving_error("root proof", e))?;
    spinner.finish_and_clear();
    let took = t.elapsed();
    circuit
        .data
        .verify(root.clone())
        .map_err(|e| Error::Prove(format!("the root proof does not verify: {e}")))?;
    root_matches(
        &root.public_inputs,
        &check.root()?,
        check.circuits.params.num_assets,
    )
    .map_err(Error::Prove)?;
    let bytes = store::encode(
        Slot::Root,
        check.params_digest(),
        Digest::from_hash_out(circuit.data.verifier_only.circuit_digest),
        check.reporter.backend(),
        &root.to_bytes(),
    );
    let path = check.job.root_checkpoint();
    check
        .job
        .replace(&path, &bytes)
        .map_err(Error::io("cannot write", &path))?;
    killpoint::written(Kind::Root);
    check.reporter.event(
        "root",
        "root",
        serde_json::json!({"action": "proved", "duration_ms": took.as_millis() as u64}),
    );
    Ok(root)
}

/// The published files of `root`: proof and the root circuit's verifier data.
fn published_files(check: &Checker, root: &Proof) -> Result<[(&'static str, Vec<u8>); 3]> {
    let data = &check.circuits.root().data;
    let [common, verifier_only] =
        verifier_bytes(&data.common, &data.verifier_only).map_err(Error::Prove)?;
    Ok([
        (out::ROOT_PROOF, root.to_bytes()),
        (out::COMMON_DATA, common),
        (out::VERIFIER_ONLY, verifier_only),
    ])
}

/// summary.json for a root proof: the commitment's summary, a proof section
/// that binds the published `files` (the proof first), and `timings`.
pub fn summary(
    check: &Checker,
    files: &[(&'static str, Vec<u8>); 3],
    timings: &[(&str, u64)],
) -> Summary {
    let p = check.circuits.params;
    let data = &check.circuits.root().data;
    let mut s = check.commitment.summary.clone();
    for (k, v) in timings {
        s.timings_ms.insert((*k).to_string(), *v);
    }
    let [proof, common, verifier] = files;
    s.proof = Some(ProofSummary {
        batch_size: p.requested_batch_size(),
        batch_size_auto: check.batch_size_auto,
        effective_batch_size: p.batch_size(),
        arity: 1 << p.arity_log,
        num_assets: p.num_assets,
        tree_depth: p.depth,
        batches: p.num_batches(),
        level_arities: p.level_arity_logs().iter().map(|a| 1usize << a).collect(),
        params_digest: p.digest().to_hex(),
        price_commitment: check.commitment.prices.commitment().to_hex(),
        reserve_commitment: crate::circuits::witness::reserve_commitment(
            &check.commitment.reserves,
        )
        .to_hex(),
        root_circuit_digest: Digest::from_hash_out(data.verifier_only.circuit_digest).to_hex(),
        proof_bytes: proof.1.len(),
        zero_knowledge: data.common.config.zero_knowledge,
        files: ProofFiles {
            root_proof: PublishedFile::of(proof.0, &proof.1),
            common_data: PublishedFile::of(common.0, &common.1),
            verifier_only: PublishedFile::of(verifier.0, &verifier.1),
        },
    });
    s
}

/// The published summary, if the job already published exactly `root`.
pub fn already_published(check: &Checker, root: &Proof) -> Option<Summary> {
    let existing = read_summary(check.job.root()).ok()?;
    let files = published_files(check, root).ok()?;
    let mut want = summary(check, &files, &[]);
    want.timings_ms = existing.timings_ms.clone();
    if existing != want {
        return None;
    }
    for (name, bytes) in files {
        if std::fs::read(check.job.file(name)).ok()? != bytes {
            return None;
        }
    }
    Some(existing)
}

/// Writes the published files, then summary.json, checking them the way
/// `zkpor verify` will before the summary makes them official.
pub fn publish(check: &Checker, root: &Proof, timings: &[(&str, u64)]) -> Result<Summary> {
    let job = check.job;
    let summary_path = job.file(out::SUMMARY);
    // A stale summary must never vouch for new files.
    match std::fs::remove_file(&summary_path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(Error::io("cannot remove", &summary_path)(e))
        }
        _ => {}
    }
    let files = published_files(check, root)?;
    for (name, bytes) in &files {
        let path = job.file(name);
        job.replace(&path, bytes)
            .map_err(Error::io("cannot write", &path))?;
        killpoint::written(Kind::Publish);
    }
    let summary = summary(check, &files, timings);
    let shipped = ShippedProof {
        proof: files[0].1.clone(),
        common: files[1].1.clone(),
        verifier_only: files[2].1.clone(),
    };
    verify_with(
        &check.circuits.root().data.verifier_data(),
        &check.circuits.params,
        &summary,
        &shipped,
    )
    .map_err(|e| Error::Prove(format!("the published files would not verify: {e}")))?;
    let mut json = serde_json::to_vec_pretty(&summary).map_err(|e| Error::Usage(e.to_string()))?;
    json.push(b'\n');
    job.replace(&summary_path, &json)
        .map_err(Error::io("cannot write", &summary_path))?;
    killpoint::written(Kind::Publish);
    check.reporter.event(
        "published",
        "publish",
        serde_json::json!({"root": summary.root, "users": summary.users}),
    );
    Ok(summary)
}
