//! Recording the NTT family of kernels over column-major data: DIF NTT passes,
//! bit reversal, the coset spread and the transpose into rows. Each function
//! checks the shapes it was given against the kernel's limits, so a bad plan
//! is an error here, not a wrong answer on the device.

use plonky2::field::types::PrimeField64;

use super::kernels::{
    BitReverseParams, NttParams, SpreadParams, TransposeParams, NTT_TILE_LOG, NTT_WORKGROUP,
    TRANSPOSE_TILE,
};
use super::program::{prefix, whole, Recorder};
use super::shaders::Kernel;
use super::GpuError;
use crate::field::F;

/// Most index bits an outer pass takes: the rest of its tile (at least 2^2
/// elements) is consecutive indices, so its loads come in runs of 32 bytes or more.
const MAX_OUTER_BITS: u32 = 9;

/// `columns` columns of 2^log_n elements, one after another, from the start of `buffer`.
#[derive(Clone, Copy)]
pub struct Columns<'a> {
    pub buffer: &'a wgpu::Buffer,
    pub columns: usize,
    pub log_n: u32,
}

impl Columns<'_> {
    pub fn elements(&self) -> u64 {
        (self.columns as u64) << self.log_n
    }

    pub fn bytes(&self) -> u64 {
        self.elements() * 8
    }

    /// Element counts and indices are u32 in the shaders.
    fn count(&self) -> Result<u32, GpuError> {
        u32::try_from(self.elements())
            .map_err(|_| GpuError::Shape(format!("{} elements in one binding", self.elements())))
    }
}

/// The index bits `[low_bit, low_bit + bits)` one pass transforms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pass {
    pub low_bit: u32,
    pub bits: u32,
}

/// The passes of a size-2^log_n DIF NTT, in order: outer passes of at most
/// `MAX_OUTER_BITS` bits, split evenly, from the top bit down; then one inner
/// pass over the low `NTT_TILE_LOG` bits, whose tiles are contiguous.
pub fn passes(log_n: u32) -> Vec<Pass> {
    let inner = log_n.min(NTT_TILE_LOG);
    let outer = log_n - inner;
    let count = outer.div_ceil(MAX_OUTER_BITS);
    let mut out = Vec::new();
    let mut top = log_n;
    for i in 0..count {
        let bits = (top - inner).div_ceil(count - i);
        top -= bits;
        out.push(Pass { low_bit: top, bits });
    }
    if inner > 0 {
        out.push(Pass {
            low_bit: 0,
            bits: inner,
        });
    }
    out
}

/// In-place DIF NTT of every column (natural order in, bit-reversed out),
/// with `twiddles` holding w^t for t < n/2.
pub fn dif<'a>(
    rec: &mut Recorder<'a>,
    data: Columns<'a>,
    twiddles: &'a wgpu::Buffer,
) -> Result<(), GpuError> {
    data.count()?;
    for pass in passes(data.log_n) {
        let group_log = NTT_TILE_LOG - pass.bits;
        let groups = (data.elements() >> pass.bits) as u32;
        let grid = rec.grid(groups.div_ceil(1 << group_log));
        let params = NttParams {
            groups,
            log_n: data.log_n,
            low_bit: pass.low_bit,
            bits: pass.bits,
            group_log,
            row_len: grid.0,
            reserved: [0; 2],
        };
        let bindings = vec![whole(2, twiddles), prefix(3, data.buffer, data.bytes())];
        rec.dispatch(Kernel::NttPass, &params, bindings, grid)?;
    }
    Ok(())
}

/// `dst` = every column of `src` in bit-reversed order, times `scale`.
pub fn bit_reverse<'a>(
    rec: &mut Recorder<'a>,
    src: Columns<'a>,
    dst: &'a wgpu::Buffer,
    scale: F,
) -> Result<(), GpuError> {
    let count = src.count()?;
    let grid = rec.grid(count.div_ceil(NTT_WORKGROUP));
    let s = scale.to_canonical_u64();
    let params = BitReverseParams {
        count,
        log_n: src.log_n,
        row_len: grid.0 * NTT_WORKGROUP,
        scale: [s as u32, (s >> 32) as u32],
        ..Default::default()
    };
    let bindings = vec![
        prefix(2, src.buffer, src.bytes()),
        prefix(3, dst, src.bytes()),
    ];
    rec.dispatch(Kernel::BitReverse, &params, bindings, grid)
}

/// The coset LDE's first `rate_bits` layers: `lde` gets, per coefficient
/// column, 2^rate_bits blocks of n elements ready for a size-n DIF NTT each
/// (`powers` is `Table::Coset`).
pub fn coset_spread<'a>(
    rec: &mut Recorder<'a>,
    coeffs: Columns<'a>,
    powers: &'a wgpu::Buffer,
    lde: &'a wgpu::Buffer,
    rate_bits: u32,
) -> Result<(), GpuError> {
    let out = Columns {
        buffer: lde,
        columns: coeffs.columns,
        log_n: coeffs.log_n + rate_bits,
    };
    let count = out.count()?;
    let grid = rec.grid(count.div_ceil(NTT_WORKGROUP));
    let params = SpreadParams {
        count,
        log_n: coeffs.log_n,
        log_lde: out.log_n,
        row_len: grid.0 * NTT_WORKGROUP,
    };
    let bindings = vec![
        prefix(2, coeffs.buffer, coeffs.bytes()),
        whole(3, powers),
        prefix(4, lde, out.bytes()),
    ];
    rec.dispatch(Kernel::CosetSpread, &params, bindings, grid)
}

/// Which rows of the columns go where in a row-major buffer.
#[derive(Clone, Copy, Debug)]
pub struct RowWindow {
    pub first_row: usize,
    pub rows: usize,
    /// Elements per destination row.
    pub width: usize,
    /// Where the source's column 0 lands in a row.
    pub first_col: usize,
}

/// `dst[(r - first_row) width + first_col + c] = src column c, element r`.
pub fn transpose<'a>(
    rec: &mut Recorder<'a>,
    src: Columns<'a>,
    window: RowWindow,
    dst: &'a wgpu::Buffer,
) -> Result<(), GpuError> {
    src.count()?;
    let out_bytes = (window.rows * window.width) as u64 * 8;
    let fits = window.first_row + window.rows <= 1 << src.log_n
        && window.first_col + src.columns <= window.width
        && u32::try_from(out_bytes / 8).is_ok();
    if !fits {
        return Err(GpuError::Internal("transpose window outside its buffers"));
    }
    let (tile_rows, tile_cols) = TRANSPOSE_TILE;
    let col_tiles = (src.columns as u32).div_ceil(tile_cols);
    let grid = rec.grid((window.rows as u32).div_ceil(tile_rows) * col_tiles);
    let params = TransposeParams {
        col_len: 1 << src.log_n,
        first_row: window.first_row as u32,
        rows: window.rows as u32,
        cols: src.columns as u32,
        width: window.width as u32,
        first_col: window.first_col as u32,
        col_tiles,
        row_len: grid.0,
    };
    let bindings = vec![
        prefix(2, src.buffer, src.bytes()),
        prefix(3, dst, out_bytes),
    ];
    rec.dispatch(Kernel::Transpose, &params, bindings, grid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passes_cover_every_bit_once_from_the_top() {
        for log_n in 0..=30u32 {
            let ps = passes(log_n);
            let mut next_top = log_n;
            for p in &ps {
                assert_eq!(p.low_bit + p.bits, next_top, "log_n={log_n}: {ps:?}");
                assert!(p.bits >= 1 && p.bits <= NTT_TILE_LOG);
                if p.low_bit > 0 {
                    assert!(p.bits <= MAX_OUTER_BITS);
                }
                next_top = p.low_bit;
            }
            assert_eq!(next_top, 0, "log_n={log_n}: {ps:?}");
        }
    }
}
