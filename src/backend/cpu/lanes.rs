//! A vector of Goldilocks elements, one independent permutation per lane.
//!
//! Field values are kept as any 64-bit representative (not necessarily below
//! p) between operations and made canonical only on the way out: every
//! operation below is exact modulo p for any 64-bit inputs, which saves a
//! compare-and-subtract after every multiplication.
//!
//! The MDS layer also needs plain signed 64-bit integer arithmetic on the same
//! registers (`int_*`), for the exact small-constant convolution in `mds.rs`.

/// p = 2^64 - 2^32 + 1.
pub const P: u64 = 0xffff_ffff_0000_0001;
/// 2^64 mod p = 2^32 - 1.
pub const EPSILON: u64 = 0xffff_ffff;

/// `WIDTH` lanes of u64. Implementations exist only for instruction sets the
/// running CPU has (their constructors are behind detection), so the safe
/// methods here are sound.
pub trait Lanes: Copy {
    const WIDTH: usize;

    fn splat(x: u64) -> Self;
    /// Loads exactly `WIDTH` values.
    fn load(src: &[u64]) -> Self;
    /// Stores exactly `WIDTH` values.
    fn store(self, dst: &mut [u64]);

    /// a + b mod p, for any 64-bit a and a canonical b (b < p).
    fn add_canonical(self, b: Self) -> Self;
    /// a * b mod p, for any 64-bit a and b; the result is any 64-bit representative.
    fn mul(self, b: Self) -> Self;
    /// a * a mod p, as `mul`.
    fn square(self) -> Self;
    /// The canonical representative (< p).
    fn canonical(self) -> Self;

    /// Bits 0..32 and 32..64, as integers.
    fn lo32(self) -> Self;
    fn hi32(self) -> Self;
    /// Wrapping integer add, subtract and negate.
    fn int_add(self, b: Self) -> Self;
    fn int_sub(self, b: Self) -> Self;
    fn int_neg(self) -> Self {
        Self::splat(0).int_sub(self)
    }
    /// Integer shift left by `s` < 64 bits (multiplication by 2^s, signed or
    /// not). Callers pass constants, which the compiler turns into immediates.
    fn int_shl_by(self, s: u32) -> Self;

    /// Reduces lo + hi * 2^32 mod p, for lo, hi < 2^62 (non-negative): the
    /// MDS layer's two half-width sums.
    fn reduce_halves(lo: Self, hi: Self) -> Self;
}
