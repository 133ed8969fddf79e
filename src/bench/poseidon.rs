//! Poseidon throughput: bare permutations, and whole Merkle trees over
//! account-sized leaves, for stock plonky2, the vectorised CPU backend and
//! the GPU backend, side by side.

use plonky2::field::types::{Field, PrimeField64, Sample};
use plonky2::hash::merkle_tree::MerkleTree;
use plonky2::hash::poseidon::{Poseidon, PoseidonHash, SPONGE_WIDTH};
use rayon::prelude::*;
use std::time::Duration;

use super::measure::{median_of, median_with_setup, profiled, Row, Section};
use super::Plan;
use crate::backend::{CpuBackend, GpuBackend, MerkleHasher};
use crate::field::F;

/// States per rayon task on the CPU.
const CPU_TASK: usize = 1 << 10;

type State = [u64; SPONGE_WIDTH];

fn random_states(n: usize) -> Vec<State> {
    (0..n)
        .map(|_| F::rand_array::<SPONGE_WIDTH>().map(|x| x.to_canonical_u64()))
        .collect()
}

fn plonky2_permute(states: &mut [State]) {
    states.par_chunks_mut(CPU_TASK).for_each(|chunk| {
        for s in chunk {
            *s = F::poseidon(s.map(F::from_noncanonical_u64)).map(|x| x.to_canonical_u64());
        }
    });
}

fn simd_permute(cpu: &CpuBackend, states: &mut [State]) {
    states
        .par_chunks_mut(CPU_TASK)
        .for_each(|chunk| cpu.isa().permute(chunk));
}

/// Permutations per second at each size.
pub fn permutations(plan: &Plan, cpu: &CpuBackend, gpus: &[GpuBackend]) -> Section {
    let mut section = Section::new("Poseidon permutations (width 12)", "permutations/s");
    for log in plan.logs.clone() {
        let n = 1usize << log;
        let states = random_states(n);
        let mut row = Row::new(log, rayon::current_num_threads());
        let t = median_with_setup(
            plan.repeats,
            || states.clone(),
            |mut s| plonky2_permute(&mut s),
        );
        row.push("plonky2", n as f64, t);
        let t = median_with_setup(
            plan.repeats,
            || states.clone(),
            |mut s| simd_permute(cpu, &mut s),
        );
        row.push(format!("cpu/{}", cpu.isa().name()), n as f64, t);
        for gpu in gpus.iter().filter(|_| log <= plan.gpu_max_log) {
            // One call for all states: the backend streams them in chunks.
            let mut transfer = Duration::ZERO;
            let mut failed = None;
            let t = median_of(plan.repeats, || match gpu.permute(&states) {
                Ok((_, times)) => transfer = times.upload + times.download,
                Err(e) => failed = Some(e),
            });
            if let Some(e) = failed {
                section.failed(gpu, log, &e);
                continue;
            }
            let e = row.push(gpu.label(), n as f64, t);
            e.transfer_seconds = Some(transfer.as_secs_f64());
            e.profile = profiled(plan.profile, gpu, || gpu.permute(&states));
        }
        section.rows.push(row);
    }
    section
}

/// The same at one size on a single thread: the per-core figure.
pub fn permutations_one_core(plan: &Plan, cpu: &CpuBackend) -> Section {
    let mut section = Section::new("Poseidon permutations, one thread", "permutations/s");
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build();
    let Ok(pool) = pool else {
        section
            .notes
            .push("could not start a one-thread pool".into());
        return section;
    };
    let log = *plan.logs.start();
    let states = random_states(1 << log);
    let mut row = Row::new(log, 1);
    pool.install(|| {
        let t = median_with_setup(
            plan.repeats,
            || states.clone(),
            |mut s| plonky2_permute(&mut s),
        );
        row.push("plonky2", states.len() as f64, t);
        let t = median_with_setup(
            plan.repeats,
            || states.clone(),
            |mut s| simd_permute(cpu, &mut s),
        );
        row.push(format!("cpu/{}", cpu.isa().name()), states.len() as f64, t);
    });
    section.rows.push(row);
    section
}

/// Leaves per second for a whole tree: hash `2^log` leaves of `leaf_width`
/// elements and build plonky2's Merkle tree over them (cap height 0).
pub fn trees(plan: &Plan, cpu: &CpuBackend, gpus: &[GpuBackend]) -> Section {
    let width = plan.leaf_width;
    let title = format!("Merkle tree over {width}-element leaves (hash leaves + build tree)");
    let mut section = Section::new(&title, "leaves/s");
    section.notes.push(format!(
        "a leaf costs {} permutations plus one per inner node",
        width.div_ceil(8)
    ));
    for log in plan.logs.clone() {
        let n = 1usize << log;
        let flat = F::rand_vec(n * width);
        let rows: Vec<Vec<F>> = flat.chunks(width).map(<[F]>::to_vec).collect();
        let mut row = Row::new(log, rayon::current_num_threads());
        let t = median_with_setup(
            plan.repeats,
            || rows.clone(),
            |r| MerkleTree::<F, PoseidonHash>::new(r, 0).cap,
        );
        row.push("plonky2", n as f64, t);
        let t = median_of(plan.repeats, || {
            cpu.merkle_tree(&flat, width, 0).map(|d| d.cap)
        });
        row.push(format!("cpu/{}", cpu.isa().name()), n as f64, t);
        for gpu in gpus.iter().filter(|_| log <= plan.gpu_max_log) {
            let mut failed = None;
            let t = median_of(plan.repeats, || {
                if let Err(e) = gpu.merkle_tree(&flat, width, 0) {
                    failed = Some(e);
                }
            });
            if let Some(e) = failed {
                section.failed(gpu, log, &e);
                continue;
            }
            let e = row.push(gpu.label(), n as f64, t);
            let up = (n * width * 8) as u64;
            let down = ((2 * n).saturating_sub(2) * 32) as u64;
            e.transfer_seconds = gpu
                .measure_transfers(up, down)
                .ok()
                .map(|t| (t.upload + t.download).as_secs_f64());
            e.profile = profiled(plan.profile, gpu, || gpu.merkle_tree(&flat, width, 0));
        }
        section.rows.push(row);
    }
    section
}
