//! A tiered round (account format 2): the commitment split into tiers, each
//! tier proven as its own account tree under `tiers/T/` (its own account
//! store, tree, batch index and proof checkpoints, through the same planner
//! and executor as a format 1 round), and one root proof over every tier's
//! top proof (docs/FORMAT.md §12).

use super::batch_index::{self, BatchIndex};
use super::check::Checker;
use super::commitment::{check_files, reuse_or_build, Commitment, FileEntry, Inputs, Sealed};
use super::events::Reporter;
use super::exec::{Executor, Stats};
use super::layout::{names, JobDir};
use super::plan::{plan, Existence, Goal};
use super::publish::{self, RootJob};
use super::shape::Shape;
use super::shard::{self, ShardSpec};
use super::tiering::{kind_name, resolve, TierRequest};
use super::work::ProofMaker;
use super::{finish, tree_summary, CircuitFiles};
use super::{ShardReport, TierShare};
use crate::artifacts::summary::SUMMARY_FORMAT_TIERED;
use crate::artifacts::StagingDir;
use crate::artifacts::{self, names as out, Summary, TierSummary};
use crate::circuits::params::effective_batch_size;
use crate::circuits::sizing::{BatchSize, HeldCounts};
use crate::circuits::tiers::account_root;
use crate::circuits::witness::{reserve_commitment, PriceVector};
use crate::circuits::{Proof, ProofParams, RootValues, RoundParams};
use crate::circuits::{Tier, TierKind, TieredCircuitSet, TieredParams, TreeCircuits};
use crate::commit::tiers::{split, TierPaths};
use crate::commit::{
    build_summary, round_key, validate, write_summary, CommitOutcome, CommitRequest, Head,
};
use crate::digest::Digest;
use crate::error::{Error, Result};
use crate::progress::ms;
use serde::{Deserialize, Serialize};
use std::time::Instant;

pub const TIERED_COMMIT_FORMAT: &str = "zkpor-commit/2";

/// One tier's commitment: its kind and B, its folder, and its tree's
/// commitment (tree, batch index, the round's prices and reserves).
pub struct TierCommitment {
    pub kind: TierKind,
    /// B as chosen: the value in the parameter digest.
    pub batch_size: usize,
    pub dir: JobDir,
    pub commitment: Commitment,
}

/// A verified tiered commitment.
pub struct TieredCommitment {
    /// The commit part of summary.json, with its `tiers`.
    pub summary: Summary,
    pub tiers: Vec<TierCommitment>,
}

impl TieredCommitment {
    /// The round's parameters for aggregation arity `arity`.
    pub fn params(&self, arity: usize) -> Result<TieredParams> {
        let tiers = self
            .tiers
            .iter()
            .map(|t| {
                let tree = ProofParams::new(
                    t.batch_size,
                    arity,
                    self.summary.assets.len(),
                    t.commitment.tree.depth(),
                )
                .map_err(Error::Usage)?;
                Ok(Tier { kind: t.kind, tree })
            })
            .collect::<Result<Vec<_>>>()?;
        TieredParams::new(tiers).map_err(Error::Usage)
    }

    fn prices(&self) -> &PriceVector {
        &self.tiers[0].commitment.prices
    }

    fn reserves(&self) -> &[u64] {
        &self.tiers[0].commitment.reserves
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct TieredRecord {
    format: String,
    summary: Summary,
    /// Committed integer prices, in asset order.
    committed_prices: Vec<u64>,
    /// Reserves in units, in asset order.
    reserves: Vec<u64>,
    tiers: Vec<TierRecord>,
    files: Vec<FileEntry>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct TierRecord {
    /// K, or null for the dense tier.
    capacity: Option<usize>,
    batch_size: usize,
    /// Users per batch as proven: min(B, 2^depth).
    leaf_batch: usize,
}

/// A tier's folder inside the job: `tiers/T/`.
pub fn tier_dir(job: &JobDir, tier: usize) -> JobDir {
    JobDir::new(&job.file(out::TIERS).join(tier.to_string()))
}

/// What the commitment needs to be built, when this run has the inputs.
pub struct TierInputs<'a> {
    pub inputs: &'a Inputs<'a>,
    pub request: &'a TierRequest,
    pub batch_size: BatchSize,
}

/// Loads the job's tiered commitment, or builds it from `inputs`.
pub fn ensure(
    job: &JobDir,
    inputs: Option<&TierInputs>,
    reporter: &Reporter,
) -> Result<TieredCommitment> {
    let build = inputs.map(|i| move || build(job, i, reporter));
    reuse_or_build(job, reporter, load(job), build)
}

fn load(job: &JobDir) -> std::result::Result<TieredCommitment, String> {
    let record: TieredRecord = Sealed::read(job)?;
    if record.format != TIERED_COMMIT_FORMAT {
        return Err(format!(
            "{}: format {} is not {TIERED_COMMIT_FORMAT}",
            names::COMMIT,
            record.format
        ));
    }
    check_files(job, &record.files)?;
    let listed = record.summary.tiers.clone().unwrap_or_default();
    let assets = record.summary.assets.len();
    if listed.len() != record.tiers.len()
        || record.committed_prices.len() != assets
        || record.reserves.len() != assets
    {
        return Err("the tiers, prices or reserves do not fit the commitment".into());
    }
    let prices = PriceVector {
        value_scale: record.summary.value_scale,
        prices: record.committed_prices.clone(),
    };
    let mut tiers = Vec::with_capacity(record.tiers.len());
    for (i, (r, s)) in record.tiers.iter().zip(&listed).enumerate() {
        let dir = tier_dir(job, i);
        let tree = artifacts::read_tree(&dir.file(out::TREE))
            .map_err(|e| format!("tier {i} tree: {e}"))?;
        if tree.root().to_hex() != s.root || tree.num_leaves() != s.users {
            return Err(format!(
                "tier {i}: the tree does not match the recorded root"
            ));
        }
        let batches = BatchIndex::open(&dir.file(names::BATCH_INDEX))
            .map_err(|e| format!("tier {i} {}: {e}", names::BATCH_INDEX))?;
        let leaf_batch = effective_batch_size(r.batch_size, tree.depth());
        if r.leaf_batch != leaf_batch
            || batches.batch_size != leaf_batch
            || batches.num_assets != assets
            || batches.batches != tree.num_leaves().div_ceil(leaf_batch as u64)
            || r.capacity != s.capacity
        {
            return Err(format!("tier {i}: the batch index does not fit the tree"));
        }
        tiers.push(TierCommitment {
            kind: TierKind::from_capacity(r.capacity),
            batch_size: r.batch_size,
            dir,
            commitment: Commitment {
                summary: record.summary.clone(),
                tree,
                prices: prices.clone(),
                reserves: record.reserves.clone(),
                batches,
            },
        });
    }
    Ok(TieredCommitment {
        summary: record.summary,
        tiers,
    })
}

/// `zkpor commit --tiers`: a tiered commitment, without proving, published
/// atomically as a commit output directory: summary.json (format 3), the
/// secret, `tiers/T/` and commit.json, as a prepared job holds them. User
/// proofs can be made from it at once. On any error nothing is left at OUT.
pub fn commit_tiered(
    req: &CommitRequest,
    request: &TierRequest,
    reporter: &Reporter,
) -> Result<CommitOutcome> {
    let stage = StagingDir::create(&req.out, req.force)?;
    let (key, generated) = round_key(req.secret.as_deref(), &stage)?;
    let job = JobDir::new(stage.path());
    let inputs = Inputs {
        request: req,
        key: &key,
    };
    let tiers = TierInputs {
        inputs: &inputs,
        request,
        batch_size: BatchSize::Auto,
    };
    let commitment = build(&job, &tiers, reporter)?;
    // The build's temporary folder is empty now; a commit output has none.
    let tmp = job.file(names::TMP);
    std::fs::remove_dir(&tmp).map_err(Error::io("cannot remove", &tmp))?;
    write_summary(&stage.file(out::SUMMARY), &commitment.summary)?;
    let dir = stage
        .publish()
        .map_err(Error::io("cannot publish", &req.out))?;
    Ok(CommitOutcome {
        summary: commitment.summary,
        generated_secret: generated.then(|| dir.join(out::SECRET)),
        out: dir,
    })
}

/// Validates the snapshot (pass 1), chooses the tiers from its held
/// counts, splits it into tier stores and trees (pass 2), and installs
/// everything, commit.json last.
fn build(job: &JobDir, inputs: &TierInputs, reporter: &Reporter) -> Result<TieredCommitment> {
    let all = job
        .temp(out::ACCOUNTS)
        .map_err(Error::io("cannot create", job.root()))?;
    let mut temps = vec![all.clone()];
    let result = build_into(job, inputs, reporter, &all, &mut temps);
    for t in &temps {
        let _ = std::fs::remove_file(t);
    }
    result
}

fn build_into(
    job: &JobDir,
    inputs: &TierInputs,
    reporter: &Reporter,
    all: &std::path::Path,
    temps: &mut Vec<std::path::PathBuf>,
) -> Result<TieredCommitment> {
    let req = inputs.inputs.request;
    let mut v = validate(req, inputs.inputs.key, all, false)?;
    let t = Instant::now();
    let held = HeldCounts(v.held.clone());
    let assets = v.assets.len();
    let chosen = resolve(inputs.request, inputs.batch_size, &held, assets, reporter)?;
    v.timings.insert("choose_tiers".into(), ms(t));

    let t = Instant::now();
    let mut paths = Vec::with_capacity(chosen.len());
    for _ in &chosen {
        let tmp = |name: &str| {
            job.temp(name)
                .map_err(Error::io("cannot create", job.root()))
        };
        let p = TierPaths {
            accounts: tmp(out::ACCOUNTS)?,
            tree: tmp(out::TREE)?,
        };
        temps.extend([p.accounts.clone(), p.tree.clone()]);
        paths.push(p);
    }
    let kinds: Vec<TierKind> = chosen.iter().map(|(k, _)| *k).collect();
    let bar = req.progress.bar(v.users, "tiers");
    let trees = split(all, &kinds, req.backend, &paths, &bar)?;
    v.timings.insert("split_and_hash_leaves".into(), ms(t));

    let t = Instant::now();
    let mut files = Vec::new();
    let mut records = Vec::with_capacity(chosen.len());
    let mut listed = Vec::with_capacity(chosen.len());
    let mut installs = Vec::new();
    for (i, ((kind, b), (p, tree))) in chosen.iter().zip(paths.iter().zip(&trees)).enumerate() {
        let leaf_batch = effective_batch_size(*b, tree.depth());
        let idx = job
            .temp(names::BATCH_INDEX)
            .map_err(Error::io("cannot create", job.root()))?;
        temps.push(idx.clone());
        batch_index::write(&p.accounts, leaf_batch, &idx)
            .map_err(Error::io("cannot write", &idx))?;
        for (name, tmp) in [
            (out::ACCOUNTS, &p.accounts),
            (out::TREE, &p.tree),
            (names::BATCH_INDEX, &idx),
        ] {
            let rel = format!("{}/{i}/{name}", out::TIERS);
            files.push(FileEntry::of(&rel, tmp)?);
            installs.push((tmp.clone(), job.file(&rel)));
        }
        records.push(TierRecord {
            capacity: kind.capacity(),
            batch_size: *b,
            leaf_batch,
        });
        listed.push(TierSummary {
            capacity: kind.capacity(),
            users: tree.num_leaves(),
            root: tree.root().to_hex(),
            tree_depth: tree.depth(),
            proof: None,
        });
    }
    v.timings.insert("batch_index".into(), ms(t));
    let roots: Vec<Digest> = trees.iter().map(|t| t.root()).collect();
    let head = Head {
        root: account_root(&roots).to_hex(),
        users: v.users,
        depth: chosen.len().next_power_of_two().trailing_zeros(),
    };
    let mut summary = build_summary(&head, &v, req.backend);
    summary.format = SUMMARY_FORMAT_TIERED.into();
    summary.tiers = Some(listed);
    summary.timings_ms = std::mem::take(&mut v.timings);
    let record = TieredRecord {
        format: TIERED_COMMIT_FORMAT.into(),
        committed_prices: v.assets.assets().iter().map(|a| a.price.units()).collect(),
        reserves: v.reserves.clone().unwrap_or_else(|| vec![0; assets]),
        summary,
        tiers: records,
        files,
    };
    // Another shard may have installed the same commitment meanwhile: keep it.
    if let Ok(c) = load(job) {
        if c.summary.root == record.summary.root {
            return Ok(c);
        }
    }
    for (tmp, path) in &installs {
        job.install(tmp, path)
            .map_err(Error::io("cannot write", path))?;
        super::killpoint::written(super::killpoint::Kind::Commit);
    }
    Sealed::new(record)?.write(job)?;
    load(job).map_err(|why| Error::Usage(format!("the commitment just written: {why}")))
}

/// One run over a tiered job whose commitment is in place.
pub struct TieredRun<'a> {
    pub job: &'a JobDir,
    pub files: &'a CircuitFiles<'a>,
    pub commitment: &'a TieredCommitment,
    pub params: TieredParams,
    pub arity: usize,
    pub batch_size_auto: bool,
    pub reporter: &'a Reporter,
    pub prover: &'a ProofMaker<'a>,
}

impl TieredRun<'_> {
    fn shape(&self, tier: usize) -> Shape {
        let t = &self.commitment.tiers[tier];
        Shape::new(
            &self.params.tiers()[tier].tree,
            t.commitment.tree.num_leaves(),
        )
    }

    /// Proves every tier up to its top, then the root, and publishes; only
    /// `prove_batches` lets it prove batches.
    pub fn full(&self, prove_batches: bool) -> Result<(Summary, Stats)> {
        let shapes: Vec<Shape> = (0..self.params.tiers().len())
            .map(|t| self.shape(t))
            .collect();
        // Before building any circuit, find out cheaply whether batches are missing.
        if !prove_batches && !self.job.root_checkpoint().exists() {
            for (tier, (shape, c)) in shapes.iter().zip(&self.commitment.tiers).enumerate() {
                let top = [Goal {
                    pos: shape.top(),
                    needed: true,
                }];
                let p = plan(shape, &top, false, &mut Existence(&c.dir));
                if !p.is_complete() {
                    let report = super::missing::report(self.job, shape, &p);
                    return Err(Error::Incomplete(format!("tier {tier}: {report}")));
                }
            }
        }
        let set = TieredCircuitSet::stored(self.params.clone(), self.reporter, self.files);
        let round = RoundParams::Tiered(self.params.clone());
        let base = self.base_summary();
        let want = self.root_values(&set, &shapes)?;
        let root_job = |circuit| RootJob {
            job: self.job,
            reporter: self.reporter,
            params: &round,
            circuit,
            want: want.clone(),
            reserves: self.commitment.reserves(),
            base: &base,
            batch_size_auto: self.batch_size_auto,
            arity: self.arity,
            tree: None,
        };
        // Only a root checkpoint on disk needs the root circuit before the
        // tiers are proven; otherwise each tier's circuits are built, used
        // and freed in turn, and the root is built from their kept tops.
        if self.job.root_checkpoint().exists() {
            let root = root_job(set.root());
            if let Some(proof) = publish::checkpoint(&root) {
                return finish(&root, &proof, &Stats::default(), set.build_time(), 0);
            }
        }
        let mut stats = Stats::default();
        let mut tops = Vec::with_capacity(shapes.len());
        for (tier, shape) in shapes.iter().enumerate() {
            let circuits = set.tier(tier);
            // The whole ladder first: checking and proving need all of it,
            // and a build beside the proofs only slows them.
            circuits.data(circuits.num_levels());
            let (top, s) =
                self.prove_tier(tier, &self.checker(tier, shape, &circuits), prove_batches)?;
            add(&mut stats, &s);
            tops.push(top);
        }
        let root = root_job(set.root());
        let refs: Vec<&Proof> = tops.iter().collect();
        let t = Instant::now();
        let proof = publish::prove_root(&root, self.prover, &refs)?;
        let root_ms = t.elapsed().as_millis() as u64;
        finish(&root, &proof, &stats, set.build_time(), root_ms)
    }

    /// `tier`'s checker over `circuits`.
    fn checker<'c>(
        &'c self,
        tier: usize,
        shape: &'c Shape,
        circuits: &'c dyn TreeCircuits,
    ) -> Checker<'c> {
        let t = &self.commitment.tiers[tier];
        Checker {
            job: &t.dir,
            shape,
            circuits,
            commitment: &t.commitment,
            reporter: self.reporter,
            batch_size_auto: self.batch_size_auto,
        }
    }

    /// One tier's top proof: planned, checked and proven like a format 1 tree.
    fn prove_tier(
        &self,
        tier: usize,
        check: &Checker,
        prove_batches: bool,
    ) -> Result<(Proof, Stats)> {
        let t = Instant::now();
        let goal = [Goal {
            pos: check.shape.top(),
            needed: true,
        }];
        let p = plan(check.shape, &goal, prove_batches, &mut &*check);
        self.reporter.event(
            "plan",
            "plan",
            serde_json::json!({
                "tier": tier,
                "batches_to_prove": p.batches_to_prove(),
                "nodes_to_prove": p.nodes_to_prove(),
                "verified": p.valid,
                "rejected": p.rejected.len(),
                "duration_ms": t.elapsed().as_millis() as u64,
            }),
        );
        if !p.is_complete() {
            // Shard markers are in the job's `shards/`, not the tier's folder.
            let report = super::missing::report(self.job, check.shape, &p);
            return Err(Error::Incomplete(format!("tier {tier}: {report}")));
        }
        let (mut proofs, stats) = Executor::new(check, self.prover, &p).run(&p)?;
        let (_, top) = proofs
            .pop()
            .ok_or_else(|| Error::Prove(format!("tier {tier}: the plan made no top proof")))?;
        Ok((top, stats))
    }

    /// The root proof's public inputs: the account root over the tier
    /// roots, and the tiers' merged counts and totals.
    fn root_values(&self, set: &TieredCircuitSet, shapes: &[Shape]) -> Result<RootValues> {
        let assets = self.params.num_assets();
        let mut totals = vec![(0u64, 0u64); assets];
        for (tier, shape) in shapes.iter().enumerate() {
            // Reading the store's totals builds no circuit.
            let circuits = set.tier(tier);
            let top = self.checker(tier, shape, &circuits).node(shape.top())?;
            for (sum, (e, d)) in totals.iter_mut().zip(top.totals) {
                sum.0 += e;
                sum.1 += d;
            }
        }
        let roots: Vec<Digest> = self
            .commitment
            .tiers
            .iter()
            .map(|t| t.commitment.tree.root())
            .collect();
        Ok(RootValues {
            account_root: account_root(&roots),
            users: self.commitment.summary.users,
            totals,
            price_commitment: self.commitment.prices().commitment(),
            reserve_commitment: reserve_commitment(self.commitment.reserves()),
            params_digest: self.params.digest(),
        })
    }

    /// The commitment's summary with each tier's batch figures.
    fn base_summary(&self) -> Summary {
        let mut s = self.commitment.summary.clone();
        for (listed, tier) in s.tiers.iter_mut().flatten().zip(self.params.tiers()) {
            listed.proof = Some(tree_summary(&tier.tree));
        }
        s
    }
}

impl TieredRun<'_> {
    /// Proves shard `spec`'s share of every tier (1/N of each), and records
    /// that it finished; `zkpor aggregate` proves the rest.
    pub fn shard(&self, spec: ShardSpec) -> Result<ShardReport> {
        let t = Instant::now();
        let set = TieredCircuitSet::stored(self.params.clone(), self.reporter, self.files);
        let mut stats = Stats::default();
        let mut shares = Vec::new();
        for tier in 0..self.commitment.tiers.len() {
            let shape = self.shape(tier);
            // This tier's circuits are freed before the next tier's are built.
            let circuits = set.tier(tier);
            let check = self.checker(tier, &shape, &circuits);
            let share = shard::share(&shape, spec);
            // As in `full`: the levels this share needs, before its proofs.
            if let Some(level) = share.roots.iter().map(|r| r.level).max() {
                circuits.data(level);
            }
            let goals: Vec<Goal> = share
                .roots
                .iter()
                .map(|&pos| Goal { pos, needed: false })
                .collect();
            let p = plan(&shape, &goals, true, &mut &check);
            let (_, s) = Executor::new(&check, self.prover, &p).run(&p)?;
            add(&mut stats, &s);
            shares.push(TierShare {
                tier,
                batches: share.batches(&shape),
                roots: share.roots,
                unit_level: share.unit_level,
            });
        }
        let marker = serde_json::json!({
            "format": "zkpor-shard/1",
            "shard": spec.to_string(),
            "zkpor_version": env!("CARGO_PKG_VERSION"),
            "backend": self.reporter.backend(),
            "tiers": shares.iter().map(|s| serde_json::json!({
                "tier": s.tier,
                "unit_level": s.unit_level,
                "batches": [s.batches.start, s.batches.end],
                "roots": super::missing::positions(&s.roots),
            })).collect::<Vec<_>>(),
            "batches_proved": stats.batches_proved,
            "nodes_proved": stats.nodes_proved,
            "loaded": stats.loaded,
            "duration_ms": t.elapsed().as_millis() as u64,
        });
        super::write_marker(self.job, spec, &marker)?;
        self.reporter.event("shard_done", "shard", marker);
        Ok(ShardReport {
            spec,
            batches: 0..0,
            roots: Vec::new(),
            tiers: shares,
            stats,
        })
    }
}

fn add(total: &mut Stats, s: &Stats) {
    total.batches_proved += s.batches_proved;
    total.nodes_proved += s.nodes_proved;
    total.loaded += s.loaded;
    total.batch_time += s.batch_time;
    total.node_time += s.node_time;
    total.wall += s.wall;
}

/// The tiers of a tiered commitment, for messages: `1 (B = 4096), dense (B = 1024)`.
pub fn describe(c: &TieredCommitment) -> String {
    c.tiers
        .iter()
        .map(|t| format!("{} (B = {})", kind_name(&t.kind), t.batch_size))
        .collect::<Vec<_>>()
        .join(", ")
}
