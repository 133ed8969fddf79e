//! Recorded device work for the NTT and commitment jobs: dispatches (kernel,
//! uniform block, storage bindings, grid) and buffer copies, encoded into one
//! command buffer whose uniform blocks share one buffer. Recording first and
//! encoding after lets a job of any number of dispatches use one uniform
//! upload, and lets wgpu's validation errors come back as `GpuError`s.

use bytemuck::Pod;

use super::engine::Engine;
use super::profile::maybe_copy;
use super::shaders::Kernel;
use super::GpuError;

/// Bytes between uniform blocks: the largest `min_uniform_buffer_offset_alignment`
/// wgpu lets an adapter ask for.
const UNIFORM_STRIDE: usize = 256;

/// A storage binding: `size` bytes of `buffer` from `offset`.
pub struct Binding<'a> {
    pub slot: u32,
    pub buffer: &'a wgpu::Buffer,
    pub offset: u64,
    pub size: u64,
}

/// All of `buffer` at binding `slot`.
pub fn whole(slot: u32, buffer: &wgpu::Buffer) -> Binding<'_> {
    Binding {
        slot,
        buffer,
        offset: 0,
        size: buffer.size(),
    }
}

/// The first `size` bytes of `buffer` at binding `slot`.
pub fn prefix(slot: u32, buffer: &wgpu::Buffer, size: u64) -> Binding<'_> {
    Binding {
        slot,
        buffer,
        offset: 0,
        size,
    }
}

enum Op<'a> {
    Dispatch {
        kernel: Kernel,
        pipeline: wgpu::ComputePipeline,
        block: usize,
        bindings: Vec<Binding<'a>>,
        grid: (u32, u32),
    },
    Copy {
        from: &'a wgpu::Buffer,
        from_offset: u64,
        to: &'a wgpu::Buffer,
        to_offset: u64,
        bytes: u64,
    },
}

pub struct Recorder<'a> {
    engine: &'a Engine,
    ops: Vec<Op<'a>>,
    params: Vec<u8>,
}

impl<'a> Recorder<'a> {
    pub fn new(engine: &'a Engine) -> Self {
        Recorder {
            engine,
            ops: Vec::new(),
            params: Vec::new(),
        }
    }

    /// The 2-D grid for `workgroups` workgroups (x capped by the adapter's limit).
    pub fn grid(&self, workgroups: u32) -> (u32, u32) {
        self.engine.grid(workgroups)
    }

    /// Records `kernel` over `grid` with `params` as its uniform block (binding 1).
    pub fn dispatch<P: Pod>(
        &mut self,
        kernel: Kernel,
        params: &P,
        bindings: Vec<Binding<'a>>,
        grid: (u32, u32),
    ) -> Result<(), GpuError> {
        let bytes = bytemuck::bytes_of(params);
        if bytes.len() > UNIFORM_STRIDE {
            return Err(GpuError::Internal("uniform block larger than its stride"));
        }
        let block = self.params.len() / UNIFORM_STRIDE;
        self.params.extend_from_slice(bytes);
        self.params.resize((block + 1) * UNIFORM_STRIDE, 0);
        self.ops.push(Op::Dispatch {
            kernel,
            pipeline: self.engine.pipeline(kernel)?,
            block,
            bindings,
            grid,
        });
        Ok(())
    }

    pub fn copy(
        &mut self,
        from: &'a wgpu::Buffer,
        from_offset: u64,
        to: &'a wgpu::Buffer,
        to_offset: u64,
        bytes: u64,
    ) {
        if bytes > 0 {
            self.ops.push(Op::Copy {
                from,
                from_offset,
                to,
                to_offset,
                bytes,
            });
        }
    }

    /// Encodes everything recorded into `encoder`, in order.
    pub fn encode(self, encoder: &mut wgpu::CommandEncoder) -> Result<(), GpuError> {
        let engine = self.engine;
        engine.checked("recording a job", || self.encode_unchecked(encoder))
    }

    fn encode_unchecked(self, encoder: &mut wgpu::CommandEncoder) -> Result<(), GpuError> {
        let engine = self.engine;
        let device = &engine.device;
        let mut stamps = engine.profiler.stamps(device, self.ops.len());
        let uniforms = (!self.params.is_empty()).then(|| {
            use wgpu::util::DeviceExt;
            device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some("job params"),
                contents: &self.params,
                usage: wgpu::BufferUsages::UNIFORM,
            })
        });
        for op in &self.ops {
            match op {
                Op::Dispatch {
                    kernel,
                    pipeline,
                    block,
                    bindings,
                    grid,
                } => {
                    let uniforms = uniforms
                        .as_ref()
                        .ok_or(GpuError::Internal("dispatch without a uniform block"))?;
                    let bind = bind_group(device, pipeline, uniforms, *block, bindings);
                    engine.profiler.bind_group();
                    let name = kernel.entry_point();
                    engine.pass(encoder, &mut stamps, name, pipeline, &bind, *grid);
                }
                Op::Copy {
                    from,
                    from_offset,
                    to,
                    to_offset,
                    bytes,
                } => maybe_copy(&mut stamps, encoder, |e| {
                    e.copy_buffer_to_buffer(from, *from_offset, to, *to_offset, *bytes)
                }),
            }
        }
        // Resolved inside this encoder, read when the profile is finished.
        engine
            .profiler
            .pending(stamps.and_then(|s| s.resolve(device, encoder)));
        Ok(())
    }

    /// Encodes and submits everything recorded as one submission.
    pub fn submit(self) -> Result<wgpu::SubmissionIndex, GpuError> {
        let engine = self.engine;
        engine.checked("submitting a job", || {
            let encoding = engine.profiler.start();
            let mut encoder = engine.device.create_command_encoder(&Default::default());
            self.encode_unchecked(&mut encoder)?;
            Ok(engine.finish_and_submit(encoder, None, encoding))
        })
    }
}

fn bind_group(
    device: &wgpu::Device,
    pipeline: &wgpu::ComputePipeline,
    uniforms: &wgpu::Buffer,
    block: usize,
    bindings: &[Binding],
) -> wgpu::BindGroup {
    let mut entries = vec![wgpu::BindGroupEntry {
        binding: 1,
        resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding {
            buffer: uniforms,
            offset: (block * UNIFORM_STRIDE) as u64,
            size: std::num::NonZeroU64::new(UNIFORM_STRIDE as u64),
        }),
    }];
    entries.extend(bindings.iter().map(|b| wgpu::BindGroupEntry {
        binding: b.slot,
        resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding {
            buffer: b.buffer,
            offset: b.offset,
            size: std::num::NonZeroU64::new(b.size.max(8)),
        }),
    }));
    device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: None,
        layout: &pipeline.get_bind_group_layout(0),
        entries: &entries,
    })
}
