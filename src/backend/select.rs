//! Backend selection for `--backend auto|gpu|cpu`.

use super::gpu::Arith;
use super::{Backend, CpuBackend, GpuBackend, GpuError, GpuOptions};

/// What the user asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Choice {
    /// A hardware GPU when there is one, else the CPU (with a notice saying why).
    Auto,
    /// The GPU, software adapters included; an error when there is none.
    Gpu,
    Cpu,
}

/// The backend that will run, and a one-line notice when `auto` fell back.
pub struct Selected {
    pub backend: Box<dyn Backend>,
    pub notice: Option<String>,
}

/// Opens the backend for `choice`; `gpu` says how to open a GPU (its
/// `allow_software` is overridden: `gpu` accepts software adapters, `auto` does not).
pub fn select(choice: Choice, gpu: GpuOptions) -> Result<Selected, GpuError> {
    let selected = open(choice, gpu)?;
    Ok(Selected {
        backend: super::fault::wrap(selected.backend),
        ..selected
    })
}

fn open(choice: Choice, gpu: GpuOptions) -> Result<Selected, GpuError> {
    match choice {
        Choice::Cpu => Ok(cpu(None)),
        Choice::Gpu => {
            let gpu = GpuBackend::open(GpuOptions {
                allow_software: true,
                ..gpu
            })?;
            Ok(Selected {
                backend: Box::new(gpu),
                notice: None,
            })
        }
        Choice::Auto => {
            let hardware_only = GpuOptions {
                allow_software: false,
                ..gpu
            };
            match GpuBackend::open(hardware_only) {
                Ok(gpu) => Ok(Selected {
                    backend: Box::new(gpu),
                    notice: None,
                }),
                Err(why) => Ok(cpu(Some(format!(
                    "backend auto: {why}; hashing on the CPU"
                )))),
            }
        }
    }
}

/// Every GPU backend `choice` allows, one per arithmetic the adapter runs
/// (for `zkpor bench`, which compares them), under the same policy as
/// [`select`]: `cpu` none; `gpu` software adapters too, and no adapter is an
/// error; `auto` hardware only, and without one a notice says why.
pub fn gpus(
    choice: Choice,
    gpu: GpuOptions,
) -> Result<(Vec<GpuBackend>, Option<String>), GpuError> {
    let allow_software = match choice {
        Choice::Cpu => return Ok((Vec::new(), None)),
        Choice::Gpu => true,
        Choice::Auto => false,
    };
    let mut gpus = Vec::new();
    for arith in [Arith::U32, Arith::U64] {
        let opts = GpuOptions {
            allow_software,
            arith: Some(arith),
            ..gpu
        };
        match GpuBackend::open(opts) {
            Ok(g) => gpus.push(g),
            Err(GpuError::Unsupported(_)) if arith == Arith::U64 => {}
            Err(e) if choice == Choice::Gpu => return Err(e),
            Err(e) => {
                let why =
                    format!("{e}; CPU entries only (pass --backend gpu for a software adapter)");
                return Ok((gpus, Some(why)));
            }
        }
    }
    Ok((gpus, None))
}

fn cpu(notice: Option<String>) -> Selected {
    Selected {
        backend: Box::new(CpuBackend::default()),
        notice,
    }
}
