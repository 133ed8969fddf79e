//! Circuit gadgets: hashing, limb arithmetic and the non-negativity checks.
//! The bound argument for each is in docs/FORMAT.md §3.

use super::gates::dot::{dot_add, dot_pays};
use super::gates::LowHigh;
use super::layout::{Limbs, TotalTargets};
use super::D;
use crate::field::F;
use plonky2::field::types::Field;
use plonky2::hash::hash_types::HashOutTarget;
use plonky2::hash::poseidon::PoseidonHash;
use plonky2::iop::target::Target;
use plonky2::plonk::circuit_builder::CircuitBuilder;

pub type Builder = CircuitBuilder<F, D>;

/// `two_to_one(l, r)`: hash_no_pad of exactly 8 elements is the same permutation.
pub fn two_to_one(b: &mut Builder, l: HashOutTarget, r: HashOutTarget) -> HashOutTarget {
    let inputs = [l.elements, r.elements].concat();
    b.hash_n_to_hash_no_pad::<PoseidonHash>(inputs)
}

/// Root of a binary tree over a power-of-two number of nodes.
pub fn merkle_root(b: &mut Builder, mut level: Vec<HashOutTarget>) -> HashOutTarget {
    assert!(
        level.len().is_power_of_two(),
        "tree width must be a power of two"
    );
    while level.len() > 1 {
        level = level.chunks(2).map(|p| two_to_one(b, p[0], p[1])).collect();
    }
    level[0]
}

/// Splits `x < 2^bits` into 32-bit limbs (range-checked).
pub fn limbs32(b: &mut Builder, x: Target, bits: usize) -> Limbs {
    let (lo, hi) = b.split_low_high(x, 32, bits.max(33));
    [lo, hi]
}

/// Adds limb pairs of up to 2^16 children and renormalises; the result's high
/// limb is range-checked < 2^32, which is the 2^64 total bound.
pub fn add_limbs(b: &mut Builder, parts: &[Limbs]) -> Limbs {
    let lo_sum = b.add_many(parts.iter().map(|p| p[0]));
    let hi_sum = b.add_many(parts.iter().map(|p| p[1]));
    // lo_sum < 2^16 * 2^32 = 2^48.
    let (lo, carry) = b.split_low_high(lo_sum, 32, 48);
    let hi = b.add(hi_sum, carry);
    b.range_check(hi, 32);
    [lo, hi]
}

/// Asserts `a + c >= e` for 64-bit values given as limbs (reserve + debt >= equity).
pub fn assert_covers(b: &mut Builder, a: Limbs, c: Limbs, e: Limbs) {
    let two32 = F::from_canonical_u64(1 << 32);
    // y = a_lo + c_lo - e_lo + 2^32, in (0, 2^34).
    let lo = b.add(a[0], c[0]);
    let lo = b.sub(lo, e[0]);
    let y = b.add_const(lo, two32);
    let (_, carry) = b.split_low_high(y, 32, 34);
    // a + c - e = s + 2^32 * top, top = a_hi + c_hi - e_hi + carry - 1 in (-2^32 - 1, 2^34).
    let hi = b.add(a[1], c[1]);
    let hi = b.sub(hi, e[1]);
    let hi = b.add(hi, carry);
    let top = b.add_const(hi, -F::ONE);
    // A negative top would be >= p - 2^33 > 2^34 as a field element.
    b.range_check(top, 34);
}

/// Asserts `sum_a net[a] * price[a] >= 0`, with prices given as `width`-bit limbs.
///
/// Each `net[a]` is in (-2^48, 2^48) and the limb width is chosen so every limb
/// sum L_j = sum_a net[a] * limb[a][j] is below 2^62 in absolute value; the carry
/// chain keeps every intermediate inside (0, p) (docs/FORMAT.md §3).
/// With `dot`, each L_j of more than 20 products is one DotGate chain (39
/// products per row) instead of one ArithmeticGate op per product (20 per
/// row, shared between chains); the equations are the same.
pub fn assert_non_negative_value(
    b: &mut Builder,
    net: &[Target],
    limbs: &[Vec<Target>],
    width: u32,
    dot: bool,
) {
    carry_chain(b, net, limbs, width, dot, &mut Bounds::OwnRows);
}

/// Where the carry chain's range checks go.
enum Bounds<'a> {
    /// One plonky2 BaseSum row each (`split_low_high`, `range_check`).
    OwnRows,
    /// Queued for shared RangeGate rows through [`below`].
    Queued(&'a mut Vec<Target>),
}

/// The chain of [`assert_non_negative_value`]: limb sums, carries, and the
/// sign of the last one.
fn carry_chain(
    b: &mut Builder,
    net: &[Target],
    limbs: &[Vec<Target>],
    width: u32,
    dot: bool,
    bounds: &mut Bounds,
) {
    let count = limbs.first().map_or(0, Vec::len);
    let offset = F::from_canonical_u64(1 << 63);
    let carry_offset = F::from_canonical_u64(1 << (63 - width));
    let mut carry: Option<Target> = None;
    for j in 0..count {
        let l = if dot && dot_pays(b, net.len()) {
            let zero = b.zero();
            let pairs: Vec<(Target, Target)> = net
                .iter()
                .zip(limbs)
                .map(|(&n, limb)| (n, limb[j]))
                .collect();
            dot_add(b, zero, &pairs)
        } else {
            let mut l = b.zero();
            for (n, limb) in net.iter().zip(limbs) {
                l = b.mul_add(*n, limb[j], l);
            }
            l
        };
        // X_j = L_j + (u_{j-1} - 2^(63 - width)).
        let x = match carry {
            Some(u) => {
                let t = b.add(l, u);
                b.add_const(t, -carry_offset)
            }
            None => l,
        };
        let w = width as usize;
        match (j + 1 == count, &mut *bounds) {
            // V >= 0 iff the last X >= 0; a negative one is >= p - 2^63 as a field element.
            (true, Bounds::OwnRows) => b.range_check(x, 63),
            (true, Bounds::Queued(checks)) => below(b, x, 63, checks),
            // X_j + 2^63 = 2^width u_j + r_j with r_j < 2^width and u_j < 2^(64 - width).
            (false, Bounds::OwnRows) => {
                let shifted = b.add_const(x, offset);
                let (_, u) = b.split_low_high(shifted, w, 64);
                carry = Some(u);
            }
            (false, Bounds::Queued(checks)) => {
                let shifted = b.add_const(x, offset);
                let (r, u) = split_witness(b, shifted, w);
                below(b, r, w, checks);
                below(b, u, 64 - w, checks);
                carry = Some(u);
            }
        }
    }
}

/// Queues `x < 2^bits`, exactly, as values for one 48-bit
/// [`RangeGate`](super::gates::RangeGate) pass (`range_check_many`):
/// - bits = 48: x itself;
/// - bits < 48: x and 2^bits − 1 − x. Both below 2^48 forces x ≤ 2^bits − 1:
///   a larger x < 2^48 makes the second p − (x − 2^bits + 1) > 2^48;
/// - 48 < bits ≤ 63: x = lo + 2^48·hi with lo < 2^48 and hi < 2^(bits − 48),
///   which as integers is below 2^63 < p, so x is that integer.
///
/// No BaseSum row: these share the RangeGate rows the amounts use.
pub fn below(b: &mut Builder, x: Target, bits: usize, checks: &mut Vec<Target>) {
    const GATE_BITS: usize = 48;
    assert!((1..=63).contains(&bits), "below: {bits} bits");
    if bits == GATE_BITS {
        checks.push(x);
    } else if bits < GATE_BITS {
        let top = b.constant(F::from_canonical_u64((1 << bits) - 1));
        checks.push(x);
        checks.push(b.sub(top, x));
    } else {
        let (lo, hi) = split_witness(b, x, GATE_BITS);
        checks.push(lo);
        below(b, hi, bits - GATE_BITS, checks);
    }
}

/// `x = lo + 2^bits·hi` with lo the low bits; the caller range-checks both.
pub fn split_witness(b: &mut Builder, x: Target, bits: usize) -> (Target, Target) {
    let (lo, hi) = split_parts(b, x, bits);
    b.add_simple_generator(LowHigh { x, bits, lo, hi });
    (lo, hi)
}

/// The constraint of [`split_witness`] without its generator: lo and hi are
/// whatever the witness says (the soundness tests try non-canonical ones).
#[doc(hidden)]
pub fn split_parts(b: &mut Builder, x: Target, bits: usize) -> (Target, Target) {
    let (lo, hi) = (b.add_virtual_target(), b.add_virtual_target());
    let joined = b.mul_const_add(F::from_canonical_u64(1 << bits), hi, lo);
    b.connect(joined, x);
    (lo, hi)
}

/// As [`assert_non_negative_value`] without dot products, with every range
/// check queued into `checks` through [`below`] instead of its own BaseSum
/// row (the sparse batch circuit, whose users hold few positions).
pub fn assert_non_negative_value_queued(
    b: &mut Builder,
    net: &[Target],
    limbs: &[Vec<Target>],
    width: u32,
    checks: &mut Vec<Target>,
) {
    carry_chain(b, net, limbs, width, false, &mut Bounds::Queued(checks));
}

/// Sums per-asset totals of one side into limbs; `bits` bounds the sum.
pub fn totals_to_limbs(b: &mut Builder, equity: Target, debt: Target, bits: usize) -> TotalTargets {
    TotalTargets {
        equity: limbs32(b, equity, bits),
        debt: limbs32(b, debt, bits),
    }
}
