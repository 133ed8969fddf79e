//! Persistent device buffers, grown on demand and reused across calls. There are
//! two slots so that one chunk's upload and readback overlap the next one's
//! compute.

use super::profile::{Phase, Profiler};

/// Uniform blocks one chunk may use: a sponge plus a few merkle dispatches.
pub const PARAM_BLOCKS: u64 = 16;
/// Bytes between uniform blocks: a multiple of 256 (the largest uniform offset
/// alignment wgpu allows an adapter to demand) that holds the largest block.
pub const PARAM_STRIDE: u64 = 512;

// A block must never spill into the next one's bytes.
const _: () = assert!(std::mem::size_of::<super::kernels::MerkleParams>() as u64 <= PARAM_STRIDE);
const _: () = assert!(std::mem::size_of::<super::kernels::SpongeParams>() as u64 <= PARAM_STRIDE);

pub struct Slot {
    pub params: wgpu::Buffer,
    pub inputs: Grow,
    /// Layer-0 digests of the chunk, then the carry between merkle dispatches.
    pub leaf: Grow,
    /// Compact layers 1..=top of the chunk.
    pub levels: Grow,
    /// The chunk's window of plonky2's interleaved digests.
    pub interleaved: Grow,
    pub staging: Grow,
}

impl Slot {
    pub fn new(device: &wgpu::Device) -> Self {
        use wgpu::BufferUsages as U;
        Slot {
            params: device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("params"),
                size: PARAM_BLOCKS * PARAM_STRIDE,
                usage: U::UNIFORM | U::COPY_DST,
                mapped_at_creation: false,
            }),
            inputs: Grow::new("inputs", U::STORAGE | U::COPY_DST | U::COPY_SRC),
            leaf: Grow::new("leaf digests", U::STORAGE | U::COPY_DST | U::COPY_SRC),
            levels: Grow::new("levels", U::STORAGE | U::COPY_SRC | U::COPY_DST),
            interleaved: Grow::new("interleaved", U::STORAGE | U::COPY_SRC),
            staging: Grow::new("staging", U::MAP_READ | U::COPY_DST),
        }
    }
}

/// A buffer that is replaced by a larger one when a call needs more.
pub struct Grow {
    label: &'static str,
    usage: wgpu::BufferUsages,
    buffer: Option<wgpu::Buffer>,
}

impl Grow {
    pub fn new(label: &'static str, usage: wgpu::BufferUsages) -> Self {
        Grow {
            label,
            usage,
            buffer: None,
        }
    }

    /// A buffer of at least `size` bytes (never zero-sized: bindings need a size).
    /// It only ever grows, so a run of equal calls allocates once.
    pub fn at_least(
        &mut self,
        device: &wgpu::Device,
        profiler: &Profiler,
        size: u64,
    ) -> &wgpu::Buffer {
        let size = size.max(64).next_multiple_of(256);
        let too_small = self.buffer.as_ref().is_none_or(|b| b.size() < size);
        if too_small {
            // Drop the old one first, so both never occupy memory at once.
            self.buffer = None;
            let t = profiler.start();
            self.buffer = Some(device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(self.label),
                size,
                usage: self.usage,
                mapped_at_creation: false,
            }));
            profiler.end(Phase::Alloc, t, size);
        }
        self.buffer.as_ref().expect("buffer was just ensured")
    }

    /// The buffer as last sized; `at_least` must have been called for this chunk.
    pub fn get(&self) -> &wgpu::Buffer {
        self.buffer.as_ref().expect("buffer sized before use")
    }
}
