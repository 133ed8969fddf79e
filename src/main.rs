//! The zkpor command line: argument parsing and one function per subcommand.

mod report;

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;
use zkpor::artifacts::summary::read_summary_file;
use zkpor::backend::gpu::Arith;
use zkpor::backend::{gpus, select, Backend, Choice, CpuBackend, GpuOptions};
use zkpor::bench::SectionKind;
use zkpor::commit::{commit, CommitRequest};
use zkpor::datagen::{generate, AccountsFormat, GenConfig};
use zkpor::demo;
use zkpor::digest::Digest;
use zkpor::error::{exit, Error, Result};
use zkpor::inclusion::{make_user_proof, root_from_summary, verify_user_proof};
use zkpor::job::events::{LogFormat, Reporter};
use zkpor::job::shard::ShardSpec;
use zkpor::job::{aggregate, commit_tiered, prove, ProveOutcome, ProveRequest, Stage};
use zkpor::job::{BatchSize, ProverKind, Proving, TierRequest};
use zkpor::progress::Progress;
use zkpor::verify::expected::{write_expected, RoundShape};
use zkpor::verify::round::{default_cache_dir, verify_out};

#[derive(Parser)]
#[command(
    name = "zkpor",
    version,
    about = "Zero-knowledge proof of reserves: commit customer balances in a Poseidon Merkle tree and prove solvency with plonky2"
)]
struct Cli {
    /// No progress bars and no notices on stderr (errors still print).
    #[arg(long, global = true)]
    quiet: bool,
    /// Log format on stderr: progress bars and notices (text), or one JSON event per line (json).
    #[arg(long, global = true, value_enum, default_value_t = LogFormatArg::Text)]
    log_format: LogFormatArg,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum LogFormatArg {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Run the job on the bundled sample: prove it, verify the root proof, then write and verify one user's proof.
    Demo(DemoArgs),
    /// Write a realistic synthetic snapshot: accounts, assets.csv and reserves.csv.
    Gen(GenArgs),
    /// Validate a snapshot, build the account tree and write the commitment to OUT.
    Commit(CommitCmdArgs),
    /// Commit, then prove every batch, aggregate recursively and write the zero-knowledge root proof.
    /// Resumes the job in OUT; with --shard, proves one shard's share of it.
    Prove(ProveArgs),
    /// Finish a sharded job: prove the remaining aggregation levels and the root proof,
    /// or list the batches still missing (exit 9).
    Aggregate(AggregateArgs),
    /// Rebuild the circuits from the public parameters and verify OUT's root proof against its summary.
    Verify(VerifyArgs),
    /// Build the root circuit for given parameters and write the verifier data a genuine
    /// round must publish (no proof or exchange files needed); prints the root circuit digest.
    VerifierData(VerifierDataArgs),
    /// Write one user's inclusion proof (JSON) from a commit output directory.
    UserProof(UserProofArgs),
    /// Check a user's inclusion proof; exits 0 when it holds and 8 when it does not.
    VerifyUser(VerifyUserArgs),
    /// Measure this machine: stock plonky2, the SIMD CPU backend and the GPU side by side.
    Bench(BenchArgs),
}

#[derive(clap::Args, Clone, Copy)]
struct BackendArgs {
    /// Where hashing runs: auto (a hardware GPU if there is one, else the CPU), gpu (any
    /// adapter, software ones included; an error if there is none) or cpu. Output is identical.
    #[arg(long, value_enum, env = "ZKPOR_BACKEND", default_value_t = BackendArg::Auto)]
    backend: BackendArg,
    /// GPU field arithmetic: auto (native u64 where the adapter has SHADER_INT64, else u32
    /// limbs), u32 limbs (every adapter) or native u64. `zkpor bench` measures both.
    #[arg(long, value_enum, env = "ZKPOR_GPU_ARITH", default_value_t = ArithArg::Auto)]
    gpu_arith: ArithArg,
}

#[derive(Clone, Copy, ValueEnum)]
enum ArithArg {
    Auto,
    U32,
    U64,
}

impl BackendArgs {
    fn gpu_options(&self) -> GpuOptions {
        GpuOptions {
            arith: match self.gpu_arith {
                ArithArg::Auto => None,
                ArithArg::U32 => Some(Arith::U32),
                ArithArg::U64 => Some(Arith::U64),
            },
            ..GpuOptions::default()
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum BackendArg {
    Auto,
    Gpu,
    Cpu,
}

impl From<BackendArg> for Choice {
    fn from(b: BackendArg) -> Choice {
        match b {
            BackendArg::Auto => Choice::Auto,
            BackendArg::Gpu => Choice::Gpu,
            BackendArg::Cpu => Choice::Cpu,
        }
    }
}

#[derive(clap::Args, Clone)]
struct ProvingArgs {
    /// The prover: zkpor's driver (commitments on the backend; byte-identical to
    /// plonky2 without zero knowledge) or plonky2's own prove (the baseline).
    #[arg(long, value_enum, env = "ZKPOR_PROVER", default_value_t = ProverArg::Driver)]
    prover: ProverArg,
    /// Proofs made at once: while one commits on the backend, the next one's CPU
    /// phases run. Each costs one prover's working memory (about 0.5 GB at 256 x 20).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..=64))]
    in_flight: u16,
    /// Also keep built circuits in this folder, besides OUT/circuits, and load them from
    /// it: for other jobs on this machine, or shards on shared storage. Entries are checked
    /// on load; those of other zkpor builds are removed. A 220-asset job's take about 1.7 GB.
    #[arg(long, env = "ZKPOR_CIRCUIT_CACHE")]
    circuit_cache: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum ProverArg {
    Driver,
    Plonky2,
}

impl ProvingArgs {
    fn proving(&self) -> Proving {
        Proving {
            prover: match self.prover {
                ProverArg::Driver => ProverKind::Driver,
                ProverArg::Plonky2 => ProverKind::Plonky2,
            },
            in_flight: self.in_flight as usize,
        }
    }
}

#[derive(clap::Args)]
struct DemoArgs {
    /// Folder holding accounts.csv, assets.csv, reserves.csv and secret.demo.
    #[arg(long, default_value = "datasets/sample")]
    data: PathBuf,
    /// Output directory (replaced if it exists).
    #[arg(long, default_value = "out/sample")]
    out: PathBuf,
    #[command(flatten)]
    backend: BackendArgs,
}

#[derive(clap::Args)]
struct GenArgs {
    /// Number of users.
    #[arg(long)]
    users: u64,
    /// Number of assets (the first 20 are well-known coins, then T0020, T0021, ...).
    #[arg(long, default_value_t = 8)]
    assets: usize,
    /// Seed: the same seed always gives the same files.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Folder to write into (created if missing).
    #[arg(long)]
    out: PathBuf,
    /// Accounts file format: wide CSV (a column per asset), long CSV
    /// (user_id,symbol,amount, a row per position) or OKX JSON.
    #[arg(long, value_enum, default_value_t = FormatArg::Csv)]
    format: FormatArg,
    /// Every user holds every asset (OKX's data shape); by default a user
    /// holds a few, skewed toward the first assets.
    #[arg(long)]
    dense: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    Csv,
    Long,
    Okx,
}

#[derive(clap::Args)]
struct CommitArgs {
    /// Accounts: a wide CSV (user_id,SYM1,SYM2,...), a long CSV (user_id,symbol,amount), or OKX JSON (a .json file or a folder of them).
    #[arg(long)]
    accounts: PathBuf,
    /// assets.csv: symbol,decimals,price_usd.
    #[arg(long)]
    assets: PathBuf,
    /// reserves.csv: symbol,amount (optional for commit, required for prove).
    #[arg(long)]
    reserves: Option<PathBuf>,
    /// Round secret file (at least 32 bytes). Without it a fresh one is written to OUT/secret.
    #[arg(long)]
    secret: Option<PathBuf>,
    /// Output directory. commit: written under a temporary name and renamed when complete.
    /// prove: the job directory, resumed when it holds this job.
    #[arg(long)]
    out: PathBuf,
    /// Replace OUT if it exists (prove: the same as --fresh).
    #[arg(long)]
    force: bool,
    /// Report at most this many input problems.
    #[arg(long, default_value_t = 20)]
    max_errors: usize,
    /// Print summary.json to stdout instead of the human report.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    backend: BackendArgs,
}

/// `--tiers` as given: `none` is format 1 (no tiers), anything else a tier request.
#[derive(Clone, Debug)]
struct Tiers(Option<TierRequest>);

impl std::str::FromStr for Tiers {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "none" => Ok(Tiers(None)),
            _ => s.parse().map(|r| Tiers(Some(r))),
        }
    }
}

#[derive(clap::Args)]
struct CommitCmdArgs {
    #[command(flatten)]
    commit: CommitArgs,
    /// The round's tiers, as `prove --tiers` takes them (auto, none, or capacities
    /// such as 1,4,dense), so that user proofs can be made before any proving and
    /// match what `prove` with the same flag publishes. none commits format 1.
    #[arg(
        long,
        value_name = "auto|none|K1,K2,...[,dense]",
        default_value = "auto"
    )]
    tiers: Tiers,
}

#[derive(clap::Args)]
struct ProveArgs {
    #[command(flatten)]
    commit: CommitArgs,
    /// Users per batch proof: a power of two (at most 16384), or auto, which picks the B
    /// whose batch circuit fills its power-of-two row count best at the snapshot's asset
    /// count (at most 2^15 rows) and says which.
    #[arg(long, default_value = "auto")]
    batch_size: BatchSize,
    /// Child proofs per aggregation proof (a power of two, at least 2).
    #[arg(long, default_value_t = 8)]
    arity: usize,
    /// The round's tiers (account format 2): each user goes into the smallest tier
    /// that holds their positions. auto picks the tiers from the snapshot's held-asset
    /// counts and measured row counts; or list capacities, strictly increasing, with an
    /// optional dense tier last (for example 1,4,dense). With --batch-size auto each
    /// tier gets its own B; a given B applies to every tier. none proves format 1 (one
    /// dense tree), as jobs made before format 2 was the default did.
    #[arg(
        long,
        value_name = "auto|none|K1,K2,...[,dense]",
        default_value = "auto"
    )]
    tiers: Tiers,
    /// Start the job over: remove OUT's job files first (a generated secret is kept).
    /// Without it, an existing job with the same inputs is resumed. --force means the same here.
    #[arg(long)]
    fresh: bool,
    /// Prove only shard I of N (I counts from 0) into the shared OUT; then run `zkpor aggregate OUT`.
    #[arg(long, value_name = "I/N", conflicts_with_all = ["shard_index_env", "prepare"])]
    shard: Option<ShardSpec>,
    /// Take the shard index from this environment variable (JOB_COMPLETION_INDEX in a
    /// Kubernetes Indexed Job, SLURM_ARRAY_TASK_ID in a Slurm array); needs --shard-count.
    #[arg(
        long,
        value_name = "VAR",
        requires = "shard_count",
        conflicts_with = "prepare"
    )]
    shard_index_env: Option<String>,
    /// The number of shards, with --shard-index-env.
    #[arg(long, value_name = "N", requires = "shard_index_env")]
    shard_count: Option<u32>,
    /// Only create the job and its commitment (tree, account store), so that shards
    /// started afterwards load it instead of each building it.
    #[arg(long)]
    prepare: bool,
    #[command(flatten)]
    proving: ProvingArgs,
}

#[derive(clap::Args)]
struct AggregateArgs {
    /// The job directory the shards wrote into.
    dir: PathBuf,
    /// Print summary.json to stdout instead of the human report.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    backend: BackendArgs,
    #[command(flatten)]
    proving: ProvingArgs,
}

#[derive(clap::Args)]
struct VerifyArgs {
    /// A prove output directory.
    dir: PathBuf,
    /// Rebuild the circuits even if this machine cached them from an earlier rebuild
    /// (the cache lives in $ZKPOR_CACHE_DIR, $XDG_CACHE_HOME/zkpor or ~/.cache/zkpor).
    #[arg(long)]
    no_cache: bool,
    /// Print the verdict as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
struct VerifierDataArgs {
    /// B as summary.json's proof.batch_size records it (the requested or auto-chosen B).
    #[arg(long)]
    batch_size: usize,
    /// k, summary.json's proof.arity.
    #[arg(long)]
    arity: usize,
    /// A, the number of assets.
    #[arg(long)]
    assets: usize,
    /// d, the account-tree depth (summary.json's tree_depth).
    #[arg(long)]
    depth: u32,
    /// Folder to write root_common_data.bin and root_verifier_only.bin into.
    #[arg(long)]
    out: PathBuf,
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
struct BenchArgs {
    /// Which GPU to include: auto (a hardware GPU if there is one), gpu (any adapter,
    /// software ones such as lavapipe included) or cpu (no GPU entries).
    #[arg(long, value_enum, env = "ZKPOR_BACKEND", default_value_t = BackendArg::Auto)]
    backend: BackendArg,
    /// Smallest size, as log2 of states or leaves.
    #[arg(long, default_value_t = 16)]
    min_log: u32,
    /// Largest size, as log2 of states or leaves.
    #[arg(long, default_value_t = 22)]
    max_log: u32,
    /// Largest size for GPU entries [default: --max-log on a hardware GPU, 16 on a software one].
    #[arg(long)]
    gpu_max_log: Option<u32>,
    /// Timed runs per entry after one warm-up; medians are reported.
    #[arg(long, default_value_t = 3)]
    repeats: usize,
    /// Elements per leaf in the tree section (4 + 2 x assets: 44 for 20 assets).
    #[arg(long, default_value_t = 44)]
    leaf_width: usize,
    /// Smallest NTT and commitment size (log2; every second size up to --ntt-max-log runs).
    #[arg(long, default_value_t = 12)]
    ntt_min_log: u32,
    /// Largest NTT and commitment size (log2 of the column length / LDE rows).
    #[arg(long, default_value_t = 20)]
    ntt_max_log: u32,
    /// Users in the proof section's batch (a power of two).
    #[arg(long, default_value_t = 256)]
    proof_users: usize,
    /// Assets in the proof section's batch, and in the tiers section.
    #[arg(long, default_value_t = 20)]
    proof_assets: usize,
    /// Rows (log2) each tier's batch fills in the tiers section; 15 is what
    /// `zkpor prove` fills.
    #[arg(long, default_value_t = 15)]
    tier_row_log: u32,
    /// Sections to run, comma-separated [default: all].
    #[arg(long, value_enum, value_delimiter = ',')]
    only: Vec<SectionArg>,
    /// Also write the report as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Profile one extra run of each GPU entry: kernel times (timestamp queries
    /// where the adapter has them), uploads, read-backs, submissions, waits.
    #[arg(long)]
    profile: bool,
    /// Invocations per workgroup of the GPU hashing kernels, comma-separated:
    /// each size is its own set of GPU entries ("gpu/u64 wg128"), to rank them.
    #[arg(long, value_delimiter = ',', default_value = "64")]
    gpu_workgroups: Vec<u32>,
    /// Bytes per storage binding the GPU backend plans for, in MiB [default:
    /// the adapter's limit, at most 1024]; the adapter's limit still caps it.
    #[arg(long)]
    gpu_binding_mib: Option<u64>,
}

#[derive(Clone, Copy, ValueEnum)]
enum SectionArg {
    Permutations,
    Trees,
    Ntt,
    /// Polynomial commitments ("commit" is its former name).
    #[value(alias = "commit")]
    Oracles,
    Proofs,
    /// One batch proof per tier: dense against sparse K = 1, 4, 8, 16.
    Tiers,
}

impl From<SectionArg> for SectionKind {
    fn from(s: SectionArg) -> Self {
        match s {
            SectionArg::Permutations => SectionKind::Permutations,
            SectionArg::Trees => SectionKind::Trees,
            SectionArg::Ntt => SectionKind::Ntt,
            SectionArg::Oracles => SectionKind::Oracles,
            SectionArg::Proofs => SectionKind::Proofs,
            SectionArg::Tiers => SectionKind::Tiers,
        }
    }
}

#[derive(clap::Args)]
struct UserProofArgs {
    /// A commit output directory.
    dir: PathBuf,
    /// The user id, exactly as in the input.
    #[arg(long)]
    user: String,
    /// Write the proof here instead of stdout.
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(clap::Args)]
struct VerifyUserArgs {
    /// A user proof JSON file.
    file: PathBuf,
    /// The published root (64 hex digits). Without it, only the proof's own root is checked.
    #[arg(long, conflicts_with = "verified")]
    root: Option<String>,
    /// Take the root from this prove output directory, after verifying its root proof.
    #[arg(long)]
    verified: Option<PathBuf>,
    /// The round's published summary.json: the proof's symbols, decimals and depth must
    /// match it, and its root is the published root unless --root or --verified says otherwise.
    #[arg(long)]
    summary: Option<PathBuf>,
    /// Print the verdict as JSON.
    #[arg(long)]
    json: bool,
}

fn main() -> ExitCode {
    // First, while the process has one thread.
    zkpor::backend::gpu::quiet_headless_wayland_probe();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { exit::USAGE as u8 } else { 0 });
        }
    };
    let format = match cli.log_format {
        LogFormatArg::Text => LogFormat::Text,
        LogFormatArg::Json => LogFormat::Json,
    };
    let progress = Progress::new(cli.quiet || format == LogFormat::Json);
    let reporter = Reporter::new(progress, format, cli.quiet, "cpu");
    let json_stdout = matches!(&cli.command, Command::Prove(a) if a.commit.json)
        || matches!(&cli.command, Command::Aggregate(a) if a.json);
    // Commands that hash open their backend first, so every event names it.
    let backend = match backend_args(&cli.command).map(|b| open_backend(b, &reporter)) {
        Some(Ok(b)) => Some(b),
        Some(Err(e)) => return finish(Err(e), &reporter, json_stdout),
        None => None,
    };
    let reporter = match &backend {
        Some(b) => reporter.with_backend(b.name()),
        None => reporter,
    };
    let hashing: &dyn Backend = backend.as_deref().unwrap_or(CpuBackend::detected());
    let result = match cli.command {
        Command::Demo(a) => run_demo(a, hashing, reporter.clone()),
        Command::Gen(a) => run_gen(a, progress),
        Command::Commit(a) => run_commit(a, hashing, &reporter, cli.quiet),
        Command::Prove(a) => run_prove(a, hashing, reporter.clone()),
        Command::Aggregate(a) => run_aggregate(a, hashing, reporter.clone()),
        Command::Verify(a) => run_verify(a),
        Command::VerifierData(a) => run_verifier_data(a),
        Command::UserProof(a) => run_user_proof(a, cli.quiet),
        Command::VerifyUser(a) => run_verify_user(a),
        Command::Bench(a) => run_bench(a, progress, &reporter),
    };
    finish(result, &reporter, json_stdout)
}

/// The backend flags of the commands that hash.
fn backend_args(command: &Command) -> Option<BackendArgs> {
    match command {
        Command::Demo(a) => Some(a.backend),
        Command::Commit(a) => Some(a.commit.backend),
        Command::Prove(a) => Some(a.commit.backend),
        Command::Aggregate(a) => Some(a.backend),
        _ => None,
    }
}

/// Reports the outcome (a JSON event or text) and maps it to the exit code.
fn finish(result: Result<()>, reporter: &Reporter, json_stdout: bool) -> ExitCode {
    match result {
        Ok(()) => {
            let mut done = serde_json::json!({"exit_code": 0});
            if let Some(kb) = peak_rss_kb() {
                done["peak_rss_kb"] = kb.into();
            }
            reporter.event("done", "job", done);
            ExitCode::SUCCESS
        }
        Err(e) => {
            // The operator must see the numbers behind a shortfall, not just the verdict.
            if let Error::Shortfall(s) = &e {
                if let Some(summary) = &s.summary {
                    if json_stdout {
                        let _ = print_json(summary);
                    } else {
                        report::print_summary(summary, std::path::Path::new("(not published)"));
                    }
                }
            }
            let message = e.to_string();
            if reporter.is_json() {
                reporter.event(
                    "error",
                    "job",
                    serde_json::json!({"exit_code": e.exit_code(), "message": message.trim_end()}),
                );
            } else {
                eprintln!("error: {}", message.trim_end());
            }
            ExitCode::from(e.exit_code() as u8)
        }
    }
}

/// Opens the backend the user asked for; `auto` says why it fell back to the CPU.
fn open_backend(a: BackendArgs, reporter: &Reporter) -> Result<Box<dyn Backend>> {
    let selected =
        select(a.backend.into(), a.gpu_options()).map_err(|e| Error::Backend(e.to_string()))?;
    if let Some(notice) = &selected.notice {
        reporter.notice("backend", notice);
    }
    Ok(selected.backend)
}

/// The process's peak resident memory (VmHWM), where /proc has it.
fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn run_demo(a: DemoArgs, backend: &dyn Backend, reporter: Reporter) -> Result<()> {
    let outcome = demo::prove_sample(&a.data, &a.out, backend, reporter)?;
    report::print_summary(&outcome.summary, &outcome.out);
    report::print_proof(&outcome.summary);
    let verified = verify_out(&outcome.out, default_cache_dir().as_deref());
    report::print_verify(&outcome.out, &verified, false);
    verified?;
    let (proof, path) = demo::first_user_proof(&outcome.out)?;
    println!("\nuser proof written to {}", path.display());
    let root = Digest::from_hex(&outcome.summary.root).map_err(|e| Error::Verify(e.to_string()))?;
    let verdict = verify_user_proof(&proof, Some(root));
    report::print_user_verdict(&proof, &verdict, false);
    verdict.map(|_| ())
}

fn run_gen(a: GenArgs, progress: Progress) -> Result<()> {
    let format = match a.format {
        FormatArg::Csv => AccountsFormat::Csv,
        FormatArg::Long => AccountsFormat::Long,
        FormatArg::Okx => AccountsFormat::Okx,
    };
    let cfg = GenConfig {
        users: a.users,
        assets: a.assets,
        seed: a.seed,
        format,
        dense: a.dense,
    };
    generate(&cfg, &a.out, &progress.bar(a.users, "users"))?;
    println!(
        "wrote {} users x {} assets to {}",
        a.users,
        a.assets,
        a.out.display()
    );
    Ok(())
}

fn commit_request<'a>(
    a: &CommitArgs,
    backend: &'a dyn Backend,
    progress: Progress,
) -> CommitRequest<'a> {
    CommitRequest {
        accounts: a.accounts.clone(),
        assets: a.assets.clone(),
        reserves: a.reserves.clone(),
        secret: a.secret.clone(),
        out: a.out.clone(),
        force: a.force,
        max_problems: a.max_errors,
        backend,
        progress,
    }
}

fn warn_generated_secret(path: Option<&PathBuf>, quiet: bool) {
    if let (Some(path), false) = (path, quiet) {
        eprintln!("warning: {}", generated_secret_warning(path));
    }
}

fn generated_secret_warning(path: &std::path::Path) -> String {
    format!(
        "generated a new round secret at {} (mode 0600). Keep it private: anyone holding it can link user nonces. Pass it with --secret to reproduce this root.",
        path.display()
    )
}

fn print_json<T: serde::Serialize>(v: &T) -> Result<()> {
    println!(
        "{}",
        serde_json::to_string_pretty(v).map_err(|e| Error::Usage(e.to_string()))?
    );
    Ok(())
}

fn run_prove(a: ProveArgs, backend: &dyn Backend, reporter: Reporter) -> Result<()> {
    let shard = match (&a.shard, &a.shard_index_env, a.shard_count) {
        (Some(s), _, _) => Some(*s),
        (None, Some(var), Some(count)) => Some(shard_from_env(var, count)?),
        _ => None,
    };
    let reporter = match shard {
        Some(s) => reporter.with_shard(s.to_string()),
        None => reporter,
    };
    let req = ProveRequest {
        commit: commit_request(&a.commit, backend, reporter.progress()),
        batch_size: a.batch_size,
        arity: a.arity,
        fresh: a.fresh,
        shard,
        prepare_only: a.prepare,
        proving: a.proving.proving(),
        circuit_cache: a.proving.circuit_cache.clone(),
        tiers: a.tiers.0,
        reporter,
    };
    let outcome = prove(&req)?;
    if let Some(path) = &outcome.generated_secret {
        req.reporter
            .warning("commit", &generated_secret_warning(path));
    }
    print_outcome(&outcome, a.commit.json)
}

/// Reads the shard index from `var`, as a scheduler sets it for each task.
fn shard_from_env(var: &str, count: u32) -> Result<ShardSpec> {
    let value = std::env::var(var)
        .map_err(|_| Error::Usage(format!("--shard-index-env: ${var} is not set")))?;
    let index = value.trim().parse::<u32>().map_err(|_| {
        Error::Usage(format!(
            "--shard-index-env: ${var} is '{value}', not a shard index"
        ))
    })?;
    ShardSpec::new(index, count).map_err(|e| Error::Usage(format!("--shard-index-env: {e}")))
}

fn run_aggregate(a: AggregateArgs, backend: &dyn Backend, reporter: Reporter) -> Result<()> {
    let cache = a.proving.circuit_cache.as_deref();
    let outcome = aggregate(&a.dir, backend, a.proving.proving(), cache, &reporter)?;
    print_outcome(&outcome, a.json)
}

fn print_outcome(outcome: &ProveOutcome, json: bool) -> Result<()> {
    match &outcome.stage {
        Stage::Published { .. } if json => print_json(&outcome.summary),
        Stage::Published { .. } => {
            report::print_summary(&outcome.summary, &outcome.out);
            report::print_proof(&outcome.summary);
            Ok(())
        }
        Stage::Shard(r) => {
            report::print_shard(r, &outcome.out);
            Ok(())
        }
        Stage::Prepared => {
            println!(
                "job prepared in {}: {} users committed, root {}; start the shards now",
                outcome.out.display(),
                outcome.summary.users,
                outcome.summary.root
            );
            Ok(())
        }
    }
}

fn run_verify(a: VerifyArgs) -> Result<()> {
    let cache = (!a.no_cache).then(default_cache_dir).flatten();
    let result = verify_out(&a.dir, cache.as_deref());
    report::print_verify(&a.dir, &result, a.json);
    result.map(|_| ())
}

fn run_verifier_data(a: VerifierDataArgs) -> Result<()> {
    let shape = RoundShape {
        batch_size: a.batch_size,
        arity: a.arity,
        num_assets: a.assets,
        tree_depth: a.depth,
    };
    let expected = write_expected(shape, &a.out)?;
    if a.json {
        print_json(&expected)
    } else {
        report::print_expected(&expected, &a.out);
        Ok(())
    }
}

fn run_commit(
    a: CommitCmdArgs,
    backend: &dyn Backend,
    reporter: &Reporter,
    quiet: bool,
) -> Result<()> {
    let req = commit_request(&a.commit, backend, reporter.progress());
    let outcome = match &a.tiers.0 {
        None => commit(&req)?,
        Some(tiers) => commit_tiered(&req, tiers, reporter)?,
    };
    warn_generated_secret(outcome.generated_secret.as_ref(), quiet);
    if a.commit.json {
        print_json(&outcome.summary)?;
    } else {
        report::print_summary(&outcome.summary, &outcome.out);
    }
    Ok(())
}

fn run_user_proof(a: UserProofArgs, quiet: bool) -> Result<()> {
    let proof = make_user_proof(&a.dir, &a.user)?;
    let json =
        serde_json::to_string_pretty(&proof).map_err(|e| Error::Usage(e.to_string()))? + "\n";
    match &a.out {
        Some(path) => {
            zkpor::artifacts::write_atomic(path, json.as_bytes())
                .map_err(Error::io("cannot write", path))?;
            eprintln!(
                "wrote the inclusion proof of {} to {}",
                a.user,
                path.display()
            );
        }
        None => print!("{json}"),
    }
    if !quiet {
        let file = a
            .out
            .as_ref()
            .map_or_else(|| "FILE".to_string(), |p| p.display().to_string());
        eprintln!("{}", browser_hint(&file, &proof.root));
    }
    Ok(())
}

/// Where the customer's browser verifier is and how to use it. The page is
/// one self-contained file, so the path in this build's source tree is shown
/// when it exists.
fn browser_hint(file: &str, root: &str) -> String {
    let page = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("web/index.html");
    let page = if page.is_file() {
        page.display().to_string()
    } else {
        "web/index.html from zkpor's source".to_string()
    };
    format!(
        "customers can check it with only a browser: open {page} (or the copy hosted beside summary.json),\n\
         \x20 choose {file} and paste the published root; the file never leaves the page.\n\
         \x20 from a terminal: node web/verify.mjs {file} --root {root}"
    )
}

fn run_verify_user(a: VerifyUserArgs) -> Result<()> {
    let bytes = std::fs::read(&a.file).map_err(Error::io("cannot read", &a.file))?;
    let proof =
        zkpor::artifacts::user_proof::parse_user_proof(&a.file.display().to_string(), &bytes)?;
    // A summary that cannot be read is an I/O or format error; one the proof
    // does not match is part of the verdict.
    let published = match &a.summary {
        Some(path) => root_from_summary(&proof, &read_summary_file(path)?).map(Some),
        None => Ok(None),
    };
    let root = match (&a.root, &a.verified) {
        (Some(r), _) => {
            Some(Digest::from_hex(r).map_err(|e| Error::Usage(format!("--root: {e}")))?)
        }
        (None, Some(dir)) => Some(
            verify_out(dir, default_cache_dir().as_deref())?
                .values
                .account_root,
        ),
        (None, None) => published.as_ref().ok().copied().flatten(),
    };
    let verdict = published.and_then(|_| verify_user_proof(&proof, root));
    report::print_user_verdict(&proof, &verdict, a.json);
    verdict.map(|_| ())
}

fn run_bench(a: BenchArgs, progress: Progress, reporter: &Reporter) -> Result<()> {
    let sizes = zkpor::bench::Sizes {
        min_log: a.min_log,
        max_log: a.max_log,
        leaf_width: a.leaf_width,
        ntt_min_log: a.ntt_min_log,
        ntt_max_log: a.ntt_max_log,
        proof_users: a.proof_users,
        proof_assets: a.proof_assets,
        tier_row_log: a.tier_row_log,
        gpu_max_log: a.gpu_max_log,
    };
    sizes.check().map_err(Error::Usage)?;
    if let Some(w) = a.gpu_workgroups.iter().find(|w| !w.is_power_of_two()) {
        return Err(Error::Usage(format!(
            "--gpu-workgroups: {w} is not a power of two"
        )));
    }
    if a.gpu_binding_mib == Some(0) {
        return Err(Error::Usage("--gpu-binding-mib must be at least 1".into()));
    }
    let defaults = GpuOptions::default();
    let budget = a.gpu_binding_mib.map(|mib| mib.saturating_mul(1 << 20));
    let mut all = Vec::new();
    for &poseidon_workgroup in &a.gpu_workgroups {
        let opts = GpuOptions {
            profile: a.profile,
            poseidon_workgroup,
            binding_budget: budget.unwrap_or(defaults.binding_budget),
            ..defaults
        };
        let (gpus, notice) =
            gpus(a.backend.into(), opts).map_err(|e| Error::Backend(e.to_string()))?;
        if let Some(why) = notice {
            reporter.notice("bench", &why);
            break;
        }
        all.extend(gpus);
    }
    let gpus = all;
    let software = gpus.first().is_some_and(|g| !g.adapter().is_hardware());
    let sections = a.only.iter().map(|&s| s.into()).collect();
    let plan = zkpor::bench::Plan::new(sizes, a.repeats, sections, a.profile, software)
        .map_err(Error::Usage)?;
    let report = zkpor::bench::run(&plan, CpuBackend::detected(), &gpus, progress);
    report::print_bench(&report);
    zkpor::bench::print_profiles(&report);
    if let Some(path) = &a.json {
        let json = serde_json::to_vec_pretty(&report).map_err(|e| Error::Usage(e.to_string()))?;
        zkpor::artifacts::write_atomic(path, &json).map_err(Error::io("cannot write", path))?;
    }
    Ok(())
}
