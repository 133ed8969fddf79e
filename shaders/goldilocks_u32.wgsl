// Goldilocks arithmetic (p = 2^64 - 2^32 + 1) on two u32 limbs, for adapters
// without 64-bit integers. An element is vec2<u32>(lo, hi) and is always
// canonical (< p) on entry and exit of every function here.
//
// Reduction uses p's special form: 2^64 = 2^32 - 1 and 2^96 = -1 (mod p).

alias Fe = vec2<u32>;

// 2^32 - 1 = 2^64 mod p.
const EPSILON: u32 = 0xffffffffu;

fn fe_from_limbs(lo: u32, hi: u32) -> Fe {
    return Fe(lo, hi);
}

fn fe_lo(a: Fe) -> u32 {
    return a.x;
}

fn fe_hi(a: Fe) -> u32 {
    return a.y;
}

fn fe_zero() -> Fe {
    return Fe(0u, 0u);
}

// Limb-wise 64-bit add: (sum, carry out).
fn add64(a: Fe, b: Fe) -> vec3<u32> {
    let lo = a.x + b.x;
    let c0 = select(0u, 1u, lo < a.x);
    let hi1 = a.y + b.y;
    let c1 = select(0u, 1u, hi1 < a.y);
    let hi = hi1 + c0;
    let c2 = select(0u, 1u, hi < hi1);
    return vec3<u32>(lo, hi, c1 + c2);
}

// Limb-wise 64-bit subtract: (difference, borrow out).
fn sub64(a: Fe, b: Fe) -> vec3<u32> {
    let lo = a.x - b.x;
    let b0 = select(0u, 1u, a.x < b.x);
    let hi1 = a.y - b.y;
    let b1 = select(0u, 1u, a.y < b.y);
    let hi = hi1 - b0;
    let b2 = select(0u, 1u, hi1 < b0);
    return vec3<u32>(lo, hi, b1 + b2);
}

// x >= p exactly when hi == 2^32 - 1 and lo >= 1.
fn fe_canonical(a: Fe) -> Fe {
    if (a.y == 0xffffffffu && a.x != 0u) {
        return Fe(a.x - 1u, 0u);
    }
    return a;
}

fn fe_add(a: Fe, b: Fe) -> Fe {
    let s = add64(a, b);
    if (s.z != 0u) {
        // a + b - 2^64 < 2^64 - 2^33 + 2, so adding 2^32 - 1 cannot carry again.
        return add64(s.xy, Fe(EPSILON, 0u)).xy;
    }
    return fe_canonical(s.xy);
}

fn fe_sub(a: Fe, b: Fe) -> Fe {
    let d = sub64(a, b);
    if (d.z != 0u) {
        // a - b + 2^64 >= 2^64 - p + 1, so subtracting 2^32 - 1 cannot borrow.
        return sub64(d.xy, Fe(EPSILON, 0u)).xy;
    }
    return d.xy;
}

// Full 32x32 -> 64-bit product from 16-bit pieces: WGSL keeps only the low
// half of a u32 multiply.
fn mul_wide(a: u32, b: u32) -> Fe {
    let a0 = a & 0xffffu;
    let a1 = a >> 16u;
    let b0 = b & 0xffffu;
    let b1 = b >> 16u;
    let p00 = a0 * b0;
    let p01 = a0 * b1;
    let p10 = a1 * b0;
    let p11 = a1 * b1;
    let mid = p01 + p10;
    let mid_carry = select(0u, 0x10000u, mid < p01);
    let lo = p00 + (mid << 16u);
    let lo_carry = select(0u, 1u, lo < p00);
    let hi = p11 + (mid >> 16u) + mid_carry + lo_carry;
    return Fe(lo, hi);
}

// Reduces x0 + x1 2^32 + x2 2^64 + x3 2^96 (four u32 limbs) to a canonical element.
fn reduce128(x0: u32, x1: u32, x2: u32, x3: u32) -> Fe {
    // 2^96 = -1: subtract x3.
    var t = sub64(Fe(x0, x1), Fe(x3, 0u));
    var v = t.xy;
    if (t.z != 0u) {
        v = sub64(v, Fe(EPSILON, 0u)).xy;
    }
    // 2^64 = 2^32 - 1: add x2 * (2^32 - 1) = x2 2^32 - x2.
    let m = sub64(Fe(0u, x2), Fe(x2, 0u)).xy;
    let s = add64(v, m);
    var r = s.xy;
    if (s.z != 0u) {
        r = add64(r, Fe(EPSILON, 0u)).xy;
    }
    return fe_canonical(r);
}

fn fe_mul(a: Fe, b: Fe) -> Fe {
    let ll = mul_wide(a.x, b.x);
    let lh = mul_wide(a.x, b.y);
    let hl = mul_wide(a.y, b.x);
    let hh = mul_wide(a.y, b.y);
    // Column 1: ll.hi + lh.lo + hl.lo.
    let c1a = ll.y + lh.x;
    var k1 = select(0u, 1u, c1a < ll.y);
    let r1 = c1a + hl.x;
    k1 = k1 + select(0u, 1u, r1 < c1a);
    // Column 2: lh.hi + hl.hi + hh.lo + carries.
    let c2a = lh.y + hl.y;
    var k2 = select(0u, 1u, c2a < lh.y);
    let c2b = c2a + hh.x;
    k2 = k2 + select(0u, 1u, c2b < c2a);
    let r2 = c2b + k1;
    k2 = k2 + select(0u, 1u, r2 < c2b);
    let r3 = hh.y + k2;
    return reduce128(ll.x, r1, r2, r3);
}

// The MDS layer's dot product sum_j c[j] * x[j] for small coefficients (sum
// of c below 2^16), one term at a time, so that the generated MDS code can
// name every state element by a literal index. Works on 16-bit pieces so
// every partial sum fits a u32.
alias DotAcc = vec4<u32>;

fn dot_zero() -> DotAcc {
    return vec4<u32>(0u);
}

fn dot_term(acc: DotAcc, v: Fe, k: u32) -> DotAcc {
    return acc + k * vec4<u32>(v.x & 0xffffu, v.x >> 16u, v.y & 0xffffu, v.y >> 16u);
}

fn dot_finish(acc: DotAcc) -> Fe {
    let s0 = acc.x;
    let s1 = acc.y;
    let s2 = acc.z;
    let s3 = acc.w;
    // value = s0 + s1 2^16 + s2 2^32 + s3 2^48, each s below 2^32.
    let l0 = s0 + (s1 << 16u);
    let k0 = select(0u, 1u, l0 < s0);
    let l1a = s2 + (s3 << 16u);
    var k1 = select(0u, 1u, l1a < s2);
    let l1b = l1a + (s1 >> 16u);
    k1 = k1 + select(0u, 1u, l1b < l1a);
    let l1 = l1b + k0;
    k1 = k1 + select(0u, 1u, l1 < l1b);
    let l2 = (s3 >> 16u) + k1;
    return reduce128(l0, l1, l2, 0u);
}
