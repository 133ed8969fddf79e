//! NTTs and whole polynomial commitments (interpolation, coset LDE, Merkle
//! tree): plonky2's own functions, the CPU backend's path and the GPU backend
//! on the same polynomials.

use plonky2::field::polynomial::{PolynomialCoeffs, PolynomialValues};
use plonky2::field::types::Sample;
use plonky2::util::timing::TimingTree;
use rayon::prelude::*;

use super::measure::{median_of, median_with_setup, profiled, Row, Section};
use super::Plan;
use crate::backend::cpu::dft;
use crate::backend::Direction;
use crate::backend::{CpuBackend, GpuBackend, Oracle, OracleShape, Oracles, Polys, Salt};
use crate::field::F;

/// Columns per NTT and polynomials per commitment: a batch proof's Z and
/// partial products are about this many.
pub const COLUMNS: usize = 20;
/// The LDE blow-up and Merkle cap of plonky2's standard recursion config.
const SHAPE: OracleShape = OracleShape {
    rate_bits: 3,
    cap_height: 4,
};

/// `count` random columns of 2^log_n elements (shared with the criterion benches).
pub fn random_columns(log_n: u32, count: usize) -> Vec<Vec<F>> {
    (0..count).map(|_| F::rand_vec(1 << log_n)).collect()
}

fn columns(log_n: u32) -> Vec<Vec<F>> {
    random_columns(log_n, COLUMNS)
}

/// plonky2's `fft` of every column, in parallel as the prover runs them.
pub fn plonky2_fft(cols: Vec<Vec<F>>) -> usize {
    cols.into_par_iter()
        .map(|c| PolynomialCoeffs::new(c).fft().values.len())
        .sum()
}

/// Forward NTTs of `COLUMNS` columns of 2^log elements.
pub fn ntts(plan: &Plan, gpus: &[GpuBackend]) -> Section {
    let title = format!("forward NTT of {COLUMNS} columns");
    let mut section = Section::new(&title, "column elements/s");
    for log in plan.ntt_logs() {
        let cols = columns(log);
        let items = (COLUMNS << log) as f64;
        let mut row = Row::new(log, rayon::current_num_threads());
        let t = median_with_setup(plan.repeats, || cols.clone(), plonky2_fft);
        row.push("plonky2", items, t);
        let t = median_with_setup(
            plan.repeats,
            || cols.clone(),
            |c| dft::ntt_columns(c, Direction::Forward).len(),
        );
        row.push("cpu", items, t);
        for gpu in gpus.iter().filter(|_| log <= plan.gpu_max_log) {
            let mut moved = 0.0;
            let mut failed = None;
            let t = median_of(plan.repeats, || {
                match gpu.ntt_columns(&cols, Direction::Forward) {
                    Ok((_, times)) => moved = (times.upload + times.download).as_secs_f64(),
                    Err(e) => failed = Some(e),
                }
            });
            if let Some(e) = failed {
                section.failed(gpu, log, &e);
                continue;
            }
            let e = row.push(gpu.label(), items, t);
            e.transfer_seconds = Some(moved);
            e.profile = profiled(plan.profile, gpu, || {
                gpu.ntt_columns(&cols, Direction::Forward)
            });
        }
        section.rows.push(row);
    }
    section
}

fn values(log_degree: u32) -> Vec<PolynomialValues<F>> {
    random_columns(log_degree, COLUMNS)
        .into_iter()
        .map(PolynomialValues::new)
        .collect()
}

/// plonky2's own `PolynomialBatch::from_values`, unblinded.
pub fn plonky2_oracle(v: Vec<PolynomialValues<F>>, shape: OracleShape) -> Oracle {
    let mut timing = TimingTree::default();
    Oracle::from_values(
        v,
        shape.rate_bits,
        false,
        shape.cap_height,
        &mut timing,
        None,
    )
}

/// `from_values` of `COLUMNS` polynomials whose LDE has 2^log rows.
pub fn commitments(plan: &Plan, cpu: &CpuBackend, gpus: &[GpuBackend]) -> Section {
    let title = format!(
        "polynomial commitment of {COLUMNS} polynomials (interpolate, coset LDE x{}, Merkle tree, cap {})",
        1 << SHAPE.rate_bits,
        SHAPE.cap_height
    );
    let mut section = Section::new(&title, "LDE rows/s");
    section
        .notes
        .push("the size is the LDE: 2^log rows, polynomials of degree 2^(log - 3)".into());
    for log in plan.ntt_logs() {
        let v = values(log - SHAPE.rate_bits as u32);
        let rows = (1usize << log) as f64;
        let mut row = Row::new(log, rayon::current_num_threads());
        let t = median_with_setup(
            plan.repeats,
            || v.clone(),
            |v| plonky2_oracle(v, SHAPE).merkle_tree.cap,
        );
        row.push("plonky2", rows, t);
        let t = median_with_setup(
            plan.repeats,
            || v.clone(),
            |v| {
                cpu.oracle(Polys::Values(v), SHAPE, Salt::None)
                    .map(|b| b.merkle_tree.cap)
            },
        );
        row.push(format!("cpu/{}", cpu.isa().name()), rows, t);
        for gpu in gpus.iter().filter(|_| log <= plan.gpu_max_log) {
            let mut failed = None;
            let t = median_with_setup(
                plan.repeats,
                || v.clone(),
                |v| {
                    if let Err(e) = gpu.try_oracle(Polys::Values(v), SHAPE, Salt::None) {
                        failed = Some(e);
                    }
                },
            );
            if let Some(e) = failed {
                section.failed(gpu, log, &e);
                continue;
            }
            let e = row.push(gpu.label(), rows, t);
            // Up: the values. Down: coefficients, LDE rows and every digest.
            let up = (COLUMNS << (log - SHAPE.rate_bits as u32)) as u64 * 8;
            let down = up + (COLUMNS << log) as u64 * 8 + (2u64 << log) * 32;
            e.transfer_seconds = gpu
                .measure_transfers(up, down)
                .ok()
                .map(|t| (t.upload + t.download).as_secs_f64());
            let input = Polys::Values(v.clone());
            e.profile = profiled(plan.profile, gpu, || {
                gpu.try_oracle(input, SHAPE, Salt::None)
            });
        }
        section.rows.push(row);
    }
    section
}
