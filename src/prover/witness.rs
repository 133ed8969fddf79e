//! The witness: plonky2's own generators fill the partition witness, then the
//! wire matrix is read out column by column (in parallel), as plonky2's
//! `full_witness` does row by row.

use anyhow::{ensure, Context, Result};
use plonky2::field::types::Field;
use plonky2::iop::generator::generate_partial_witness;
use plonky2::iop::target::Target;
use plonky2::iop::witness::{PartialWitness, PartitionWitness, Witness as _};
use plonky2::plonk::circuit_data::{CommonCircuitData, ProverOnlyCircuitData};
use rayon::prelude::*;

use crate::field::{C, D, F};

/// The filled witness, as the prover needs it.
pub struct Witness {
    pub public_inputs: Vec<F>,
    /// `wires[column][row]`; unset wires are zero, as in plonky2.
    pub wires: Vec<Vec<F>>,
}

/// Runs the circuit's generators on `inputs` (plonky2's own witness generation).
///
/// Some generators draw random values (unused public-input gate wires, and the
/// blinding rows of zero-knowledge circuits), so two runs on the same inputs
/// give different witnesses, and different proofs, even without zero knowledge.
pub fn generate_partition<'a>(
    prover_only: &'a ProverOnlyCircuitData<F, C, D>,
    common: &'a CommonCircuitData<F, D>,
    inputs: PartialWitness<F>,
) -> Result<PartitionWitness<'a, F>> {
    generate_partial_witness(inputs, prover_only, common).context("generating the witness")
}

/// Extracts public inputs and wires from a filled partition witness of this circuit.
pub fn from_partition(
    prover_only: &ProverOnlyCircuitData<F, C, D>,
    common: &CommonCircuitData<F, D>,
    partition: &PartitionWitness<F>,
) -> Result<Witness> {
    ensure!(
        partition.num_wires == common.config.num_wires
            && partition.degree == common.degree()
            && same_map(
                partition.representative_map,
                &prover_only.representative_map
            ),
        "the witness belongs to another circuit ({} wires × {} rows, expected {} × {})",
        partition.num_wires,
        partition.degree,
        common.config.num_wires,
        common.degree()
    );
    let public_inputs = prover_only
        .public_inputs
        .iter()
        .enumerate()
        .map(|(i, &t)| {
            partition
                .try_get_target(t)
                .with_context(|| format!("public input {i} was never set"))
        })
        .collect::<Result<_>>()?;
    Ok(Witness {
        public_inputs,
        wires: wire_columns(partition),
    })
}

/// The same copy-constraint partition: usually the very same slice.
fn same_map(a: &[usize], b: &[usize]) -> bool {
    std::ptr::eq(a, b) || a == b
}

/// A wire's value lives at its target's representative in the partition.
fn wire_columns(partition: &PartitionWitness<F>) -> Vec<Vec<F>> {
    let (num_wires, degree) = (partition.num_wires, partition.degree);
    (0..num_wires)
        .into_par_iter()
        .map(|column| {
            (0..degree)
                .map(|row| {
                    let index = Target::wire(row, column).index(num_wires, degree);
                    let rep = partition.representative_map[index];
                    partition.values[rep].unwrap_or(F::ZERO)
                })
                .collect()
        })
        .collect()
}
