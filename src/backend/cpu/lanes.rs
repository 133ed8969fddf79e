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

#[cfg(test)]
mod tests {
    //! Each instruction set's lane arithmetic against plonky2's scalar field,
    //! on edge values and random ones. The permutation tests cover these only
    //! through whole rounds; here a wrong carry shows up on its own.

    use super::super::avx2::Avx2;
    use super::super::avx512::Avx512;
    use super::super::Isa;
    use super::*;
    use crate::field::F;
    use plonky2::field::ops::Square;
    use plonky2::field::types::{Field, PrimeField64, Sample};

    /// Zero, one, p's neighbours, limb boundaries and values that carry out of
    /// every 32-bit limb, then random field elements and random u64s: 32 in all.
    fn operands() -> Vec<u64> {
        let mut xs = super::super::tests::edge_values();
        xs.extend([
            2,
            0x8000_0000_8000_0000,
            0x0000_0001_ffff_ffff,
            0xffff_fffe_ffff_ffff,
        ]);
        xs.extend((0..9).map(|_| F::rand().to_canonical_u64()));
        xs.extend((0..9).map(|i| 0x9e37_79b9_7f4a_7c15_u64.wrapping_mul(2 * i + 1)));
        xs
    }

    fn canon(x: u64) -> u64 {
        F::from_noncanonical_u64(x).to_canonical_u64()
    }

    fn unload<L: Lanes>(v: L) -> Vec<u64> {
        let mut out = vec![0; L::WIDTH];
        v.store(&mut out);
        out
    }

    /// Every ordered pair of operands, `L::WIDTH` at a time.
    fn check_field_ops<L: Lanes>(isa: Isa) {
        let xs = operands();
        let pairs: Vec<(u64, u64)> = xs
            .iter()
            .flat_map(|&a| xs.iter().map(move |&b| (a, b)))
            .collect();
        for chunk in pairs.chunks_exact(L::WIDTH) {
            let a: Vec<u64> = chunk.iter().map(|p| p.0).collect();
            let b: Vec<u64> = chunk.iter().map(|p| p.1).collect();
            let b_canon: Vec<u64> = b.iter().map(|&x| canon(x)).collect();
            let (va, vb) = (L::load(&a), L::load(&b));
            let mul = unload(va.mul(vb));
            let square = unload(va.square());
            let sum = unload(va.add_canonical(L::load(&b_canon)));
            let canonical = unload(va.canonical());
            for i in 0..L::WIDTH {
                let (x, y) = (
                    F::from_noncanonical_u64(a[i]),
                    F::from_noncanonical_u64(b[i]),
                );
                let at = format!("{isa:?}: a = {:#x}, b = {:#x}", a[i], b[i]);
                assert_eq!(canon(mul[i]), (x * y).to_canonical_u64(), "mul, {at}");
                assert_eq!(
                    canon(square[i]),
                    x.square().to_canonical_u64(),
                    "square, {at}"
                );
                assert_eq!(canon(sum[i]), (x + y).to_canonical_u64(), "add, {at}");
                assert_eq!(canonical[i], x.to_canonical_u64(), "canonical, {at}");
            }
        }
    }

    /// `reduce_halves` on its whole input range, lo and hi below 2^62.
    fn check_reduce_halves<L: Lanes>(isa: Isa) {
        let top = (1u64 << 62) - 1;
        let mut xs: Vec<u64> = vec![0, 1, EPSILON, 1 << 32, P >> 2, top, top - 1, 1 << 61];
        xs.extend(operands().into_iter().map(|x| x >> 2).take(24));
        for lo in xs.chunks_exact(L::WIDTH) {
            for hi in xs.chunks_exact(L::WIDTH) {
                let got = unload(L::reduce_halves(L::load(lo), L::load(hi)));
                for i in 0..L::WIDTH {
                    let want = ((lo[i] as u128 + ((hi[i] as u128) << 32)) % P as u128) as u64;
                    let at = format!("{isa:?}: lo = {:#x}, hi = {:#x}", lo[i], hi[i]);
                    assert_eq!(canon(got[i]), want, "reduce_halves, {at}");
                }
            }
        }
    }

    #[test]
    fn lane_arithmetic_matches_plonky2_on_every_isa_here() {
        if Isa::Avx512.available() {
            check_field_ops::<Avx512>(Isa::Avx512);
            check_reduce_halves::<Avx512>(Isa::Avx512);
        } else {
            eprintln!("this CPU has no AVX-512: its lane arithmetic is not tested here");
        }
        if Isa::Avx2.available() {
            check_field_ops::<Avx2>(Isa::Avx2);
            check_reduce_halves::<Avx2>(Isa::Avx2);
        } else {
            eprintln!("this CPU has no AVX2: its lane arithmetic is not tested here");
        }
    }
}
