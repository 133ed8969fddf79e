//! Streaming one-item-per-invocation kernels (bare permutations, field ops)
//! over any number of items: the items are cut into chunks, and two slots of
//! persistent buffers alternate, so that the host writes one chunk's inputs
//! and parses another's results while the device computes a third. Each
//! chunk is one submission (its kernel and the copy of its results to
//! staging memory); nothing waits for the whole device until the end.

use std::collections::VecDeque;
use std::time::Instant;

use super::engine::{whole, Engine, SimpleTimings};
use super::kernels::SimpleParams;
use super::profile::{maybe_copy, Phase};
use super::shaders::Kernel;
use super::slots::Grow;
use super::GpuError;

/// The buffers of one chunk in flight, kept across calls (they only grow);
/// a fresh set per call cost an allocation, and for an initialised input a
/// second staging copy, every time.
pub struct SimpleSlot {
    params: wgpu::Buffer,
    input: Grow,
    output: Grow,
    staging: Grow,
    /// The last bind group, valid while its kernel and buffers are unchanged.
    bind: Option<(BindKey, wgpu::BindGroup)>,
}

type BindKey = (Kernel, u64, u64);

impl SimpleSlot {
    pub fn new(device: &wgpu::Device) -> Self {
        use wgpu::BufferUsages as U;
        SimpleSlot {
            params: device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("simple params"),
                size: std::mem::size_of::<SimpleParams>() as u64,
                usage: U::UNIFORM | U::COPY_DST,
                mapped_at_creation: false,
            }),
            input: Grow::new("simple in", U::STORAGE | U::COPY_DST),
            output: Grow::new("simple out", U::STORAGE | U::COPY_SRC),
            staging: Grow::new("simple staging", U::MAP_READ | U::COPY_DST),
            bind: None,
        }
    }
}

/// A streamed kernel run: `items` items of `in_words` u64 words in and
/// `out_bytes` bytes out each, at most `chunk` items per submission.
#[derive(Clone, Copy, Debug)]
pub struct Stream {
    pub kernel: Kernel,
    pub items: usize,
    pub in_words: usize,
    pub out_bytes: usize,
    pub chunk: usize,
}

/// One submitted chunk.
struct Flight {
    slot: usize,
    first: usize,
    count: usize,
    submission: wgpu::SubmissionIndex,
}

impl Engine {
    /// Runs `job`: input word `i` (over the whole run) is `word(i)`, written
    /// straight into staging memory; each chunk's results are handed to
    /// `read(first_item, bytes)` from the mapped buffer, in order. The
    /// timings are host-side: `upload` writing inputs, `compute` waiting for
    /// the device, `download` mapping and `read`.
    pub fn stream(
        &self,
        job: Stream,
        word: impl Fn(usize) -> u64,
        mut read: impl FnMut(usize, &[u8]) -> Result<(), GpuError>,
    ) -> Result<SimpleTimings, GpuError> {
        if job.chunk == 0 || u32::try_from(job.chunk).is_err() {
            return Err(GpuError::Shape(format!("{} items per chunk", job.chunk)));
        }
        let mut slots = self.simple.lock().map_err(|_| GpuError::Poisoned)?;
        let pipeline = self.pipeline(job.kernel)?;
        let mut times = SimpleTimings::default();
        let mut flights: VecDeque<Flight> = VecDeque::new();
        let mut first = 0;
        while first < job.items {
            let slot = flights.back().map_or(0, |f| (f.slot + 1) % slots.len());
            if flights.len() == slots.len() {
                if let Some(f) = flights.pop_front() {
                    self.harvest_simple(&slots[f.slot], &f, &job, &mut read, &mut times)?;
                }
            }
            let count = job.chunk.min(job.items - first);
            let submission = self.checked("submitting a kernel chunk", || {
                let s = &mut slots[slot];
                self.submit_simple(s, &pipeline, &job, first, count, &word, &mut times)
            })?;
            flights.push_back(Flight {
                slot,
                first,
                count,
                submission,
            });
            first += count;
        }
        while let Some(f) = flights.pop_front() {
            self.harvest_simple(&slots[f.slot], &f, &job, &mut read, &mut times)?;
        }
        Ok(times)
    }

    /// Uploads items `first..first + count`, records the kernel and the copy
    /// of its results to staging memory, and submits them.
    #[allow(clippy::too_many_arguments)]
    fn submit_simple(
        &self,
        slot: &mut SimpleSlot,
        pipeline: &wgpu::ComputePipeline,
        job: &Stream,
        first: usize,
        count: usize,
        word: &impl Fn(usize) -> u64,
        times: &mut SimpleTimings,
    ) -> Result<wgpu::SubmissionIndex, GpuError> {
        let workgroup = self.kernels.workgroup(job.kernel);
        let (x, y) = self.grid((count as u32).div_ceil(workgroup));
        let params = SimpleParams {
            count: count as u32,
            row_len: x * workgroup,
            reserved: [0; 2],
        };
        let in_words = count * job.in_words;
        let out_size = (count * job.out_bytes) as u64;
        let p = &self.profiler;
        let input = slot
            .input
            .at_least(&self.device, p, in_words as u64 * 8)
            .clone();
        let output = slot.output.at_least(&self.device, p, out_size).clone();
        let staging = slot.staging.at_least(&self.device, p, out_size).clone();

        let t = Instant::now();
        self.write(&slot.params, bytemuck::bytes_of(&params));
        let base = first * job.in_words;
        self.write_words(&input, in_words, |i| word(base + i))?;
        times.upload += t.elapsed();

        let encoding = p.start();
        let key = (job.kernel, input.size(), output.size());
        if slot.bind.as_ref().is_none_or(|(k, _)| *k != key) {
            let mut entries = vec![whole(1, &slot.params), whole(2, &input), whole(3, &output)];
            if job.kernel.uses_poseidon() {
                entries.push(whole(0, &self.kernels.round_constants));
            }
            let bind = self.device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some("simple"),
                layout: &pipeline.get_bind_group_layout(0),
                entries: &entries,
            });
            p.bind_group();
            slot.bind = Some((key, bind));
        }
        let bind = &slot
            .bind
            .as_ref()
            .ok_or(GpuError::Internal("bind group just made"))?
            .1;
        let mut encoder = self.device.create_command_encoder(&Default::default());
        let mut stamps = p.stamps(&self.device, 2);
        let name = job.kernel.entry_point();
        self.pass(&mut encoder, &mut stamps, name, pipeline, bind, (x, y));
        maybe_copy(&mut stamps, &mut encoder, |e| {
            e.copy_buffer_to_buffer(&output, 0, &staging, 0, out_size)
        });
        Ok(self.finish_and_submit(encoder, stamps, encoding))
    }

    /// Waits for one chunk (later ones keep the device busy meanwhile) and
    /// hands its results to `read` straight from the mapped staging buffer.
    fn harvest_simple(
        &self,
        slot: &SimpleSlot,
        flight: &Flight,
        job: &Stream,
        read: &mut impl FnMut(usize, &[u8]) -> Result<(), GpuError>,
        times: &mut SimpleTimings,
    ) -> Result<(), GpuError> {
        let bytes = (flight.count * job.out_bytes) as u64;
        let staging = slot.staging.get();
        let slice = staging.slice(0..bytes.max(8));
        let t = Instant::now();
        self.map_after(&slice, &flight.submission)?;
        times.compute += t.elapsed();
        let t = Instant::now();
        let readback = self.profiler.start();
        let view = slice
            .get_mapped_range()
            .map_err(|e| GpuError::Device(e.to_string()))?;
        self.profiler.end(Phase::Readback, readback, bytes);
        let out = view
            .get(..bytes as usize)
            .ok_or(GpuError::Internal("readback shorter than planned"))
            .and_then(|b| {
                self.profiler
                    .time(Phase::HostCopy, bytes, || read(flight.first, b))
            });
        drop(view);
        staging.unmap();
        times.download += t.elapsed();
        out
    }
}
