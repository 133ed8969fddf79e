//! The plonky2 circuits: a batch circuit over B users, an aggregation circuit
//! over k child proofs, and the zero-knowledge root circuit that adds reserves.
//! They know nothing about files; the job feeds them typed witnesses.

pub mod aggregate;
pub mod batch;
pub mod gadgets;
pub mod layout;
pub mod params;
pub mod root;
pub mod set;
pub mod sizing;
pub mod witness;

use crate::field::F;
use plonky2::plonk::config::PoseidonGoldilocksConfig;
use plonky2::plonk::proof::ProofWithPublicInputs;

/// Extension degree used throughout.
pub const D: usize = 2;
/// The hash configuration of every proof.
pub type C = PoseidonGoldilocksConfig;
/// A proof with its public inputs.
pub type Proof = ProofWithPublicInputs<F, C, D>;

pub use aggregate::AggregateCircuit;
pub use batch::BatchCircuit;
pub use layout::{NodeValues, RootValues};
pub use params::ProofParams;
pub use root::RootCircuit;
pub use set::CircuitSet;
