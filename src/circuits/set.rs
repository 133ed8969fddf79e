//! Every circuit of a round, built from the parameters alone, so a verifier can
//! rebuild them instead of trusting shipped verifier data.

use super::aggregate::AggregateCircuit;
use super::batch::BatchCircuit;
use super::params::ProofParams;
use super::root::RootCircuit;
use crate::field::F;
use plonky2::plonk::circuit_data::{CircuitConfig, CommonCircuitData, VerifierOnlyCircuitData};

pub struct CircuitSet {
    pub params: ProofParams,
    pub batch: BatchCircuit,
    /// Aggregation levels, bottom up.
    pub levels: Vec<AggregateCircuit>,
    pub root: RootCircuit,
}

impl CircuitSet {
    pub fn build(params: ProofParams) -> Self {
        let config = CircuitConfig::standard_recursion_config();
        let batch = BatchCircuit::build(params.leaf_batch_log(), params.num_assets, config.clone());
        let mut levels: Vec<AggregateCircuit> = Vec::new();
        for arity_log in params.level_arity_logs() {
            let (common, verifier) = top(&batch, &levels);
            let level = AggregateCircuit::build(
                common,
                verifier,
                arity_log,
                params.num_assets,
                config.clone(),
            );
            levels.push(level);
        }
        let (common, verifier) = top(&batch, &levels);
        let root = RootCircuit::build(common, verifier, &params);
        CircuitSet {
            params,
            batch,
            levels,
            root,
        }
    }
}

fn top<'a>(
    batch: &'a BatchCircuit,
    levels: &'a [AggregateCircuit],
) -> (
    &'a CommonCircuitData<F, 2>,
    &'a VerifierOnlyCircuitData<super::C, 2>,
) {
    match levels.last() {
        Some(l) => (&l.data.common, &l.data.verifier_only),
        None => (&batch.data.common, &batch.data.verifier_only),
    }
}
