// Goldilocks arithmetic (p = 2^64 - 2^32 + 1) on native u64, for adapters with
// SHADER_INT64. Same functions and contract as goldilocks_u32.wgsl: every
// element is canonical (< p) on entry and exit.
//
// WGSL's u64 multiply keeps only the low 64 bits, so products are built from
// 32-bit halves; reduction uses 2^64 = 2^32 - 1 and 2^96 = -1 (mod p).

alias Fe = u64;

const EPSILON64: u64 = 0xfffffffflu;
const P64: u64 = 0xffffffff00000001lu;

fn fe_from_limbs(lo: u32, hi: u32) -> Fe {
    return (u64(hi) << 32u) | u64(lo);
}

fn fe_lo(a: Fe) -> u32 {
    return u32(a & 0xfffffffflu);
}

fn fe_hi(a: Fe) -> u32 {
    return u32(a >> 32u);
}

fn fe_zero() -> Fe {
    return 0lu;
}

fn fe_canonical(a: Fe) -> Fe {
    return select(a, a - P64, a >= P64);
}

fn fe_add(a: Fe, b: Fe) -> Fe {
    let s = a + b;
    if (s < a) {
        // a + b - 2^64 < 2^64 - 2^33 + 2, so adding 2^32 - 1 cannot carry again.
        return s + EPSILON64;
    }
    return fe_canonical(s);
}

fn fe_sub(a: Fe, b: Fe) -> Fe {
    let d = a - b;
    if (a < b) {
        // a - b + 2^64 >= 2^32, so subtracting 2^32 - 1 cannot borrow.
        return d - EPSILON64;
    }
    return d;
}

// Reduces lo + hi 2^64 (hi = x2 + x3 2^32) to a canonical element.
fn reduce128(lo: u64, hi: u64) -> Fe {
    let x2 = hi & EPSILON64;
    let x3 = hi >> 32u;
    var v = lo - x3;
    if (lo < x3) {
        v = v - EPSILON64;
    }
    let m = (x2 << 32u) - x2;
    var r = v + m;
    if (r < v) {
        r = r + EPSILON64;
    }
    return fe_canonical(r);
}

fn fe_mul(a: Fe, b: Fe) -> Fe {
    let a0 = a & EPSILON64;
    let a1 = a >> 32u;
    let b0 = b & EPSILON64;
    let b1 = b >> 32u;
    let ll = a0 * b0;
    let lh = a0 * b1;
    let hl = a1 * b0;
    let hh = a1 * b1;
    // t < 2^64: (2^32-1)^2 + 2^32 - 1 fits.
    let t = hl + (ll >> 32u);
    let u = lh + (t & EPSILON64);
    let lo = (u << 32u) | (ll & EPSILON64);
    let hi = hh + (t >> 32u) + (u >> 32u);
    return reduce128(lo, hi);
}

// The MDS layer's dot product sum_j c[j] * x[j] for small coefficients (sum
// of c below 2^16), one term at a time, so that the generated MDS code can
// name every state element by a literal index. On 32-bit halves so each
// partial sum fits a u64.
struct DotAcc {
    lo: u64,
    hi: u64,
}

fn dot_zero() -> DotAcc {
    return DotAcc(0lu, 0lu);
}

fn dot_term(acc: DotAcc, v: Fe, k: u32) -> DotAcc {
    let k64 = u64(k);
    return DotAcc(acc.lo + k64 * (v & EPSILON64), acc.hi + k64 * (v >> 32u));
}

fn dot_finish(acc: DotAcc) -> Fe {
    let s_lo = acc.lo;
    let s_hi = acc.hi;
    // value = s_lo + s_hi 2^32, below 2^80.
    let lo = s_lo + (s_hi << 32u);
    let carry = select(0lu, 1lu, lo < s_lo);
    let hi = (s_hi >> 32u) + carry;
    return reduce128(lo, hi);
}
