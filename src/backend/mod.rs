//! The compute seam: bulk Poseidon, NTTs and polynomial commitments, one
//! trait per concept, in the shape of Plonky3's `p3-dft` / `p3-commit` split:
//!
//! - [`MerkleHasher`]: leaf hashing, tree levels, plonky2's `MerkleTree`;
//! - [`Dft`]: one required batched NTT, with the coset LDE and the coset
//!   inverse derived from it (a backend may override either);
//! - [`Oracles`]: plonky2's polynomial commitment (`PolynomialBatch`, which
//!   plonky2's FRI calls an oracle), derived from the two above.
//!
//! [`Backend`] is all three with a name. Callers hold a `&dyn Backend` and
//! never learn which implementation ran; every operation returns
//! [`BackendResult`].

pub mod cpu;
pub mod dft;
mod fault;
pub mod gpu;
pub mod layout;
pub mod merkle;
pub mod oracle;
mod select;

pub use cpu::CpuBackend;
pub use dft::{Dft, Direction};
pub use gpu::{GpuBackend, GpuError, GpuOptions};
pub use layout::MerkleDigests;
pub use merkle::MerkleHasher;
pub use oracle::{Oracle, OracleShape, OracleTimings, Oracles, Polys, Salt};
pub use select::{gpus, select, Choice, Selected};

/// Why a backend operation failed. A device that is lost or out of memory
/// mid-job is reported, never a panic: the job keeps what it wrote.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    #[error(transparent)]
    Gpu(#[from] GpuError),
    /// The caller passed something the operation cannot take (a bug).
    #[error("invalid backend request: {0}")]
    Invalid(String),
    /// A failure injected by the test hook of `fault.rs`.
    #[error("injected backend failure: {0}")]
    Injected(String),
}

pub type BackendResult<T> = Result<T, BackendError>;

/// A whole compute backend: every concept, and a name for summaries.
pub trait Backend: MerkleHasher + Dft + Oracles {
    /// A short name recorded in summaries ("cpu", "gpu").
    fn name(&self) -> &'static str;

    /// What exactly runs: the instruction set, or the adapter and arithmetic.
    fn describe(&self) -> String {
        self.name().to_string()
    }
}
