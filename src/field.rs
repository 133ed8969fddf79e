//! The Goldilocks field used everywhere, as plonky2 defines it.

pub use plonky2::field::goldilocks_field::GoldilocksField;

/// The field element type: Goldilocks, p = 2^64 - 2^32 + 1.
pub type F = GoldilocksField;

/// The Goldilocks modulus.
pub const P: u64 = 0xFFFF_FFFF_0000_0001;
