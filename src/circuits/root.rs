//! The root circuit: verifies the top node proof, checks reserve coverage per
//! asset, and exposes the published public inputs. It is the only proof that is
//! published, so it uses a zero-knowledge configuration.

use super::aggregate::combine;
use super::gadgets::{assert_covers, merkle_root, Builder};
use super::layout::{split_u64, NodeTargets, RootTargets};
use super::params::ProofParams;
use super::tiers::TieredParams;
use super::{Proof, C, D};
use crate::digest::Digest;
use crate::field::F;
use anyhow::{ensure, Result};
use plonky2::hash::hash_types::HashOutTarget;
use plonky2::hash::poseidon::PoseidonHash;
use plonky2::iop::target::Target;
use plonky2::iop::witness::{PartialWitness, WitnessWrite};
use plonky2::plonk::circuit_data::{
    CircuitConfig, CircuitData, CommonCircuitData, VerifierOnlyCircuitData,
};
use plonky2::plonk::proof::ProofWithPublicInputsTarget;

pub struct RootCircuit {
    pub data: CircuitData<F, C, D>,
    children: Vec<ProofWithPublicInputsTarget<D>>,
    reserves: Vec<[Target; 2]>,
}

impl RootCircuit {
    pub fn build(
        child_common: &CommonCircuitData<F, D>,
        child_verifier: &VerifierOnlyCircuitData<C, D>,
        params: &ProofParams,
    ) -> Self {
        let child = (child_common, child_verifier);
        Self::build_with(child, params, |b| b.build::<C>())
    }

    /// As `build`, with `compile` turning the gates into circuit data.
    pub fn build_with(
        child: (&CommonCircuitData<F, D>, &VerifierOnlyCircuitData<C, D>),
        params: &ProofParams,
        compile: impl FnOnce(Builder) -> CircuitData<F, C, D>,
    ) -> Self {
        let assets = params.num_assets;
        Self::build_over(
            &[child],
            assets,
            params.digest(),
            |_, nodes| nodes[0].clone(),
            compile,
        )
    }

    /// The root of a tiered round (format version 2): verifies each tier's
    /// top proof, each against its own pinned verifier data, and merges
    /// them; the account root is the top tree over the tier roots, empty
    /// places zero (`tiers::account_root`).
    pub fn build_tiers(
        tops: &[(&CommonCircuitData<F, D>, &VerifierOnlyCircuitData<C, D>)],
        params: &TieredParams,
        compile: impl FnOnce(Builder) -> CircuitData<F, C, D>,
    ) -> Self {
        assert_eq!(tops.len(), params.tiers().len(), "one top proof per tier");
        let merge = |b: &mut Builder, nodes: &[NodeTargets]| {
            let mut roots: Vec<HashOutTarget> = nodes.iter().map(|n| n.root).collect();
            let zero = b.constant_hash(Digest::ZERO.to_hash_out());
            roots.resize(roots.len().next_power_of_two(), zero);
            let root = merkle_root(b, roots);
            combine(b, nodes, root)
        };
        Self::build_over(tops, params.num_assets(), params.digest(), merge, compile)
    }

    fn build_over(
        children: &[(&CommonCircuitData<F, D>, &VerifierOnlyCircuitData<C, D>)],
        num_assets: usize,
        params_digest: Digest,
        merge: impl FnOnce(&mut Builder, &[NodeTargets]) -> NodeTargets,
        compile: impl FnOnce(Builder) -> CircuitData<F, C, D>,
    ) -> Self {
        let mut b = Builder::new(CircuitConfig::standard_recursion_zk_config());
        let mut proofs = Vec::new();
        let mut nodes = Vec::new();
        for (common, verifier) in children {
            // Each child's verifier data is a constant: fixed by the parameters.
            let vd = b.constant_verifier_data::<C>(verifier);
            let proof = b.add_virtual_proof_with_pis(common);
            b.verify_proof::<C>(&proof, &vd, common);
            nodes.push(NodeTargets::from_public_inputs(
                &proof.public_inputs,
                num_assets,
            ));
            proofs.push(proof);
        }
        let node = merge(&mut b, &nodes);
        let reserves: Vec<[Target; 2]> = (0..num_assets)
            .map(|_| {
                let r = b.add_virtual_targets(2);
                r.iter().for_each(|&t| b.range_check(t, 32));
                [r[0], r[1]]
            })
            .collect();
        for (r, t) in reserves.iter().zip(&node.totals) {
            assert_covers(&mut b, *r, t.debt, t.equity);
        }
        let reserve_commitment = b.hash_n_to_hash_no_pad::<PoseidonHash>(reserves.concat());
        let params_digest = b.constant_hash(params_digest.to_hash_out());
        let pis = RootTargets {
            node: &node,
            reserve_commitment,
            params_digest,
        };
        b.register_public_inputs(&pis.flatten());
        RootCircuit {
            data: compile(b),
            children: proofs,
            reserves,
        }
    }

    /// The circuit inputs: the top node proof and the reserves.
    pub fn witness(&self, top: &Proof, reserves: &[u64]) -> Result<PartialWitness<F>> {
        self.witness_tiers(&[top], reserves)
    }

    /// The circuit inputs of a tiered root: each tier's top proof, in tier
    /// order, and the reserves.
    pub fn witness_tiers(&self, tops: &[&Proof], reserves: &[u64]) -> Result<PartialWitness<F>> {
        ensure!(
            tops.len() == self.children.len(),
            "the root takes {} top proofs, got {}",
            self.children.len(),
            tops.len()
        );
        ensure!(
            reserves.len() == self.reserves.len(),
            "expected {} reserves",
            self.reserves.len()
        );
        let mut pw = PartialWitness::new();
        for (t, p) in self.children.iter().zip(tops) {
            pw.set_proof_with_pis_target(t, p)?;
        }
        for (t, &r) in self.reserves.iter().zip(reserves) {
            pw.set_target_arr(t, &split_u64(r))?;
        }
        Ok(pw)
    }
}
