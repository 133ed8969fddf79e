//! The prove job at exchange scale: a job directory with a manifest, every
//! proof checkpointed atomically as it is made, resume after a crash, shards
//! that split the work across machines, and `aggregate` to finish a sharded job.
//!
//! Flow of `zkpor prove`: check or create the manifest (`manifest`), load or
//! build the commitment (`commitment`), then plan (`plan`) what the run must
//! produce: the whole tree, or one shard's share (`shard`). Existing artifacts
//! are verified once while planning (`check`, `store`), the rest is proven by
//! the executor (`exec`) through the three calls of `work`, and the root proof
//! is made and published last (`publish`).

pub mod batch_index;
pub mod check;
pub mod circuit_files;
pub mod commitment;
pub mod digests;
pub mod events;
pub mod exec;
pub mod killpoint;
pub mod layout;
pub mod manifest;
pub mod missing;
pub mod plan;
mod publish;
pub mod shape;
pub mod shard;
pub mod store;
pub mod tiered;
pub mod tiering;
pub mod work;

use crate::artifacts::{names as out, staging::link_once, Summary, TreeProofSummary};
use crate::circuits::params::CIRCUIT_VERSION;
use crate::circuits::sizing::auto_batch;
pub use crate::circuits::sizing::BatchSize;
use crate::circuits::{CircuitSet, Proof, ProofParams, RoundParams};
use crate::commit::CommitRequest;
use crate::error::{Error, Result, Shortfall};
use crate::input::read_assets;
use crate::leaf::RoundKey;
use check::Checker;
use circuit_files::CircuitFiles;
use commitment::{Commitment, Inputs};
use digests::{accounts_digest, sha256_file, sha256_hex};
use events::Reporter;
use exec::{Executor, Stats};
use layout::JobDir;
use manifest::{FileDigest, InputDigests, JobParams, Manifest, SecretDigest, MANIFEST_FORMAT};
use plan::{plan, Existence, Goal};
use publish::RootJob;
use shape::{Pos, Shape};
use shard::ShardSpec;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
pub use tiered::commit_tiered;
use tiered::{TierInputs, TieredCommitment, TieredRun};
pub use tiering::TierRequest;
use work::ProofMaker;
pub use work::{ProverKind, Proving};

/// What to prove and how to run.
pub struct ProveRequest<'a> {
    pub commit: CommitRequest<'a>,
    /// Users per batch proof, or `auto` (fitted to the asset count).
    pub batch_size: BatchSize,
    pub arity: usize,
    /// Start over: remove the job's artifacts first (also `commit.force`).
    pub fresh: bool,
    /// Prove only this shard's share, and publish nothing.
    pub shard: Option<ShardSpec>,
    /// Stop once the commitment is in place (shards started later load it).
    pub prepare_only: bool,
    /// Which prover, and how many proofs at once.
    pub proving: Proving,
    /// A folder for built circuits besides `OUT/circuits/` (`--circuit-cache`),
    /// shared by the jobs of one machine or the shards of a cluster.
    pub circuit_cache: Option<PathBuf>,
    /// Tiers for a tiered round (account format 2); `None` proves format 1.
    pub tiers: Option<TierRequest>,
    pub reporter: Reporter,
}

/// How far a run took the job.
pub enum Stage {
    /// The root proof and summary.json are published.
    Published { stats: Stats },
    /// A shard finished its share.
    Shard(ShardReport),
    /// The commitment is in place (`--prepare`).
    Prepared,
}

pub struct ShardReport {
    pub spec: ShardSpec,
    /// The share's batches and highest proofs (format 1; empty in a tiered round).
    pub batches: Range<u64>,
    pub roots: Vec<Pos>,
    /// A tiered round's share of each tier.
    pub tiers: Vec<TierShare>,
    pub stats: Stats,
}

/// A shard's share of one tier.
pub struct TierShare {
    pub tier: usize,
    pub batches: Range<u64>,
    pub roots: Vec<Pos>,
    pub unit_level: u32,
}

pub struct ProveOutcome {
    /// The published summary, or the commitment's summary when nothing was published.
    pub summary: Summary,
    pub out: PathBuf,
    pub generated_secret: Option<PathBuf>,
    pub stage: Stage,
}

/// Seconds a temporary file must be idle before a finishing run removes it.
const STALE_TEMP: Duration = Duration::from_secs(3600);

/// `zkpor prove`: resumes the job in `--out`, or starts it.
pub fn prove(req: &ProveRequest) -> Result<ProveOutcome> {
    let c = &req.commit;
    if c.reserves.is_none() {
        return Err(Error::Usage(
            "prove needs --reserves: the root proof shows reserves cover every asset".into(),
        ));
    }
    let fresh = req.fresh || c.force;
    if fresh && req.shard.is_some() {
        return Err(Error::Usage(
            "--fresh cannot be combined with --shard: it would delete the other shards' work. Start the job over once (zkpor prove --fresh --prepare ...), then run the shards".into(),
        ));
    }
    // The asset count fixes `--batch-size auto`'s B and the manifest; bad
    // assets are refused before anything is written or cleared.
    let num_assets = read_assets(&c.assets, c.max_problems)
        .map_err(Error::Input)?
        .len();
    let batch_size = match (&req.tiers, req.batch_size) {
        // A tiered round fits B per tier once the snapshot is read (0: auto).
        (Some(_), BatchSize::Given(b)) => b,
        (Some(_), BatchSize::Auto) => 0,
        (None, _) => resolve_batch_size(req, num_assets),
    };
    // Reject bad B or k before touching the disk (the depth is not known yet).
    ProofParams::new(batch_size.max(1), req.arity, 1, 0).map_err(Error::Usage)?;
    let job = JobDir::new(&c.out);
    // Only what looks like zkpor's own output is cleared; any other folder is refused below.
    let ours = [layout::names::MANIFEST, out::SUMMARY]
        .iter()
        .any(|n| job.file(n).exists());
    if fresh && ours {
        job.remove_job_files()
            .map_err(Error::io("cannot clear", &c.out))?;
    }
    let created_dir = !c.out.exists();
    let cleared = fresh && ours;
    let sizes = (batch_size, num_assets);
    match &req.tiers {
        None => {
            let started = start(req, sizes, &job, cleared, |inputs| {
                commitment::ensure(&job, Some(inputs), batch_size, &req.reporter)
                    .and_then(|cm| check_coverage(&cm.summary).map(|_| cm))
            });
            let (commitment, generated) = begun(started, created_dir, &job)?;
            prove_single(req, &job, batch_size, &commitment, generated)
        }
        Some(request) => {
            let started = start(req, sizes, &job, cleared, |inputs| {
                let t = TierInputs {
                    inputs,
                    request,
                    batch_size: req.batch_size,
                };
                tiered::ensure(&job, Some(&t), &req.reporter)
                    .and_then(|cm| check_coverage(&cm.summary).map(|_| cm))
            });
            let (commitment, generated) = begun(started, created_dir, &job)?;
            prove_tiers(req, &job, &commitment, generated)
        }
    }
}

/// What a started job holds, or the error after removing what this run began.
fn begun<T>(
    started: std::result::Result<(T, bool), (Error, bool)>,
    created_dir: bool,
    job: &JobDir,
) -> Result<(T, bool)> {
    started.map_err(|(e, created_manifest)| {
        // A run that started this job and cannot commit leaves nothing behind.
        if created_dir {
            let _ = std::fs::remove_dir_all(job.root());
        } else if created_manifest {
            let _ = job.remove_job_files();
        }
        e
    })
}

fn outcome(
    req: &ProveRequest,
    job: &JobDir,
    generated: bool,
    summary: Summary,
    stage: Stage,
) -> ProveOutcome {
    ProveOutcome {
        summary,
        out: req.commit.out.clone(),
        generated_secret: generated.then(|| job.file(out::SECRET)),
        stage,
    }
}

/// A format 1 round once its commitment is in place.
fn prove_single(
    req: &ProveRequest,
    job: &JobDir,
    batch_size: usize,
    commitment: &Commitment,
    generated: bool,
) -> Result<ProveOutcome> {
    let done = |summary: Summary, stage: Stage| outcome(req, job, generated, summary, stage);
    if req.prepare_only {
        return Ok(done(commitment.summary.clone(), Stage::Prepared));
    }
    let params = params_for(batch_size, req.arity, commitment)?;
    let prover = ProofMaker::new(req.commit.backend, req.proving);
    let files = CircuitFiles::new(job, req.circuit_cache.as_deref());
    let run = Run {
        job,
        files: &files,
        commitment,
        params,
        batch_size_auto: req.batch_size == BatchSize::Auto,
        shape: Shape::new(&params, commitment.tree.num_leaves()),
        reporter: &req.reporter,
        prover: &prover,
    };
    drive(req, &run, &commitment.summary).map(|(summary, stage)| done(summary, stage))
}

/// What a run over a committed job can do: prove one shard's share, or
/// everything up to the published root.
trait JobRun {
    fn shard(&self, spec: ShardSpec) -> Result<ShardReport>;
    fn full(&self, prove_batches: bool) -> Result<(Summary, Stats)>;
}

/// Runs the request's shard, or the whole job; `committed` is the summary a
/// shard reports.
fn drive(req: &ProveRequest, run: &dyn JobRun, committed: &Summary) -> Result<(Summary, Stage)> {
    match req.shard {
        Some(spec) => Ok((committed.clone(), Stage::Shard(run.shard(spec)?))),
        None => {
            let (summary, stats) = run.full(true)?;
            Ok((summary, Stage::Published { stats }))
        }
    }
}

impl JobRun for Run<'_> {
    fn shard(&self, spec: ShardSpec) -> Result<ShardReport> {
        Run::shard(self, spec)
    }

    fn full(&self, prove_batches: bool) -> Result<(Summary, Stats)> {
        Run::full(self, prove_batches)
    }
}

impl JobRun for TieredRun<'_> {
    fn shard(&self, spec: ShardSpec) -> Result<ShardReport> {
        TieredRun::shard(self, spec)
    }

    fn full(&self, prove_batches: bool) -> Result<(Summary, Stats)> {
        TieredRun::full(self, prove_batches)
    }
}

/// A tiered round once its commitment is in place.
fn prove_tiers(
    req: &ProveRequest,
    job: &JobDir,
    commitment: &TieredCommitment,
    generated: bool,
) -> Result<ProveOutcome> {
    let done = |summary: Summary, stage: Stage| outcome(req, job, generated, summary, stage);
    if req.prepare_only {
        return Ok(done(commitment.summary.clone(), Stage::Prepared));
    }
    let prover = ProofMaker::new(req.commit.backend, req.proving);
    let files = CircuitFiles::new(job, req.circuit_cache.as_deref());
    let run = TieredRun {
        job,
        files: &files,
        commitment,
        params: commitment.params(req.arity)?,
        arity: req.arity,
        batch_size_auto: req.batch_size == BatchSize::Auto,
        reporter: &req.reporter,
        prover: &prover,
    };
    drive(req, &run, &commitment.summary).map(|(summary, stage)| done(summary, stage))
}

/// `zkpor aggregate OUT`: finishes a sharded job, or says what is missing.
pub fn aggregate(
    dir: &Path,
    backend: &dyn crate::backend::Backend,
    proving: Proving,
    circuit_cache: Option<&Path>,
    reporter: &Reporter,
) -> Result<ProveOutcome> {
    let job = JobDir::new(dir);
    let manifest = manifest::read(&job)?.ok_or_else(|| {
        Error::Usage(format!(
            "{} is not a job directory (no {}): start the job with zkpor prove",
            dir.display(),
            layout::names::MANIFEST
        ))
    })?;
    let prover = ProofMaker::new(backend, proving);
    let files = CircuitFiles::new(&job, circuit_cache);
    let published = |(summary, stats): (Summary, Stats)| ProveOutcome {
        summary,
        out: dir.to_path_buf(),
        generated_secret: None,
        stage: Stage::Published { stats },
    };
    if manifest.tiers.is_some() {
        let commitment = tiered::ensure(&job, None, reporter)?;
        check_coverage(&commitment.summary)?;
        let run = TieredRun {
            job: &job,
            files: &files,
            commitment: &commitment,
            params: commitment.params(manifest.params.arity)?,
            arity: manifest.params.arity,
            batch_size_auto: manifest.params.batch_size_auto,
            reporter,
            prover: &prover,
        };
        return run.full(false).map(published);
    }
    let commitment = commitment::ensure(&job, None, manifest.params.batch_size, reporter)?;
    check_coverage(&commitment.summary)?;
    let params = params_for(
        manifest.params.batch_size,
        manifest.params.arity,
        &commitment,
    )?;
    let run = Run {
        job: &job,
        files: &files,
        commitment: &commitment,
        params,
        batch_size_auto: manifest.params.batch_size_auto,
        shape: Shape::new(&params, commitment.tree.num_leaves()),
        reporter,
        prover: &prover,
    };
    run.full(false).map(published)
}

/// Manifest, secret and commitment. On error, also says whether this run
/// created the manifest (so the caller can remove what it started).
/// `cleared`: --fresh just removed zkpor's files; other files (user proofs) may stay.
fn start<T>(
    req: &ProveRequest,
    (batch_size, num_assets): (usize, usize),
    job: &JobDir,
    cleared: bool,
    commit: impl FnOnce(&Inputs) -> Result<T>,
) -> std::result::Result<(T, bool), (Error, bool)> {
    let c = &req.commit;
    let mut existing = manifest::read(job).map_err(|e| (e, false))?;
    if existing.is_none() && !cleared && refuse_foreign(job).is_err() {
        // A racing shard may have created the job since we looked.
        existing = manifest::read(job).map_err(|e| (e, false))?;
        if existing.is_none() {
            refuse_foreign(job).map_err(|e| (e, false))?;
        }
    }
    std::fs::create_dir_all(&c.out).map_err(|e| (Error::io("cannot create", &c.out)(e), false))?;
    let (key, secret, generated) =
        resolve_secret(job, c.secret.as_deref(), existing.as_ref()).map_err(|e| (e, false))?;
    let wanted = wanted_manifest(req, batch_size, num_assets, secret).map_err(|e| (e, false))?;
    let created = match &existing {
        Some(m) => manifest::check(job, m, &wanted).map(|_| false),
        None => manifest::create_or_check(job, &wanted),
    }
    .map_err(|e| (e, false))?;
    let inputs = Inputs {
        request: c,
        key: &key,
    };
    let commitment = commit(&inputs).map_err(|e| (e, created))?;
    Ok((commitment, generated))
}

/// Refuses to turn a folder that holds other things into a job directory.
fn refuse_foreign(job: &JobDir) -> Result<()> {
    let foreign = job
        .foreign_entries()
        .map_err(Error::io("cannot list", job.root()))?;
    if foreign.is_empty() {
        return Ok(());
    }
    Err(Error::Usage(format!(
        "{} exists and is not a zkpor job directory (it holds {}); pass --fresh to replace an earlier zkpor output, or choose another --out",
        job.root().display(),
        foreign.join(", ")
    )))
}

fn wanted_manifest(
    req: &ProveRequest,
    batch_size: usize,
    num_assets: usize,
    secret: SecretDigest,
) -> Result<Manifest> {
    let c = &req.commit;
    let file = |p: &Path, digest: std::io::Result<String>| -> Result<FileDigest> {
        Ok(FileDigest {
            path: p.display().to_string(),
            sha256: digest.map_err(Error::io("cannot read", p))?,
        })
    };
    let reserves = c.reserves.as_deref().expect("checked by prove");
    Ok(Manifest {
        format: MANIFEST_FORMAT.into(),
        zkpor_version: env!("CARGO_PKG_VERSION").into(),
        circuit_version: CIRCUIT_VERSION,
        inputs: InputDigests {
            accounts: file(&c.accounts, accounts_digest(&c.accounts))?,
            assets: file(&c.assets, sha256_file(&c.assets))?,
            reserves: file(reserves, sha256_file(reserves))?,
            secret,
        },
        params: JobParams {
            batch_size,
            batch_size_auto: req.batch_size == BatchSize::Auto,
            arity: req.arity,
            num_assets,
        },
        backend: c.backend.name().into(),
        tiers: req.tiers.as_ref().map(|t| t.to_string()),
    })
}

/// The round key: from --secret, from the job's generated OUT/secret, or
/// generated now (once, even when shards race). Returns whether it was generated now.
fn resolve_secret(
    job: &JobDir,
    given: Option<&Path>,
    existing: Option<&Manifest>,
) -> Result<(RoundKey, SecretDigest, bool)> {
    let key_of = |bytes: &[u8], path: &Path| {
        RoundKey::from_secret(bytes).map_err(|e| Error::Usage(format!("{}: {e}", path.display())))
    };
    if let Some(path) = given {
        let bytes = std::fs::read(path).map_err(Error::io("cannot read secret", path))?;
        let digest = SecretDigest {
            source: "file".into(),
            sha256: sha256_hex(&bytes),
        };
        return Ok((key_of(&bytes, path)?, digest, false));
    }
    let path = job.file(out::SECRET);
    let mut generated = false;
    if !path.exists() {
        if let Some(m) = existing.filter(|m| m.inputs.secret.source == "file") {
            return Err(Error::Usage(format!(
                "this job was started with --secret (sha256 {}); pass the same --secret FILE to resume it",
                m.inputs.secret.sha256
            )));
        }
        let tmp = job
            .temp(out::SECRET)
            .map_err(Error::io("cannot create", job.root()))?;
        crate::secret::generate_secret(&tmp)?;
        generated = link_once(&tmp, &path).map_err(Error::io("cannot create", &path))?;
        let _ = std::fs::remove_file(&tmp);
    }
    let bytes = std::fs::read(&path).map_err(Error::io("cannot read secret", &path))?;
    let digest = SecretDigest {
        source: "generated".into(),
        sha256: sha256_hex(&bytes),
    };
    Ok((key_of(&bytes, &path)?, digest, generated))
}

/// B as the run uses it: given, or fitted to the asset count (and said so).
fn resolve_batch_size(req: &ProveRequest, num_assets: usize) -> usize {
    match req.batch_size {
        BatchSize::Given(b) => b,
        BatchSize::Auto => {
            let fit = auto_batch(num_assets);
            req.reporter.notice(
                "batch size",
                &format!(
                    "--batch-size auto: {} users per batch proof at {} assets ({} of {} rows, {:.1}% filled)",
                    fit.batch_size,
                    num_assets,
                    fit.rows,
                    fit.padded_rows,
                    100.0 * fit.fill()
                ),
            );
            fit.batch_size
        }
    }
}

fn params_for(batch_size: usize, arity: usize, c: &Commitment) -> Result<ProofParams> {
    ProofParams::new(batch_size, arity, c.summary.assets.len(), c.tree.depth())
        .map_err(Error::Usage)
}

/// No root proof can exist when reserves fall short: say which and by how much.
pub fn check_coverage(summary: &Summary) -> Result<()> {
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
        return Ok(());
    }
    Err(Error::Shortfall(Shortfall {
        message: short.join(", "),
        summary: Some(Box::new(summary.clone())),
    }))
}

/// Publishes the root proof `proof` (unless exactly it is published already)
/// with the run's timings.
fn finish(
    root: &RootJob,
    proof: &Proof,
    stats: &Stats,
    build: Duration,
    root_ms: u64,
) -> Result<(Summary, Stats)> {
    if let Some(summary) = publish::already_published(root, proof) {
        root.reporter
            .notice("publish", "the job is already complete");
        return Ok((summary, stats.clone()));
    }
    let timings = [
        ("build_circuits", build.as_millis() as u64),
        ("prove_batches", stats.batch_time.as_millis() as u64),
        ("aggregate", stats.node_time.as_millis() as u64),
        ("prove_tree", stats.wall.as_millis() as u64),
        ("prove_root", root_ms),
    ];
    let summary = publish::publish(root, proof, &timings)?;
    root.job.clean_temps(STALE_TEMP);
    Ok((summary, stats.clone()))
}

/// Writes shard `spec`'s completion marker `shards/I-of-N.json`.
fn write_marker(job: &JobDir, spec: ShardSpec, marker: &serde_json::Value) -> Result<()> {
    let path = job.shard_marker(spec);
    let mut bytes = serde_json::to_vec_pretty(marker).map_err(|e| Error::Usage(e.to_string()))?;
    bytes.push(b'\n');
    job.replace(&path, &bytes)
        .map_err(Error::io("cannot write", &path))
}

/// One tree's batch figures as summary.json records them.
fn tree_summary(p: &ProofParams) -> TreeProofSummary {
    TreeProofSummary {
        batch_size: p.requested_batch_size(),
        effective_batch_size: p.batch_size(),
        batches: p.num_batches(),
        level_arities: p.level_arity_logs().iter().map(|a| 1usize << a).collect(),
    }
}

/// One run over a job whose commitment is in place.
struct Run<'a> {
    job: &'a JobDir,
    /// Where built circuits are kept between processes.
    files: &'a CircuitFiles<'a>,
    commitment: &'a Commitment,
    params: ProofParams,
    /// Whether B was chosen by `--batch-size auto` (recorded in summary.json).
    batch_size_auto: bool,
    shape: Shape,
    reporter: &'a Reporter,
    prover: &'a ProofMaker<'a>,
}

impl Run<'_> {
    fn checker<'c>(&'c self, circuits: &'c CircuitSet<'c>) -> Checker<'c> {
        Checker {
            job: self.job,
            shape: &self.shape,
            circuits,
            commitment: self.commitment,
            reporter: self.reporter,
            batch_size_auto: self.batch_size_auto,
        }
    }

    /// Proves up to the root and publishes; only `prove_batches` lets it prove batches.
    fn full(&self, prove_batches: bool) -> Result<(Summary, Stats)> {
        let top = [Goal {
            pos: self.shape.top(),
            needed: true,
        }];
        // Before building any circuit, find out cheaply whether batches are missing.
        if !prove_batches && !self.job.root_checkpoint().exists() {
            let p = plan(&self.shape, &top, false, &mut Existence(self.job));
            if !p.is_complete() {
                return Err(self.incomplete(&p));
            }
        }
        let circuits = CircuitSet::stored(self.params, self.reporter, self.files);
        let check = self.checker(&circuits);
        let round = RoundParams::Single(self.params);
        let p = self.params;
        let root = RootJob {
            job: self.job,
            reporter: self.reporter,
            params: &round,
            circuit: circuits.root(),
            want: check.root()?,
            reserves: &self.commitment.reserves,
            base: &self.commitment.summary,
            batch_size_auto: self.batch_size_auto,
            arity: 1 << p.arity_log,
            tree: Some(tree_summary(&p)),
        };
        let mut stats = Stats::default();
        let mut root_ms = 0;
        let proof = match publish::checkpoint(&root) {
            Some(proof) => proof,
            None => {
                let t = Instant::now();
                let p = plan(&self.shape, &top, prove_batches, &mut &check);
                self.planned(&p, t.elapsed());
                if !p.is_complete() {
                    return Err(self.incomplete(&p));
                }
                let (mut proofs, s) = Executor::new(&check, self.prover, &p).run(&p)?;
                stats = s;
                let (_, top) = proofs.pop().expect("the plan ends with the top node");
                let t = Instant::now();
                let proof = publish::prove_root(&root, self.prover, &[&top])?;
                root_ms = t.elapsed().as_millis() as u64;
                proof
            }
        };
        finish(&root, &proof, &stats, circuits.build_time(), root_ms)
    }

    /// Tells the operator what the run will do, and what it found done already.
    fn planned(&self, p: &plan::Plan, took: Duration) {
        self.reporter.event(
            "plan",
            "plan",
            serde_json::json!({
                "batches_to_prove": p.batches_to_prove(),
                "nodes_to_prove": p.nodes_to_prove(),
                "verified": p.valid,
                "rejected": p.rejected.len(),
                "duration_ms": took.as_millis() as u64,
            }),
        );
        if p.valid > 0 || !p.rejected.is_empty() {
            self.reporter.notice(
                "plan",
                &format!(
                    "resuming: {} earlier proofs verified, {} rejected; {} batch and {} aggregation proofs to make",
                    p.valid,
                    p.rejected.len(),
                    p.batches_to_prove(),
                    p.nodes_to_prove()
                ),
            );
        }
    }

    fn incomplete(&self, p: &plan::Plan) -> Error {
        self.reporter.event(
            "incomplete",
            "aggregate",
            serde_json::json!({
                "missing_batches": p.missing,
                "blocked_nodes": missing::positions(&p.blocked),
            }),
        );
        Error::Incomplete(missing::report(self.job, &self.shape, p))
    }

    /// Proves one shard's share and records that it finished.
    fn shard(&self, spec: ShardSpec) -> Result<ShardReport> {
        let t = Instant::now();
        let share = shard::share(&self.shape, spec);
        if share.roots.is_empty() {
            self.reporter.notice(
                "shard",
                &format!(
                    "shard {spec} has no batches: the job has only {} for {} shards",
                    self.shape.real(0),
                    spec.count
                ),
            );
        }
        let circuits = CircuitSet::stored(self.params, self.reporter, self.files);
        let check = self.checker(&circuits);
        let goals: Vec<Goal> = share
            .roots
            .iter()
            .map(|&pos| Goal { pos, needed: false })
            .collect();
        let p = plan(&self.shape, &goals, true, &mut &check);
        self.planned(&p, t.elapsed());
        let (_, stats) = Executor::new(&check, self.prover, &p).run(&p)?;
        let report = ShardReport {
            spec,
            batches: share.batches(&self.shape),
            roots: share.roots,
            tiers: Vec::new(),
            stats,
        };
        let marker = serde_json::json!({
            "format": "zkpor-shard/1",
            "shard": spec.to_string(),
            "zkpor_version": env!("CARGO_PKG_VERSION"),
            "backend": self.reporter.backend(),
            "unit_level": share.unit_level,
            "batches": [report.batches.start, report.batches.end],
            "roots": missing::positions(&report.roots),
            "batches_proved": report.stats.batches_proved,
            "nodes_proved": report.stats.nodes_proved,
            "loaded": report.stats.loaded,
            "duration_ms": t.elapsed().as_millis() as u64,
        });
        write_marker(self.job, spec, &marker)?;
        self.reporter.event("shard_done", "shard", marker);
        Ok(report)
    }
}
