//! Human and JSON rendering of results for the terminal.

use std::path::Path;
use zkpor::artifacts::{Summary, UserProofFile};
use zkpor::bench::{BenchReport, Section};
use zkpor::error::Result;
use zkpor::inclusion::{TierPlace, UserVerdict};
use zkpor::job::ShardReport;
use zkpor::verify::expected::ExpectedVerifier;
use zkpor::verify::round::{VerifierSource, VerifyReport};

pub fn print_summary(s: &Summary, out: &Path) {
    println!("committed {} users into {}", s.users, out.display());
    println!("  root        {}", s.root);
    match &s.tiers {
        None => println!("  tree depth  {} (backend: {})", s.tree_depth, s.backend),
        Some(tiers) => {
            let each: Vec<String> = tiers
                .iter()
                .map(|t| {
                    let kind = t.capacity.map_or("dense".into(), |k| format!("K = {k}"));
                    format!("{kind}: {} users, depth {}", t.users, t.tree_depth)
                })
                .collect();
            println!("  tiers       {} (backend: {})", each.join("; "), s.backend);
        }
    }
    println!(
        "  {:<8} {:>24} {:>24} {:>24} {:>9}",
        "asset", "total equity", "total debt", "reserve", "coverage"
    );
    for a in &s.assets {
        let reserve = a.reserve.as_deref().unwrap_or("-");
        let cover = match (a.covered, &a.coverage_ratio) {
            (Some(false), _) => "SHORT".to_string(),
            (_, Some(r)) => r.clone(),
            (Some(true), None) => "n/a".to_string(),
            (None, _) => "-".to_string(),
        };
        println!(
            "  {:<8} {:>24} {:>24} {:>24} {:>9}",
            a.symbol, a.total_equity, a.total_debt, reserve, cover
        );
    }
    match s.all_covered {
        Some(true) => println!("reserves cover every asset"),
        Some(false) => {
            for a in s.assets.iter().filter(|a| a.covered == Some(false)) {
                println!(
                    "RESERVE SHORTFALL: {} is short by {}",
                    a.symbol,
                    a.shortfall.as_deref().unwrap_or("?")
                );
            }
        }
        None => println!("no reserves given: coverage not checked"),
    }
}

pub fn print_user_verdict(p: &UserProofFile, verdict: &Result<UserVerdict>, json: bool) {
    if json {
        let v = match verdict {
            Ok(v) => {
                let mut j = serde_json::json!({"valid": true, "user_id": v.user_id, "leaf_index": v.leaf_index,
                "root": v.root.to_hex(), "root_checked_against_published": v.root_trusted});
                if let Some(t) = v.tier {
                    j["tier"] = serde_json::json!({"index": t.index, "capacity": t.capacity});
                }
                j
            }
            Err(e) => {
                serde_json::json!({"valid": false, "user_id": p.user_id, "error": e.to_string()})
            }
        };
        println!("{v}");
        return;
    }
    match verdict {
        Ok(v) => {
            println!(
                "VALID: user {} is included at leaf {}{} of root {}",
                v.user_id,
                v.leaf_index,
                tier_words(v.tier),
                v.root
            );
            for b in p
                .balances
                .iter()
                .filter(|b| !is_zero(&b.equity) || !is_zero(&b.debt))
            {
                println!(
                    "  {:<8} equity {:>22}  debt {:>22}",
                    b.symbol, b.equity, b.debt
                );
            }
            if !v.root_trusted {
                println!("note: compare this root with the one the exchange published, or pass it with --root");
            }
        }
        Err(e) => println!("INVALID: {e}"),
    }
}

/// " of tier T (capacity K)" for a tiered round's leaf; nothing for format 1.
fn tier_words(tier: Option<TierPlace>) -> String {
    let Some(t) = tier else {
        return String::new();
    };
    let kind = t
        .capacity
        .map_or_else(|| "dense".to_string(), |k| format!("capacity {k}"));
    format!(" of tier {} ({kind})", t.index)
}

fn is_zero(s: &str) -> bool {
    s.chars().all(|c| c == '0' || c == '.')
}

pub fn print_proof(s: &Summary) {
    let Some(p) = &s.proof else { return };
    let auto = if p.batch_size_auto { " (auto)" } else { "" };
    let tree = |t: &zkpor::artifacts::TreeProofSummary| {
        format!(
            "batch size {}{auto} ({} users per batch proof), levels {:?}, {} batch slots",
            t.batch_size, t.effective_batch_size, t.level_arities, t.batches
        )
    };
    println!(
        "root proof: {} bytes, zero-knowledge: {}, arity {}",
        p.proof_bytes, p.zero_knowledge, p.arity
    );
    if let Some(t) = &p.tree {
        println!("  {}", tree(t));
    }
    for (i, t) in s.tiers.iter().flatten().enumerate() {
        let kind = t
            .capacity
            .map_or("dense".to_string(), |k| format!("K = {k}"));
        let proof = t.proof.as_ref().map(&tree).unwrap_or_default();
        println!("  tier {i} ({kind}): {} users, {proof}", t.users);
    }
    println!("  price commitment    {}", p.price_commitment);
    println!("  reserve commitment  {}", p.reserve_commitment);
    println!("  parameter digest    {}", p.params_digest);
    let t = &s.timings_ms;
    let phase = |k: &str| t.get(k).copied().unwrap_or(0);
    println!(
        "  timings (ms): leaves {}, tree {}, circuits {}, batches {}, aggregation {}, root {}",
        phase("read_and_hash_leaves"),
        phase("build_tree"),
        phase("build_circuits"),
        phase("prove_batches"),
        phase("aggregate"),
        phase("prove_root")
    );
}

pub fn print_expected(e: &ExpectedVerifier, out: &Path) {
    println!(
        "root circuit digest {} for batch size {} ({} per batch proof), arity {}, {} assets, depth {}",
        e.root_circuit_digest,
        e.batch_size,
        e.effective_batch_size,
        e.arity,
        e.num_assets,
        e.tree_depth
    );
    println!("  parameter digest    {}", e.params_digest);
    for f in [&e.common_data, &e.verifier_only] {
        println!(
            "  wrote {} ({} bytes, sha256 {})",
            out.join(&f.name).display(),
            f.bytes,
            f.sha256
        );
    }
}

pub fn print_verify(dir: &Path, r: &Result<VerifyReport>, json: bool) {
    if json {
        let v = match r {
            Ok(r) => {
                serde_json::json!({"valid": true, "root": r.summary.root, "users": r.values.users,
                "rebuild_ms": r.rebuild_ms, "from_cache": r.source == VerifierSource::Cache, "verify_ms": r.verify_ms, "assets": r.summary.assets})
            }
            Err(e) => serde_json::json!({"valid": false, "error": e.to_string()}),
        };
        println!("{v}");
        return;
    }
    match r {
        Ok(r) => {
            let how = match r.source {
                VerifierSource::Rebuilt => format!("rebuilt in {} ms", r.rebuild_ms),
                VerifierSource::Cache => {
                    "rebuilt earlier on this machine, read from the cache".to_string()
                }
            };
            println!(
                "VALID: the root proof in {} verifies against circuits rebuilt from its parameters ({how}; {} ms to verify)",
                dir.display(),
                r.verify_ms
            );
            println!(
                "  account root {} over {} users",
                r.summary.root, r.values.users
            );
            for a in &r.summary.assets {
                println!(
                    "  {:<8} equity {:>22}  debt {:>22}  reserve {:>22}  coverage {}",
                    a.symbol,
                    a.total_equity,
                    a.total_debt,
                    a.reserve.as_deref().unwrap_or("-"),
                    a.coverage_ratio.as_deref().unwrap_or("n/a")
                );
            }
        }
        Err(e) => println!("INVALID: {e}"),
    }
}

pub fn print_bench(r: &BenchReport) {
    let m = &r.machine;
    println!("zkpor {} bench", r.zkpor_version);
    println!(
        "  CPU  {} ({} CPUs, {} threads), Poseidon on {}",
        m.cpu, m.cpus, m.threads, m.cpu_poseidon
    );
    match &m.gpu {
        Some(g) => {
            println!("  GPU  {g}");
            if m.gpu_is_software {
                println!("       a SOFTWARE adapter: its figures are a CPU emulating a GPU, not GPU figures");
            }
            println!(
                "       limits: {} MiB per storage binding, {} MiB per buffer, {} workgroups per dimension, {} invocations and {} KiB shared memory per workgroup, 64-bit integers: {}",
                g.max_storage_buffer_binding_size >> 20,
                g.max_buffer_size >> 20,
                g.max_compute_workgroups_per_dimension,
                g.max_compute_invocations_per_workgroup,
                g.max_compute_workgroup_storage_size >> 10,
                if g.shader_int64 { "yes" } else { "no" }
            );
        }
        None => println!("  GPU  none in this report"),
    }
    for s in &r.sections {
        print_section(s);
    }
}

fn print_section(s: &Section) {
    println!(
        "\n{} ({}, median; ratio against the first column)",
        s.title, s.unit
    );
    for row in &s.rows {
        let cells: Vec<String> = row
            .entries
            .iter()
            .map(|e| {
                let moved = e
                    .transfer_seconds
                    .map(|t| format!(", transfers {:.0}%", 100.0 * t / e.seconds))
                    .unwrap_or_default();
                format!(
                    "{} {} ({:.2}x{moved})",
                    e.implementation,
                    rate(e.rate),
                    e.ratio
                )
            })
            .collect();
        println!(
            "  2^{:<2} {}t  {}",
            row.log_size,
            row.threads,
            cells.join("  |  ")
        );
    }
    if let Some(c) = &s.circuit {
        println!(
            "  rows: {} used of {} for {} users x {} assets: {:.1} rows per user ({:.1} padded)",
            c.rows, c.padded_rows, c.users, c.assets, c.rows_per_user, c.padded_rows_per_user
        );
    }
    for n in &s.notes {
        println!("  note: {n}");
    }
}

/// 1234567.0 -> "1.23 M/s".
fn rate(r: f64) -> String {
    match r {
        r if r >= 1e9 => format!("{:.2} G/s", r / 1e9),
        r if r >= 1e6 => format!("{:.2} M/s", r / 1e6),
        r if r >= 1e3 => format!("{:.1} K/s", r / 1e3),
        r => format!("{r:.1}/s"),
    }
}

pub fn print_shard(r: &ShardReport, out: &Path) {
    let b = &r.batches;
    let span = if r.tiers.is_empty() {
        format!("batches {}..{}", b.start, b.end)
    } else {
        format!("a share of {} tiers", r.tiers.len())
    };
    println!(
        "shard {} done in {}: {span} ({} proved, {} aggregation proofs made, {} reused)",
        r.spec,
        out.display(),
        r.stats.batches_proved,
        r.stats.nodes_proved,
        r.stats.loaded
    );
    let tops = |roots: &[zkpor::job::shape::Pos]| -> String {
        roots
            .iter()
            .map(|p| p.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    if r.tiers.is_empty() {
        println!("  highest proofs: {}", tops(&r.roots));
    }
    for t in &r.tiers {
        println!(
            "  tier {}: batches {}..{}, highest proofs: {}",
            t.tier,
            t.batches.start,
            t.batches.end,
            tops(&t.roots)
        );
    }
    println!(
        "  when every shard is done: zkpor aggregate {}",
        out.display()
    );
}
