//! The three units of proving work, each one call with the circuit and its
//! inputs. The job calls nothing else to prove, so a prover driver (CPU, GPU,
//! pipelined) replaces these bodies without touching planning, checkpoints or
//! sharding. `backend` is the compute seam the driver will use.

use crate::backend::HashBackend;
use crate::circuits::witness::{PriceVector, UserSlot};
use crate::circuits::{AggregateCircuit, BatchCircuit, Proof, RootCircuit};

pub struct Prover<'a> {
    pub backend: &'a dyn HashBackend,
}

impl Prover<'_> {
    /// One batch proof over B slots in leaf order (`None` = padding slot).
    pub fn batch(
        &self,
        circuit: &BatchCircuit,
        prices: &PriceVector,
        slots: &[Option<UserSlot>],
    ) -> anyhow::Result<Proof> {
        circuit.prove(prices, slots)
    }

    /// One aggregation proof over its children, in order.
    pub fn node(&self, circuit: &AggregateCircuit, children: &[&Proof]) -> anyhow::Result<Proof> {
        circuit.prove(children)
    }

    /// The zero-knowledge root proof over the top node and the reserves (units per asset).
    pub fn root(
        &self,
        circuit: &RootCircuit,
        top: &Proof,
        reserves: &[u64],
    ) -> anyhow::Result<Proof> {
        circuit.prove(top, reserves)
    }
}
