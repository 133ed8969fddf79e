//! `DotGate`: one row adds an inner product to an accumulator,
//! `out = in + Σ_{i<n} x_i · y_i`, with every wire routed. plonky2's
//! ArithmeticGate spends 4 routed wires per product (x, y, addend, output);
//! this gate spends 2, so a row holds 39 products instead of 20, and a sum
//! (y_i = 1) of 39 terms instead of 20.
//!
//! One constraint of degree 2. It proves an equation between field elements
//! only; each caller's bound argument is in docs/FORMAT.md §3.

use anyhow::Result;
use plonky2::field::extension::Extendable;
use plonky2::field::packed::PackedField;
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

/// `out = in + Σ x_i·y_i` over `num_terms` products.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DotGate {
    pub num_terms: usize,
}

impl DotGate {
    pub const WIRE_IN: usize = 0;
    pub const WIRE_OUT: usize = 1;

    /// As many products as the routed wires hold.
    pub fn new_from_config(config: &CircuitConfig) -> Self {
        DotGate {
            num_terms: (config.num_routed_wires.saturating_sub(2) / 2).max(1),
        }
    }

    pub fn wire_x(i: usize) -> usize {
        2 + 2 * i
    }

    pub fn wire_y(i: usize) -> usize {
        3 + 2 * i
    }

    fn eval<P: PackedField>(&self, wire: impl Fn(usize) -> P) -> P {
        let mut acc = wire(Self::WIRE_IN);
        for i in 0..self.num_terms {
            acc += wire(Self::wire_x(i)) * wire(Self::wire_y(i));
        }
        wire(Self::WIRE_OUT) - acc
    }
}

impl<F: RichField + Extendable<D>, const D: usize> Gate<F, D> for DotGate {
    fn id(&self) -> String {
        format!("zkpor {self:?}")
    }

    fn serialize(&self, dst: &mut Vec<u8>, _common: &CommonCircuitData<F, D>) -> IoResult<()> {
        dst.write_usize(self.num_terms)
    }

    fn deserialize(src: &mut Buffer, _common: &CommonCircuitData<F, D>) -> IoResult<Self> {
        let num_terms = src.read_usize()?;
        if num_terms == 0 || num_terms > 1 << 16 {
            return Err(IoError);
        }
        Ok(DotGate { num_terms })
    }

    fn eval_unfiltered(&self, vars: EvaluationVars<F, D>) -> Vec<F::Extension> {
        vec![self.eval(|w| vars.local_wires[w])]
    }

    fn eval_unfiltered_base_one(
        &self,
        vars: EvaluationVarsBase<F>,
        mut yield_constr: StridedConstraintConsumer<F>,
    ) {
        yield_constr.one(self.eval(|w| vars.local_wires[w]));
    }

    fn eval_unfiltered_base_batch(&self, vars: EvaluationVarsBaseBatch<F>) -> Vec<F> {
        self.eval_unfiltered_base_batch_packed(vars)
    }

    fn eval_unfiltered_circuit(
        &self,
        builder: &mut CircuitBuilder<F, D>,
        vars: EvaluationTargets<D>,
    ) -> Vec<ExtensionTarget<D>> {
        let w = vars.local_wires;
        let mut acc = w[Self::WIRE_IN];
        for i in 0..self.num_terms {
            acc = builder.mul_add_extension(w[Self::wire_x(i)], w[Self::wire_y(i)], acc);
        }
        vec![builder.sub_extension(w[Self::WIRE_OUT], acc)]
    }

    fn generators(&self, row: usize, _constants: &[F]) -> Vec<WitnessGeneratorRef<F, D>> {
        vec![WitnessGeneratorRef::new(
            DotOut {
                row,
                num_terms: self.num_terms,
            }
            .adapter(),
        )]
    }

    fn num_wires(&self) -> usize {
        2 + 2 * self.num_terms
    }

    fn num_constants(&self) -> usize {
        0
    }

    fn degree(&self) -> usize {
        2
    }

    fn num_constraints(&self) -> usize {
        1
    }
}

impl<F: RichField + Extendable<D>, const D: usize> PackedEvaluableBase<F, D> for DotGate {
    fn eval_unfiltered_base_packed<P: PackedField<Scalar = F>>(
        &self,
        vars: EvaluationVarsBasePacked<P>,
        mut yield_constr: StridedConstraintConsumer<P>,
    ) {
        yield_constr.one(self.eval(|w| vars.local_wires[w]));
    }
}

/// Computes the row's output from its inputs.
#[derive(Debug, Clone, Default)]
pub struct DotOut {
    row: usize,
    num_terms: usize,
}

impl<F: RichField + Extendable<D>, const D: usize> SimpleGenerator<F, D> for DotOut {
    fn id(&self) -> String {
        "zkpor DotOut".into()
    }

    fn dependencies(&self) -> Vec<Target> {
        let mut deps = vec![Target::wire(self.row, DotGate::WIRE_IN)];
        for i in 0..self.num_terms {
            deps.push(Target::wire(self.row, DotGate::wire_x(i)));
            deps.push(Target::wire(self.row, DotGate::wire_y(i)));
        }
        deps
    }

    fn run_once(&self, witness: &PartitionWitness<F>, out: &mut GeneratedValues<F>) -> Result<()> {
        let get = |c| witness.get_target(Target::wire(self.row, c));
        let mut acc = get(DotGate::WIRE_IN);
        for i in 0..self.num_terms {
            acc += get(DotGate::wire_x(i)) * get(DotGate::wire_y(i));
        }
        out.set_target(Target::wire(self.row, DotGate::WIRE_OUT), acc)
    }

    fn serialize(&self, dst: &mut Vec<u8>, _common: &CommonCircuitData<F, D>) -> IoResult<()> {
        dst.write_usize(self.row)?;
        dst.write_usize(self.num_terms)
    }

    fn deserialize(src: &mut Buffer, _common: &CommonCircuitData<F, D>) -> IoResult<Self> {
        let row = src.read_usize()?;
        let num_terms = src.read_usize()?;
        if num_terms == 0 || num_terms > 1 << 16 {
            return Err(IoError);
        }
        Ok(DotOut { row, num_terms })
    }
}

/// `acc + Σ x_i·y_i` in DotGate rows. A row's unused products are tied to
/// zero, so a prover cannot put anything there.
pub fn dot_add<F: RichField + Extendable<D>, const D: usize>(
    b: &mut CircuitBuilder<F, D>,
    mut acc: Target,
    pairs: &[(Target, Target)],
) -> Target {
    let gate = DotGate::new_from_config(&b.config);
    let zero = b.zero();
    for chunk in pairs.chunks(gate.num_terms) {
        let row = b.add_gate(gate, vec![]);
        b.connect(acc, Target::wire(row, DotGate::WIRE_IN));
        for i in 0..gate.num_terms {
            let (x, y) = chunk.get(i).copied().unwrap_or((zero, zero));
            b.connect(x, Target::wire(row, DotGate::wire_x(i)));
            b.connect(y, Target::wire(row, DotGate::wire_y(i)));
        }
        acc = Target::wire(row, DotGate::WIRE_OUT);
    }
    acc
}

/// Whether `n` products take fewer rows as DotGate rows than as
/// ArithmeticGate ops (which share their rows with other chains): a short
/// chain leaves most of a DotGate row empty.
pub fn dot_pays<F: RichField + Extendable<D>, const D: usize>(
    b: &CircuitBuilder<F, D>,
    n: usize,
) -> bool {
    let per_row = DotGate::new_from_config(&b.config).num_terms;
    let arithmetic_ops = (b.config.num_routed_wires / 4).max(1);
    n.div_ceil(per_row) * arithmetic_ops < n
}

/// `Σ terms` in DotGate rows (each term times the constant one).
pub fn sum<F: RichField + Extendable<D>, const D: usize>(
    b: &mut CircuitBuilder<F, D>,
    terms: &[Target],
) -> Target {
    let one = b.one();
    let zero = b.zero();
    let pairs: Vec<(Target, Target)> = terms.iter().map(|&t| (t, one)).collect();
    dot_add(b, zero, &pairs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::{C, D, F};
    use plonky2::gates::gate_testing::{test_eval_fns, test_low_degree};

    #[test]
    fn low_degree() {
        test_low_degree::<F, _, D>(DotGate::new_from_config(
            &CircuitConfig::standard_recursion_config(),
        ));
    }

    #[test]
    fn eval_fns() -> Result<()> {
        test_eval_fns::<F, C, _, D>(DotGate::new_from_config(
            &CircuitConfig::standard_recursion_config(),
        ))
    }

    #[test]
    fn holds_39_products_per_row() {
        let g = DotGate::new_from_config(&CircuitConfig::standard_recursion_config());
        assert_eq!(g.num_terms, 39);
    }
}
