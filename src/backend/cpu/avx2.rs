//! AVX2 lanes: four u64 per 256-bit register. AVX2 has only signed 64-bit
//! compares, so an unsigned a < b is computed as a signed compare of both
//! operands with their top bit flipped; corrections add (mask & constant).

use std::arch::x86_64::*;

use super::lanes::{Lanes, EPSILON, P};

#[derive(Clone, Copy, Debug)]
pub struct Avx2(__m256i);

macro_rules! avx {
    ($e:expr) => {
        // SAFETY: an `Avx2` value exists only on CPUs with AVX2 (see `isa.rs`).
        unsafe { $e }
    };
}

const SIGN: u64 = 1 << 63;

#[inline(always)]
fn splat(x: u64) -> __m256i {
    avx!(_mm256_set1_epi64x(x as i64))
}

/// All-ones lanes where a < b as unsigned integers.
#[inline(always)]
fn lt_u(a: __m256i, b: __m256i) -> __m256i {
    avx!({
        let s = splat(SIGN);
        _mm256_cmpgt_epi64(_mm256_xor_si256(b, s), _mm256_xor_si256(a, s))
    })
}

#[inline(always)]
fn combine(ll: __m256i, lh: __m256i, hl: __m256i, hh: __m256i) -> (__m256i, __m256i) {
    avx!({
        let m32 = splat(EPSILON);
        let t = _mm256_add_epi64(hl, _mm256_srli_epi64::<32>(ll));
        let u = _mm256_add_epi64(lh, _mm256_and_si256(t, m32));
        // Odd 32-bit words from u << 32, even ones from ll.
        let lo = _mm256_blend_epi32::<0b1010_1010>(ll, _mm256_slli_epi64::<32>(u));
        let hi = _mm256_add_epi64(
            hh,
            _mm256_add_epi64(_mm256_srli_epi64::<32>(t), _mm256_srli_epi64::<32>(u)),
        );
        (lo, hi)
    })
}

/// lo + hi * 2^64 to a 64-bit representative: 2^64 = EPSILON, 2^96 = -1.
#[inline(always)]
fn reduce(lo: __m256i, hi: __m256i) -> __m256i {
    avx!({
        let eps = splat(EPSILON);
        let hh = _mm256_srli_epi64::<32>(hi);
        let borrow = lt_u(lo, hh);
        let t0 = _mm256_sub_epi64(_mm256_sub_epi64(lo, hh), _mm256_and_si256(borrow, eps));
        let t1 = _mm256_sub_epi64(_mm256_slli_epi64::<32>(hi), _mm256_and_si256(hi, eps));
        let r = _mm256_add_epi64(t0, t1);
        let carry = lt_u(r, t1);
        _mm256_add_epi64(r, _mm256_and_si256(carry, eps))
    })
}

impl Lanes for Avx2 {
    const WIDTH: usize = 4;

    #[inline(always)]
    fn splat(x: u64) -> Self {
        Avx2(splat(x))
    }

    #[inline(always)]
    fn load(src: &[u64]) -> Self {
        let src = &src[..4];
        Avx2(avx!(_mm256_loadu_si256(src.as_ptr().cast())))
    }

    #[inline(always)]
    fn store(self, dst: &mut [u64]) {
        let dst = &mut dst[..4];
        avx!(_mm256_storeu_si256(dst.as_mut_ptr().cast(), self.0))
    }

    #[inline(always)]
    fn add_canonical(self, b: Self) -> Self {
        avx!({
            let s = _mm256_add_epi64(self.0, b.0);
            let over = lt_u(s, b.0);
            Avx2(_mm256_add_epi64(s, _mm256_and_si256(over, splat(EPSILON))))
        })
    }

    #[inline(always)]
    fn mul(self, b: Self) -> Self {
        avx!({
            let (a, b) = (self.0, b.0);
            let a_hi = _mm256_srli_epi64::<32>(a);
            let b_hi = _mm256_srli_epi64::<32>(b);
            let (lo, hi) = combine(
                _mm256_mul_epu32(a, b),
                _mm256_mul_epu32(a, b_hi),
                _mm256_mul_epu32(a_hi, b),
                _mm256_mul_epu32(a_hi, b_hi),
            );
            Avx2(reduce(lo, hi))
        })
    }

    #[inline(always)]
    fn square(self) -> Self {
        avx!({
            let a = self.0;
            let a_hi = _mm256_srli_epi64::<32>(a);
            let lh = _mm256_mul_epu32(a, a_hi);
            let (lo, hi) = combine(_mm256_mul_epu32(a, a), lh, lh, _mm256_mul_epu32(a_hi, a_hi));
            Avx2(reduce(lo, hi))
        })
    }

    #[inline(always)]
    fn canonical(self) -> Self {
        avx!({
            let p = splat(P);
            let below = lt_u(self.0, p);
            Avx2(_mm256_sub_epi64(self.0, _mm256_andnot_si256(below, p)))
        })
    }

    #[inline(always)]
    fn lo32(self) -> Self {
        Avx2(avx!(_mm256_and_si256(self.0, splat(EPSILON))))
    }

    #[inline(always)]
    fn hi32(self) -> Self {
        Avx2(avx!(_mm256_srli_epi64::<32>(self.0)))
    }

    #[inline(always)]
    fn int_add(self, b: Self) -> Self {
        Avx2(avx!(_mm256_add_epi64(self.0, b.0)))
    }

    #[inline(always)]
    fn int_sub(self, b: Self) -> Self {
        Avx2(avx!(_mm256_sub_epi64(self.0, b.0)))
    }

    #[inline(always)]
    fn int_shl_by(self, s: u32) -> Self {
        Avx2(avx!(_mm256_sll_epi64(self.0, _mm_cvtsi64_si128(s as i64))))
    }

    #[inline(always)]
    fn reduce_halves(lo: Self, hi: Self) -> Self {
        avx!({
            let m32 = splat(EPSILON);
            let s = _mm256_add_epi64(hi.0, _mm256_srli_epi64::<32>(lo.0));
            let x = _mm256_blend_epi32::<0b1010_1010>(lo.0, _mm256_slli_epi64::<32>(s));
            let top = _mm256_srli_epi64::<32>(s);
            let t1 = _mm256_sub_epi64(_mm256_slli_epi64::<32>(top), top);
            let r = _mm256_add_epi64(x, t1);
            let carry = lt_u(r, t1);
            Avx2(_mm256_add_epi64(r, _mm256_and_si256(carry, m32)))
        })
    }
}

impl Avx2 {
    pub fn available() -> bool {
        is_x86_feature_detected!("avx2")
    }
}
