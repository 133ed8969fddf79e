//! The round's circuits, built on first use and bottom up, so that a shard
//! that never reaches the top, or a run that only finds out what is missing,
//! does not pay for circuits it does not need.
//!
//! The circuits are exactly `CircuitSet::build`'s: the same constructors, the
//! same configuration and the same order. `zkpor verify`, which rebuilds them
//! through `CircuitSet`, rejects a job's root verifier data otherwise (the root
//! circuit embeds every lower circuit's verifier data), and the job tests run it.

use super::events::Reporter;
use crate::circuits::{AggregateCircuit, BatchCircuit, ProofParams, RootCircuit, C, D};
use crate::digest::Digest;
use crate::field::F;
use plonky2::plonk::circuit_data::{CircuitConfig, CircuitData};
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

pub struct Circuits<'r> {
    pub params: ProofParams,
    batch: OnceLock<BatchCircuit>,
    /// Aggregation levels 1..=L at indices 0..L.
    levels: Vec<OnceLock<AggregateCircuit>>,
    root: OnceLock<RootCircuit>,
    reporter: &'r Reporter,
    build_time: Mutex<Duration>,
}

impl<'r> Circuits<'r> {
    pub fn new(params: ProofParams, reporter: &'r Reporter) -> Self {
        Circuits {
            params,
            batch: OnceLock::new(),
            levels: params
                .level_arity_logs()
                .iter()
                .map(|_| OnceLock::new())
                .collect(),
            root: OnceLock::new(),
            reporter,
            build_time: Mutex::new(Duration::ZERO),
        }
    }

    pub fn batch(&self) -> &BatchCircuit {
        self.batch.get_or_init(|| {
            self.timed("batch", || {
                BatchCircuit::build(
                    self.params.leaf_batch_log(),
                    self.params.num_assets,
                    CircuitConfig::standard_recursion_config(),
                )
            })
        })
    }

    /// The aggregation circuit of `level` (1-based).
    pub fn level(&self, level: u32) -> &AggregateCircuit {
        let i = level as usize - 1;
        self.levels[i].get_or_init(|| {
            let child = self.data(level - 1);
            let arity_log = self.params.level_arity_logs()[i];
            self.timed(&format!("level {level}"), || {
                AggregateCircuit::build(
                    &child.common,
                    &child.verifier_only,
                    arity_log,
                    self.params.num_assets,
                    CircuitConfig::standard_recursion_config(),
                )
            })
        })
    }

    pub fn root(&self) -> &RootCircuit {
        self.root.get_or_init(|| {
            let top = self.data(self.levels.len() as u32);
            self.timed("root", || {
                RootCircuit::build(&top.common, &top.verifier_only, &self.params)
            })
        })
    }

    /// The circuit data of the proofs at `level` (0 = batches).
    pub fn data(&self, level: u32) -> &CircuitData<F, C, D> {
        match level {
            0 => &self.batch().data,
            l => &self.level(l).data,
        }
    }

    /// plonky2's circuit digest of `level`'s circuit.
    pub fn digest(&self, level: u32) -> Digest {
        Digest::from_hash_out(self.data(level).verifier_only.circuit_digest)
    }

    /// Time spent building circuits so far.
    pub fn build_time(&self) -> Duration {
        *self
            .build_time
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn timed<T>(&self, what: &str, build: impl FnOnce() -> T) -> T {
        let spinner = self
            .reporter
            .spinner(&format!("building the {what} circuit"));
        let t = Instant::now();
        let built = build();
        spinner.finish_and_clear();
        *self
            .build_time
            .lock()
            .unwrap_or_else(PoisonError::into_inner) += t.elapsed();
        self.reporter.event(
            "circuit_built",
            "circuits",
            serde_json::json!({"circuit": what, "duration_ms": t.elapsed().as_millis() as u64}),
        );
        built
    }
}
