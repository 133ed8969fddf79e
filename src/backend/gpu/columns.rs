//! Column-major data between host and device: which columns share a binding,
//! and the copies in and out.

use std::ops::Range;

use plonky2::field::types::PrimeField64;
use rayon::prelude::*;

use super::engine::{elements, Engine};
use super::GpuError;
use crate::field::F;

pub const STORAGE: wgpu::BufferUsages = wgpu::BufferUsages::STORAGE
    .union(wgpu::BufferUsages::COPY_DST)
    .union(wgpu::BufferUsages::COPY_SRC);
pub const STAGING: wgpu::BufferUsages =
    wgpu::BufferUsages::MAP_READ.union(wgpu::BufferUsages::COPY_DST);

/// Splits `count` columns of `column_bytes` each into runs that fit one
/// binding of `budget` bytes.
pub fn groups(count: usize, column_bytes: u64, budget: u64) -> Result<Vec<Range<usize>>, GpuError> {
    if column_bytes > budget {
        return Err(GpuError::Shape(format!(
            "one column of {column_bytes} bytes exceeds the {budget}-byte binding budget"
        )));
    }
    let per = (budget / column_bytes.max(1)).max(1) as usize;
    Ok((0..count)
        .step_by(per)
        .map(|s| s..(s + per).min(count))
        .collect())
}

/// Queues `columns`, canonical and one after another, for writing at the
/// start of `buffer` (it lands before the next submission).
pub fn upload(engine: &Engine, buffer: &wgpu::Buffer, columns: &[&[F]]) {
    let limbs: Vec<u64> = columns
        .par_iter()
        .flat_map_iter(|c| c.iter().map(|x| x.to_canonical_u64()))
        .collect();
    if !limbs.is_empty() {
        engine
            .queue
            .write_buffer(buffer, 0, bytemuck::cast_slice(&limbs));
    }
}

/// Reads `count` columns of `len` elements from a finished staging buffer.
pub fn download(
    engine: &Engine,
    staging: &wgpu::Buffer,
    count: usize,
    len: usize,
) -> Result<Vec<Vec<F>>, GpuError> {
    let bytes = (count * len * 8) as u64;
    engine.read_staging(staging, bytes, |b| {
        if len == 0 {
            return Ok(vec![Vec::new(); count]);
        }
        b.par_chunks(len * 8).map(elements).collect()
    })
}
