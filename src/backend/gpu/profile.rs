//! Where a device call's time goes, for `zkpor bench --profile`: host-side
//! timers around every allocation, upload, encoding, submission, wait, map and
//! host copy, and (where the adapter has TIMESTAMP_QUERY) each compute pass's
//! device time from timestamp queries. Every dispatch here is its own pass, so
//! pass timestamps give per-kernel times without TIMESTAMP_QUERY_INSIDE_PASSES;
//! TIMESTAMP_QUERY_INSIDE_ENCODERS, where present, also times buffer copies.
//!
//! Off (the default) it costs one relaxed atomic load per timed site: no
//! clock reads, no locks, no query sets.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use serde::Serialize;

/// Largest query set wgpu allows.
const MAX_QUERIES: u32 = wgpu::QUERY_SET_MAX_QUERIES;

/// A host-side phase the profiler times.
#[derive(Clone, Copy, Debug)]
pub enum Phase {
    /// Creating (or growing) device buffers.
    Alloc,
    /// `queue.write_buffer` and initialised buffers: bytes host -> device.
    Upload,
    /// Host-side conversions and copies: canonical limbs before an upload,
    /// parsing a mapped staging buffer into field elements and digests.
    HostCopy,
    /// Recording commands and creating bind groups.
    Encode,
    /// `queue.submit`.
    Submit,
    /// `device.poll` waiting for submitted work.
    Wait,
    /// Mapping a staging buffer once its copy is done: bytes device -> host.
    Readback,
}

/// Count, bytes and seconds of one phase.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct Timed {
    pub count: u64,
    pub bytes: u64,
    pub seconds: f64,
}

impl Timed {
    fn add(&mut self, seconds: f64, bytes: u64) {
        self.count += 1;
        self.bytes += bytes;
        self.seconds += seconds;
    }
}

/// One pipeline's dispatches.
#[derive(Clone, Debug, Default, Serialize)]
pub struct KernelProfile {
    pub dispatches: u64,
    pub workgroups: u64,
    /// Sum of its passes' device time (timestamp queries); absent without them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_seconds: Option<f64>,
}

/// Everything one profiled call did.
#[derive(Clone, Debug, Default, Serialize)]
pub struct GpuProfile {
    /// Host wall time of the profiled call.
    pub wall_seconds: f64,
    /// "passes" (TIMESTAMP_QUERY), "passes+encoders" (also copies), or "none".
    pub timestamps: &'static str,
    pub submissions: u64,
    pub dispatches: u64,
    pub bind_groups: u64,
    /// Per pipeline (WGSL entry point).
    pub kernels: BTreeMap<String, KernelProfile>,
    /// Sum of every kernel's device time; absent without timestamps.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kernel_seconds: Option<f64>,
    /// Device time of buffer copies (TIMESTAMP_QUERY_INSIDE_ENCODERS only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub copy_seconds: Option<f64>,
    pub alloc: Timed,
    pub upload: Timed,
    pub host_copies: Timed,
    pub encode: Timed,
    pub submit: Timed,
    pub wait: Timed,
    pub readback: Timed,
}

impl GpuProfile {
    fn phase(&mut self, phase: Phase) -> &mut Timed {
        match phase {
            Phase::Alloc => &mut self.alloc,
            Phase::Upload => &mut self.upload,
            Phase::HostCopy => &mut self.host_copies,
            Phase::Encode => &mut self.encode,
            Phase::Submit => &mut self.submit,
            Phase::Wait => &mut self.wait,
            Phase::Readback => &mut self.readback,
        }
    }
}

/// What the adapter lets the profiler time on the device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StampLevel {
    None,
    Passes,
    PassesAndEncoders,
}

impl StampLevel {
    pub fn of(features: wgpu::Features) -> Self {
        if !features.contains(wgpu::Features::TIMESTAMP_QUERY) {
            StampLevel::None
        } else if features.contains(wgpu::Features::TIMESTAMP_QUERY_INSIDE_ENCODERS) {
            StampLevel::PassesAndEncoders
        } else {
            StampLevel::Passes
        }
    }

    fn name(self) -> &'static str {
        match self {
            StampLevel::None => "none",
            StampLevel::Passes => "passes",
            StampLevel::PassesAndEncoders => "passes+encoders",
        }
    }
}

/// Timestamps written by one command encoder, not yet read.
pub struct PendingStamps {
    labels: Vec<&'static str>,
    readback: wgpu::Buffer,
}

struct State {
    profile: GpuProfile,
    pending: Vec<PendingStamps>,
}

pub struct Profiler {
    armed: AtomicBool,
    level: StampLevel,
    /// Nanoseconds per timestamp tick.
    period_ns: f64,
    state: Mutex<State>,
}

impl Profiler {
    pub fn new(level: StampLevel, period_ns: f32) -> Self {
        Profiler {
            armed: AtomicBool::new(false),
            level,
            period_ns: period_ns as f64,
            state: Mutex::new(State {
                profile: GpuProfile::default(),
                pending: Vec::new(),
            }),
        }
    }

    #[inline]
    pub fn armed(&self) -> bool {
        self.armed.load(Ordering::Relaxed)
    }

    /// The start of a timed span, only while armed.
    #[inline]
    pub fn start(&self) -> Option<Instant> {
        self.armed().then(Instant::now)
    }

    /// Ends a span begun by [`Self::start`].
    #[inline]
    pub fn end(&self, phase: Phase, start: Option<Instant>, bytes: u64) {
        if let Some(t) = start {
            let seconds = t.elapsed().as_secs_f64();
            self.with(|p| p.phase(phase).add(seconds, bytes));
        }
    }

    /// Times `f` as `phase`.
    #[inline]
    pub fn time<T>(&self, phase: Phase, bytes: u64, f: impl FnOnce() -> T) -> T {
        let t = self.start();
        let out = f();
        self.end(phase, t, bytes);
        out
    }

    #[inline]
    pub fn dispatch(&self, kernel: &'static str, workgroups: u64) {
        if self.armed() {
            self.with(|p| {
                p.dispatches += 1;
                let k = p.kernels.entry(kernel.to_string()).or_default();
                k.dispatches += 1;
                k.workgroups += workgroups;
            });
        }
    }

    #[inline]
    pub fn bind_group(&self) {
        if self.armed() {
            self.with(|p| p.bind_groups += 1);
        }
    }

    #[inline]
    pub fn submission(&self) {
        if self.armed() {
            self.with(|p| p.submissions += 1);
        }
    }

    fn with(&self, f: impl FnOnce(&mut GpuProfile)) {
        // A poisoned profile only loses figures; never fail the work for it.
        if let Ok(mut s) = self.state.lock() {
            f(&mut s.profile);
        }
    }

    /// A timestamp recorder for one encoder of up to `passes` timed passes,
    /// while armed on an adapter with timestamps.
    pub fn stamps(&self, device: &wgpu::Device, passes: usize) -> Option<Stamps> {
        if !self.armed() || self.level == StampLevel::None || passes == 0 {
            return None;
        }
        let capacity = (2 * passes as u64).min(MAX_QUERIES as u64) as u32;
        Some(Stamps {
            set: device.create_query_set(&wgpu::QuerySetDescriptor {
                label: Some("profile timestamps"),
                ty: wgpu::QueryType::Timestamp,
                count: capacity,
            }),
            capacity,
            labels: Vec::new(),
            encoders: self.level == StampLevel::PassesAndEncoders,
        })
    }

    /// Keeps an encoder's timestamps until [`Self::finish`] reads them.
    pub fn pending(&self, stamps: Option<PendingStamps>) {
        if let (Some(p), Ok(mut s)) = (stamps, self.state.lock()) {
            s.pending.push(p);
        }
    }

    /// Starts a fresh profile.
    pub fn arm(&self) {
        if let Ok(mut s) = self.state.lock() {
            s.profile = GpuProfile::default();
            s.pending.clear();
        }
        self.armed.store(true, Ordering::Relaxed);
    }

    /// Stops profiling and returns what was seen; `read` maps a finished
    /// readback buffer of `bytes` bytes (the device is idle by then).
    pub fn finish(
        &self,
        wall_seconds: f64,
        read: impl Fn(&wgpu::Buffer, u64) -> Result<Vec<u64>, super::GpuError>,
    ) -> Result<GpuProfile, super::GpuError> {
        self.armed.store(false, Ordering::Relaxed);
        let (mut profile, pending) = {
            let mut s = self.state.lock().map_err(|_| super::GpuError::Poisoned)?;
            (
                std::mem::take(&mut s.profile),
                std::mem::take(&mut s.pending),
            )
        };
        profile.wall_seconds = wall_seconds;
        profile.timestamps = self.level.name();
        if self.level == StampLevel::None {
            return Ok(profile);
        }
        let mut kernel_total = 0.0;
        let mut copies = 0.0;
        for k in profile.kernels.values_mut() {
            k.device_seconds = Some(0.0);
        }
        for p in pending {
            let ticks = read(&p.readback, p.labels.len() as u64 * 16)?;
            for (label, pair) in p.labels.iter().zip(ticks.chunks_exact(2)) {
                // Some drivers reorder or clamp stamps; a negative span is zero.
                let s = pair[1].saturating_sub(pair[0]) as f64 * self.period_ns * 1e-9;
                if *label == COPY_LABEL {
                    copies += s;
                    continue;
                }
                kernel_total += s;
                let k = profile.kernels.entry(label.to_string()).or_default();
                *k.device_seconds.get_or_insert(0.0) += s;
            }
        }
        profile.kernel_seconds = Some(kernel_total);
        if self.level == StampLevel::PassesAndEncoders {
            profile.copy_seconds = Some(copies);
        }
        Ok(profile)
    }
}

/// The label under which copy timestamps are kept.
const COPY_LABEL: &str = "(copy)";

/// Query indices handed out to one encoder's passes, two per pass.
pub struct Stamps {
    set: wgpu::QuerySet,
    capacity: u32,
    labels: Vec<&'static str>,
    encoders: bool,
}

impl Stamps {
    /// Begin and end indices for one more pass labelled `kernel`; `None` once full.
    pub fn pass(&mut self, kernel: &'static str) -> Option<wgpu::ComputePassTimestampWrites<'_>> {
        let at = 2 * self.labels.len() as u32;
        if at + 2 > self.capacity {
            return None;
        }
        self.labels.push(kernel);
        Some(wgpu::ComputePassTimestampWrites {
            query_set: &self.set,
            beginning_of_pass_write_index: Some(at),
            end_of_pass_write_index: Some(at + 1),
        })
    }

    /// Records `copy` between two encoder timestamps, where the adapter allows them.
    pub fn copy(
        &mut self,
        encoder: &mut wgpu::CommandEncoder,
        copy: impl FnOnce(&mut wgpu::CommandEncoder),
    ) {
        let at = 2 * self.labels.len() as u32;
        if !self.encoders || at + 2 > self.capacity {
            copy(encoder);
            return;
        }
        self.labels.push(COPY_LABEL);
        encoder.write_timestamp(&self.set, at);
        copy(encoder);
        encoder.write_timestamp(&self.set, at + 1);
    }

    /// Resolves the stamps at the end of `encoder` into a mappable buffer.
    pub fn resolve(
        self,
        device: &wgpu::Device,
        encoder: &mut wgpu::CommandEncoder,
    ) -> Option<PendingStamps> {
        if self.labels.is_empty() {
            return None;
        }
        use wgpu::BufferUsages as U;
        let count = 2 * self.labels.len() as u32;
        let bytes = (count as u64 * 8).next_multiple_of(wgpu::QUERY_RESOLVE_BUFFER_ALIGNMENT);
        let resolve = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("profile resolve"),
            size: bytes,
            usage: U::QUERY_RESOLVE | U::COPY_SRC,
            mapped_at_creation: false,
        });
        let readback = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("profile readback"),
            size: bytes,
            usage: U::MAP_READ | U::COPY_DST,
            mapped_at_creation: false,
        });
        encoder.resolve_query_set(&self.set, 0..count, &resolve, 0);
        encoder.copy_buffer_to_buffer(&resolve, 0, &readback, 0, bytes);
        Some(PendingStamps {
            labels: self.labels,
            readback,
        })
    }
}

/// Encoder-level helper: stamps for `passes` passes if profiling, else none.
pub fn maybe_copy(
    stamps: &mut Option<Stamps>,
    encoder: &mut wgpu::CommandEncoder,
    copy: impl FnOnce(&mut wgpu::CommandEncoder),
) {
    match stamps {
        Some(s) => s.copy(encoder, copy),
        None => copy(encoder),
    }
}
