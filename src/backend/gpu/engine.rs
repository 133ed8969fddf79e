//! Chunk execution: one chunk of rows or digests is uploaded (or gathered
//! from data already on the device), hashed and reduced on the device, and the
//! requested results are copied back. Two slots alternate so that a chunk's
//! upload and readback overlap the next chunk's compute, and each chunk is its
//! own submission so no single submission runs long enough to trip a GPU
//! watchdog.

use std::collections::VecDeque;
use std::num::NonZeroU64;
use std::sync::Mutex;

use plonky2::field::types::{Field, PrimeField64};
use rayon::prelude::*;

use super::kernels::{
    Kernels, MerkleParams, SpongeParams, MERKLE_MAX_LEVELS, MERKLE_NODES_PER_GROUP,
};
use super::profile::{maybe_copy, Phase, Profiler, Stamps};
use super::shaders::Kernel;
use super::slots::{Slot, PARAM_BLOCKS, PARAM_STRIDE};
use super::stream::SimpleSlot;
use super::GpuError;
use crate::digest::Digest;
use crate::field::{F, P};

const DIGEST_BYTES: u64 = 32;

/// What a chunk starts from.
#[derive(Clone, Copy)]
pub enum Source<'a> {
    /// Rows of `width` elements, hashed with `hash_no_pad` (or `hash_or_noop`).
    Rows {
        inputs: &'a [F],
        width: usize,
        noop: bool,
    },
    /// Layer-0 digests.
    Digests(&'a [Digest]),
    /// Rows already on the device: `fill` records the commands that write rows
    /// `first..first + rows` into the chunk's input buffer. Hashed with
    /// `hash_or_noop`.
    Device {
        first: usize,
        rows: usize,
        width: usize,
        fill: &'a FillRows<'a>,
    },
}

/// Records commands that write `rows` rows starting at row `first` into
/// `target` (row-major, canonical (lo, hi) pairs): `(encoder, target, first, rows)`.
pub type FillRows<'a> = dyn Fn(&mut wgpu::CommandEncoder, &wgpu::Buffer, usize, usize) -> Result<(), GpuError>
    + Sync
    + 'a;

impl Source<'_> {
    /// `(width, noop)` when the chunk starts from rows to hash.
    fn rows_to_hash(&self) -> Option<(usize, bool)> {
        match *self {
            Source::Rows { width, noop, .. } => Some((width, noop)),
            Source::Device { width, .. } => Some((width, true)),
            Source::Digests(_) => None,
        }
    }
}

/// Where plonky2's interleaved layout of this chunk goes.
#[derive(Clone, Copy)]
pub struct Scatter {
    pub subtree_log: u32,
    /// Interleaved index of the window's first digest.
    pub base: u32,
    /// Digests in the window.
    pub len: u32,
}

/// One unit of device work.
#[derive(Clone, Copy)]
pub struct ChunkPlan<'a> {
    pub source: Source<'a>,
    /// Global index of node 0 of the chunk in layer 0; a multiple of 2^top.
    pub first: u32,
    /// Layers to reduce above layer 0.
    pub top: u32,
    /// Padding digest of each layer (indexed by layer) for a missing right child.
    pub pads: Option<&'a [Digest]>,
    pub scatter: Option<Scatter>,
    pub want_leaves: bool,
    /// Copy the chunk's input rows back too (the LDE rows a commitment keeps).
    pub want_rows: bool,
}

impl ChunkPlan<'_> {
    fn count(&self) -> u64 {
        match self.source {
            Source::Rows { inputs, width, .. } => (inputs.len() / width.max(1)) as u64,
            Source::Digests(d) => d.len() as u64,
            Source::Device { rows, .. } => rows as u64,
        }
    }

    fn row_bytes(&self) -> u64 {
        self.source.rows_to_hash().map_or(0, |(w, _)| w as u64 * 8)
    }

    /// Nodes in layer k of this chunk.
    fn layer_len(&self, k: u32) -> u64 {
        self.count().div_ceil(1 << k)
    }

    /// Offset, in digests, of layer k (>= 1) in the compact levels buffer.
    fn layer_offset(&self, k: u32) -> u64 {
        (1..k).map(|j| self.layer_len(j)).sum()
    }

    fn levels_len(&self) -> u64 {
        self.layer_offset(self.top + 1)
    }
}

/// Where the time of a diagnostic run went.
#[derive(Clone, Copy, Debug, Default)]
pub struct SimpleTimings {
    pub upload: std::time::Duration,
    pub compute: std::time::Duration,
    pub download: std::time::Duration,
}

/// What came back for one chunk.
#[derive(Default)]
pub struct ChunkOutput {
    pub leaves: Vec<Digest>,
    /// Compact layers 1..=top.
    pub levels: Vec<Vec<Digest>>,
    pub interleaved: Vec<Digest>,
    /// The input rows, when `want_rows`.
    pub rows: Vec<Vec<F>>,
}

/// Byte ranges of one chunk's results in its staging buffer.
struct Readback {
    leaves: u64,
    levels: Vec<u64>,
    interleaved: u64,
    rows: u64,
    total: u64,
}

/// A submitted chunk waiting for its results.
struct InFlight<'a> {
    slot: usize,
    plan: ChunkPlan<'a>,
    readback: Readback,
    submission: wgpu::SubmissionIndex,
}

pub struct Engine {
    pub device: wgpu::Device,
    pub queue: wgpu::Queue,
    pub(super) kernels: Kernels,
    max_groups: u32,
    slots: Mutex<[Slot; 2]>,
    pub(super) simple: Mutex<[SimpleSlot; 2]>,
    pub profiler: Profiler,
}

impl Engine {
    pub fn new(
        device: wgpu::Device,
        queue: wgpu::Queue,
        kernels: Kernels,
        profiler: Profiler,
    ) -> Self {
        let max_groups = device.limits().max_compute_workgroups_per_dimension;
        let slots = Mutex::new([Slot::new(&device), Slot::new(&device)]);
        let simple = Mutex::new([SimpleSlot::new(&device), SimpleSlot::new(&device)]);
        Engine {
            device,
            queue,
            kernels,
            max_groups,
            slots,
            simple,
            profiler,
        }
    }

    /// Runs every plan in order and hands each output to `sink`, in order.
    pub fn run<'a>(
        &self,
        plans: impl IntoIterator<Item = ChunkPlan<'a>>,
        mut sink: impl FnMut(&ChunkPlan<'a>, ChunkOutput),
    ) -> Result<(), GpuError> {
        let mut slots = self.slots.lock().map_err(|_| GpuError::Poisoned)?;
        let mut in_flight: VecDeque<InFlight<'a>> = VecDeque::new();
        for (i, plan) in plans.into_iter().enumerate() {
            let slot = i % slots.len();
            if in_flight.len() == slots.len() {
                if let Some(f) = in_flight.pop_front() {
                    sink(&f.plan, self.harvest(&slots[f.slot], &f)?);
                }
            }
            let (readback, submission) = self.checked("submitting a chunk", || {
                self.submit(&mut slots[slot], &plan)
            })?;
            in_flight.push_back(InFlight {
                slot,
                plan,
                readback,
                submission,
            });
        }
        while let Some(f) = in_flight.pop_front() {
            sink(&f.plan, self.harvest(&slots[f.slot], &f)?);
        }
        Ok(())
    }

    /// Runs `f` with wgpu's validation errors caught and returned as
    /// `GpuError`s instead of wgpu's default panic.
    pub fn checked<T>(
        &self,
        what: &str,
        f: impl FnOnce() -> Result<T, GpuError>,
    ) -> Result<T, GpuError> {
        // Buffers grown inside `f` can run out of memory: an error, not a panic.
        let oom = self.device.push_error_scope(wgpu::ErrorFilter::OutOfMemory);
        let scope = self.device.push_error_scope(wgpu::ErrorFilter::Validation);
        let out = f();
        let invalid = pollster::block_on(scope.pop());
        let oom = pollster::block_on(oom.pop());
        match invalid.or(oom) {
            Some(e) => Err(GpuError::Device(format!("{what}: {e}"))),
            None => out,
        }
    }

    /// The pipeline of any kernel, compiled on first use.
    pub fn pipeline(&self, kernel: Kernel) -> Result<wgpu::ComputePipeline, GpuError> {
        self.kernels.extra(&self.device, kernel)
    }

    /// A device buffer, with running out of memory reported as an error
    /// rather than wgpu's default panic.
    pub fn alloc(
        &self,
        label: &'static str,
        size: u64,
        usage: wgpu::BufferUsages,
    ) -> Result<wgpu::Buffer, GpuError> {
        let t = self.profiler.start();
        let oom = self.device.push_error_scope(wgpu::ErrorFilter::OutOfMemory);
        let invalid = self.device.push_error_scope(wgpu::ErrorFilter::Validation);
        let buffer = self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(label),
            size: size.max(16).next_multiple_of(16),
            usage,
            mapped_at_creation: false,
        });
        let invalid = pollster::block_on(invalid.pop());
        let oom = pollster::block_on(oom.pop());
        self.profiler.end(Phase::Alloc, t, size);
        match invalid.or(oom) {
            Some(e) => Err(GpuError::Device(format!(
                "allocating {label} ({size} bytes): {e}"
            ))),
            None => Ok(buffer),
        }
    }

    /// Maps a finished staging buffer and hands its first `bytes` bytes to `read`.
    pub fn read_staging<T>(
        &self,
        staging: &wgpu::Buffer,
        bytes: u64,
        read: impl FnOnce(&[u8]) -> Result<T, GpuError>,
    ) -> Result<T, GpuError> {
        let slice = staging.slice(..);
        let (tx, rx) = std::sync::mpsc::channel();
        slice.map_async(wgpu::MapMode::Read, move |r| {
            let _ = tx.send(r);
        });
        self.wait()?;
        let t = self.profiler.start();
        rx.recv()
            .map_err(|_| GpuError::Internal("map callback dropped"))?
            .map_err(|e| GpuError::Device(e.to_string()))?;
        let view = slice
            .get_mapped_range()
            .map_err(|e| GpuError::Device(e.to_string()))?;
        self.profiler.end(Phase::Readback, t, bytes);
        let out = {
            let bytes = view
                .get(..bytes as usize)
                .ok_or(GpuError::Internal("readback shorter than planned"))?;
            self.profiler
                .time(Phase::HostCopy, bytes.len() as u64, || read(bytes))
        };
        drop(view);
        staging.unmap();
        out
    }

    /// `queue.write_buffer`, timed as an upload.
    pub fn write(&self, buffer: &wgpu::Buffer, bytes: &[u8]) {
        if !bytes.is_empty() {
            self.profiler.time(Phase::Upload, bytes.len() as u64, || {
                self.queue.write_buffer(buffer, 0, bytes)
            });
        }
    }

    /// Resolves the encoder's timestamps, finishes and submits it; `encoding`
    /// is when its recording started (for the profile).
    pub fn finish_and_submit(
        &self,
        mut encoder: wgpu::CommandEncoder,
        stamps: Option<Stamps>,
        encoding: Option<std::time::Instant>,
    ) -> wgpu::SubmissionIndex {
        self.profiler
            .pending(stamps.and_then(|s| s.resolve(&self.device, &mut encoder)));
        let commands = encoder.finish();
        self.profiler.end(Phase::Encode, encoding, 0);
        self.profiler.submission();
        self.profiler
            .time(Phase::Submit, 0, || self.queue.submit([commands]))
    }

    /// One compute pass of one dispatch, timed on the device when `stamps` is given.
    #[allow(clippy::too_many_arguments)]
    pub fn pass(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        stamps: &mut Option<Stamps>,
        kernel: &'static str,
        pipeline: &wgpu::ComputePipeline,
        bind: &wgpu::BindGroup,
        (x, y): (u32, u32),
    ) {
        self.profiler.dispatch(kernel, x as u64 * y as u64);
        let timestamp_writes = stamps.as_mut().and_then(|s| s.pass(kernel));
        let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
            label: Some(kernel),
            timestamp_writes,
        });
        pass.set_pipeline(pipeline);
        pass.set_bind_group(0, bind, &[]);
        pass.dispatch_workgroups(x, y, 1);
    }

    /// Waits for everything submitted so far.
    pub fn wait(&self) -> Result<(), GpuError> {
        self.profiler.time(Phase::Wait, 0, || {
            self.device
                .poll(wgpu::PollType::wait_indefinitely())
                .map(|_| ())
                .map_err(|e| GpuError::Device(e.to_string()))
        })
    }

    /// Waits for one submission only, so later ones keep the device busy
    /// while the host reads this one's results.
    fn wait_for(&self, submission: &wgpu::SubmissionIndex) -> Result<(), GpuError> {
        self.profiler.time(Phase::Wait, 0, || {
            self.device
                .poll(wgpu::PollType::Wait {
                    submission_index: Some(submission.clone()),
                    timeout: None,
                })
                .map(|_| ())
                .map_err(|e| GpuError::Device(e.to_string()))
        })
    }

    pub fn map_words(&self, staging: &wgpu::Buffer, words: u64) -> Result<Vec<u32>, GpuError> {
        self.read_staging(staging, words * 4, |bytes| {
            Ok(bytes
                .chunks_exact(4)
                .map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
                .collect())
        })
    }

    fn submit(
        &self,
        slot: &mut Slot,
        plan: &ChunkPlan,
    ) -> Result<(Readback, wgpu::SubmissionIndex), GpuError> {
        let count = plan.count();
        let leaf_bytes = count * DIGEST_BYTES;
        let p = &self.profiler;
        self.upload(slot, plan)?;
        let levels = slot
            .levels
            .at_least(&self.device, p, plan.levels_len() * DIGEST_BYTES)
            .clone();
        let window = plan.scatter.map_or(0, |s| s.len as u64) * DIGEST_BYTES;
        let interleaved = slot.interleaved.at_least(&self.device, p, window).clone();
        let readback = readback_layout(plan);
        let staging = slot
            .staging
            .at_least(&self.device, p, readback.total)
            .clone();

        let encoding = p.start();
        let mut params: Vec<u8> = vec![0; (PARAM_BLOCKS * PARAM_STRIDE) as usize];
        let mut block = 0u64;
        let mut encoder = self.device.create_command_encoder(&Default::default());
        // A sponge, the merkle passes and up to four copies.
        let mut stamps = p.stamps(&self.device, PARAM_BLOCKS as usize + 4);
        if let Source::Device {
            first, rows, fill, ..
        } = plan.source
        {
            fill(&mut encoder, slot.inputs.get(), first, rows)?;
        }
        if plan.want_rows {
            let bytes = count * plan.row_bytes();
            let inputs = slot.inputs.get();
            maybe_copy(&mut stamps, &mut encoder, |e| {
                e.copy_buffer_to_buffer(inputs, 0, &staging, readback.rows, bytes)
            });
        }
        if let Some((width, noop)) = plan.source.rows_to_hash() {
            let workgroup = self.kernels.workgroup(Kernel::Sponge);
            let groups = count.div_ceil(workgroup as u64) as u32;
            let (x, y) = self.grid(groups);
            let p = SpongeParams {
                count: count as u32,
                width: width as u32,
                noop: noop as u32,
                row_len: x * workgroup,
            };
            write_block(&mut params, block, bytemuck::bytes_of(&p));
            let bind = self.sponge_bind_group(slot, block, slot.inputs.get(), leaf_bytes);
            let sponge = &self.kernels.sponge;
            let name = Kernel::Sponge.entry_point();
            self.pass(&mut encoder, &mut stamps, name, sponge, &bind, (x, y));
            block += 1;
        }
        if plan.want_leaves {
            // Before the merkle passes reuse the leaf buffer as their carry.
            let leaf = slot.leaf.get();
            maybe_copy(&mut stamps, &mut encoder, |e| {
                e.copy_buffer_to_buffer(leaf, 0, &staging, readback.leaves, leaf_bytes)
            });
        }
        let mut layer = 0u32;
        while layer < plan.top {
            let n = (plan.top - layer).min(MERKLE_MAX_LEVELS);
            let p = self.merkle_params(plan, layer, n);
            write_block(&mut params, block, bytemuck::bytes_of(&p));
            let in_bytes = plan.layer_len(layer) * DIGEST_BYTES;
            let bind = self.merkle_bind_group(slot, block, in_bytes, &levels, &interleaved, window);
            let groups = plan
                .layer_len(layer)
                .div_ceil(MERKLE_NODES_PER_GROUP as u64) as u32;
            let merkle = &self.kernels.merkle;
            let name = Kernel::Merkle.entry_point();
            let grid = self.grid(groups);
            self.pass(&mut encoder, &mut stamps, name, merkle, &bind, grid);
            block += 1;
            layer += n;
            if layer < plan.top {
                // The last layer reduced becomes the next dispatch's input.
                let from = plan.layer_offset(layer) * DIGEST_BYTES;
                let bytes = plan.layer_len(layer) * DIGEST_BYTES;
                encoder.copy_buffer_to_buffer(&levels, from, slot.leaf.get(), 0, bytes);
            }
        }
        if block > PARAM_BLOCKS {
            return Err(GpuError::Internal("too many dispatches in one chunk"));
        }
        let levels_bytes = plan.levels_len() * DIGEST_BYTES;
        if levels_bytes > 0 {
            let to = readback.levels[0];
            maybe_copy(&mut stamps, &mut encoder, |e| {
                e.copy_buffer_to_buffer(&levels, 0, &staging, to, levels_bytes)
            });
        }
        if window > 0 {
            let to = readback.interleaved;
            maybe_copy(&mut stamps, &mut encoder, |e| {
                e.copy_buffer_to_buffer(&interleaved, 0, &staging, to, window)
            });
        }
        // Only the blocks in use: the rest of the buffer is never bound.
        let used = (block * PARAM_STRIDE) as usize;
        self.write(&slot.params, &params[..used]);
        let submission = self.finish_and_submit(encoder, stamps, encoding);
        Ok((readback, submission))
    }

    /// Writes the chunk's inputs, canonical, straight into wgpu's staging
    /// memory (no host-side copy in between), converting in parallel.
    fn upload(&self, slot: &mut Slot, plan: &ChunkPlan) -> Result<(), GpuError> {
        let p = &self.profiler;
        let leaf_bytes = plan.count() * DIGEST_BYTES;
        slot.leaf.at_least(&self.device, p, leaf_bytes);
        match plan.source {
            Source::Rows { inputs, .. } => {
                let size = inputs.len() as u64 * 8;
                let buf = slot.inputs.at_least(&self.device, p, size);
                self.write_words(buf, inputs.len(), |i| inputs[i].to_canonical_u64())
            }
            Source::Digests(d) => {
                slot.inputs.at_least(&self.device, p, 0);
                let leaf = slot.leaf.get();
                self.write_words(leaf, 4 * d.len(), |i| d[i / 4].limbs()[i % 4])
            }
            Source::Device { .. } => {
                slot.inputs
                    .at_least(&self.device, p, plan.count() * plan.row_bytes());
                Ok(())
            }
        }
    }

    /// Writes `words` u64s, `word(i)` for each i, at the start of `target`,
    /// straight into wgpu's staging memory: no intermediate host vector (its
    /// allocation and first-touch page faults cost as much as the copy). One
    /// thread, since wgpu's write view cannot be shared across threads; the
    /// conversion is a compare and a subtract per element, so this runs at
    /// memory speed.
    pub fn write_words(
        &self,
        target: &wgpu::Buffer,
        words: usize,
        word: impl Fn(usize) -> u64,
    ) -> Result<(), GpuError> {
        let Some(size) = NonZeroU64::new(words as u64 * 8) else {
            return Ok(());
        };
        let t = self.profiler.start();
        let mut view = self
            .queue
            .write_buffer_with(target, 0, size)
            .ok_or(GpuError::Device(format!(
                "no staging memory for a {size}-byte upload"
            )))?;
        self.profiler.end(Phase::Alloc, t, size.get());
        let t = self.profiler.start();
        let (chunks, _) = view.slice(..).into_chunks::<8>();
        chunks.write_iter((0..words).map(|i| word(i).to_le_bytes()));
        // Dropping the view queues the copy for the next submission.
        drop(view);
        self.profiler.end(Phase::Upload, t, size.get());
        Ok(())
    }

    fn merkle_params(&self, plan: &ChunkPlan, layer: u32, levels: u32) -> MerkleParams {
        let groups = plan
            .layer_len(layer)
            .div_ceil(MERKLE_NODES_PER_GROUP as u64) as u32;
        let mut p = MerkleParams {
            in_len: plan.layer_len(layer) as u32,
            levels,
            in_layer: layer,
            in_first: plan.first >> layer,
            row_len: self.grid(groups).0,
            ..Default::default()
        };
        for k in 0..levels {
            p.out_offsets[k as usize] = plan.layer_offset(layer + 1 + k) as u32;
        }
        if let Some(pads) = plan.pads {
            p.use_pads = 1;
            for k in 0..levels as usize {
                if let Some(pad) = pads.get(layer as usize + k) {
                    let limbs = pad.limbs();
                    for (i, l) in limbs.iter().enumerate() {
                        p.pads[8 * k + 2 * i] = *l as u32;
                        p.pads[8 * k + 2 * i + 1] = (*l >> 32) as u32;
                    }
                }
            }
        }
        if let Some(s) = plan.scatter {
            p.scatter = 1;
            p.scatter_inputs = (layer == 0) as u32;
            p.subtree_log = s.subtree_log;
            p.scatter_base = s.base;
        }
        p
    }

    fn sponge_bind_group(
        &self,
        slot: &Slot,
        block: u64,
        inputs: &wgpu::Buffer,
        leaf_bytes: u64,
    ) -> wgpu::BindGroup {
        self.profiler.bind_group();
        let layout = self.kernels.sponge.get_bind_group_layout(0);
        let size_of = std::mem::size_of::<SpongeParams>() as u64;
        self.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("sponge"),
            layout: &layout,
            entries: &[
                whole(0, &self.kernels.round_constants),
                range(1, &slot.params, block * PARAM_STRIDE, size_of),
                range(2, inputs, 0, inputs.size()),
                range(3, slot.leaf.get(), 0, leaf_bytes),
            ],
        })
    }

    fn merkle_bind_group(
        &self,
        slot: &Slot,
        block: u64,
        in_bytes: u64,
        levels: &wgpu::Buffer,
        interleaved: &wgpu::Buffer,
        window: u64,
    ) -> wgpu::BindGroup {
        self.profiler.bind_group();
        let layout = self.kernels.merkle.get_bind_group_layout(0);
        let size_of = std::mem::size_of::<MerkleParams>() as u64;
        self.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("merkle"),
            layout: &layout,
            entries: &[
                whole(0, &self.kernels.round_constants),
                range(1, &slot.params, block * PARAM_STRIDE, size_of),
                range(2, slot.leaf.get(), 0, in_bytes),
                whole(3, levels),
                range(4, interleaved, 0, window),
            ],
        })
    }

    /// A 2-D grid for `groups` workgroups: x is capped by the adapter's limit.
    pub fn grid(&self, groups: u32) -> (u32, u32) {
        let x = groups.clamp(1, self.max_groups);
        (x, groups.div_ceil(x).max(1))
    }

    /// Asks for `slice` to be mapped and waits for `submission` only (later
    /// ones keep the device busy) and for the mapping.
    pub(super) fn map_after(
        &self,
        slice: &wgpu::BufferSlice,
        submission: &wgpu::SubmissionIndex,
    ) -> Result<(), GpuError> {
        let (tx, rx) = std::sync::mpsc::channel();
        slice.map_async(wgpu::MapMode::Read, move |r| {
            let _ = tx.send(r);
        });
        self.wait_for(submission)?;
        let mapped = match rx.try_recv() {
            Ok(r) => r,
            // Should a backend fire the callback only on a later poll, wait
            // for everything rather than block on the channel forever.
            Err(_) => {
                self.wait()?;
                rx.recv()
                    .map_err(|_| GpuError::Internal("map callback dropped"))?
            }
        };
        mapped.map_err(|e| GpuError::Device(e.to_string()))
    }

    fn harvest(&self, slot: &Slot, flight: &InFlight) -> Result<ChunkOutput, GpuError> {
        let (plan, readback) = (&flight.plan, &flight.readback);
        let staging = slot.staging.get();
        let slice = staging.slice(0..readback.total.max(8));
        self.map_after(&slice, &flight.submission)?;
        let t = self.profiler.start();
        let view = slice
            .get_mapped_range()
            .map_err(|e| GpuError::Device(e.to_string()))?;
        self.profiler.end(Phase::Readback, t, readback.total);
        let out = self.profiler.time(Phase::HostCopy, readback.total, || {
            parse(&view, plan, readback)
        });
        drop(view);
        staging.unmap();
        out
    }
}

fn readback_layout(plan: &ChunkPlan) -> Readback {
    let mut at = 0;
    let leaves = at;
    if plan.want_leaves {
        at += plan.count() * DIGEST_BYTES;
    }
    let mut levels = Vec::new();
    for k in 1..=plan.top {
        levels.push(at);
        at += plan.layer_len(k) * DIGEST_BYTES;
    }
    if levels.is_empty() {
        levels.push(at);
    }
    let interleaved = at;
    at += plan.scatter.map_or(0, |s| s.len as u64) * DIGEST_BYTES;
    let rows = at;
    if plan.want_rows {
        at += plan.count() * plan.row_bytes();
    }
    Readback {
        leaves,
        levels,
        interleaved,
        rows,
        total: at,
    }
}

fn parse(bytes: &[u8], plan: &ChunkPlan, r: &Readback) -> Result<ChunkOutput, GpuError> {
    let mut out = ChunkOutput::default();
    if plan.want_leaves {
        out.leaves = digests(bytes, r.leaves, plan.count())?;
    }
    for k in 1..=plan.top {
        let at = r.levels[(k - 1) as usize];
        out.levels.push(digests(bytes, at, plan.layer_len(k))?);
    }
    if let Some(s) = plan.scatter {
        out.interleaved = digests(bytes, r.interleaved, s.len as u64)?;
    }
    if plan.want_rows {
        let width = plan.source.rows_to_hash().map_or(0, |(w, _)| w);
        out.rows = rows(bytes, r.rows, plan.count() as usize, width)?;
    }
    Ok(out)
}

/// Rows of canonical elements from the device, checked canonical on the way.
pub fn rows(bytes: &[u8], at: u64, count: usize, width: usize) -> Result<Vec<Vec<F>>, GpuError> {
    if width == 0 {
        return Ok(vec![Vec::new(); count]);
    }
    let start = at as usize;
    bytes
        .get(start..start + count * width * 8)
        .ok_or(GpuError::Internal("readback shorter than planned"))?
        .par_chunks(width * 8)
        .map(elements)
        .collect()
}

/// `N` canonical words from `8 N` little-endian bytes, with no allocation
/// (a vector per item cost more than the copy); anything >= p is a device fault.
pub fn canonical_words<const N: usize>(bytes: &[u8]) -> Result<[u64; N], GpuError> {
    let mut out = [0u64; N];
    if bytes.len() != 8 * N {
        return Err(GpuError::Internal("readback shorter than planned"));
    }
    for (o, b) in out.iter_mut().zip(bytes.chunks_exact(8)) {
        let x = u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]);
        if x >= P {
            return Err(GpuError::Internal(
                "device returned a non-canonical element",
            ));
        }
        *o = x;
    }
    Ok(out)
}

/// Canonical elements from little-endian u64s; anything >= p is a device fault.
pub fn elements(bytes: &[u8]) -> Result<Vec<F>, GpuError> {
    bytes
        .chunks_exact(8)
        .map(|b| {
            let x = u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]);
            (x < P)
                .then(|| F::from_canonical_u64(x))
                .ok_or(GpuError::Internal(
                    "device returned a non-canonical element",
                ))
        })
        .collect()
}

fn digests(bytes: &[u8], at: u64, count: u64) -> Result<Vec<Digest>, GpuError> {
    let start = at as usize;
    let end = start + (count * DIGEST_BYTES) as usize;
    bytes
        .get(start..end)
        .ok_or(GpuError::Internal("readback shorter than planned"))?
        .chunks_exact(DIGEST_BYTES as usize)
        .map(|c| {
            let mut b = [0u8; 32];
            b.copy_from_slice(c);
            Digest::from_bytes(&b)
                .map_err(|_| GpuError::Internal("device returned a non-canonical digest"))
        })
        .collect()
}

fn write_block(params: &mut [u8], block: u64, bytes: &[u8]) {
    let at = (block * PARAM_STRIDE) as usize;
    if let Some(dst) = params.get_mut(at..at + bytes.len()) {
        dst.copy_from_slice(bytes);
    }
}

pub(super) fn whole(binding: u32, buffer: &wgpu::Buffer) -> wgpu::BindGroupEntry<'_> {
    wgpu::BindGroupEntry {
        binding,
        resource: buffer.as_entire_binding(),
    }
}

/// A sub-range binding; zero-sized ranges bind a minimal 32 bytes instead.
fn range(binding: u32, buffer: &wgpu::Buffer, offset: u64, size: u64) -> wgpu::BindGroupEntry<'_> {
    let size = size.max(32).min(buffer.size() - offset);
    wgpu::BindGroupEntry {
        binding,
        resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding {
            buffer,
            offset,
            size: NonZeroU64::new(size),
        }),
    }
}
