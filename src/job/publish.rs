//! The end of a job: the root proof (checkpointed in `proofs/root.proof`),
//! then the published files, `summary.json` last. A summary with a proof
//! section therefore means a finished job; `zkpor verify OUT` reads nothing else.

use super::check::{inspect_artifact, root_matches};
use super::events::Reporter;
use super::killpoint::{self, Kind};
use super::layout::JobDir;
use super::store::{self, Expect, Found, Slot};
use super::work::{proving_error, ProofMaker};
use crate::artifacts::summary::read_summary;
use crate::artifacts::TreeProofSummary;
use crate::artifacts::{names as out, ProofFiles, ProofSummary, PublishedFile, Summary};
use crate::circuits::{Proof, RootCircuit, RootValues, RoundParams};
use crate::digest::Digest;
use crate::error::{Error, Result};
use crate::field::F;
use crate::verify::round::{verifier_bytes, verify_with, ShippedProof};
use std::time::Instant;

/// Everything the end of a job needs: the root circuit, what its proof must
/// say, and the summary it is published with. A format 1 round has one tree;
/// a tiered round carries each tier's proof figures in `base.tiers`.
pub struct RootJob<'a> {
    pub job: &'a JobDir,
    pub reporter: &'a Reporter,
    pub params: &'a RoundParams,
    pub circuit: &'a RootCircuit,
    pub want: RootValues,
    pub reserves: &'a [u64],
    /// The commitment's summary (no proof section yet).
    pub base: &'a Summary,
    pub batch_size_auto: bool,
    pub arity: usize,
    /// The one tree's batches and levels (format 1 only).
    pub tree: Option<TreeProofSummary>,
}

impl RootJob<'_> {
    fn params_digest(&self) -> Digest {
        self.params.digest()
    }
}

/// The root proof checkpoint, if one checks out.
pub fn checkpoint(r: &RootJob) -> Option<Proof> {
    let n = r.params.num_assets();
    let check = |pis: &[F]| root_matches(pis, &r.want, n);
    let expect = Expect {
        slot: Slot::Root,
        params_digest: r.params_digest(),
        circuit: &r.circuit.data,
        public_inputs: &check,
    };
    match inspect_artifact(r.job, r.reporter, &expect) {
        Found::Valid { proof, .. } => Some(*proof),
        _ => None,
    }
}

/// Proves the root over the trees' `tops` and checkpoints it.
pub fn prove_root(r: &RootJob, prover: &ProofMaker, tops: &[&Proof]) -> Result<Proof> {
    let circuit = r.circuit;
    let spinner = r.reporter.spinner("proving the root");
    let t = Instant::now();
    let root = prover
        .root(circuit, tops, r.reserves)
        .map_err(|e| proving_error("root proof", e))?;
    spinner.finish_and_clear();
    let took = t.elapsed();
    circuit
        .data
        .verify(root.clone())
        .map_err(|e| Error::Prove(format!("the root proof does not verify: {e}")))?;
    root_matches(&root.public_inputs, &r.want, r.params.num_assets()).map_err(Error::Prove)?;
    let bytes = store::encode(
        Slot::Root,
        r.params_digest(),
        Digest::from_hash_out(circuit.data.verifier_only.circuit_digest),
        r.reporter.backend(),
        &root.to_bytes(),
    );
    let path = r.job.root_checkpoint();
    r.job
        .replace(&path, &bytes)
        .map_err(Error::io("cannot write", &path))?;
    killpoint::written(Kind::Root);
    r.reporter.event(
        "root",
        "root",
        serde_json::json!({"action": "proved", "duration_ms": took.as_millis() as u64}),
    );
    Ok(root)
}

/// The published files of `root`: proof and the root circuit's verifier data.
fn published_files(r: &RootJob, root: &Proof) -> Result<[(&'static str, Vec<u8>); 3]> {
    let data = &r.circuit.data;
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
    r: &RootJob,
    files: &[(&'static str, Vec<u8>); 3],
    timings: &[(&str, u64)],
) -> Summary {
    let data = &r.circuit.data;
    let mut s = r.base.clone();
    for (k, v) in timings {
        s.timings_ms.insert((*k).to_string(), *v);
    }
    let [proof, common, verifier] = files;
    s.proof = Some(ProofSummary {
        batch_size_auto: r.batch_size_auto,
        arity: r.arity,
        num_assets: r.params.num_assets(),
        tree_depth: r.base.tree_depth,
        tree: r.tree.clone(),
        params_digest: r.params_digest().to_hex(),
        price_commitment: r.want.price_commitment.to_hex(),
        reserve_commitment: r.want.reserve_commitment.to_hex(),
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
pub fn already_published(r: &RootJob, root: &Proof) -> Option<Summary> {
    let existing = read_summary(r.job.root()).ok()?;
    let files = published_files(r, root).ok()?;
    let mut want = summary(r, &files, &[]);
    want.timings_ms = existing.timings_ms.clone();
    if existing != want {
        return None;
    }
    for (name, bytes) in files {
        if std::fs::read(r.job.file(name)).ok()? != bytes {
            return None;
        }
    }
    Some(existing)
}

/// Writes the published files, then summary.json, checking them the way
/// `zkpor verify` will before the summary makes them official.
pub fn publish(r: &RootJob, root: &Proof, timings: &[(&str, u64)]) -> Result<Summary> {
    let job = r.job;
    let summary_path = job.file(out::SUMMARY);
    // A stale summary must never vouch for new files.
    match std::fs::remove_file(&summary_path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(Error::io("cannot remove", &summary_path)(e))
        }
        _ => {}
    }
    let files = published_files(r, root)?;
    for (name, bytes) in &files {
        let path = job.file(name);
        job.replace(&path, bytes)
            .map_err(Error::io("cannot write", &path))?;
        killpoint::written(Kind::Publish);
    }
    let summary = summary(r, &files, timings);
    let shipped = ShippedProof {
        proof: files[0].1.clone(),
        common: files[1].1.clone(),
        verifier_only: files[2].1.clone(),
    };
    verify_with(
        &r.circuit.data.verifier_data(),
        r.params,
        &summary,
        &shipped,
    )
    .map_err(|e| Error::Prove(format!("the published files would not verify: {e}")))?;
    let mut json = serde_json::to_vec_pretty(&summary).map_err(|e| Error::Usage(e.to_string()))?;
    json.push(b'\n');
    job.replace(&summary_path, &json)
        .map_err(Error::io("cannot write", &summary_path))?;
    killpoint::written(Kind::Publish);
    r.reporter.event(
        "published",
        "publish",
        serde_json::json!({"root": summary.root, "users": summary.users}),
    );
    Ok(summary)
}
