//! Polynomial commitments on the device: plonky2's `from_values` /
//! `from_coeffs`, with the data staying on the device from upload to tree.
//!
//! Phase 1, per group of columns that fits one binding: upload; for values,
//! the inverse NTT and a bit reversal times 1/n into natural-order
//! coefficients, copied to a staging buffer for readback; the coset spread and
//! size-n DIF NTTs, which leave each LDE column in bit-reversed order, i.e. in
//! Merkle row order. Salt columns are bit-reversed on the host and uploaded as
//! one more group. Phase 2 is the tree engine over chunks of rows: the
//! transpose kernel gathers a chunk's rows from every group, then it is hashed
//! and reduced, and its rows and digests come back while the next chunk runs.

use std::sync::Arc;
use std::time::Instant;

use plonky2::field::polynomial::PolynomialCoeffs;
use plonky2::field::types::Field;
use plonky2::util::reverse_index_bits_in_place;
use rayon::prelude::*;

use super::columns::{self, STAGING, STORAGE};
use super::ntt::{self, Columns, RowWindow};
use super::program::Recorder;
use super::transforms::common_len;
use super::twiddles::Table;
use super::{trees, GpuBackend, GpuError};
use crate::backend::oracle::{assemble, Oracle, OracleShape, OracleTimings, Polys, Salt};
use crate::field::F;

/// Sizes of one commitment.
#[derive(Clone, Copy, Debug)]
struct Dims {
    polys: usize,
    log_n: u32,
    rate_bits: u32,
    salt: usize,
}

impl Dims {
    fn new(polys: &Polys, shape: OracleShape, salt: &Salt) -> Result<Self, GpuError> {
        let n = match polys {
            Polys::Values(v) => common_len(v.iter().map(|p| p.len())),
            Polys::Coeffs(c) => common_len(c.iter().map(PolynomialCoeffs::len)),
        }?;
        let log_n = n.trailing_zeros();
        let log_lde = log_n as usize + shape.rate_bits;
        if log_lde > 31 || shape.cap_height > log_lde {
            return Err(GpuError::Shape(format!(
                "an LDE of 2^{log_lde} rows with cap height {} is out of range",
                shape.cap_height
            )));
        }
        salt.check(1 << log_lde).map_err(GpuError::Shape)?;
        Ok(Dims {
            polys: polys.len(),
            log_n,
            rate_bits: shape.rate_bits as u32,
            salt: salt_width(salt),
        })
    }

    fn n(&self) -> usize {
        1 << self.log_n
    }

    fn log_lde(&self) -> u32 {
        self.log_n + self.rate_bits
    }

    fn lde_len(&self) -> usize {
        1 << self.log_lde()
    }

    /// Elements per Merkle leaf.
    fn width(&self) -> usize {
        self.polys + self.salt
    }
}

fn salt_width(salt: &Salt) -> usize {
    if salt.blinding() {
        plonky2::fri::oracle::SALT_SIZE
    } else {
        0
    }
}

/// LDE columns on the device, in row order, and where they sit in a leaf.
struct Group {
    first_col: usize,
    count: usize,
    lde: wgpu::Buffer,
    /// The coefficients' staging buffer, when they were interpolated here.
    coeffs: Option<wgpu::Buffer>,
}

/// plonky2's `from_values` / `from_coeffs` on the device, with stage timings.
pub fn oracle(
    gpu: &GpuBackend,
    polys: Polys,
    shape: OracleShape,
    salt: Salt,
) -> Result<(Oracle, OracleTimings), GpuError> {
    let start = Instant::now();
    let dims = Dims::new(&polys, shape, &salt)?;
    let blinding = salt.blinding();
    let mut timings = OracleTimings::default();

    let mut groups = lde_groups(gpu, &polys, dims, &mut timings)?;
    let t = Instant::now();
    groups.extend(salt_groups(gpu, salt, dims)?);
    timings.upload += t.elapsed();
    gpu.engine().wait()?;
    let polynomials = match polys {
        Polys::Values(_) => read_coefficients(gpu, &groups, dims)?,
        Polys::Coeffs(c) => c,
    };
    timings.lde = start.elapsed().saturating_sub(timings.upload);

    let t = Instant::now();
    let (tree, leaves) = tree_of_groups(gpu, &groups, dims, shape.cap_height)?;
    drop(groups);
    timings.tree = t.elapsed();
    timings.total = start.elapsed();
    Ok((
        assemble(polynomials, leaves, tree, shape, blinding),
        timings,
    ))
}

/// The device tables phase 1 reads.
struct LdeTables {
    roots: Arc<wgpu::Buffer>,
    powers: Arc<wgpu::Buffer>,
    /// Inverse roots, when the inputs are values to interpolate.
    inverse: Option<Arc<wgpu::Buffer>>,
}

impl LdeTables {
    fn new(gpu: &GpuBackend, polys: &Polys, dims: Dims) -> Result<Self, GpuError> {
        let log_n = dims.log_n;
        let roots = |inverse| gpu.twiddles(Table::Roots { log_n, inverse });
        Ok(LdeTables {
            roots: roots(false)?,
            powers: gpu.twiddles(Table::Coset {
                log_n,
                rate_bits: dims.rate_bits,
            })?,
            inverse: match polys {
                Polys::Values(_) => Some(roots(true)?),
                Polys::Coeffs(_) => None,
            },
        })
    }
}

/// Device buffers one group's phase 1 writes besides its LDE.
struct Scratch<'a> {
    /// The uploaded values or coefficients.
    input: &'a wgpu::Buffer,
    /// Natural-order coefficients, when interpolating.
    natural: Option<&'a wgpu::Buffer>,
    /// Their readback copy.
    staging: Option<&'a wgpu::Buffer>,
}

/// Phase 1: every polynomial's LDE columns, one submission per group.
fn lde_groups(
    gpu: &GpuBackend,
    polys: &Polys,
    dims: Dims,
    timings: &mut OracleTimings,
) -> Result<Vec<Group>, GpuError> {
    let engine = gpu.engine();
    let tables = LdeTables::new(gpu, polys, dims)?;
    let ranges = columns::groups(dims.polys, dims.lde_len() as u64 * 8, gpu.binding_budget)?;
    let widest = ranges.iter().map(|r| r.len()).max().unwrap_or(0);
    let input_bytes = (widest * dims.n()) as u64 * 8;
    // Reused by every group: a queued write lands after the previous group's work.
    let input = engine.alloc("commit input", input_bytes, STORAGE)?;
    let natural = match tables.inverse {
        Some(_) => Some(engine.alloc("commit coefficients", input_bytes, STORAGE)?),
        None => None,
    };
    let mut groups = Vec::with_capacity(ranges.len() + 1);
    for range in ranges {
        let t = Instant::now();
        columns::upload(engine, &input, &column_slices(polys, range.clone()))?;
        timings.upload += t.elapsed();
        let count = range.len();
        let lde = engine.alloc("commit lde", (count * dims.lde_len()) as u64 * 8, STORAGE)?;
        let coeff_bytes = (count * dims.n()) as u64 * 8;
        let staging = match natural {
            Some(_) => Some(engine.alloc("coefficients readback", coeff_bytes, STAGING)?),
            None => None,
        };
        let scratch = Scratch {
            input: &input,
            natural: natural.as_ref(),
            staging: staging.as_ref(),
        };
        let mut rec = Recorder::new(engine);
        record_lde(&mut rec, &tables, scratch, &lde, count, dims)?;
        rec.submit()?;
        groups.push(Group {
            first_col: range.start,
            count,
            lde,
            coeffs: staging,
        });
    }
    Ok(groups)
}

/// One group's phase 1: [interpolate, read back,] spread, NTT each block.
fn record_lde<'a>(
    rec: &mut Recorder<'a>,
    tables: &'a LdeTables,
    scratch: Scratch<'a>,
    lde: &'a wgpu::Buffer,
    count: usize,
    dims: Dims,
) -> Result<(), GpuError> {
    let log_n = dims.log_n;
    let mut coeffs = Columns {
        buffer: scratch.input,
        columns: count,
        log_n,
    };
    if let (Some(inverse), Some(natural), Some(staging)) =
        (&tables.inverse, scratch.natural, scratch.staging)
    {
        ntt::dif(rec, coeffs, inverse)?;
        ntt::bit_reverse(rec, coeffs, natural, F::inverse_2exp(log_n as usize))?;
        rec.copy(natural, 0, staging, 0, coeffs.bytes());
        coeffs.buffer = natural;
    }
    ntt::coset_spread(rec, coeffs, &tables.powers, lde, dims.rate_bits)?;
    let blocks = Columns {
        buffer: lde,
        columns: count << dims.rate_bits,
        log_n,
    };
    ntt::dif(rec, blocks, &tables.roots)
}

fn column_slices(polys: &Polys, range: std::ops::Range<usize>) -> Vec<&[F]> {
    match polys {
        Polys::Values(v) => v[range].iter().map(|p| p.values.as_slice()).collect(),
        Polys::Coeffs(c) => c[range].iter().map(|p| p.coeffs.as_slice()).collect(),
    }
}

/// The salt columns in row (bit-reversed) order, as groups after the polynomials'.
fn salt_groups(gpu: &GpuBackend, salt: Salt, dims: Dims) -> Result<Vec<Group>, GpuError> {
    let engine = gpu.engine();
    let mut salt = salt.columns(dims.lde_len()).map_err(GpuError::Shape)?;
    salt.par_iter_mut()
        .for_each(|c| reverse_index_bits_in_place(c));
    let ranges = columns::groups(salt.len(), dims.lde_len() as u64 * 8, gpu.binding_budget)?;
    ranges
        .into_iter()
        .map(|range| {
            let bytes = (range.len() * dims.lde_len()) as u64 * 8;
            let lde = engine.alloc("salt", bytes, STORAGE)?;
            let cols: Vec<&[F]> = salt[range.clone()].iter().map(Vec::as_slice).collect();
            columns::upload(engine, &lde, &cols)?;
            Ok(Group {
                first_col: dims.polys + range.start,
                count: range.len(),
                lde,
                coeffs: None,
            })
        })
        .collect()
}

/// The interpolated coefficients, from the groups' staging buffers.
fn read_coefficients(
    gpu: &GpuBackend,
    groups: &[Group],
    dims: Dims,
) -> Result<Vec<PolynomialCoeffs<F>>, GpuError> {
    let mut out = Vec::with_capacity(dims.polys);
    for g in groups {
        if let Some(staging) = &g.coeffs {
            let cols = columns::download(gpu.engine(), staging, g.count, dims.n())?;
            out.extend(cols.into_iter().map(PolynomialCoeffs::new));
        }
    }
    Ok(out)
}

/// Phase 2: the rows, gathered chunk by chunk from every group, and their tree.
fn tree_of_groups(
    gpu: &GpuBackend,
    groups: &[Group],
    dims: Dims,
    cap_height: usize,
) -> Result<(crate::backend::MerkleDigests, Vec<Vec<F>>), GpuError> {
    let engine = gpu.engine();
    let width = dims.width();
    let log_lde = dims.log_lde();
    let fill = |encoder: &mut wgpu::CommandEncoder,
                target: &wgpu::Buffer,
                first_row: usize,
                rows: usize| {
        let mut rec = Recorder::new(engine);
        for g in groups {
            let src = Columns {
                buffer: &g.lde,
                columns: g.count,
                log_n: log_lde,
            };
            let window = RowWindow {
                first_row,
                rows,
                width,
                first_col: g.first_col,
            };
            ntt::transpose(&mut rec, src, window, target)?;
        }
        rec.encode(encoder)
    };
    trees::plonky2_tree_of_device_rows(
        engine,
        dims.lde_len(),
        width,
        cap_height,
        gpu.chunk_log(width),
        &fill,
    )
}
