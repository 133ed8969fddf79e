//! `zkpor bench`: a hardware report. Every section runs stock plonky2, the
//! vectorised CPU backend and (when one was opened) the GPU backend on the
//! same inputs in the same run, and reports medians with ratios against
//! plonky2.

pub mod fixtures;
pub mod machine;
pub mod measure;
pub mod oracle;
pub mod poseidon;
pub mod profile;
pub mod proofs;
pub mod stock;
pub mod tiers;

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
    /// log2 of the row budget each tier's batch fills in the tiers section.
    pub tier_row_log: u32,
}

/// The sections `zkpor bench` can run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SectionKind {
    Permutations,
    Trees,
    Ntt,
    /// Polynomial commitments (plonky2's `PolynomialBatch`).
    Oracles,
    Proofs,
    /// One batch proof per tier kind (format 2's sparse circuits).
    Tiers,
}

impl SectionKind {
    pub const ALL: [SectionKind; 6] = [
        SectionKind::Permutations,
        SectionKind::Trees,
        SectionKind::Ntt,
        SectionKind::Oracles,
        SectionKind::Proofs,
        SectionKind::Tiers,
    ];
}

/// The sizes `zkpor bench` is asked for, before they are checked.
#[derive(Clone, Copy, Debug)]
pub struct Sizes {
    pub min_log: u32,
    pub max_log: u32,
    pub leaf_width: usize,
    pub ntt_min_log: u32,
    pub ntt_max_log: u32,
    /// Users in the proof section's batch (a power of two).
    pub proof_users: usize,
    pub proof_assets: usize,
    /// Largest size for GPU entries; `None`: `max_log` on a hardware GPU, 16 on a software one.
    pub gpu_max_log: Option<u32>,
    /// The tiers section's row budget (log2; 15 is what the job fills).
    pub tier_row_log: u32,
}

/// The GPU size a software adapter stops at by default: beyond it a run takes minutes.
const SOFTWARE_GPU_MAX_LOG: u32 = 16;

impl Sizes {
    /// Why these sizes make no plan, if they do not (checked before any
    /// adapter is opened, so a typo costs no device setup).
    pub fn check(&self) -> Result<(), String> {
        let s = self;
        if s.min_log > s.max_log || s.max_log > 26 || s.leaf_width == 0 {
            return Err("bench needs --min-log <= --max-log <= 26 and --leaf-width >= 1".into());
        }
        if !s.proof_users.is_power_of_two() || s.proof_users < 2 || s.proof_assets == 0 {
            return Err(
                "bench needs --proof-users a power of two >= 2 and --proof-assets >= 1".into(),
            );
        }
        if s.ntt_min_log < 4 || s.ntt_min_log > s.ntt_max_log || s.ntt_max_log > 24 {
            return Err("bench needs 4 <= --ntt-min-log <= --ntt-max-log <= 24".into());
        }
        if !(8..=18).contains(&s.tier_row_log) {
            return Err("bench needs 8 <= --tier-row-log <= 18".into());
        }
        Ok(())
    }
}

impl Plan {
    /// The plan for `sizes`, or why they make none. `software_gpu`: the GPU
    /// entries run on a software adapter; `profile`: `--profile`.
    pub fn new(
        sizes: Sizes,
        repeats: usize,
        sections: Vec<SectionKind>,
        profile: bool,
        software_gpu: bool,
    ) -> Result<Plan, String> {
        sizes.check()?;
        let s = sizes;
        let default_gpu_max = if software_gpu {
            SOFTWARE_GPU_MAX_LOG
        } else {
            s.max_log
        };
        Ok(Plan {
            logs: s.min_log..=s.max_log,
            gpu_max_log: s.gpu_max_log.unwrap_or(default_gpu_max),
            repeats,
            leaf_width: s.leaf_width,
            ntt_logs: s.ntt_min_log..=s.ntt_max_log,
            proof_batch_log: s.proof_users.trailing_zeros(),
            proof_assets: s.proof_assets,
            sections: if sections.is_empty() {
                SectionKind::ALL.to_vec()
            } else {
                sections
            },
            profile,
            tier_row_log: s.tier_row_log,
        })
    }

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
            SectionKind::Ntt => sections.push(oracle::ntts(plan, gpus)),
            SectionKind::Oracles => sections.push(oracle::commitments(plan, cpu, gpus)),
            SectionKind::Proofs => sections.push(proofs::batch_proof(plan, cpu, gpus)),
            SectionKind::Tiers => sections.push(tiers::tier_proofs(plan, cpu)),
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
