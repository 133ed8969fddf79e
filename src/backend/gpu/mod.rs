//! The GPU backend: Poseidon leaf hashing, Merkle building, NTTs and whole
//! polynomial commitments in WGSL compute shaders through wgpu, bit-identical
//! to the CPU backend and to plonky2.

mod columns;
mod device;
mod engine;
mod kernels;
mod ntt;
mod oracle;
mod probe;
mod profile;
mod program;
mod shaders;
mod slots;
mod stream;
mod transforms;
mod trees;
mod twiddles;

pub use device::{adapters, quiet_headless_wayland_probe, report, AdapterReport};
pub use engine::SimpleTimings;
pub use probe::TransferTimes;
pub use profile::{GpuProfile, KernelProfile, Timed};
pub use shaders::Arith;

use std::sync::Arc;

use plonky2::field::polynomial::PolynomialCoeffs;
use plonky2::field::types::{Field, PrimeField64};
use rayon::prelude::*;
use shaders::Kernel;

use super::dft::{Dft, Direction};
use super::layout::MerkleDigests;
use super::oracle::{Oracle, OracleShape, OracleTimings, Oracles, Polys, Salt};
use super::{Backend, BackendResult, MerkleHasher};
use crate::digest::Digest;
use crate::field::F;
use engine::Engine;
use twiddles::{Table, Twiddles};

/// Largest chunk, in rows: big enough to fill a GPU, small enough that one
/// submission stays well under a watchdog's limit and two chunks overlap.
const DEFAULT_CHUNK_LOG: u32 = 20;
/// Most bytes per binding we plan for when the adapter allows more (an H200
/// reports 2047 MiB): chunks are capped at 2^20 rows anyway, and two slots of
/// this size stay a small part of any card that offers it. Lavapipe and many
/// GPUs stop at 128 MiB, and then that is the budget.
const MAX_BINDING_BUDGET: u64 = 1 << 30;

#[derive(Debug, thiserror::Error)]
pub enum GpuError {
    #[error("no {wanted} found{}", seen_list(.seen))]
    NoAdapter {
        wanted: &'static str,
        seen: Vec<String>,
    },
    #[error("the adapter does not support {0}")]
    Unsupported(&'static str),
    #[error("GPU device error: {0}")]
    Device(String),
    #[error("GPU shader failed to compile: {0}")]
    Shader(String),
    #[error("{0}")]
    Shape(String),
    #[error("GPU backend state poisoned by an earlier panic")]
    Poisoned,
    #[error("GPU backend internal error: {0}")]
    Internal(&'static str),
}

fn seen_list(seen: &[String]) -> String {
    if seen.is_empty() {
        " (wgpu found no Vulkan, Metal or DX12 adapter at all; without a GPU, Mesa's lavapipe, Debian package mesa-vulkan-drivers, provides a software one)".to_string()
    } else {
        format!(" (wgpu found only: {})", seen.join("; "))
    }
}

/// How to open the GPU backend.
#[derive(Clone, Copy, Debug)]
pub struct GpuOptions {
    /// Accept software adapters such as lavapipe.
    pub allow_software: bool,
    /// `None`: native u64 where the adapter has `SHADER_INT64`, else u32 limbs,
    /// which every adapter runs; `Some(U64)` needs `SHADER_INT64`.
    pub arith: Option<Arith>,
    /// log2 of the largest chunk in rows; tests lower it to exercise chunking.
    pub max_chunk_log: u32,
    /// Bytes per binding to plan for (the adapter's limit caps it); tests
    /// lower it to split NTT columns into many groups.
    pub binding_budget: u64,
    /// Invocations per workgroup of the hashing kernels (`hash_leaves`,
    /// `permute_states`): a power of two the adapter allows. Outputs do not
    /// depend on it; `zkpor bench --gpu-workgroups` compares sizes.
    pub poseidon_workgroup: u32,
    /// Ask for the adapter's timestamp queries, so that [`GpuBackend::profile`]
    /// can time kernels on the device (`zkpor bench --profile`).
    pub profile: bool,
}

impl Default for GpuOptions {
    fn default() -> Self {
        GpuOptions {
            allow_software: true,
            arith: None,
            max_chunk_log: DEFAULT_CHUNK_LOG,
            binding_budget: MAX_BINDING_BUDGET,
            poseidon_workgroup: kernels::DEFAULT_WORKGROUP,
            profile: false,
        }
    }
}

pub struct GpuBackend {
    engine: Engine,
    adapter: AdapterReport,
    arith: Arith,
    max_chunk_log: u32,
    binding_budget: u64,
    twiddles: Twiddles,
}

impl GpuBackend {
    /// Picks the best adapter, opens it with its real limits and compiles the kernels.
    pub fn open(opts: GpuOptions) -> Result<Self, GpuError> {
        let adapter = device::pick_adapter(opts.allow_software)?;
        let info = device::report(&adapter);
        let arith = match opts.arith {
            Some(Arith::U64) if !info.shader_int64 => {
                return Err(GpuError::Unsupported("64-bit integers in shaders"))
            }
            Some(a) => a,
            // Native u64 was the faster variant on every adapter measured (an NVIDIA
            // H200 and lavapipe; docs/PERFORMANCE.md §12).
            None if info.shader_int64 => Arith::U64,
            None => Arith::U32,
        };
        let (dev, queue) = device::open(&adapter, arith == Arith::U64, opts.profile)?;
        check_workgroup(opts.poseidon_workgroup, &dev.limits())?;
        let kernels = kernels::Kernels::build(&dev, arith, opts.poseidon_workgroup)?;
        let stamps = profile::StampLevel::of(dev.features());
        let profiler = profile::Profiler::new(stamps, queue.get_timestamp_period());
        let binding_budget = opts
            .binding_budget
            .min(info.max_storage_buffer_binding_size)
            .min(info.max_buffer_size);
        Ok(GpuBackend {
            engine: Engine::new(dev, queue, kernels, profiler),
            adapter: info,
            arith,
            max_chunk_log: opts.max_chunk_log,
            binding_budget,
            twiddles: Twiddles::default(),
        })
    }

    /// Invocations per workgroup of the hashing kernels.
    pub fn poseidon_workgroup(&self) -> u32 {
        self.engine.kernels.poseidon_workgroup
    }

    /// The entry name `zkpor bench` gives this backend: `gpu/u64`, and
    /// `gpu/u64 wg128` for a workgroup size other than the default.
    pub fn label(&self) -> String {
        match self.poseidon_workgroup() {
            kernels::DEFAULT_WORKGROUP => format!("gpu/{}", self.arith.name()),
            wg => format!("gpu/{} wg{wg}", self.arith.name()),
        }
    }

    fn engine(&self) -> &Engine {
        &self.engine
    }

    fn twiddles(&self, table: Table) -> Result<Arc<wgpu::Buffer>, GpuError> {
        self.twiddles.get(&self.engine, table)
    }

    pub fn adapter(&self) -> &AdapterReport {
        &self.adapter
    }

    pub fn arith(&self) -> Arith {
        self.arith
    }

    /// Runs `f` with the profiler armed and returns where its time went
    /// (kernel times only when opened with `GpuOptions::profile` on an adapter
    /// with timestamp queries). Not for concurrent use: calls made meanwhile
    /// on other threads land in the same profile.
    pub fn profile<T>(&self, f: impl FnOnce() -> T) -> Result<(T, GpuProfile), GpuError> {
        let engine = &self.engine;
        engine.profiler.arm();
        let t = std::time::Instant::now();
        let out = f();
        // Timestamps are read once the device is idle.
        let waited = engine.wait();
        let wall = t.elapsed().as_secs_f64();
        let profile = engine.profiler.finish(wall, |buffer, bytes| {
            engine.read_staging(buffer, bytes, |b| {
                Ok(b.chunks_exact(8)
                    .map(|w| u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]))
                    .collect())
            })
        });
        waited?;
        Ok((out, profile?))
    }

    /// log2 of the rows per chunk for rows of `width` elements: the inputs, the
    /// digests and the interleaved window (2x the digests) must each fit a binding.
    fn chunk_log(&self, width: usize) -> u32 {
        let row_bytes = (width as u64 * 8).max(64);
        let fit = (self.binding_budget / row_bytes).max(1);
        (63 - fit.leading_zeros()).min(self.max_chunk_log)
    }

    /// Runs a one-item-per-invocation kernel over `items` items of
    /// `in_words` canonical words each (`word(i)` over the whole run) and
    /// parses N canonical words of output per item, streamed in chunks that
    /// fit the binding budget and the chunk cap (see `stream.rs`).
    fn stream_items<const N: usize>(
        &self,
        kernel: Kernel,
        items: usize,
        in_words: usize,
        word: impl Fn(usize) -> u64,
    ) -> Result<(Vec<[u64; N]>, SimpleTimings), GpuError> {
        let item_bytes = (8 * in_words.max(N)) as u64;
        let fit = (self.binding_budget / item_bytes.max(1)).max(1);
        let job = stream::Stream {
            kernel,
            items,
            in_words,
            out_bytes: 8 * N,
            chunk: fit.min(1 << self.max_chunk_log) as usize,
        };
        let mut out = vec![[0u64; N]; items];
        let t = self.engine.stream(job, word, |first, bytes| {
            out[first..]
                .par_iter_mut()
                .zip(bytes.par_chunks_exact(8 * N))
                .try_for_each(|(o, b)| engine::canonical_words::<N>(b).map(|v| *o = v))
        })?;
        Ok((out, t))
    }

    /// plonky2's Poseidon permutation of each state, on the device (canonical
    /// in and out), streamed in chunks so that transfers overlap compute (the
    /// timings are host-side).
    pub fn permute(
        &self,
        states: &[[u64; 12]],
    ) -> Result<(Vec<[u64; 12]>, SimpleTimings), GpuError> {
        let word = |i: usize| canonical(states[i / 12][i % 12]);
        self.stream_items(Kernel::Permute, states.len(), 12, word)
    }

    /// `(a + b, a - b, a * b)` for each canonical pair, on the device.
    pub fn field_ops(&self, pairs: &[(u64, u64)]) -> Result<Vec<[u64; 3]>, GpuError> {
        let word = |i: usize| {
            let (a, b) = pairs[i / 2];
            canonical(if i.is_multiple_of(2) { a } else { b })
        };
        self.stream_items(Kernel::FieldOps, pairs.len(), 2, word)
            .map(|(out, _)| out)
    }

    pub fn try_hash_leaves(&self, inputs: &[F], width: usize) -> Result<Vec<Digest>, GpuError> {
        trees::hash_rows(&self.engine, inputs, width, false, self.chunk_log(width))
    }

    pub fn try_build_levels(
        &self,
        leaves: &[Digest],
        pads: &[Digest],
    ) -> Result<Vec<Vec<Digest>>, GpuError> {
        let depth = pads.len() as u32;
        trees::compact_levels(&self.engine, leaves, Some(pads), depth, self.chunk_log(0))
    }

    /// plonky2's `PolynomialBatch::from_values` (for `Polys::Values`) or
    /// `from_coeffs`: the same coefficients, LDE rows, digests and cap.
    pub fn try_oracle(
        &self,
        polys: Polys,
        shape: OracleShape,
        salt: Salt,
    ) -> Result<Oracle, GpuError> {
        self.oracle_timed(polys, shape, salt)
            .map(|(oracle, _)| oracle)
    }

    /// [`Self::try_oracle`], with where the time went (for `zkpor bench`):
    /// `upload` is host time spent converting and queueing inputs, `lde` the
    /// rest of phase 1 (NTTs, coefficient readback), `tree` the transposes,
    /// hashing and the readback of rows and digests.
    pub fn oracle_timed(
        &self,
        polys: Polys,
        shape: OracleShape,
        salt: Salt,
    ) -> Result<(Oracle, OracleTimings), GpuError> {
        oracle::oracle(self, polys, shape, salt)
    }

    /// plonky2's `fft` (`Direction::Forward`) or `ifft` of each column (equal
    /// power-of-two lengths, natural order in and out), with upload, compute
    /// and download timed apart: each stage finishes before the next starts.
    pub fn ntt_columns(
        &self,
        columns: &[Vec<F>],
        direction: Direction,
    ) -> Result<(Vec<Vec<F>>, SimpleTimings), GpuError> {
        transforms::ntt_columns(self, columns, direction)
    }

    /// Each polynomial's coset LDE in natural order, as plonky2's
    /// `p.lde(rate_bits).coset_fft_with_options(F::coset_shift(), Some(rate_bits), None)`,
    /// timed like [`Self::ntt_columns`].
    pub fn coset_lde(
        &self,
        polys: &[PolynomialCoeffs<F>],
        rate_bits: usize,
    ) -> Result<(Vec<Vec<F>>, SimpleTimings), GpuError> {
        transforms::coset_lde(self, polys, rate_bits)
    }

    pub fn try_merkle_tree(
        &self,
        inputs: &[F],
        width: usize,
        cap_height: usize,
    ) -> Result<MerkleDigests, GpuError> {
        trees::plonky2_tree(
            &self.engine,
            inputs,
            width,
            cap_height,
            self.chunk_log(width),
        )
    }
}

/// A Poseidon workgroup size the kernels and the adapter both accept.
fn check_workgroup(size: u32, limits: &wgpu::Limits) -> Result<(), GpuError> {
    let most = limits
        .max_compute_invocations_per_workgroup
        .min(limits.max_compute_workgroup_size_x);
    if !size.is_power_of_two() || size > most {
        return Err(GpuError::Shape(format!(
            "a Poseidon workgroup of {size} invocations: it must be a power of two of at most {most} on this adapter"
        )));
    }
    Ok(())
}

/// Canonical form first: the shaders assume every element is below p.
fn canonical(x: u64) -> u64 {
    F::from_noncanonical_u64(x).to_canonical_u64()
}

impl Backend for GpuBackend {
    fn name(&self) -> &'static str {
        "gpu"
    }

    fn describe(&self) -> String {
        format!("gpu ({}, {} arithmetic)", self.adapter, self.arith.name())
    }
}

impl MerkleHasher for GpuBackend {
    fn hash_leaves(&self, inputs: &[F], width: usize) -> BackendResult<Vec<Digest>> {
        Ok(self.try_hash_leaves(inputs, width)?)
    }

    fn build_levels(&self, leaves: &[Digest], pads: &[Digest]) -> BackendResult<Vec<Vec<Digest>>> {
        Ok(self.try_build_levels(leaves, pads)?)
    }

    fn merkle_tree(
        &self,
        inputs: &[F],
        width: usize,
        cap_height: usize,
    ) -> BackendResult<MerkleDigests> {
        Ok(self.try_merkle_tree(inputs, width, cap_height)?)
    }

    /// One device tree over the flattened rows, not one call per block.
    fn merkle_tree_rows(&self, rows: &[Vec<F>], cap_height: usize) -> BackendResult<MerkleDigests> {
        let width = rows.first().map_or(0, Vec::len);
        self.merkle_tree(&rows.concat(), width, cap_height)
    }
}

/// The device NTT; the coset LDE on the device too (shift and padding
/// fused into the upload); the coset inverse derived.
impl Dft for GpuBackend {
    fn ntt(&self, columns: Vec<Vec<F>>, direction: Direction) -> BackendResult<Vec<Vec<F>>> {
        Ok(self.ntt_columns(&columns, direction)?.0)
    }

    fn coset_lde(
        &self,
        polys: &[PolynomialCoeffs<F>],
        rate_bits: usize,
    ) -> BackendResult<Vec<Vec<F>>> {
        Ok(GpuBackend::coset_lde(self, polys, rate_bits)?.0)
    }
}

/// Uploads the polynomials once and keeps them on the device through NTTs,
/// coset LDE, transpose and tree.
impl Oracles for GpuBackend {
    fn oracle(&self, polys: Polys, shape: OracleShape, salt: Salt) -> BackendResult<Oracle> {
        Ok(self.try_oracle(polys, shape, salt)?)
    }
}
