//! The Fiat-Shamir transcript up to the opening point, in plonky2's order:
//! FRI parameters, circuit digest, public-input hash, wires cap -> beta, gamma;
//! Z cap -> alpha; quotient cap -> zeta. (The openings and FRI follow, in
//! `openings` and plonky2's `prove_openings`.)

use anyhow::{ensure, Result};
use plonky2::field::extension::Extendable;
use plonky2::field::types::Field;
use plonky2::hash::hash_types::HashOut;
use plonky2::hash::merkle_tree::MerkleCap;
use plonky2::hash::poseidon::PoseidonHash;
use plonky2::iop::challenger::Challenger;
use plonky2::plonk::circuit_data::{CommonCircuitData, ProverOnlyCircuitData};

use super::vanishing::Permutation;
use crate::field::{C, D, F};

pub type Ext = <F as Extendable<D>>::Extension;

/// The prover's side of the transcript.
pub struct Transcript {
    pub challenger: Challenger<F, PoseidonHash>,
    num_challenges: usize,
}

impl Transcript {
    /// Observes the instance: FRI parameters, circuit digest, public inputs.
    pub fn new(
        common: &CommonCircuitData<F, D>,
        prover_only: &ProverOnlyCircuitData<F, C, D>,
        public_inputs_hash: HashOut<F>,
    ) -> Self {
        let mut challenger = Challenger::new();
        common.fri_params.observe(&mut challenger);
        challenger.observe_hash::<PoseidonHash>(prover_only.circuit_digest);
        challenger.observe_hash::<PoseidonHash>(public_inputs_hash);
        Transcript {
            challenger,
            num_challenges: common.config.num_challenges,
        }
    }

    pub fn observe_cap(&mut self, cap: &MerkleCap<F, PoseidonHash>) {
        self.challenger.observe_cap::<PoseidonHash>(cap);
    }

    /// After the wires cap: the betas, then the gammas.
    pub fn permutation(&mut self, common: &CommonCircuitData<F, D>) -> Permutation {
        let betas = self.challenger.get_n_challenges(self.num_challenges);
        let gammas = self.challenger.get_n_challenges(self.num_challenges);
        Permutation::new(betas, gammas, &common.k_is)
    }

    /// After the Z cap: the alphas that combine the vanishing terms.
    pub fn alphas(&mut self) -> Vec<F> {
        self.challenger.get_n_challenges(self.num_challenges)
    }

    /// After the quotient cap: zeta, which must lie outside the subgroup H or
    /// the openings would leak witness values.
    pub fn zeta(&mut self, common: &CommonCircuitData<F, D>) -> Result<Ext> {
        let zeta = self.challenger.get_extension_challenge::<D>();
        ensure!(
            zeta.exp_power_of_2(common.degree_bits()) != Ext::ONE,
            "opening point is in the subgroup"
        );
        Ok(zeta)
    }
}
