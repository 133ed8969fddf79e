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
pub fn upload(engine: &Engine, buffer: &wgpu::Buffer, columns: &[&[F]]) -> Result<(), GpuError> {
    // Columns of a group share one length (`common_len`), so element i is
    // column i / len, row i % len; written straight into staging memory.
    let len = columns.first().map_or(0, |c| c.len());
    if columns.iter().any(|c| c.len() != len) {
        return Err(GpuError::Internal("columns of one group differ in length"));
    }
    if len.is_power_of_two() {
        // Every caller's case: a shift and a mask instead of a division per element.
        let (shift, mask) = (len.trailing_zeros(), len - 1);
        engine.write_words(buffer, len * columns.len(), |i| {
            columns[i >> shift][i & mask].to_canonical_u64()
        })
    } else {
        engine.write_words(buffer, len * columns.len(), |i| {
            columns[i / len][i % len].to_canonical_u64()
        })
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
