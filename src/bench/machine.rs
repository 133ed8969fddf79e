//! What the bench ran on: CPU model, core count, SIMD level, GPU adapter.

use crate::backend::gpu::AdapterReport;
use serde::Serialize;

#[derive(Clone, Debug, Serialize)]
pub struct Machine {
    /// `model name` from /proc/cpuinfo where there is one.
    pub cpu: String,
    /// Logical CPUs the OS reports (what `nproc` prints).
    pub cpus: usize,
    /// Threads rayon runs on.
    pub threads: usize,
    /// The CPU backend's instruction set.
    pub cpu_poseidon: String,
    /// The GPU adapter the GPU entries ran on, if any.
    pub gpu: Option<AdapterReport>,
    /// True for a software adapter (lavapipe): its figures are a CPU emulating a GPU.
    pub gpu_is_software: bool,
}

impl Machine {
    pub fn probe(cpu_poseidon: &str, gpu: Option<AdapterReport>) -> Self {
        Machine {
            cpu: cpu_model().unwrap_or_else(|| std::env::consts::ARCH.to_string()),
            cpus: std::thread::available_parallelism().map_or(1, usize::from),
            threads: rayon::current_num_threads(),
            cpu_poseidon: cpu_poseidon.to_string(),
            gpu_is_software: gpu.as_ref().is_some_and(|g| !g.is_hardware()),
            gpu,
        }
    }
}

fn cpu_model() -> Option<String> {
    let info = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    info.lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map(|m| m.trim().to_string())
}
