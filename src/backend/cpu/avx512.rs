//! AVX-512 lanes: eight u64 per 512-bit register. Unsigned compares write
//! mask registers, so every conditional correction is one masked add/sub.

use std::arch::x86_64::*;

use super::lanes::{Lanes, EPSILON, P};

#[derive(Clone, Copy, Debug)]
pub struct Avx512(__m512i);

/// Only code behind `is_x86_feature_detected!("avx512f")` builds values of
/// this type (see `isa.rs`), which makes the intrinsics below sound.
macro_rules! avx {
    ($e:expr) => {
        // SAFETY: an `Avx512` value exists only on CPUs with AVX-512F.
        unsafe { $e }
    };
}

#[inline(always)]
fn splat(x: u64) -> __m512i {
    avx!(_mm512_set1_epi64(x as i64))
}

/// (lo, hi) of the full 128-bit products, from four 32x32 multiplies.
#[inline(always)]
fn mul_wide(a: __m512i, b: __m512i) -> (__m512i, __m512i) {
    avx!({
        let m32 = splat(EPSILON);
        let a_hi = _mm512_srli_epi64::<32>(a);
        let b_hi = _mm512_srli_epi64::<32>(b);
        let ll = _mm512_mul_epu32(a, b);
        let lh = _mm512_mul_epu32(a, b_hi);
        let hl = _mm512_mul_epu32(a_hi, b);
        let hh = _mm512_mul_epu32(a_hi, b_hi);
        combine(ll, lh, hl, hh, m32)
    })
}

/// (lo, hi) of a^2: the cross product is computed once.
#[inline(always)]
fn square_wide(a: __m512i) -> (__m512i, __m512i) {
    avx!({
        let m32 = splat(EPSILON);
        let a_hi = _mm512_srli_epi64::<32>(a);
        let ll = _mm512_mul_epu32(a, a);
        let lh = _mm512_mul_epu32(a, a_hi);
        let hh = _mm512_mul_epu32(a_hi, a_hi);
        combine(ll, lh, lh, hh, m32)
    })
}

/// Sums the four 64-bit partial products into a 128-bit (lo, hi); each
/// intermediate sum provably fits 64 bits: (2^32-1)^2 + 2^32 - 1 < 2^64.
#[inline(always)]
fn combine(ll: __m512i, lh: __m512i, hl: __m512i, hh: __m512i, m32: __m512i) -> (__m512i, __m512i) {
    avx!({
        let t = _mm512_add_epi64(hl, _mm512_srli_epi64::<32>(ll));
        let u = _mm512_add_epi64(lh, _mm512_and_si512(t, m32));
        // lo = (u << 32) | (ll & m32): ternary logic A | (B & C).
        let lo = _mm512_ternarylogic_epi64::<0xF8>(_mm512_slli_epi64::<32>(u), ll, m32);
        let hi = _mm512_add_epi64(
            hh,
            _mm512_add_epi64(_mm512_srli_epi64::<32>(t), _mm512_srli_epi64::<32>(u)),
        );
        (lo, hi)
    })
}

/// lo + hi * 2^64 to a 64-bit representative: 2^64 = EPSILON, 2^96 = -1.
#[inline(always)]
fn reduce(lo: __m512i, hi: __m512i) -> __m512i {
    avx!({
        let eps = splat(EPSILON);
        let hh = _mm512_srli_epi64::<32>(hi);
        let t0 = _mm512_sub_epi64(lo, hh);
        let borrow = _mm512_cmplt_epu64_mask(lo, hh);
        let t0 = _mm512_mask_sub_epi64(t0, borrow, t0, eps);
        // (hi mod 2^32) * EPSILON: vpmuludq reads only the low 32 bits of hi.
        let t1 = _mm512_mul_epu32(hi, eps);
        let r = _mm512_add_epi64(t0, t1);
        let carry = _mm512_cmplt_epu64_mask(r, t1);
        _mm512_mask_add_epi64(r, carry, r, eps)
    })
}

impl Lanes for Avx512 {
    const WIDTH: usize = 8;

    #[inline(always)]
    fn splat(x: u64) -> Self {
        Avx512(splat(x))
    }

    #[inline(always)]
    fn load(src: &[u64]) -> Self {
        let src = &src[..8];
        Avx512(avx!(_mm512_loadu_si512(src.as_ptr().cast())))
    }

    #[inline(always)]
    fn store(self, dst: &mut [u64]) {
        let dst = &mut dst[..8];
        avx!(_mm512_storeu_si512(dst.as_mut_ptr().cast(), self.0))
    }

    #[inline(always)]
    fn add_canonical(self, b: Self) -> Self {
        avx!({
            let s = _mm512_add_epi64(self.0, b.0);
            let over = _mm512_cmplt_epu64_mask(s, b.0);
            Avx512(_mm512_mask_add_epi64(s, over, s, splat(EPSILON)))
        })
    }

    #[inline(always)]
    fn mul(self, b: Self) -> Self {
        let (lo, hi) = mul_wide(self.0, b.0);
        Avx512(reduce(lo, hi))
    }

    #[inline(always)]
    fn square(self) -> Self {
        let (lo, hi) = square_wide(self.0);
        Avx512(reduce(lo, hi))
    }

    #[inline(always)]
    fn canonical(self) -> Self {
        avx!({
            let p = splat(P);
            let over = _mm512_cmpge_epu64_mask(self.0, p);
            Avx512(_mm512_mask_sub_epi64(self.0, over, self.0, p))
        })
    }

    #[inline(always)]
    fn lo32(self) -> Self {
        Avx512(avx!(_mm512_and_si512(self.0, splat(EPSILON))))
    }

    #[inline(always)]
    fn hi32(self) -> Self {
        Avx512(avx!(_mm512_srli_epi64::<32>(self.0)))
    }

    #[inline(always)]
    fn int_add(self, b: Self) -> Self {
        Avx512(avx!(_mm512_add_epi64(self.0, b.0)))
    }

    #[inline(always)]
    fn int_sub(self, b: Self) -> Self {
        Avx512(avx!(_mm512_sub_epi64(self.0, b.0)))
    }

    #[inline(always)]
    fn int_shl_by(self, s: u32) -> Self {
        Avx512(avx!(_mm512_sll_epi64(self.0, _mm_cvtsi64_si128(s as i64))))
    }

    #[inline(always)]
    fn reduce_halves(lo: Self, hi: Self) -> Self {
        avx!({
            let m32 = splat(EPSILON);
            // value = (lo mod 2^32) + s * 2^32, s = hi + lo / 2^32 (no overflow below 2^62).
            let s = _mm512_add_epi64(hi.0, _mm512_srli_epi64::<32>(lo.0));
            let x = _mm512_ternarylogic_epi64::<0xF8>(_mm512_slli_epi64::<32>(s), lo.0, m32);
            // s / 2^32 is below 2^30, so top * EPSILON fits 64 bits.
            let top = _mm512_srli_epi64::<32>(s);
            let t1 = _mm512_mul_epu32(top, m32);
            let r = _mm512_add_epi64(x, t1);
            let carry = _mm512_cmplt_epu64_mask(r, t1);
            Avx512(_mm512_mask_add_epi64(r, carry, r, m32))
        })
    }
}

impl Avx512 {
    /// Proof that the running CPU has AVX-512F.
    pub fn available() -> bool {
        is_x86_feature_detected!("avx512f")
    }
}
