//! The plonky2 circuits: a batch circuit over B users, an aggregation circuit
//! over k child proofs, and the zero-knowledge root circuit that adds reserves.
//! They know nothing about files; the job feeds them typed witnesses.

pub mod aggregate;
pub mod batch;
pub mod cache;
pub mod gadgets;
pub mod gates;
pub mod layout;
pub mod params;
mod prices;
pub mod root;
mod routing;
pub mod set;
pub mod sizing;
pub mod sparse;
pub mod tiers;
pub mod witness;

/// The proof configuration lives at the field level (`crate::field`), below
/// the backend and the prover; the circuits re-export it for their callers.
pub use crate::field::{Proof, C, D};

pub use aggregate::AggregateCircuit;
pub use batch::BatchCircuit;
pub use cache::{CircuitStore, NoStore, Origin};
pub use layout::{NodeValues, RootValues};
pub use params::ProofParams;
pub use root::RootCircuit;
pub use set::{Built, CircuitSet, TierBatch, TierCircuits, TieredCircuitSet, TreeCircuits};
pub use set::{Unwatched, Watch};
pub use sparse::{SparseBatchCircuit, SparseUser};
pub use tiers::{RoundParams, Tier, TierKind, TieredParams};
