//! `RangeGate`: range-checks several values per row, each `x < 2^bits`, as
//! base-2^limb_bits digits. One BaseSum row checks one value; this gate checks
//! as many as fit the row's wires (8 amounts of 48 bits in 135 wires at
//! limb_bits = 3).
//!
//! Per value (op) the row holds `x` in a routed wire and its m − 1 low digits
//! l_0..l_{m−2} in any wire, m = ⌈bits / limb_bits⌉. The top digit is not a
//! wire: it is t = (x − Σ_j 2^(limb_bits·j) l_j) / 2^(limb_bits·(m−1)), and
//! its constraint is written multiplied out, so it costs no wire. Constraints:
//! - each low digit: Π_{v < 2^limb_bits} (l_j − v) = 0;
//! - the top: Π_{v < 2^top_bits} (x − Σ_j 2^(limb_bits·j) l_j − v·2^(limb_bits·(m−1))) = 0,
//!   top_bits = bits − limb_bits·(m − 1).
//!
//! So x equals, as a field element, an integer Σ_j 2^(limb_bits·j) l_j + 2^(limb_bits·(m−1))·t
//! with every digit in range, which is < 2^bits < p: x < 2^bits exactly (docs/FORMAT.md §3).
//! The degree is 2^limb_bits; with plonky2's selector filter (degree ≥ 1) it
//! must stay ≤ quotient_degree_factor + 1 = 9, so limb_bits ≤ 3.

use anyhow::Result;
use plonky2::field::extension::Extendable;
use plonky2::field::packed::PackedField;
use plonky2::field::types::Field;
use plonky2::gates::gate::Gate;
use plonky2::gates::packed_util::PackedEvaluableBase;
use plonky2::gates::util::StridedConstraintConsumer;
use plonky2::hash::hash_types::RichField;
use plonky2::iop::ext_target::ExtensionTarget;
use plonky2::iop::generator::{GeneratedValues, SimpleGenerator, WitnessGeneratorRef};
use plonky2::iop::target::Target;
use plonky2::iop::witness::{PartitionWitness, Witness, WitnessWrite};
use plonky2::plonk::circuit_builder::CircuitBuilder;
use plonky2::plonk::circuit_data::{CircuitConfig, CommonCircuitData};
use plonky2::plonk::vars::{
    EvaluationTargets, EvaluationVars, EvaluationVarsBase, EvaluationVarsBaseBatch,
    EvaluationVarsBasePacked,
};
use plonky2::util::serialization::{Buffer, IoError, IoResult, Read, Write};

/// Largest digit width: degree 2^3 = 8, plus the selector filter, is plonky2's
/// limit at `max_quotient_degree_factor` 8.
pub const MAX_LIMB_BITS: usize = 3;

/// Range-checks `num_ops` values per row, each `< 2^bits`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RangeGate {
    pub num_ops: usize,
    pub bits: usize,
    pub limb_bits: usize,
}

impl RangeGate {
    /// `None` for a shape the gate cannot check soundly: digits wider than
    /// [`MAX_LIMB_BITS`], or a bound not below 2^63 (so far below p that no
    /// recomposition wraps).
    pub fn new(num_ops: usize, bits: usize, limb_bits: usize) -> Option<Self> {
        let ok =
            num_ops >= 1 && (1..=63).contains(&bits) && (1..=MAX_LIMB_BITS).contains(&limb_bits);
        ok.then_some(RangeGate {
            num_ops,
            bits,
            limb_bits,
        })
    }

    /// As many values per row as the configuration's wires hold; every value
    /// sits in a routed wire.
    pub fn new_from_config(config: &CircuitConfig, bits: usize, limb_bits: usize) -> Option<Self> {
        let per_op = bits.div_ceil(limb_bits.max(1));
        let num_ops = (config.num_wires / per_op.max(1)).min(config.num_routed_wires);
        Self::new(num_ops, bits, limb_bits)
    }

    /// Digits per value, the top one included.
    pub fn limbs(&self) -> usize {
        self.bits.div_ceil(self.limb_bits)
    }

    /// Bits of the top digit (1..=limb_bits).
    pub fn top_bits(&self) -> usize {
        self.bits - self.limb_bits * (self.limbs() - 1)
    }

    /// The wire holding value `op`.
    pub fn wire_value(&self, op: usize) -> usize {
        op
    }

    /// The wire holding low digit `j` of value `op`.
    pub fn wire_limb(&self, op: usize, j: usize) -> usize {
        self.num_ops + op * (self.limbs() - 1) + j
    }

    /// The constraints of every op, in order: the low digits, then the top.
    /// Generic over the evaluation field so the base, packed and extension
    /// versions are one piece of code.
    fn eval<P: PackedField>(&self, wire: impl Fn(usize) -> P, out: &mut impl FnMut(P)) {
        let base = 1u64 << self.limb_bits;
        let top_scale = 1u64 << (self.limb_bits * (self.limbs() - 1));
        for op in 0..self.num_ops {
            let mut low = P::ZEROS;
            for j in (0..self.limbs() - 1).rev() {
                let l = wire(self.wire_limb(op, j));
                out(vanishing(l, base, P::Scalar::ONE));
                low = low * P::Scalar::from_canonical_u64(base) + l;
            }
            let rest = wire(self.wire_value(op)) - low;
            let scale = P::Scalar::from_canonical_u64(top_scale);
            out(vanishing(rest, 1 << self.top_bits(), scale));
        }
    }
}

/// Π_{v<n} (x − v·s), the polynomial that vanishes exactly on {0, s, .., (n−1)s}.
/// For n = 8 and 4 it is factored through z = (x − s)(x − (n−2)s), so the
/// same polynomial costs 4 multiplications instead of 7 (2 instead of 3):
/// with n = 8 the pairs (x − vs)(x − (7−v)s) are z − 6s², z, z + 4s², z + 6s²,
/// and z(z + 4s²)(z² − 36s⁴) is their product.
fn vanishing<P: PackedField>(x: P, n: u64, s: P::Scalar) -> P {
    let s2 = s * s;
    let c = |k: u64| P::Scalar::from_canonical_u64(k);
    match n {
        8 => {
            let z = (x - s) * (x - c(6) * s);
            (z * (z + c(4) * s2)) * (z * z - c(36) * s2 * s2)
        }
        4 => {
            // (x)(x − 3s) = y, (x − s)(x − 2s) = y + 2s².
            let y = x * (x - c(3) * s);
            y * (y + c(2) * s2)
        }
        _ => {
            let mut acc = P::ONES;
            for v in 0..n {
                acc *= x - c(v) * s;
            }
            acc
        }
    }
}

/// [`vanishing`] in the recursive verifier, factored the same way.
fn vanishing_circuit<F: RichField + Extendable<D>, const D: usize>(
    b: &mut CircuitBuilder<F, D>,
    x: ExtensionTarget<D>,
    n: u64,
    s: F,
) -> ExtensionTarget<D> {
    let c = F::from_canonical_u64;
    let s2 = s * s;
    // x·y − k·y in one arithmetic_extension: (x − k)·y.
    let times_shifted =
        |b: &mut CircuitBuilder<F, D>, x, k: F, y| b.arithmetic_extension(F::ONE, -k, x, y, y);
    match n {
        8 => {
            let xs = b.add_const_extension(x, -s);
            let z = times_shifted(b, x, c(6) * s, xs);
            let zz = b.mul_extension(z, z);
            let left = times_shifted(b, z, -(c(4) * s2), z);
            let right = b.add_const_extension(zz, -(c(36) * s2 * s2));
            b.mul_extension(left, right)
        }
        4 => {
            let y = times_shifted(b, x, c(3) * s, x);
            times_shifted(b, y, -(c(2) * s2), y)
        }
        _ => {
            let mut acc = b.one_extension();
            for v in 0..n {
                acc = times_shifted(b, x, c(v) * s, acc);
            }
            acc
        }
    }
}

impl<F: RichField + Extendable<D>, const D: usize> Gate<F, D> for RangeGate {
    fn id(&self) -> String {
        format!("zkpor {self:?}")
    }

    fn serialize(&self, dst: &mut Vec<u8>, _common: &CommonCircuitData<F, D>) -> IoResult<()> {
        dst.write_usize(self.num_ops)?;
        dst.write_usize(self.bits)?;
        dst.write_usize(self.limb_bits)
    }

    fn deserialize(src: &mut Buffer, _common: &CommonCircuitData<F, D>) -> IoResult<Self> {
        let num_ops = src.read_usize()?;
        let bits = src.read_usize()?;
        let limb_bits = src.read_usize()?;
        // Bytes from a file: an unsound or absurd shape is an error, not a gate.
        RangeGate::new(num_ops, bits, limb_bits)
            .filter(|g| g.num_ops <= 1 << 16)
            .ok_or(IoError)
    }

    fn eval_unfiltered(&self, vars: EvaluationVars<F, D>) -> Vec<F::Extension> {
        let mut out = Vec::with_capacity(<Self as Gate<F, D>>::num_constraints(self));
        self.eval(|w| vars.local_wires[w], &mut |c| out.push(c));
        out
    }

    fn eval_unfiltered_base_one(
        &self,
        vars: EvaluationVarsBase<F>,
        mut yield_constr: StridedConstraintConsumer<F>,
    ) {
        self.eval(|w| vars.local_wires[w], &mut |c| yield_constr.one(c));
    }

    fn eval_unfiltered_base_batch(&self, vars: EvaluationVarsBaseBatch<F>) -> Vec<F> {
        self.eval_unfiltered_base_batch_packed(vars)
    }

    fn eval_unfiltered_circuit(
        &self,
        builder: &mut CircuitBuilder<F, D>,
        vars: EvaluationTargets<D>,
    ) -> Vec<ExtensionTarget<D>> {
        let base = 1u64 << self.limb_bits;
        let top_scale = F::from_canonical_u64(1u64 << (self.limb_bits * (self.limbs() - 1)));
        let mut constraints = Vec::new();
        for op in 0..self.num_ops {
            let mut low = builder.zero_extension();
            for j in (0..self.limbs() - 1).rev() {
                let l = vars.local_wires[self.wire_limb(op, j)];
                constraints.push(vanishing_circuit(builder, l, base, F::ONE));
                low = builder.mul_const_add_extension(F::from_canonical_u64(base), low, l);
            }
            let rest = builder.sub_extension(vars.local_wires[self.wire_value(op)], low);
            constraints.push(vanishing_circuit(
                builder,
                rest,
                1 << self.top_bits(),
                top_scale,
            ));
        }
        constraints
    }

    fn generators(&self, row: usize, _constants: &[F]) -> Vec<WitnessGeneratorRef<F, D>> {
        (0..self.num_ops)
            .map(|op| {
                WitnessGeneratorRef::new(
                    RangeDigits {
                        row,
                        op,
                        gate: *self,
                    }
                    .adapter(),
                )
            })
            .collect()
    }

    fn num_wires(&self) -> usize {
        self.num_ops * self.limbs()
    }

    fn num_constants(&self) -> usize {
        0
    }

    fn degree(&self) -> usize {
        1 << self.limb_bits
    }

    fn num_constraints(&self) -> usize {
        self.num_ops * self.limbs()
    }
}

impl<F: RichField + Extendable<D>, const D: usize> PackedEvaluableBase<F, D> for RangeGate {
    fn eval_unfiltered_base_packed<P: PackedField<Scalar = F>>(
        &self,
        vars: EvaluationVarsBasePacked<P>,
        mut yield_constr: StridedConstraintConsumer<P>,
    ) {
        self.eval(|w| vars.local_wires[w], &mut |c| yield_constr.one(c));
    }
}

/// Fills one op's low digits from its value. A value out of range still gets
/// digits (its low bits); the top constraint is then what fails.
#[derive(Debug, Clone)]
pub struct RangeDigits {
    row: usize,
    op: usize,
    gate: RangeGate,
}

impl Default for RangeDigits {
    fn default() -> Self {
        RangeDigits {
            row: 0,
            op: 0,
            gate: RangeGate {
                num_ops: 1,
                bits: 1,
                limb_bits: 1,
            },
        }
    }
}

impl<F: RichField + Extendable<D>, const D: usize> SimpleGenerator<F, D> for RangeDigits {
    fn id(&self) -> String {
        "zkpor RangeDigits".into()
    }

    fn dependencies(&self) -> Vec<Target> {
        vec![Target::wire(self.row, self.gate.wire_value(self.op))]
    }

    fn run_once(&self, witness: &PartitionWitness<F>, out: &mut GeneratedValues<F>) -> Result<()> {
        let x = witness
            .get_target(Target::wire(self.row, self.gate.wire_value(self.op)))
            .to_canonical_u64();
        let mask = (1u64 << self.gate.limb_bits) - 1;
        for j in 0..self.gate.limbs() - 1 {
            let digit = (x >> (self.gate.limb_bits * j)) & mask;
            out.set_target(
                Target::wire(self.row, self.gate.wire_limb(self.op, j)),
                F::from_canonical_u64(digit),
            )?;
        }
        Ok(())
    }

    fn serialize(&self, dst: &mut Vec<u8>, common: &CommonCircuitData<F, D>) -> IoResult<()> {
        dst.write_usize(self.row)?;
        dst.write_usize(self.op)?;
        <RangeGate as Gate<F, D>>::serialize(&self.gate, dst, common)
    }

    fn deserialize(src: &mut Buffer, common: &CommonCircuitData<F, D>) -> IoResult<Self> {
        let row = src.read_usize()?;
        let op = src.read_usize()?;
        let gate = <RangeGate as Gate<F, D>>::deserialize(src, common)?;
        if op >= gate.num_ops {
            return Err(IoError);
        }
        Ok(RangeDigits { row, op, gate })
    }
}

/// Range-checks each of `values` below 2^bits with [`RangeGate`] rows,
/// filling each row before starting the next (plonky2's `find_slot`). Unused
/// ops of the last row have no generator; their wires stay zero, which
/// satisfies their constraints.
pub fn range_check_many<F: RichField + Extendable<D>, const D: usize>(
    b: &mut CircuitBuilder<F, D>,
    values: &[Target],
    bits: usize,
    limb_bits: usize,
) {
    let Some(gate) = RangeGate::new_from_config(&b.config, bits, limb_bits) else {
        // Shapes are chosen by zkpor, never by input: this is a programming error.
        panic!("no range gate for {bits} bits in {limb_bits}-bit digits");
    };
    for &x in values {
        let (row, op) = b.find_slot(gate, &[], &[]);
        b.connect(x, Target::wire(row, gate.wire_value(op)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::{C, D, F};
    use plonky2::gates::gate_testing::{test_eval_fns, test_low_degree};

    #[test]
    fn low_degree() {
        for (bits, lb) in [(48, 3), (48, 2), (10, 3), (63, 3)] {
            let g =
                RangeGate::new_from_config(&CircuitConfig::standard_recursion_config(), bits, lb)
                    .unwrap();
            test_low_degree::<F, _, D>(g);
        }
    }

    #[test]
    fn eval_fns() -> Result<()> {
        for (bits, lb) in [(48, 3), (48, 2), (7, 3)] {
            let g =
                RangeGate::new_from_config(&CircuitConfig::standard_recursion_config(), bits, lb)
                    .unwrap();
            test_eval_fns::<F, C, _, D>(g)?;
        }
        Ok(())
    }

    #[test]
    fn factored_products_are_the_plain_products() {
        use plonky2::field::types::Sample;
        for n in [2u64, 4, 8] {
            for _ in 0..20 {
                let (x, s) = (F::rand(), F::rand());
                let plain: F = (0..n).map(|v| x - F::from_canonical_u64(v) * s).product();
                assert_eq!(vanishing(x, n, s), plain, "n = {n}");
            }
            assert_eq!(vanishing(F::from_canonical_u64(n - 1), n, F::ONE), F::ZERO);
            assert_ne!(vanishing(F::from_canonical_u64(n), n, F::ONE), F::ZERO);
        }
    }

    #[test]
    fn packs_eight_48_bit_values_per_row() {
        let config = CircuitConfig::standard_recursion_config();
        let g = RangeGate::new_from_config(&config, 48, 3).unwrap();
        assert_eq!((g.num_ops, g.limbs(), g.top_bits()), (8, 16, 3));
        assert!(<RangeGate as Gate<F, D>>::num_wires(&g) <= config.num_wires);
        let g = RangeGate::new_from_config(&config, 48, 2).unwrap();
        assert_eq!((g.num_ops, g.limbs()), (5, 24));
        assert!(
            RangeGate::new(8, 48, 4).is_none(),
            "degree 16 is over plonky2's limit"
        );
        assert!(RangeGate::new(8, 64, 3).is_none(), "2^64 > p: would wrap");
    }
}
