//! The root circuit: verifies the top node proof, checks reserve coverage per
//! asset, and exposes the published public inputs. It is the only proof that is
//! published, so it uses a zero-knowledge configuration.

use super::gadgets::{assert_covers, Builder};
use super::layout::{split_u64, NodeTargets, RootTargets};
use super::params::ProofParams;
use super::{Proof, C, D};
use crate::field::F;
use anyhow::{ensure, Result};
use plonky2::hash::poseidon::PoseidonHash;
use plonky2::iop::target::Target;
use plonky2::iop::witness::{PartialWitness, WitnessWrite};
use plonky2::plonk::circuit_data::{
    CircuitConfig, CircuitData, CommonCircuitData, VerifierOnlyCircuitData,
};
use plonky2::plonk::proof::ProofWithPublicInputsTarget;

pub struct RootCircuit {
    pub data: CircuitData<F, C, D>,
    child: ProofWithPublicInputsTarget<D>,
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
        (child_common, child_verifier): (&CommonCircuitData<F, D>, &VerifierOnlyCircuitData<C, D>),
        params: &ProofParams,
        compile: impl FnOnce(Builder) -> CircuitData<F, C, D>,
    ) -> Self {
        let mut b = Builder::new(CircuitConfig::standard_recursion_zk_config());
        let vd = b.constant_verifier_data::<C>(child_verifier);
        let child = b.add_virtual_proof_with_pis(child_common);
        b.verify_proof::<C>(&child, &vd, child_common);
        let node = NodeTargets::from_public_inputs(&child.public_inputs, params.num_assets);
        let reserves: Vec<[Target; 2]> = (0..params.num_assets)
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
        let params_digest = b.constant_hash(params.digest().to_hash_out());
        let pis = RootTargets {
            node: &node,
            reserve_commitment,
            params_digest,
        };
        b.register_public_inputs(&pis.flatten());
        RootCircuit {
            data: compile(b),
            child,
            reserves,
        }
    }

    /// The circuit inputs: the top node proof and the reserves.
    pub fn witness(&self, top: &Proof, reserves: &[u64]) -> Result<PartialWitness<F>> {
        ensure!(
            reserves.len() == self.reserves.len(),
            "expected {} reserves",
            self.reserves.len()
        );
        let mut pw = PartialWitness::new();
        pw.set_proof_with_pis_target(&self.child, top)?;
        for (t, &r) in self.reserves.iter().zip(reserves) {
            pw.set_target_arr(t, &split_u64(r))?;
        }
        Ok(pw)
    }
}
