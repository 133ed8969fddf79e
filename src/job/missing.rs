//! The report `zkpor aggregate` gives when shards are not done: which batches
//! are missing or unusable, which nodes wait on them, and which shards hold them.

use super::layout::{names, JobDir};
use super::plan::Plan;
use super::shape::{Pos, Shape};
use super::shard::{share, ShardSpec};
use std::collections::BTreeMap;

/// "0-3, 7, 9-10" for sorted numbers.
pub fn ranges(values: &[u64]) -> String {
    let mut parts = Vec::new();
    let mut i = 0;
    while i < values.len() {
        let start = values[i];
        let mut end = start;
        while i + 1 < values.len() && values[i + 1] == end + 1 {
            i += 1;
            end = values[i];
        }
        parts.push(if start == end {
            start.to_string()
        } else {
            format!("{start}-{end}")
        });
        i += 1;
    }
    parts.join(", ")
}

/// Shard completion markers found in the job: count → finished indices.
pub fn markers(job: &JobDir) -> BTreeMap<u32, Vec<u32>> {
    let mut found: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir(job.file(names::SHARDS)) else {
        return found;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let spec = name
            .strip_suffix(".json")
            .and_then(|s| s.split_once("-of-"))
            .and_then(|(i, n)| ShardSpec::new(i.parse().ok()?, n.parse().ok()?).ok());
        if let Some(s) = spec {
            found.entry(s.count).or_default().push(s.index);
        }
    }
    found.values_mut().for_each(|v| v.sort_unstable());
    found
}

/// The full report for an incomplete plan.
pub fn report(job: &JobDir, shape: &Shape, plan: &Plan) -> String {
    let mut missing = plan.missing.clone();
    missing.sort_unstable();
    missing.dedup();
    let mut lines = vec![format!(
        "the job is not complete: {} of {} batch proofs are missing or unusable: batches {}",
        missing.len(),
        shape.real(0),
        ranges(&missing)
    )];
    for (pos, why) in &plan.rejected {
        lines.push(format!("  {pos} was rejected: {why}"));
    }
    let mut blocked: BTreeMap<u32, Vec<u64>> = BTreeMap::new();
    for p in &plan.blocked {
        blocked.entry(p.level).or_default().push(p.index);
    }
    let waiting: Vec<String> = blocked
        .into_iter()
        .map(|(level, mut nodes)| {
            nodes.sort_unstable();
            format!("level {level} nodes {}", ranges(&nodes))
        })
        .collect();
    if !waiting.is_empty() {
        lines.push(format!(
            "  aggregation proofs waiting on them: {}",
            waiting.join("; ")
        ));
    }
    let found = markers(job);
    if found.is_empty() {
        lines.push("  no shard has reported completion yet (shards/ is empty)".into());
    }
    for (count, done) in &found {
        for index in 0..*count {
            let spec = ShardSpec {
                index,
                count: *count,
            };
            let mine: Vec<u64> = {
                let b = share(shape, spec).batches(shape);
                missing.iter().copied().filter(|m| b.contains(m)).collect()
            };
            if mine.is_empty() {
                continue;
            }
            let state = if done.contains(&index) {
                "finished, but these proofs are missing or unusable now: run it again"
            } else {
                "not finished"
            };
            lines.push(format!(
                "  shard {spec} holds batches {} ({state})",
                ranges(&mine)
            ));
        }
    }
    lines.push(
        "Run the missing shards (zkpor prove ... --shard i/N), then zkpor aggregate again.".into(),
    );
    lines.join("\n")
}

/// Positions in a list, for JSON events.
pub fn positions(ps: &[Pos]) -> Vec<[u64; 2]> {
    ps.iter().map(|p| [u64::from(p.level), p.index]).collect()
}

#[cfg(test)]
mod tests {
    use super::ranges;

    #[test]
    fn compresses_runs() {
        assert_eq!(ranges(&[0, 1, 2, 3, 7, 9, 10]), "0-3, 7, 9-10");
        assert_eq!(ranges(&[5]), "5");
        assert_eq!(ranges(&[]), "");
    }
}
