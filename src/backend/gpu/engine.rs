//! Chunk execution: one chunk of rows or digests is uploaded, hashed and
//! reduced on the device, and the requested results are copied back. Two
//! slots alternate so that a chunk's upload and readback overlap the next
//! chunk's compute, and each chunk is its own submission so no single
//! submission runs long enough to trip a GPU watchdog.

use std::collections::VecDeque;
use std::num::NonZeroU64;
use std::sync::Mutex;

use plonky2::field::types::PrimeField64;

use super::kernels::{
    Kernels, MerkleParams, SimpleParams, SpongeParams, MERKLE_MAX_LEVELS, MERKLE_NODES_PER_GROUP,
    SPONGE_WORKGROUP,
};
use super::shaders::Kernel;
use super::slots::{Slot, PARAM_BLOCKS, PARAM_STRIDE};
use super::GpuError;
use crate::digest::Digest;
use crate::field::F;

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
}

impl ChunkPlan<'_> {
    fn count(&self) -> u64 {
        match self.source {
            Source::Rows { inputs, width, .. } => (inputs.len() / width.max(1)) as u64,
            Source::Digests(d) => d.len() as u64,
        }
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
}

/// Byte ranges of one chunk's results in its staging buffer.
struct Readback {
    leaves: u64,
    levels: Vec<u64>,
    interleaved: u64,
    total: u64,
}

pub struct Engine {
    pub device: wgpu::Device,
    pub queue: wgpu::Queue,
    kernels: Kernels,
    max_groups: u32,
    slots: Mutex<[Slot; 2]>,
}

impl Engine {
    pub fn new(device: wgpu::Device, queue: wgpu::Queue, kernels: Kernels) -> Self {
        let max_groups = device.limits().max_compute_workgroups_per_dimension;
        let slots = Mutex::new([Slot::new(&device), Slot::new(&device)]);
        Engine {
            device,
            queue,
            kernels,
            max_groups,
            slots,
        }
    }

    /// Runs every plan in order and hands each output to `sink`, in order.
    pub fn run<'a>(
        &self,
        plans: impl IntoIterator<Item = ChunkPlan<'a>>,
        mut sink: impl FnMut(&ChunkPlan<'a>, ChunkOutput),
    ) -> Result<(), GpuError> {
        let mut slots = self.slots.lock().map_err(|_| GpuError::Poisoned)?;
        let mut in_flight: VecDeque<(usize, ChunkPlan<'a>, Readback)> = VecDeque::new();
        for (i, plan) in plans.into_iter().enumerate() {
            let slot = i % slots.len();
            if in_flight.len() == slots.len() {
                if let Some((s, p, r)) = in_flight.pop_front() {
                    sink(&p, self.harvest(&slots[s], &p, &r)?);
                }
            }
            let readback = self.submit(&mut slots[slot], &plan)?;
            in_flight.push_back((slot, plan, readback));
        }
        while let Some((s, p, r)) = in_flight.pop_front() {
            sink(&p, self.harvest(&slots[s], &p, &r)?);
        }
        Ok(())
    }

    /// Runs a one-item-per-invocation kernel over `count` items with fresh
    /// buffers, timing the upload, the compute and the readback separately.
    pub fn run_simple(
        &self,
        kernel: Kernel,
        count: u32,
        input: &[u32],
        out_words: u64,
    ) -> Result<(Vec<u32>, SimpleTimings), GpuError> {
        use wgpu::util::DeviceExt;
        use wgpu::BufferUsages as U;
        let pipeline = self.kernels.extra(&self.device, kernel)?;
        let (x, y) = self.grid(count.div_ceil(SPONGE_WORKGROUP));
        let params = SimpleParams {
            count,
            row_len: x * SPONGE_WORKGROUP,
            reserved: [0; 2],
        };
        let t = std::time::Instant::now();
        let make = |label, bytes: &[u8], usage| {
            self.device
                .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                    label: Some(label),
                    contents: bytes,
                    usage,
                })
        };
        let uniform = make("simple params", bytemuck::bytes_of(&params), U::UNIFORM);
        let inputs = make("simple in", bytemuck::cast_slice(input), U::STORAGE);
        let out_bytes = (out_words * 4).max(16);
        let output = self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("simple out"),
            size: out_bytes,
            usage: U::STORAGE | U::COPY_SRC,
            mapped_at_creation: false,
        });
        let staging = self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("simple staging"),
            size: out_bytes,
            usage: U::MAP_READ | U::COPY_DST,
            mapped_at_creation: false,
        });
        self.wait()?;
        let upload = t.elapsed();

        let t = std::time::Instant::now();
        let layout = pipeline.get_bind_group_layout(0);
        let mut entries = vec![whole(1, &uniform), whole(2, &inputs), whole(3, &output)];
        if kernel.uses_poseidon() {
            entries.push(whole(0, &self.kernels.round_constants));
        }
        let bind = self.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("simple"),
            layout: &layout,
            entries: &entries,
        });
        let mut encoder = self.device.create_command_encoder(&Default::default());
        dispatch(&mut encoder, &pipeline, &bind, (x, y));
        self.queue.submit([encoder.finish()]);
        self.wait()?;
        let compute = t.elapsed();

        let t = std::time::Instant::now();
        let mut encoder = self.device.create_command_encoder(&Default::default());
        encoder.copy_buffer_to_buffer(&output, 0, &staging, 0, out_bytes);
        self.queue.submit([encoder.finish()]);
        let words = self.map_words(&staging, out_words)?;
        let download = t.elapsed();
        Ok((
            words,
            SimpleTimings {
                upload,
                compute,
                download,
            },
        ))
    }

    pub fn wait(&self) -> Result<(), GpuError> {
        self.device
            .poll(wgpu::PollType::wait_indefinitely())
            .map(|_| ())
            .map_err(|e| GpuError::Device(e.to_string()))
    }

    pub fn map_words(&self, staging: &wgpu::Buffer, words: u64) -> Result<Vec<u32>, GpuError> {
        let slice = staging.slice(..);
        let (tx, rx) = std::sync::mpsc::channel();
        slice.map_async(wgpu::MapMode::Read, move |r| {
            let _ = tx.send(r);
        });
        self.wait()?;
        rx.recv()
            .map_err(|_| GpuError::Internal("map callback dropped"))?
            .map_err(|e| GpuError::Device(e.to_string()))?;
        let out = {
            let view = slice
                .get_mapped_range()
                .map_err(|e| GpuError::Device(e.to_string()))?;
            let all: &[u32] = bytemuck::cast_slice(&view);
            all.get(..words as usize)
                .ok_or(GpuError::Internal("readback shorter than planned"))?
                .to_vec()
        };
        staging.unmap();
        Ok(out)
    }

    fn submit(&self, slot: &mut Slot, plan: &ChunkPlan) -> Result<Readback, GpuError> {
        let count = plan.count();
        let leaf_bytes = count * DIGEST_BYTES;
        self.upload(slot, plan)?;
        let levels = slot
            .levels
            .at_least(&self.device, plan.levels_len() * DIGEST_BYTES)
            .clone();
        let window = plan.scatter.map_or(0, |s| s.len as u64) * DIGEST_BYTES;
        let interleaved = slot.interleaved.at_least(&self.device, window).clone();
        let readback = readback_layout(plan);
        let staging = slot.staging.at_least(&self.device, readback.total).clone();

        let mut params: Vec<u8> = vec![0; (PARAM_BLOCKS * PARAM_STRIDE) as usize];
        let mut block = 0u64;
        let mut encoder = self.device.create_command_encoder(&Default::default());
        if let Source::Rows { width, noop, .. } = plan.source {
            let groups = count.div_ceil(SPONGE_WORKGROUP as u64) as u32;
            let (x, y) = self.grid(groups);
            let p = SpongeParams {
                count: count as u32,
                width: width as u32,
                noop: noop as u32,
                row_len: x * SPONGE_WORKGROUP,
            };
            write_block(&mut params, block, bytemuck::bytes_of(&p));
            let bind = self.sponge_bind_group(slot, block, slot.inputs.get(), leaf_bytes);
            dispatch(&mut encoder, &self.kernels.sponge, &bind, (x, y));
            block += 1;
        }
        if plan.want_leaves {
            // Before the merkle passes reuse the leaf buffer as their carry.
            encoder.copy_buffer_to_buffer(
                slot.leaf.get(),
                0,
                &staging,
                readback.leaves,
                leaf_bytes,
            );
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
            dispatch(&mut encoder, &self.kernels.merkle, &bind, self.grid(groups));
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
            encoder.copy_buffer_to_buffer(&levels, 0, &staging, readback.levels[0], levels_bytes);
        }
        if window > 0 {
            encoder.copy_buffer_to_buffer(&interleaved, 0, &staging, readback.interleaved, window);
        }
        self.queue.write_buffer(&slot.params, 0, &params);
        self.queue.submit([encoder.finish()]);
        Ok(readback)
    }

    /// Writes the chunk's inputs straight into the device's upload area, canonical.
    fn upload(&self, slot: &mut Slot, plan: &ChunkPlan) -> Result<(), GpuError> {
        let leaf_bytes = plan.count() * DIGEST_BYTES;
        slot.leaf.at_least(&self.device, leaf_bytes);
        let (target, bytes): (&wgpu::Buffer, Vec<u64>) = match plan.source {
            Source::Rows { inputs, .. } => {
                let size = inputs.len() as u64 * 8;
                let buf = slot.inputs.at_least(&self.device, size);
                (buf, inputs.iter().map(|x| x.to_canonical_u64()).collect())
            }
            Source::Digests(d) => {
                slot.inputs.at_least(&self.device, 0);
                (slot.leaf.get(), d.iter().flat_map(|d| d.limbs()).collect())
            }
        };
        if !bytes.is_empty() {
            self.queue
                .write_buffer(target, 0, bytemuck::cast_slice(&bytes));
        }
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
    fn grid(&self, groups: u32) -> (u32, u32) {
        let x = groups.clamp(1, self.max_groups);
        (x, groups.div_ceil(x).max(1))
    }

    fn harvest(
        &self,
        slot: &Slot,
        plan: &ChunkPlan,
        readback: &Readback,
    ) -> Result<ChunkOutput, GpuError> {
        let staging = slot.staging.get();
        let slice = staging.slice(0..readback.total.max(8));
        let (tx, rx) = std::sync::mpsc::channel();
        slice.map_async(wgpu::MapMode::Read, move |r| {
            let _ = tx.send(r);
        });
        self.device
            .poll(wgpu::PollType::wait_indefinitely())
            .map_err(|e| GpuError::Device(e.to_string()))?;
        rx.recv()
            .map_err(|_| GpuError::Internal("map callback dropped"))?
            .map_err(|e| GpuError::Device(e.to_string()))?;
        let out = {
            let view = slice
                .get_mapped_range()
                .map_err(|e| GpuError::Device(e.to_string()))?;
            parse(&view, plan, readback)?
        };
        staging.unmap();
        Ok(out)
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
    Readback {
        leaves,
        levels,
        interleaved,
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
    Ok(out)
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

fn dispatch(
    encoder: &mut wgpu::CommandEncoder,
    pipeline: &wgpu::ComputePipeline,
    bind: &wgpu::BindGroup,
    (x, y): (u32, u32),
) {
    let mut pass = encoder.begin_compute_pass(&Default::default());
    pass.set_pipeline(pipeline);
    pass.set_bind_group(0, bind, &[]);
    pass.dispatch_workgroups(x, y, 1);
}

fn whole(binding: u32, buffer: &wgpu::Buffer) -> wgpu::BindGroupEntry<'_> {
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
