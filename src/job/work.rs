//! The three units of proving work, each one call with the circuit and its
//! inputs, and the one place that picks the prover: the circuits only make
//! witnesses. The job calls nothing else to prove: planning, checkpoints and
//! sharding do not know which prover runs or on which backend.

use plonky2::iop::witness::PartialWitness;
use plonky2::plonk::circuit_data::CircuitData;

use crate::backend::{Backend, BackendError};
use crate::circuits::witness::PriceVector;
use crate::circuits::{AggregateCircuit, RootCircuit, SparseUser, TreeCircuits};
use crate::error::Error;
use crate::field::{Proof, C, D, F};
use crate::prover;

/// Which prover makes the proofs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ProverKind {
    /// zkpor's driver (`src/prover/`): plonky2's transcript with the
    /// commitments on the backend. Byte-identical to plonky2 without zero
    /// knowledge, and faster.
    #[default]
    Driver,
    /// plonky2's own `prove`, hashing on its scalar CPU code: the baseline,
    /// and a fallback an operator can choose.
    Plonky2,
}

/// The prover's settings, as the command line gives them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Proving {
    pub prover: ProverKind,
    /// Proofs made at once (at least 1).
    pub in_flight: usize,
}

impl Default for Proving {
    /// The driver, two proofs at a time: one committing while the other's
    /// CPU phases run.
    fn default() -> Self {
        Proving {
            prover: ProverKind::Driver,
            in_flight: 2,
        }
    }
}

/// How proofs are made.
pub struct ProofMaker<'a> {
    pub backend: &'a dyn Backend,
    pub prover: ProverKind,
    /// Proofs made at once (at least 1): while one proof commits on the
    /// backend, the next one's witness and quotient run on the CPU.
    pub in_flight: usize,
}

impl<'a> ProofMaker<'a> {
    pub fn new(backend: &'a dyn Backend, proving: Proving) -> Self {
        ProofMaker {
            backend,
            prover: proving.prover,
            in_flight: proving.in_flight.max(1),
        }
    }

    /// One batch proof of `tree` over B slots in leaf order (`None` = padding slot).
    pub fn batch(
        &self,
        tree: &dyn TreeCircuits,
        prices: &PriceVector,
        slots: &[Option<SparseUser>],
    ) -> anyhow::Result<Proof> {
        self.prove(tree.data(0), tree.batch_witness(prices, slots)?)
    }

    /// One aggregation proof over its children, in order.
    pub fn node(&self, circuit: &AggregateCircuit, children: &[&Proof]) -> anyhow::Result<Proof> {
        self.prove(&circuit.data, circuit.witness(children)?)
    }

    /// The zero-knowledge root proof over the top proof of each tree (one
    /// in format 1, one per tier in format 2) and the reserves (units per asset).
    pub fn root(
        &self,
        circuit: &RootCircuit,
        tops: &[&Proof],
        reserves: &[u64],
    ) -> anyhow::Result<Proof> {
        self.prove(&circuit.data, circuit.witness_tiers(tops, reserves)?)
    }

    fn prove(
        &self,
        data: &CircuitData<F, C, D>,
        inputs: PartialWitness<F>,
    ) -> anyhow::Result<Proof> {
        match self.prover {
            ProverKind::Driver => prover::prove(self.backend, data, inputs),
            ProverKind::Plonky2 => data.prove(inputs),
        }
    }
}

/// A failed proof as the job reports it: a failure of the backend (a lost
/// device, memory exhausted) keeps its own exit code; anything else is a
/// proving failure.
pub fn proving_error(what: impl std::fmt::Display, e: anyhow::Error) -> Error {
    if e.chain().any(|c| c.is::<BackendError>()) {
        Error::Backend(format!("{what}: {e:#}"))
    } else {
        Error::Prove(format!("{what}: {e}"))
    }
}
