//! Stand-alone transforms on the device with where their time went: plonky2's
//! `fft` / `ifft` of many columns, and the coset LDE. Tests check the kernels
//! through these and `zkpor bench` times them. Each stage (upload, compute,
//! download) finishes before the next starts so that the timings separate;
//! commitments chain the same kernels without the round trips (commit.rs).

use std::ops::Range;
use std::time::Instant;

use plonky2::field::polynomial::PolynomialCoeffs;
use plonky2::field::types::Field;

use super::columns::{self, STAGING, STORAGE};
use super::engine::SimpleTimings;
use super::ntt::{self, Columns};
use super::program::Recorder;
use super::twiddles::Table;
use super::{GpuBackend, GpuError};
use crate::backend::dft::{batch_len, Direction};
use crate::field::F;

/// The common length of `lengths`: equal powers of two, at least one column.
pub fn common_len(lengths: impl Iterator<Item = usize>) -> Result<usize, GpuError> {
    batch_len(lengths)
        .map_err(GpuError::Shape)?
        .ok_or_else(|| GpuError::Shape("no columns to transform".into()))
}

/// plonky2's `fft` (Forward) or `ifft` (Inverse) of each column, natural order
/// in and out, on the device.
pub fn ntt_columns(
    gpu: &GpuBackend,
    columns: &[Vec<F>],
    direction: Direction,
) -> Result<(Vec<Vec<F>>, SimpleTimings), GpuError> {
    let len = common_len(columns.iter().map(Vec::len))?;
    let log_n = len.trailing_zeros();
    let inverse = direction == Direction::Inverse;
    let twiddles = gpu.twiddles(Table::Roots { log_n, inverse })?;
    let scale = if inverse {
        F::inverse_2exp(log_n as usize)
    } else {
        F::ONE
    };
    let groups = columns::groups(columns.len(), len as u64 * 8, gpu.binding_budget)?;
    let mut timings = SimpleTimings::default();

    let t = Instant::now();
    let inputs = upload_groups(gpu, &groups, |g| {
        columns[g].iter().map(Vec::as_slice).collect()
    })?;
    let engine = gpu.engine();
    let outputs = alloc_groups(gpu, &groups, len, STORAGE)?;
    timings.upload = t.elapsed();

    let t = Instant::now();
    for ((g, input), out) in groups.iter().zip(&inputs).zip(&outputs) {
        let data = Columns {
            buffer: input,
            columns: g.len(),
            log_n,
        };
        let mut rec = Recorder::new(engine);
        ntt::dif(&mut rec, data, &twiddles)?;
        ntt::bit_reverse(&mut rec, data, out, scale)?;
        rec.submit()?;
    }
    engine.wait()?;
    timings.compute = t.elapsed();

    let t = Instant::now();
    let out = download_groups(gpu, &groups, &outputs, len)?;
    timings.download = t.elapsed();
    Ok((out, timings))
}

/// Each polynomial's coset LDE in natural order, as plonky2's
/// `p.lde(rate_bits).coset_fft_with_options(F::coset_shift(), Some(rate_bits), _)`.
pub fn coset_lde(
    gpu: &GpuBackend,
    polys: &[PolynomialCoeffs<F>],
    rate_bits: usize,
) -> Result<(Vec<Vec<F>>, SimpleTimings), GpuError> {
    let len = common_len(polys.iter().map(PolynomialCoeffs::len))?;
    let log_n = len.trailing_zeros();
    let rate = rate_bits as u32;
    let lde_len = len << rate_bits;
    let roots = gpu.twiddles(Table::Roots {
        log_n,
        inverse: false,
    })?;
    let powers = gpu.twiddles(Table::Coset {
        log_n,
        rate_bits: rate,
    })?;
    let groups = columns::groups(polys.len(), lde_len as u64 * 8, gpu.binding_budget)?;
    let mut timings = SimpleTimings::default();

    let t = Instant::now();
    let inputs = upload_groups(gpu, &groups, |g| {
        polys[g].iter().map(|p| p.coeffs.as_slice()).collect()
    })?;
    let engine = gpu.engine();
    let ldes = alloc_groups(gpu, &groups, lde_len, STORAGE)?;
    let outputs = alloc_groups(gpu, &groups, lde_len, STORAGE)?;
    timings.upload = t.elapsed();

    let t = Instant::now();
    for (((g, input), lde), out) in groups.iter().zip(&inputs).zip(&ldes).zip(&outputs) {
        let coeffs = Columns {
            buffer: input,
            columns: g.len(),
            log_n,
        };
        let blocks = Columns {
            buffer: lde,
            columns: g.len() << rate_bits,
            log_n,
        };
        let whole = Columns {
            buffer: lde,
            columns: g.len(),
            log_n: log_n + rate,
        };
        let mut rec = Recorder::new(engine);
        ntt::coset_spread(&mut rec, coeffs, &powers, lde, rate)?;
        ntt::dif(&mut rec, blocks, &roots)?;
        ntt::bit_reverse(&mut rec, whole, out, F::ONE)?;
        rec.submit()?;
    }
    engine.wait()?;
    timings.compute = t.elapsed();

    let t = Instant::now();
    let out = download_groups(gpu, &groups, &outputs, lde_len)?;
    timings.download = t.elapsed();
    Ok((out, timings))
}

/// One device buffer per group, holding that group's columns, written and waited for.
fn upload_groups<'c>(
    gpu: &GpuBackend,
    groups: &[Range<usize>],
    columns_of: impl Fn(Range<usize>) -> Vec<&'c [F]>,
) -> Result<Vec<wgpu::Buffer>, GpuError> {
    let engine = gpu.engine();
    let buffers = groups
        .iter()
        .map(|g| {
            let cols = columns_of(g.clone());
            let bytes = cols.iter().map(|c| c.len() as u64 * 8).sum();
            let buffer = engine.alloc("transform input", bytes, STORAGE)?;
            columns::upload(engine, &buffer, &cols)?;
            Ok(buffer)
        })
        .collect::<Result<Vec<_>, GpuError>>()?;
    // Queued writes reach the device with the next submission.
    engine.queue.submit([]);
    engine.wait()?;
    Ok(buffers)
}

fn alloc_groups(
    gpu: &GpuBackend,
    groups: &[Range<usize>],
    len: usize,
    usage: wgpu::BufferUsages,
) -> Result<Vec<wgpu::Buffer>, GpuError> {
    groups
        .iter()
        .map(|g| {
            gpu.engine()
                .alloc("transform buffer", (g.len() * len) as u64 * 8, usage)
        })
        .collect()
}

fn download_groups(
    gpu: &GpuBackend,
    groups: &[Range<usize>],
    buffers: &[wgpu::Buffer],
    len: usize,
) -> Result<Vec<Vec<F>>, GpuError> {
    let engine = gpu.engine();
    let staging = alloc_groups(gpu, groups, len, STAGING)?;
    let mut rec = Recorder::new(engine);
    for ((g, from), to) in groups.iter().zip(buffers).zip(&staging) {
        rec.copy(from, 0, to, 0, (g.len() * len) as u64 * 8);
    }
    rec.submit()?;
    let mut out = Vec::new();
    for (g, s) in groups.iter().zip(&staging) {
        out.extend(columns::download(engine, s, g.len(), len)?);
    }
    Ok(out)
}
