//! The prove job: commit, then prove every batch, aggregate level by level as
//! soon as children exist, wrap the top node in the zero-knowledge root proof,
//! and publish the output directory atomically.

mod tower;
pub mod verify;

use crate::artifacts::{names, AccountsReader, ProofFiles, ProofSummary, StagingDir, Summary};
use crate::circuits::witness::{reserve_commitment, PriceVector, UserSlot};
use crate::circuits::{CircuitSet, Proof, ProofParams, RootValues};
use crate::commit::{commit_staged, ms, write_summary, CommitRequest, Staged};
use crate::digest::Digest;
use crate::error::{Error, Result};
use crate::leaf::id_commitment;
use plonky2::util::serialization::DefaultGateSerializer;
use std::path::PathBuf;
use std::time::Instant;
use tower::Tower;

/// What to prove: a commit request plus the proof shape.
pub struct ProveRequest<'a> {
    pub commit: CommitRequest<'a>,
    pub batch_size: usize,
    pub arity: usize,
}

pub struct ProveOutcome {
    pub summary: Summary,
    pub out: PathBuf,
    pub generated_secret: Option<PathBuf>,
}

pub fn prove(req: &ProveRequest) -> Result<ProveOutcome> {
    if req.commit.reserves.is_none() {
        return Err(Error::Usage(
            "prove needs --reserves: the root proof shows reserves cover every asset".into(),
        ));
    }
    let stage = StagingDir::create(&req.commit.out, req.commit.force)?;
    let mut staged = commit_staged(&req.commit, &stage)?;
    let reserves = staged.reserves.clone().unwrap_or_default();
    check_coverage(&staged.summary)?;
    let params = ProofParams::new(
        req.batch_size,
        req.arity,
        staged.assets.len(),
        staged.tree.depth(),
    )
    .map_err(Error::Usage)?;

    let t = Instant::now();
    let spinner = req.commit.progress.spinner("building circuits");
    let circuits = CircuitSet::build(params);
    spinner.finish_and_clear();
    staged
        .summary
        .timings_ms
        .insert("build_circuits".into(), ms(t));

    let prices = PriceVector::from_assets(&staged.assets);
    let (top, timings) = prove_tower(&stage, &staged, &circuits, &prices, req)?;
    staged.summary.timings_ms.extend(timings);
    let t = Instant::now();
    let spinner = req.commit.progress.spinner("proving the root");
    let root = circuits
        .root
        .prove(&top, &reserves)
        .map_err(|e| Error::Prove(e.to_string()))?;
    spinner.finish_and_clear();
    staged.summary.timings_ms.insert("prove_root".into(), ms(t));
    check_root(&root, &staged, &circuits, &prices, &reserves)?;
    staged.summary.proof = Some(write_proof(&stage, &root, &circuits, &prices, &reserves)?);
    write_summary(&stage.file(names::SUMMARY), &staged.summary)?;
    let out = stage
        .publish()
        .map_err(Error::io("cannot publish", &req.commit.out))?;
    Ok(ProveOutcome {
        generated_secret: staged.generated_secret.then(|| out.join(names::SECRET)),
        summary: staged.summary,
        out,
    })
}

fn check_coverage(summary: &Summary) -> Result<()> {
    let short: Vec<String> = summary
        .assets
        .iter()
        .filter(|a| a.covered == Some(false))
        .map(|a| {
            format!(
                "{} short by {}",
                a.symbol,
                a.shortfall.as_deref().unwrap_or("?")
            )
        })
        .collect();
    if short.is_empty() {
        Ok(())
    } else {
        Err(Error::Shortfall(short.join(", ")))
    }
}

/// Proves all batches in leaf order, feeding each into the aggregation tower.
/// Returns the top node proof and the batch and aggregation timings.
fn prove_tower(
    stage: &StagingDir,
    staged: &Staged,
    circuits: &CircuitSet,
    prices: &PriceVector,
    req: &ProveRequest,
) -> Result<(Proof, [(String, u64); 2])> {
    let params = circuits.params;
    let path = stage.file(names::ACCOUNTS);
    let mut accounts = AccountsReader::open(&path).map_err(Error::io("cannot read", &path))?;
    let mut tower = Tower::new(circuits);
    let bar = req.commit.progress.bar(params.num_batches(), "batches");
    let batch_level = params.leaf_batch_log() as usize;
    let t = Instant::now();
    for index in 0..params.num_batches() {
        let slots = next_batch(&mut accounts, params.batch_size(), params.num_assets, &path)?;
        let empty = slots.iter().all(Option::is_none);
        let proof = match (empty, tower.empty_batch()) {
            (true, Some(p)) => p.clone(),
            _ => circuits
                .batch
                .prove(prices, &slots)
                .map_err(|e| Error::Prove(format!("batch {index}: {e}")))?,
        };
        // The proof must hash to the same subtree as the account tree.
        let node = crate::circuits::NodeValues::parse(&proof.public_inputs, params.num_assets)
            .map_err(|e| Error::Prove(e.to_string()))?;
        if node.root != staged.tree.node(batch_level, index) {
            return Err(Error::Prove(format!(
                "batch {index} proves subtree root {} but the tree holds another",
                node.root
            )));
        }
        tower
            .push_batch(proof, empty)
            .map_err(|e| Error::Prove(e.to_string()))?;
        bar.inc(1);
    }
    bar.finish_and_clear();
    let aggregate_ms = tower.aggregation_time.as_millis() as u64;
    let timings = [
        (
            "prove_batches".to_string(),
            ms(t).saturating_sub(aggregate_ms),
        ),
        ("aggregate".to_string(), aggregate_ms),
    ];
    let top = tower.finish().map_err(|e| Error::Prove(e.to_string()))?;
    Ok((top, timings))
}

/// Reads the next batch of slots: users while they last, then padding.
fn next_batch(
    accounts: &mut AccountsReader,
    size: usize,
    num_assets: usize,
    path: &std::path::Path,
) -> Result<Vec<Option<UserSlot>>> {
    let mut slots = Vec::with_capacity(size);
    for rec in accounts.by_ref().take(size) {
        let rec = rec.map_err(Error::io("corrupt account store", path))?;
        slots.push(Some(UserSlot {
            id_commitment: id_commitment(&rec.nonce, rec.account.id()),
            positions: rec.account.dense(num_assets),
        }));
    }
    slots.resize(size, None);
    Ok(slots)
}

/// The root proof must verify and commit to exactly what the summary says.
fn check_root(
    root: &Proof,
    staged: &Staged,
    circuits: &CircuitSet,
    prices: &PriceVector,
    reserves: &[u64],
) -> Result<()> {
    circuits
        .root
        .data
        .verify(root.clone())
        .map_err(|e| Error::Prove(format!("root proof does not verify: {e}")))?;
    let v = RootValues::parse(&root.public_inputs, circuits.params.num_assets)
        .map_err(|e| Error::Prove(e.to_string()))?;
    let ok = v.account_root == staged.tree.root()
        && v.users == staged.tree.num_leaves()
        && v.price_commitment == prices.commitment()
        && v.reserve_commitment == reserve_commitment(reserves)
        && v.params_digest == circuits.params.digest();
    if ok {
        Ok(())
    } else {
        Err(Error::Prove(
            "root proof public inputs differ from the commitment".into(),
        ))
    }
}

fn write_proof(
    stage: &StagingDir,
    root: &Proof,
    circuits: &CircuitSet,
    prices: &PriceVector,
    reserves: &[u64],
) -> Result<ProofSummary> {
    let data = &circuits.root.data;
    let ser =
        |e: plonky2::util::serialization::IoError| Error::Prove(format!("serialisation: {e:?}"));
    let proof_bytes = root.to_bytes();
    let common = data.common.to_bytes(&DefaultGateSerializer).map_err(ser)?;
    let verifier = data.verifier_only.to_bytes().map_err(ser)?;
    for (name, bytes) in [
        (names::ROOT_PROOF, &proof_bytes),
        (names::COMMON_DATA, &common),
        (names::VERIFIER_ONLY, &verifier),
    ] {
        let path = stage.file(name);
        crate::artifacts::write_atomic(&path, bytes).map_err(Error::io("cannot write", &path))?;
    }
    let p = circuits.params;
    Ok(ProofSummary {
        batch_size: p.batch_size(),
        arity: 1 << p.arity_log,
        num_assets: p.num_assets,
        tree_depth: p.depth,
        batches: p.num_batches(),
        level_arities: p.level_arity_logs().iter().map(|a| 1usize << a).collect(),
        params_digest: p.digest().to_hex(),
        price_commitment: prices.commitment().to_hex(),
        reserve_commitment: reserve_commitment(reserves).to_hex(),
        root_circuit_digest: Digest::from_hash_out(data.verifier_only.circuit_digest).to_hex(),
        proof_bytes: proof_bytes.len(),
        zero_knowledge: data.common.config.zero_knowledge,
        files: ProofFiles {
            root_proof: names::ROOT_PROOF.into(),
            common_data: names::COMMON_DATA.into(),
            verifier_only: names::VERIFIER_ONLY.into(),
        },
    })
}
