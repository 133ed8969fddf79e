//! The Goldilocks field used everywhere, as plonky2 defines it, and the one
//! proof configuration every layer shares (the backend's commitments, the
//! prover driver and the circuits), so that none of them imports another's.

pub use plonky2::field::goldilocks_field::GoldilocksField;
use plonky2::plonk::config::PoseidonGoldilocksConfig;
use plonky2::plonk::proof::ProofWithPublicInputs;

/// The field element type: Goldilocks, p = 2^64 - 2^32 + 1.
pub type F = GoldilocksField;

/// The Goldilocks modulus.
pub const P: u64 = 0xFFFF_FFFF_0000_0001;

/// Extension degree used throughout.
pub const D: usize = 2;
/// The hash configuration of every proof.
pub type C = PoseidonGoldilocksConfig;
/// A proof with its public inputs.
pub type Proof = ProofWithPublicInputs<F, C, D>;
