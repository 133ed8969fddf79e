//! plonky2's Poseidon MDS layer, out[r] = sum_i CIRC[i] x[(i + r) % 12] + DIAG[r] x[r],
//! computed exactly on the 32-bit halves of each element and reduced once.
//!
//! The circulant part is a length-12 cyclic convolution with the kernel
//! k[m] = CIRC[-m mod 12]. Z/12 = Z/3 x Z/4 (index n <-> (n mod 3, n mod 4)),
//! so it is a 3 x 4 two-dimensional cyclic convolution. Along the length-4 axis
//! the polynomial X^4 - 1 splits as (X - 1)(X + 1)(X^2 + 1), i.e. evaluation
//! at 1, at -1 and at i: three independent length-3 cyclic convolutions (two
//! over the integers, one over the Gaussian integers), then the inverse map,
//! whose division by 4 is folded into the transformed kernel.
//!
//! For plonky2's CIRC every transformed kernel entry is +-2^s, so the whole
//! layer is shifts, adds and subtracts. The kernel is derived from plonky2's
//! constants at compile time, and compilation fails if that ever stops
//! being true.

use plonky2::hash::poseidon::{Poseidon, SPONGE_WIDTH};

use super::lanes::Lanes;
use crate::field::F;

const CIRC: [u64; SPONGE_WIDTH] = <F as Poseidon>::MDS_MATRIX_CIRC;
const DIAG: [u64; SPONGE_WIDTH] = <F as Poseidon>::MDS_MATRIX_DIAG;

/// State index of CRT coordinates (a mod 3, b mod 4).
const fn crt(a: usize, b: usize) -> usize {
    (4 * a + 9 * b) % 12
}

/// The transformed kernel, pre-divided by the inverse map's factors: the
/// evaluations at 1 and -1 by 4, the one at i (a Gaussian integer) by 2.
struct Kernel {
    at_one: [i64; 3],
    at_minus_one: [i64; 3],
    at_i: [(i64, i64); 3],
}

const fn exact_div(x: i64, d: i64) -> i64 {
    assert!(x % d == 0, "MDS kernel does not divide exactly");
    let q = x / d;
    assert!(
        q != 0 && q.unsigned_abs().is_power_of_two(),
        "MDS kernel entry is not +-2^s"
    );
    q
}

const fn kernel() -> Kernel {
    let mut k = Kernel {
        at_one: [0; 3],
        at_minus_one: [0; 3],
        at_i: [(0, 0); 3],
    };
    let mut a = 0;
    while a < 3 {
        let mut v = [0i64; 4];
        let mut b = 0;
        while b < 4 {
            v[b] = CIRC[(12 - crt(a, b)) % 12] as i64;
            b += 1;
        }
        k.at_one[a] = exact_div(v[0] + v[1] + v[2] + v[3], 4);
        k.at_minus_one[a] = exact_div(v[0] - v[1] + v[2] - v[3], 4);
        k.at_i[a] = (exact_div(v[0] - v[2], 2), exact_div(v[1] - v[3], 2));
        a += 1;
    }
    k
}

const KERNEL: Kernel = kernel();

const fn diag_is_shifts() -> bool {
    let mut r = 0;
    while r < SPONGE_WIDTH {
        assert!(
            DIAG[r] == 0 || DIAG[r].is_power_of_two(),
            "MDS diagonal entry is not 0 or 2^s"
        );
        r += 1;
    }
    true
}

const _: () = assert!(diag_is_shifts());

/// x * c for c = +-2^s: a shift and maybe a negation (folded by the compiler).
#[inline(always)]
fn times<V: Lanes>(x: V, c: i64) -> V {
    let shifted = x.int_shl_by(c.unsigned_abs().trailing_zeros());
    if c < 0 {
        shifted.int_neg()
    } else {
        shifted
    }
}

// No closures (`map`, `from_fn`) below: a closure is compiled as a function
// of its own, without the caller's `#[target_feature]`, and the intrinsics in
// it would then not be inlined. Plain loops keep everything in one function.

/// Length-3 cyclic convolution with a constant kernel: y[r] = sum_j k[(r - j) % 3] x[j].
#[inline(always)]
fn conv3<V: Lanes>(k: &[i64; 3], x: &[V; 3]) -> [V; 3] {
    let mut y = [V::splat(0); 3];
    for (r, out) in y.iter_mut().enumerate() {
        let t0 = times(x[0], k[r % 3]);
        let t1 = times(x[1], k[(r + 2) % 3]);
        let t2 = times(x[2], k[(r + 1) % 3]);
        *out = t0.int_add(t1).int_add(t2);
    }
    y
}

/// The same over the Gaussian integers: (re, im) pairs.
#[inline(always)]
fn conv3_complex<V: Lanes>(k: &[(i64, i64); 3], x: &[(V, V); 3]) -> [(V, V); 3] {
    let mut y = [(V::splat(0), V::splat(0)); 3];
    for (r, out) in y.iter_mut().enumerate() {
        let (mut re, mut im) = (V::splat(0), V::splat(0));
        for (j, &(u, v)) in x.iter().enumerate() {
            let (p, q) = k[(r + 3 - j) % 3];
            re = re.int_add(times(u, p)).int_sub(times(v, q));
            im = im.int_add(times(v, p)).int_add(times(u, q));
        }
        *out = (re, im);
    }
    y
}

/// The exact circulant product of 12 values below 2^32 (results below 2^41).
#[inline(always)]
fn circulant<V: Lanes>(x: &[V; 12]) -> [V; 12] {
    let mut at_one = [V::splat(0); 3];
    let mut at_minus_one = [V::splat(0); 3];
    let mut at_i = [(V::splat(0), V::splat(0)); 3];
    for a in 0..3 {
        let v = [x[crt(a, 0)], x[crt(a, 1)], x[crt(a, 2)], x[crt(a, 3)]];
        let (even, odd) = (v[0].int_add(v[2]), v[1].int_add(v[3]));
        at_one[a] = even.int_add(odd);
        at_minus_one[a] = even.int_sub(odd);
        at_i[a] = (v[0].int_sub(v[2]), v[1].int_sub(v[3]));
    }
    let y1 = conv3(&KERNEL.at_one, &at_one);
    let ym = conv3(&KERNEL.at_minus_one, &at_minus_one);
    let yi = conv3_complex(&KERNEL.at_i, &at_i);
    let mut out = [V::splat(0); 12];
    for a in 0..3 {
        let (even, odd) = (y1[a].int_add(ym[a]), y1[a].int_sub(ym[a]));
        out[crt(a, 0)] = even.int_add(yi[a].0);
        out[crt(a, 2)] = even.int_sub(yi[a].0);
        out[crt(a, 1)] = odd.int_add(yi[a].1);
        out[crt(a, 3)] = odd.int_sub(yi[a].1);
    }
    out
}

/// The MDS layer on any 64-bit representatives.
#[inline(always)]
pub fn mds<V: Lanes>(state: &[V; 12]) -> [V; 12] {
    let mut lo = [V::splat(0); 12];
    let mut hi = [V::splat(0); 12];
    for r in 0..SPONGE_WIDTH {
        lo[r] = state[r].lo32();
        hi[r] = state[r].hi32();
    }
    let mut y_lo = circulant(&lo);
    let mut y_hi = circulant(&hi);
    for r in 0..SPONGE_WIDTH {
        if DIAG[r] != 0 {
            let s = DIAG[r].trailing_zeros();
            y_lo[r] = y_lo[r].int_add(lo[r].int_shl_by(s));
            y_hi[r] = y_hi[r].int_add(hi[r].int_shl_by(s));
        }
    }
    let mut out = [V::splat(0); 12];
    for r in 0..SPONGE_WIDTH {
        out[r] = V::reduce_halves(y_lo[r], y_hi[r]);
    }
    out
}
