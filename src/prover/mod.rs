//! The prover driver: plonky2's prover (`prove_with_partition_witness`),
//! reproduced step by step on plonky2's public API, with its three big
//! commitments (wires, Z + partial products, quotient chunks) made as
//! oracles by a [`Backend`], and the quotient's coset inverse on its DFT. With `zero_knowledge: false` its proofs equal plonky2's
//! byte for byte; with zero knowledge they verify with plonky2's verifier.
//!
//! Circuits with lookup tables are refused up front (see [`support`]).

pub mod openings;
pub mod permutation;
pub mod quotient;
pub mod selectors;
pub mod support;
pub mod timings;
pub mod transcript;
pub mod vanishing;
pub mod witness;

use anyhow::{Context, Result};
use plonky2::fri::oracle::PolynomialBatch;
use plonky2::hash::poseidon::PoseidonHash;
use plonky2::iop::witness::{PartialWitness, PartitionWitness};
use plonky2::plonk::circuit_data::{
    CircuitData, CommonCircuitData, ProverOnlyCircuitData, VerifierCircuitData,
    VerifierOnlyCircuitData,
};
use plonky2::plonk::config::Hasher;
use plonky2::plonk::proof::{Proof as PlonkProof, ProofWithPublicInputs};
use plonky2::util::timing::TimingTree;

use crate::backend::{Backend, BackendError, Oracle, OracleShape, Polys, Salt};
use crate::field::{Proof, C, D, F};

pub use selectors::Selectors;
pub use support::Unsupported;
use timings::timed;
pub use timings::PhaseTimings;
use transcript::Transcript;

/// A proof and where its time went.
#[derive(Debug)]
pub struct Proved {
    pub proof: Proof,
    pub timings: PhaseTimings,
}

/// Proves `data`'s circuit on `inputs`, committing through `backend`.
pub fn prove(
    backend: &dyn Backend,
    data: &CircuitData<F, C, D>,
    inputs: PartialWitness<F>,
) -> Result<Proof> {
    Ok(Prover::new(backend, &data.prover_only, &data.common)?
        .prove(inputs)?
        .proof)
}

/// A circuit checked for support and ready to prove, any number of times.
pub struct Prover<'a> {
    backend: &'a dyn Backend,
    prover_only: &'a ProverOnlyCircuitData<F, C, D>,
    common: &'a CommonCircuitData<F, D>,
    selectors: Selectors,
    /// The circuit's verifier data: every proof is verified before it is
    /// returned (see [`Prover::prove_partition`]).
    verifier: VerifierCircuitData<F, C, D>,
}

impl<'a> Prover<'a> {
    /// Fails with [`Unsupported`] (in the error chain) for a circuit the driver
    /// does not prove.
    pub fn new(
        backend: &'a dyn Backend,
        prover_only: &'a ProverOnlyCircuitData<F, C, D>,
        common: &'a CommonCircuitData<F, D>,
    ) -> Result<Self> {
        support::check(prover_only, common)?;
        let selectors = Selectors::read(common)?;
        let verifier = VerifierCircuitData {
            verifier_only: VerifierOnlyCircuitData {
                constants_sigmas_cap: prover_only
                    .constants_sigmas_commitment
                    .merkle_tree
                    .cap
                    .clone(),
                circuit_digest: prover_only.circuit_digest,
            },
            common: common.clone(),
        };
        Ok(Prover {
            backend,
            prover_only,
            common,
            selectors,
            verifier,
        })
    }

    pub fn for_circuit(backend: &'a dyn Backend, data: &'a CircuitData<F, C, D>) -> Result<Self> {
        Self::new(backend, &data.prover_only, &data.common)
    }

    /// One proof, with the same transcript as plonky2's `prove`.
    ///
    /// The proof is verified before it is returned. plonky2's prover returns a
    /// proof that cannot verify when the witness does not satisfy the circuit
    /// (its degree check on the quotient only catches that when the quotient
    /// degree factor is not a power of two); here it is an error instead. The
    /// check costs one verification, milliseconds against seconds of proving.
    pub fn prove(&self, inputs: PartialWitness<F>) -> Result<Proved> {
        let mut t = PhaseTimings::default();
        let partition = timed(&mut t.witness, || {
            witness::generate_partition(self.prover_only, self.common, inputs)
        })?;
        self.prove_from(partition, t)
    }

    /// One proof from an already generated witness, as plonky2's
    /// `prove_with_partition_witness` (and checked as [`Prover::prove`]).
    pub fn prove_partition(&self, partition: PartitionWitness<F>) -> Result<Proved> {
        self.prove_from(partition, PhaseTimings::default())
    }

    /// The rest of the proof once the witness exists; `t` holds the timings so far.
    fn prove_from(&self, partition: PartitionWitness<F>, mut t: PhaseTimings) -> Result<Proved> {
        let (common, prover_only) = (self.common, self.prover_only);
        let witness = timed(&mut t.witness, || {
            witness::from_partition(prover_only, common, &partition)
        })?;
        drop(partition);
        let public_inputs_hash = PoseidonHash::hash_no_pad(&witness.public_inputs);
        let mut transcript = Transcript::new(common, prover_only, public_inputs_hash);

        let wires = timed(&mut t.wires_commit, || {
            let columns = witness.wires.iter().cloned().map(Into::into).collect();
            self.oracle(Polys::Values(columns))
        })?;
        transcript.observe_cap(&wires.merkle_tree.cap);
        let permutation = transcript.permutation(common);

        let zs_partial_products = timed(&mut t.zs_commit, || {
            let columns = permutation::zs_and_partial_products(
                &witness.wires,
                &permutation,
                prover_only,
                common,
            );
            self.oracle(Polys::Values(columns))
        })?;
        drop(witness.wires);
        transcript.observe_cap(&zs_partial_products.merkle_tree.cap);
        let alphas = transcript.alphas();

        let chunks = timed(&mut t.quotient, || {
            quotient::quotient_chunks(&quotient::QuotientInputs {
                dft: self.backend,
                common,
                selectors: &self.selectors,
                constants_sigmas: &prover_only.constants_sigmas_commitment,
                wires: &wires,
                zs_partial_products: &zs_partial_products,
                public_inputs_hash: &public_inputs_hash,
                permutation: &permutation,
                alphas: &alphas,
            })
        })?;
        let quotient = timed(&mut t.quotient_commit, || {
            self.oracle(Polys::Coeffs(chunks))
        })?;
        transcript.observe_cap(&quotient.merkle_tree.cap);
        let zeta = transcript.zeta(common)?;

        let oracles = [
            &prover_only.constants_sigmas_commitment,
            &wires,
            &zs_partial_products,
            &quotient,
        ];
        let openings = timed(&mut t.openings, || openings::open(common, zeta, &oracles));
        openings::observe(&mut transcript.challenger, &openings);
        let opening_proof = timed(&mut t.fri, || {
            PolynomialBatch::prove_openings(
                &openings::fri_instance(common, zeta),
                &oracles,
                &mut transcript.challenger,
                &common.fri_params,
                None,
                None,
                &mut TimingTree::default(),
            )
        });

        let proof = ProofWithPublicInputs {
            proof: PlonkProof {
                wires_cap: wires.merkle_tree.cap,
                plonk_zs_partial_products_cap: zs_partial_products.merkle_tree.cap,
                quotient_polys_cap: quotient.merkle_tree.cap,
                openings,
                opening_proof,
            },
            public_inputs: witness.public_inputs,
        };
        timed(&mut t.self_check, || self.verifier.verify(proof.clone())).context(
            "the proof does not verify: the witness does not satisfy the circuit's constraints",
        )?;
        Ok(Proved { proof, timings: t })
    }

    /// A commitment at the circuit's FRI shape, salted when zero knowledge is on
    /// (every prover oracle has plonky2's `blinding = true`).
    fn oracle(&self, polys: Polys) -> Result<Oracle, BackendError> {
        let fri = &self.common.config.fri_config;
        let shape = OracleShape {
            rate_bits: fri.rate_bits,
            cap_height: fri.cap_height,
        };
        let salt = if self.common.config.zero_knowledge {
            Salt::Random
        } else {
            Salt::None
        };
        self.backend.oracle(polys, shape, salt)
    }
}
