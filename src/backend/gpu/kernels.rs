//! Compiled pipelines and the uniform parameter blocks they read. Pipelines are
//! built once per backend; the round constants are uploaded once.

use bytemuck::{Pod, Zeroable};
use plonky2::hash::poseidon::ALL_ROUND_CONSTANTS;
use std::collections::HashMap;
use std::sync::Mutex;
use wgpu::util::DeviceExt;

use super::shaders::{source, Arith, Kernel};
use super::GpuError;

/// Invocations per workgroup of the hashing kernels unless
/// [`super::GpuOptions::poseidon_workgroup`] says otherwise; the one-item
/// test kernel (`field_ops`) always has this many.
pub const DEFAULT_WORKGROUP: u32 = 64;
/// Nodes one merkle workgroup takes in (it has 128 invocations).
pub const MERKLE_NODES_PER_GROUP: u32 = 256;
/// Layers one merkle dispatch reduces at most (256 nodes -> 1).
pub const MERKLE_MAX_LEVELS: u32 = 8;

/// `SpongeParams` in sponge.wgsl.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, Pod, Zeroable)]
pub struct SpongeParams {
    pub count: u32,
    pub width: u32,
    pub noop: u32,
    pub row_len: u32,
}

/// `MerkleParams` in merkle.wgsl (336 bytes, uniform layout).
#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable)]
pub struct MerkleParams {
    pub in_len: u32,
    pub levels: u32,
    pub in_layer: u32,
    pub in_first: u32,
    pub scatter: u32,
    pub scatter_inputs: u32,
    pub subtree_log: u32,
    pub scatter_base: u32,
    pub use_pads: u32,
    pub row_len: u32,
    pub reserved: [u32; 2],
    pub out_offsets: [u32; 8],
    pub pads: [u32; 64],
}

impl Default for MerkleParams {
    fn default() -> Self {
        Zeroable::zeroed()
    }
}

/// `SimpleParams` of the one-item-per-invocation kernels (permute, field_ops).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, Pod, Zeroable)]
pub struct SimpleParams {
    pub count: u32,
    pub row_len: u32,
    pub reserved: [u32; 2],
}

/// `NttParams` in ntt.wgsl.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, Pod, Zeroable)]
pub struct NttParams {
    pub groups: u32,
    pub log_n: u32,
    pub low_bit: u32,
    pub bits: u32,
    pub group_log: u32,
    pub row_len: u32,
    pub reserved: [u32; 2],
}

/// `BitReverseParams` in bit_reverse.wgsl.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, Pod, Zeroable)]
pub struct BitReverseParams {
    pub count: u32,
    pub log_n: u32,
    pub row_len: u32,
    pub reserved0: u32,
    pub scale: [u32; 2],
    pub reserved1: [u32; 2],
}

/// `SpreadParams` in coset_spread.wgsl.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, Pod, Zeroable)]
pub struct SpreadParams {
    pub count: u32,
    pub log_n: u32,
    pub log_lde: u32,
    pub row_len: u32,
}

/// `TransposeParams` in transpose.wgsl.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, Pod, Zeroable)]
pub struct TransposeParams {
    pub col_len: u32,
    pub first_row: u32,
    pub rows: u32,
    pub cols: u32,
    pub width: u32,
    pub first_col: u32,
    pub col_tiles: u32,
    pub row_len: u32,
}

/// Invocations per workgroup of the NTT, bit-reversal, spread and transpose kernels.
pub const NTT_WORKGROUP: u32 = 256;
/// log2 of the elements one NTT workgroup holds in workgroup memory (16 KiB).
pub const NTT_TILE_LOG: u32 = 11;
/// Rows and columns of one transpose tile.
pub const TRANSPOSE_TILE: (u32, u32) = (64, 16);

pub struct Kernels {
    pub arith: Arith,
    /// Invocations per workgroup of `hash_leaves` and `permute_states`.
    pub poseidon_workgroup: u32,
    pub sponge: wgpu::ComputePipeline,
    pub merkle: wgpu::ComputePipeline,
    pub round_constants: wgpu::Buffer,
    /// Kernels other than the two every tree needs, compiled on first use.
    extra: Mutex<HashMap<Kernel, wgpu::ComputePipeline>>,
}

impl Kernels {
    pub fn build(
        device: &wgpu::Device,
        arith: Arith,
        poseidon_workgroup: u32,
    ) -> Result<Self, GpuError> {
        let sponge = pipeline(device, Kernel::Sponge, arith, poseidon_workgroup)?;
        let merkle = pipeline(device, Kernel::Merkle, arith, poseidon_workgroup)?;
        Ok(Kernels {
            arith,
            poseidon_workgroup,
            sponge,
            merkle,
            round_constants: round_constants(device),
            extra: Mutex::new(HashMap::new()),
        })
    }

    /// Any other kernel's pipeline, compiled once.
    pub fn extra(
        &self,
        device: &wgpu::Device,
        kernel: Kernel,
    ) -> Result<wgpu::ComputePipeline, GpuError> {
        let mut extra = self.extra.lock().map_err(|_| GpuError::Poisoned)?;
        if let Some(p) = extra.get(&kernel) {
            return Ok(p.clone());
        }
        let p = pipeline(device, kernel, self.arith, self.poseidon_workgroup)?;
        extra.insert(kernel, p.clone());
        Ok(p)
    }

    /// Invocations per workgroup of a one-item-per-invocation kernel, which
    /// sizes its dispatch grid.
    pub fn workgroup(&self, kernel: Kernel) -> u32 {
        if kernel.hashes_per_invocation() {
            self.poseidon_workgroup
        } else {
            DEFAULT_WORKGROUP
        }
    }
}

fn pipeline(
    device: &wgpu::Device,
    kernel: Kernel,
    arith: Arith,
    poseidon_workgroup: u32,
) -> Result<wgpu::ComputePipeline, GpuError> {
    // Capture validation errors instead of wgpu's default panic.
    let scope = device.push_error_scope(wgpu::ErrorFilter::Validation);
    let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
        label: Some(kernel.entry_point()),
        source: wgpu::ShaderSource::Wgsl(source(kernel, arith, poseidon_workgroup).into()),
    });
    let pipeline = device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
        label: Some(kernel.entry_point()),
        layout: None,
        module: &module,
        entry_point: Some(kernel.entry_point()),
        compilation_options: Default::default(),
        cache: None,
    });
    match pollster::block_on(scope.pop()) {
        Some(e) => Err(GpuError::Shader(format!(
            "{} ({}): {e}",
            kernel.entry_point(),
            arith.name()
        ))),
        None => Ok(pipeline),
    }
}

/// plonky2's `ALL_ROUND_CONSTANTS` as (lo, hi) u32 pairs.
fn round_constants(device: &wgpu::Device) -> wgpu::Buffer {
    let limbs: Vec<u32> = ALL_ROUND_CONSTANTS
        .iter()
        .flat_map(|&c| [c as u32, (c >> 32) as u32])
        .collect();
    device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
        label: Some("poseidon round constants"),
        contents: bytemuck::cast_slice(&limbs),
        usage: wgpu::BufferUsages::STORAGE,
    })
}
