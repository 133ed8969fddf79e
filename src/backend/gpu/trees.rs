//! Host orchestration: splits leaf hashing and tree building into chunks that
//! fit the adapter's binding limit, and stitches the chunks' outputs back
//! together in the layout the caller asked for.

use super::engine::{ChunkPlan, Engine, FillRows, Scatter, Source};
use super::GpuError;
use crate::backend::layout::{interleaved_index, subtree_digests, MerkleDigests};
use crate::digest::Digest;
use crate::field::F;

/// `hash_no_pad` (or `hash_or_noop`) of each row, `1 << chunk_log` rows per chunk.
pub fn hash_rows(
    engine: &Engine,
    inputs: &[F],
    width: usize,
    noop: bool,
    chunk_log: u32,
) -> Result<Vec<Digest>, GpuError> {
    let rows = inputs.len().checked_div(width).unwrap_or(0);
    let mut out = Vec::with_capacity(rows);
    let per = (1usize << chunk_log) * width.max(1);
    let plans = inputs.chunks(per).enumerate().map(|(i, chunk)| ChunkPlan {
        source: Source::Rows {
            inputs: chunk,
            width,
            noop,
        },
        first: (i << chunk_log) as u32,
        top: 0,
        pads: None,
        scatter: None,
        want_leaves: true,
        want_rows: false,
    });
    engine.run(plans, |_, o| out.extend(o.leaves))?;
    Ok(out)
}

/// Layers 1..=depth over `leaves`, each node `two_to_one` of its children and
/// a missing right child `pads[layer]` (the account tree's rule). Chunks of
/// `1 << chunk_log` leaves are reduced on the device; their roots recurse.
pub fn compact_levels(
    engine: &Engine,
    leaves: &[Digest],
    pads: Option<&[Digest]>,
    depth: u32,
    chunk_log: u32,
) -> Result<Vec<Vec<Digest>>, GpuError> {
    let mut levels: Vec<Vec<Digest>> = vec![Vec::new(); depth as usize];
    if depth == 0 || leaves.is_empty() {
        return Ok(levels);
    }
    let m = chunk_log.min(depth);
    let plans = leaves
        .chunks(1 << m)
        .enumerate()
        .map(|(i, chunk)| ChunkPlan {
            source: Source::Digests(chunk),
            first: (i << m) as u32,
            top: m,
            pads,
            scatter: None,
            want_leaves: false,
            want_rows: false,
        });
    engine.run(plans, |_, o| {
        for (level, nodes) in levels.iter_mut().zip(o.levels) {
            level.extend(nodes);
        }
    })?;
    if depth > m {
        let upper_pads = pads.map(|p| p.get(m as usize..).unwrap_or(&[]));
        let roots = std::mem::take(&mut levels[m as usize - 1]);
        let upper = compact_levels(engine, &roots, upper_pads, depth - m, chunk_log)?;
        levels[m as usize - 1] = roots;
        for (level, nodes) in levels.iter_mut().skip(m as usize).zip(upper) {
            *level = nodes;
        }
    }
    Ok(levels)
}

/// plonky2's `MerkleTree::new(rows, cap_height)` over host rows: leaves
/// hashed with `hash_or_noop`, digests in its interleaved layout.
pub fn plonky2_tree(
    engine: &Engine,
    inputs: &[F],
    width: usize,
    cap_height: usize,
    chunk_log: u32,
) -> Result<MerkleDigests, GpuError> {
    let rows = inputs.len().checked_div(width).unwrap_or(0);
    let source = |first: usize, count: usize| Source::Rows {
        inputs: &inputs[first * width..(first + count) * width],
        width,
        noop: true,
    };
    let shape = TreeShape::new(rows, cap_height, chunk_log)?;
    Ok(tree_of_chunks(engine, shape, source, false)?.0)
}

/// The same tree over rows already on the device (`fill` writes them chunk by
/// chunk), returning the rows as well: a commitment's LDE rows come back
/// while the next chunk is hashed.
pub fn plonky2_tree_of_device_rows(
    engine: &Engine,
    rows: usize,
    width: usize,
    cap_height: usize,
    chunk_log: u32,
    fill: &FillRows,
) -> Result<(MerkleDigests, Vec<Vec<F>>), GpuError> {
    let source = |first: usize, count: usize| Source::Device {
        first,
        rows: count,
        width,
        fill,
    };
    let shape = TreeShape::new(rows, cap_height, chunk_log)?;
    tree_of_chunks(engine, shape, source, true)
}

/// A plonky2 tree split into chunks: 2^total_log rows, cap subtrees of 2^n
/// leaves, chunks of 2^m rows.
#[derive(Clone, Copy)]
struct TreeShape {
    rows: usize,
    cap_height: usize,
    n: u32,
    m: u32,
}

impl TreeShape {
    fn new(rows: usize, cap_height: usize, chunk_log: u32) -> Result<Self, GpuError> {
        if !rows.is_power_of_two() || (rows.trailing_zeros() as usize) < cap_height {
            return Err(GpuError::Shape(format!(
                "a plonky2 Merkle tree needs a power-of-two number of rows of at least 2^cap_height; got {rows} rows, cap height {cap_height}"
            )));
        }
        let total_log = rows.trailing_zeros();
        Ok(TreeShape {
            rows,
            cap_height,
            n: total_log - cap_height as u32,
            m: chunk_log.min(total_log),
        })
    }

    /// The chunk's window of the interleaved layout.
    fn window(&self, first: usize) -> Option<Scatter> {
        let (n, m) = (self.n, self.m);
        (n > 0).then(|| Scatter {
            subtree_log: n,
            base: interleaved_index(0, first, n) as u32,
            len: if m <= n {
                subtree_digests(m) as u32
            } else {
                ((1usize << (m - n)) * subtree_digests(n)) as u32
            },
        })
    }
}

/// The device writes each chunk's window of the layout; the few layers above
/// a chunk are reduced on the device too and placed here.
fn tree_of_chunks<'a>(
    engine: &Engine,
    shape: TreeShape,
    source: impl Fn(usize, usize) -> Source<'a>,
    want_rows: bool,
) -> Result<(MerkleDigests, Vec<Vec<F>>), GpuError> {
    let TreeShape {
        rows,
        cap_height,
        n,
        m,
    } = shape;
    let top = m.min(n);
    let mut digests = vec![Digest::ZERO; (1usize << cap_height) * subtree_digests(n)];
    let mut tops: Vec<Digest> = Vec::new();
    let mut leaves: Vec<Vec<F>> = Vec::with_capacity(if want_rows { rows } else { 0 });
    let plans = (0..rows).step_by(1 << m).map(|first| ChunkPlan {
        source: source(first, 1 << m),
        first: first as u32,
        top,
        pads: None,
        scatter: shape.window(first),
        want_leaves: top == 0,
        want_rows,
    });
    engine.run(plans, |plan, o| {
        if let Some(s) = plan.scatter {
            let at = s.base as usize;
            digests[at..at + o.interleaved.len()].copy_from_slice(&o.interleaved);
        }
        match o.levels.into_iter().last() {
            Some(last) => tops.extend(last),
            None => tops.extend(o.leaves),
        }
        leaves.extend(o.rows);
    })?;
    if top == n {
        return Ok((MerkleDigests { digests, cap: tops }, leaves));
    }
    // Chunks are smaller than a cap subtree: layers m..n come from the chunk roots.
    let upper = compact_levels(engine, &tops, None, n - m, m.max(1))?;
    let mut layer_nodes = vec![tops];
    layer_nodes.extend(upper);
    let cap = layer_nodes.pop().unwrap_or_default();
    for (k, nodes) in layer_nodes.iter().enumerate() {
        for (j, d) in nodes.iter().enumerate() {
            digests[interleaved_index(m + k as u32, j, n)] = *d;
        }
    }
    Ok((MerkleDigests { digests, cap }, leaves))
}
