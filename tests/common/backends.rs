//! Every backend variant this machine can run, for differential tests: the CPU
//! on each instruction set it has, and the GPU with each arithmetic, once with
//! its default chunks and once with tiny ones (to exercise chunking). With
//! CI=true a missing GPU adapter fails the tests; elsewhere it is reported and
//! the GPU variants are left out.

use std::sync::OnceLock;
use zkpor::backend::cpu::Isa;
use zkpor::backend::gpu::Arith;
use zkpor::backend::{Backend, CpuBackend, GpuBackend, GpuError, GpuOptions};

pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

fn open_gpu(arith: Arith, max_chunk_log: u32) -> Option<GpuBackend> {
    open_gpu_with(GpuOptions {
        allow_software: true,
        arith: Some(arith),
        max_chunk_log,
        ..GpuOptions::default()
    })
}

/// Opens a GPU backend with `opts`, or says why not: an adapter without
/// SHADER_INT64 leaves the u64 variant out; no adapter fails under CI=true and
/// is skipped elsewhere.
pub fn open_gpu_with(opts: GpuOptions) -> Option<GpuBackend> {
    match GpuBackend::open(opts) {
        Ok(gpu) => Some(gpu),
        Err(GpuError::Unsupported(what)) if opts.arith == Some(Arith::U64) => {
            eprintln!("adapter lacks {what}: the u64 variant is not tested here");
            None
        }
        Err(e) if in_ci() => panic!("CI=true and the GPU backend is unavailable: {e}"),
        Err(e) => {
            eprintln!("SKIPPED: no GPU adapter ({e})");
            None
        }
    }
}

/// One GPU backend per (arithmetic, chunk size), shared by a test binary.
pub fn gpu(arith: Arith, small_chunks: bool) -> Option<&'static GpuBackend> {
    static CELLS: [OnceLock<Option<GpuBackend>>; 4] = [const { OnceLock::new() }; 4];
    let i = (arith == Arith::U64) as usize * 2 + small_chunks as usize;
    let chunk_log = if small_chunks { 3 } else { 20 };
    CELLS[i].get_or_init(|| open_gpu(arith, chunk_log)).as_ref()
}

pub const ARITHS: [Arith; 2] = [Arith::U32, Arith::U64];

fn cpus() -> &'static [CpuBackend] {
    static CPUS: OnceLock<Vec<CpuBackend>> = OnceLock::new();
    CPUS.get_or_init(|| {
        Isa::ALL
            .into_iter()
            .filter_map(CpuBackend::with_isa)
            .collect()
    })
}

/// Every variant, named for assertion messages.
pub fn all() -> Vec<(String, &'static dyn Backend)> {
    let mut out: Vec<(String, &'static dyn Backend)> = cpus()
        .iter()
        .map(|c| (format!("cpu/{}", c.isa().name()), c as &dyn Backend))
        .collect();
    for arith in ARITHS {
        for small in [false, true] {
            if let Some(g) = gpu(arith, small) {
                let name = format!(
                    "gpu/{}{}",
                    arith.name(),
                    if small { "/tiny-chunks" } else { "" }
                );
                out.push((name, g as &dyn Backend));
            }
        }
    }
    out
}
