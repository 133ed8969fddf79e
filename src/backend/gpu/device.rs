//! Adapter discovery and device setup: which GPU runs, with the limits it really has.

use super::GpuError;
use std::fmt;

/// Backends compiled in: Vulkan (lavapipe in CI), Metal, DX12. GL is left out: its
/// compute support is partial and it would shadow lavapipe's Vulkan adapter.
const BACKENDS: wgpu::Backends = wgpu::Backends::VULKAN
    .union(wgpu::Backends::METAL)
    .union(wgpu::Backends::DX12);

/// What an adapter is, for reports and for the `auto` decision.
#[derive(Clone, Debug, serde::Serialize)]
pub struct AdapterReport {
    pub name: String,
    /// "discrete", "integrated", "virtual", "cpu" (a software rasteriser such as lavapipe) or "other".
    pub device_type: String,
    pub backend: String,
    pub driver: String,
    pub max_storage_buffer_binding_size: u64,
    pub max_buffer_size: u64,
    pub max_compute_workgroups_per_dimension: u32,
    pub max_compute_invocations_per_workgroup: u32,
    pub max_compute_workgroup_storage_size: u32,
    pub shader_int64: bool,
    /// TIMESTAMP_QUERY: compute passes can be timed on the device (`--profile`).
    pub timestamp_query: bool,
    pub timestamp_query_inside_passes: bool,
    pub timestamp_query_inside_encoders: bool,
}

impl AdapterReport {
    /// A real GPU, as opposed to a software implementation.
    pub fn is_hardware(&self) -> bool {
        matches!(
            self.device_type.as_str(),
            "discrete" | "integrated" | "virtual"
        )
    }
}

impl fmt::Display for AdapterReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({}, {}, driver {})",
            self.name, self.device_type, self.backend, self.driver
        )
    }
}

fn type_name(t: wgpu::DeviceType) -> &'static str {
    match t {
        wgpu::DeviceType::DiscreteGpu => "discrete",
        wgpu::DeviceType::IntegratedGpu => "integrated",
        wgpu::DeviceType::VirtualGpu => "virtual",
        wgpu::DeviceType::Cpu => "cpu",
        wgpu::DeviceType::Other => "other",
    }
}

/// Preference order: discrete, integrated, virtual, software, other.
fn rank(t: wgpu::DeviceType) -> u8 {
    match t {
        wgpu::DeviceType::DiscreteGpu => 0,
        wgpu::DeviceType::IntegratedGpu => 1,
        wgpu::DeviceType::VirtualGpu => 2,
        wgpu::DeviceType::Cpu => 3,
        wgpu::DeviceType::Other => 4,
    }
}

pub fn report(adapter: &wgpu::Adapter) -> AdapterReport {
    let info = adapter.get_info();
    let limits = adapter.limits();
    AdapterReport {
        name: info.name,
        device_type: type_name(info.device_type).to_string(),
        backend: format!("{:?}", info.backend).to_lowercase(),
        driver: format!("{} {}", info.driver, info.driver_info)
            .trim()
            .to_string(),
        max_storage_buffer_binding_size: limits.max_storage_buffer_binding_size,
        max_buffer_size: limits.max_buffer_size,
        max_compute_workgroups_per_dimension: limits.max_compute_workgroups_per_dimension,
        max_compute_invocations_per_workgroup: limits.max_compute_invocations_per_workgroup,
        max_compute_workgroup_storage_size: limits.max_compute_workgroup_storage_size,
        shader_int64: adapter.features().contains(wgpu::Features::SHADER_INT64),
        timestamp_query: adapter.features().contains(wgpu::Features::TIMESTAMP_QUERY),
        timestamp_query_inside_passes: adapter
            .features()
            .contains(wgpu::Features::TIMESTAMP_QUERY_INSIDE_PASSES),
        timestamp_query_inside_encoders: adapter
            .features()
            .contains(wgpu::Features::TIMESTAMP_QUERY_INSIDE_ENCODERS),
    }
}

/// Every compute-capable adapter, best first.
pub fn adapters() -> Vec<wgpu::Adapter> {
    let mut desc = wgpu::InstanceDescriptor::new_without_display_handle();
    desc.backends = BACKENDS;
    let instance = wgpu::Instance::new(desc);
    let mut found = pollster::block_on(instance.enumerate_adapters(BACKENDS));
    found.retain(|a| {
        a.get_downlevel_capabilities()
            .flags
            .contains(wgpu::DownlevelFlags::COMPUTE_SHADERS)
    });
    found.sort_by_key(|a| rank(a.get_info().device_type));
    found
}

/// The best adapter; software ones only when `allow_software`.
pub fn pick_adapter(allow_software: bool) -> Result<wgpu::Adapter, GpuError> {
    let all = adapters();
    let seen: Vec<String> = all.iter().map(|a| report(a).to_string()).collect();
    all.into_iter()
        .find(|a| allow_software || report(a).is_hardware())
        .ok_or(GpuError::NoAdapter {
            wanted: if allow_software {
                "GPU adapter (hardware or software)"
            } else {
                "hardware GPU"
            },
            seen,
        })
}

/// Opens the device with the adapter's real limits (wgpu's defaults are far
/// smaller: 128 MiB bindings, 16 KiB workgroup memory) and 64-bit integers
/// when asked for; with `timestamps`, whichever timestamp-query features the
/// adapter has (only for profiling: they are not needed otherwise).
pub fn open(
    adapter: &wgpu::Adapter,
    int64: bool,
    timestamps: bool,
) -> Result<(wgpu::Device, wgpu::Queue), GpuError> {
    let mut features = wgpu::Features::empty();
    if int64 {
        features |= wgpu::Features::SHADER_INT64;
    }
    if timestamps {
        features |= adapter.features()
            & (wgpu::Features::TIMESTAMP_QUERY
                | wgpu::Features::TIMESTAMP_QUERY_INSIDE_PASSES
                | wgpu::Features::TIMESTAMP_QUERY_INSIDE_ENCODERS);
    }
    let desc = wgpu::DeviceDescriptor {
        label: Some("zkpor"),
        required_features: features,
        required_limits: adapter.limits(),
        ..Default::default()
    };
    pollster::block_on(adapter.request_device(&desc)).map_err(|e| GpuError::Device(e.to_string()))
}

/// Mesa's Vulkan drivers probe for a Wayland display when wgpu enumerates
/// adapters, and on a headless machine libwayland prints "error:
/// XDG_RUNTIME_DIR is invalid or not set" although compute needs no display.
/// A set but display-less value (nothing is created there) silences it.
///
/// Changing the environment is sound only while the process has one thread:
/// call this first in `main`.
pub fn quiet_headless_wayland_probe() {
    if cfg!(target_os = "linux") && std::env::var_os("XDG_RUNTIME_DIR").is_none() {
        std::env::set_var(
            "XDG_RUNTIME_DIR",
            std::env::temp_dir().join("zkpor-no-display"),
        );
    }
}
