//! The aggregation circuit: verifies k proofs of one fixed child circuit (its
//! verifier data is a constant), requires equal price commitments, adds totals
//! and counts with overflow checks, and hashes the children's roots into their
//! parent node of the account tree.

use super::gadgets::{add_limbs, merkle_root, Builder};
use super::layout::{Limbs, NodeTargets, TotalTargets};
use super::{Proof, C, D};
use crate::field::F;
use anyhow::{ensure, Result};
use plonky2::hash::hash_types::HashOutTarget;
use plonky2::iop::witness::{PartialWitness, WitnessWrite};
use plonky2::plonk::circuit_data::{
    CircuitConfig, CircuitData, CommonCircuitData, VerifierOnlyCircuitData,
};
use plonky2::plonk::proof::ProofWithPublicInputsTarget;

/// A compiled aggregation circuit over `children.len()` proofs.
pub struct AggregateCircuit {
    pub data: CircuitData<F, C, D>,
    children: Vec<ProofWithPublicInputsTarget<D>>,
}

impl AggregateCircuit {
    pub fn build(
        child_common: &CommonCircuitData<F, D>,
        child_verifier: &VerifierOnlyCircuitData<C, D>,
        arity_log: u32,
        num_assets: usize,
        config: CircuitConfig,
    ) -> Self {
        let child = (child_common, child_verifier);
        Self::build_with(child, arity_log, num_assets, config, |b| b.build::<C>())
    }

    /// As `build`, with `compile` turning the gates into circuit data.
    pub fn build_with(
        (child_common, child_verifier): (&CommonCircuitData<F, D>, &VerifierOnlyCircuitData<C, D>),
        arity_log: u32,
        num_assets: usize,
        config: CircuitConfig,
        compile: impl FnOnce(Builder) -> CircuitData<F, C, D>,
    ) -> Self {
        let mut b = Builder::new(config);
        let vd = b.constant_verifier_data::<C>(child_verifier);
        let mut children = Vec::new();
        let mut nodes = Vec::new();
        for _ in 0..1usize << arity_log {
            let proof = b.add_virtual_proof_with_pis(child_common);
            b.verify_proof::<C>(&proof, &vd, child_common);
            nodes.push(NodeTargets::from_public_inputs(
                &proof.public_inputs,
                num_assets,
            ));
            children.push(proof);
        }
        let root = merkle_root(&mut b, nodes.iter().map(|n| n.root).collect());
        let node = combine(&mut b, &nodes, root);
        b.register_public_inputs(&node.flatten());
        AggregateCircuit {
            data: compile(b),
            children,
        }
    }

    pub fn arity(&self) -> usize {
        self.children.len()
    }

    /// The circuit inputs: the children's proofs, in order.
    pub fn witness(&self, children: &[&Proof]) -> Result<PartialWitness<F>> {
        ensure!(
            children.len() == self.children.len(),
            "node takes {} children, got {}",
            self.children.len(),
            children.len()
        );
        let mut pw = PartialWitness::new();
        for (t, p) in self.children.iter().zip(children) {
            pw.set_proof_with_pis_target(t, p)?;
        }
        Ok(pw)
    }
}

/// The node over `nodes` whose subtree root is `root`: equal price
/// commitments, the count and per-asset totals summed with overflow checks.
pub(super) fn combine(b: &mut Builder, nodes: &[NodeTargets], root: HashOutTarget) -> NodeTargets {
    let first = &nodes[0];
    for n in &nodes[1..] {
        b.connect_hashes(n.price_commitment, first.price_commitment);
    }
    let count = b.add_many(nodes.iter().map(|n| n.count));
    // At most 2^32 users in all.
    b.range_check(count, 33);
    let num_assets = first.totals.len();
    let totals = (0..num_assets)
        .map(|a| {
            let side = |pick: fn(&TotalTargets) -> Limbs| -> Vec<Limbs> {
                nodes.iter().map(|n| pick(&n.totals[a])).collect()
            };
            TotalTargets {
                equity: add_limbs(b, &side(|t| t.equity)),
                debt: add_limbs(b, &side(|t| t.debt)),
            }
        })
        .collect();
    NodeTargets {
        root,
        count,
        price_commitment: first.price_commitment,
        totals,
    }
}
