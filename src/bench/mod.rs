//! `zkpor bench`: a hardware report. Every section runs stock plonky2, the
//! vectorised CPU backend and (when one was opened) the GPU backend on the
//! same inputs in the same run, and reports medians with ratios against
//! plonky2.

pub mod commit;
pub mod fixtures;
pub mod machine;
pub mod measure;
pub mod poseidon;
pub mod profile;
pub mod proofs;
pub mod stock;

use serde::Serialize;
use std::ops::RangeInclusive;

use crate::backend::{CpuBackend, GpuBackend};
use crate::progress::Progress;
pub use machine::Machine;
pub use measure::{Entry, Row, Section};
pub use profile::print_profiles;

/// What to measure.
#[derive(Clone, Debug)]
pub struct Plan {
    /// log2 sizes (states, leaves) to run.
    pub logs: RangeInclusive<u32>,
    /// Largest log2 size the GPU entries run at.
    pub gpu_max_log: u32,
    /// Timed runs per entry (after one warm-up); the median is reported.
    pub repeats: usize,
    /// Elements per leaf in the tree section (an account leaf is 4 + 2 x assets).
    pub leaf_width: usize,
    /// log2 sizes of the NTT and commitment sections (every other one is run).
    pub ntt_logs: RangeInclusive<u32>,
    /// log2 of the users in the proof section's batch.
    pub proof_batch_log: u32,
    /// Assets in the proof section's batch.
    pub proof_assets: usize,
    /// Which sections to run.
    pub sections: Vec<SectionKind>,
    /// Profile one extra run of each GPU entry (`--profile`).
    pub profile: bool,
}

/// The sections `zkpor bench` can run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SectionKind {
    Permutations,
    Trees,
    Ntt,
    Commit,
    Proofs,
}

impl SectionKind {
    pub const ALL: [SectionKind; 5] = [
        SectionKind::Permutations,
        SectionKind::Trees,
        SectionKind::Ntt,
        SectionKind::Commit,
        SectionKind::Proofs,
    ];
}

impl Plan {
    /// The NTT and commitment sizes: every second log2 size of `ntt_logs`.
    pub fn ntt_logs(&self) -> impl Iterator<Item = u32> {
        self.ntt_logs.clone().step_by(2)
    }
}

/// Everything `zkpor bench` prints, also written as JSON.
#[derive(Clone, Debug, Serialize)]
pub struct BenchReport {
    pub zkpor_version: String,
    pub machine: Machine,
    pub sections: Vec<Section>,
}

/// Runs every section. `gpus` are the GPU backends to include (one per
/// arithmetic), empty for a CPU-only report.
pub fn run(plan: &Plan, cpu: &CpuBackend, gpus: &[GpuBackend], progress: Progress) -> BenchReport {
    let adapter = gpus.first().map(|g| g.adapter().clone());
    let machine = Machine::probe(cpu.isa().name(), adapter);
    let mut sections = Vec::new();

    for kind in &plan.sections {
        let spinner = progress.spinner(&format!("bench: {kind:?}"));
        match kind {
            SectionKind::Permutations => {
                sections.push(poseidon::permutations_one_core(plan, cpu));
                sections.push(poseidon::permutations(plan, cpu, gpus));
            }
            SectionKind::Trees => sections.push(poseidon::trees(plan, cpu, gpus)),
            SectionKind::Ntt => sections.push(commit::ntts(plan, gpus)),
            SectionKind::Commit => sections.push(commit::commitments(plan, cpu, gpus)),
            SectionKind::Proofs => sections.push(proofs::batch_proof(plan, cpu, gpus)),
        }
        spinner.finish_and_clear();
    }
    add_software_notes(&machine, plan, &mut sections);
    BenchReport {
        zkpor_version: env!("CARGO_PKG_VERSION").to_string(),
        machine,
        sections,
    }
}

fn add_software_notes(machine: &Machine, plan: &Plan, sections: &mut [Section]) {
    if machine.gpu.is_none() {
        return;
    }
    for s in sections.iter_mut().filter(|s| {
        s.rows
            .iter()
            .any(|r| r.entries.iter().any(|e| e.implementation.contains("gpu")))
    }) {
        if machine.gpu_is_software {
            s.notes.push(
                "GPU entries ran on a SOFTWARE adapter (a CPU emulating a GPU, e.g. lavapipe): they are not GPU figures".into(),
            );
        }
        if s.rows.iter().any(|r| r.log_size > plan.gpu_max_log) {
            s.notes.push(format!(
                "GPU entries stop at 2^{} (--gpu-max-log)",
                plan.gpu_max_log
            ));
        }
    }
}
