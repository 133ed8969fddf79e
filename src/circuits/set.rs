//! Every circuit of a round, built from the parameters alone, so a verifier
//! rebuilds them instead of trusting shipped verifier data, and the job
//! proves with exactly the circuits `zkpor verify` rebuilds.
//!
//! Each circuit is built on first use, bottom up (the root embeds every lower
//! circuit's verifier data), so a shard that never reaches the top, or a run
//! that only finds out what is missing, does not pay for circuits it does not
//! need. The set knows no files and no terminal: whoever builds it may watch
//! each build through [`Watch`], and may keep built circuits between
//! processes in a [`CircuitStore`] (see `cache`).

use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use plonky2::plonk::circuit_data::{CircuitConfig, CircuitData};

use super::aggregate::AggregateCircuit;
use super::batch::BatchCircuit;
use super::cache::{compile, CircuitStore, NoStore, Origin};
use super::gadgets::Builder;
use super::params::ProofParams;
use super::root::RootCircuit;
use crate::digest::Digest;
use crate::field::{C, D, F};

/// Told once a circuit is ready: how long it took and where it came from.
pub type Built<'a> = Box<dyn FnOnce(Duration, &Origin) + 'a>;

/// Sees each circuit build (the job shows a spinner and logs an event).
pub trait Watch: Sync {
    /// `circuit` is about to be built or loaded; the returned call says it
    /// was, in how long, and where it came from.
    fn building(&self, circuit: &str) -> Built<'_>;
}

/// Watches nothing.
pub struct Unwatched;

impl Watch for Unwatched {
    fn building(&self, _circuit: &str) -> Built<'_> {
        Box::new(|_, _| {})
    }
}

pub struct CircuitSet<'w> {
    pub params: ProofParams,
    batch: OnceLock<BatchCircuit>,
    /// Aggregation levels 1..=L at indices 0..L.
    levels: Vec<OnceLock<AggregateCircuit>>,
    root: OnceLock<RootCircuit>,
    watch: &'w dyn Watch,
    store: &'w dyn CircuitStore,
    build_time: Mutex<Duration>,
}

impl CircuitSet<'static> {
    /// The set for `params`, built quietly as used.
    pub fn new(params: ProofParams) -> Self {
        CircuitSet::watched(params, &Unwatched)
    }
}

impl<'w> CircuitSet<'w> {
    /// The set for `params`, each build seen by `watch`.
    pub fn watched(params: ProofParams, watch: &'w dyn Watch) -> Self {
        CircuitSet::stored(params, watch, &NoStore)
    }

    /// As `watched`, loading circuits from `store` when it holds them and
    /// keeping every circuit built there.
    pub fn stored(params: ProofParams, watch: &'w dyn Watch, store: &'w dyn CircuitStore) -> Self {
        CircuitSet {
            params,
            batch: OnceLock::new(),
            levels: params
                .level_arity_logs()
                .iter()
                .map(|_| OnceLock::new())
                .collect(),
            root: OnceLock::new(),
            watch,
            store,
            build_time: Mutex::new(Duration::ZERO),
        }
    }

    pub fn batch(&self) -> &BatchCircuit {
        self.batch.get_or_init(|| {
            let (log, assets) = (self.params.leaf_batch_log(), self.params.num_assets);
            let key = format!("batch-b{log}-a{assets}");
            self.timed("batch", &key, |compile| {
                BatchCircuit::build_with(log, assets, config(), compile)
            })
        })
    }

    /// The aggregation levels above the batches.
    pub fn num_levels(&self) -> u32 {
        self.levels.len() as u32
    }

    /// The aggregation circuit of `level` (1-based, at most `num_levels`).
    pub fn level(&self, level: u32) -> &AggregateCircuit {
        let i = level as usize - 1;
        self.levels[i].get_or_init(|| {
            let child = self.data(level - 1);
            let arity_log = self.params.level_arity_logs()[i];
            let assets = self.params.num_assets;
            let key = format!(
                "level-k{arity_log}-a{assets}-{}",
                self.digest(level - 1).to_hex()
            );
            self.timed(&format!("level {level}"), &key, |compile| {
                let child = (&child.common, &child.verifier_only);
                AggregateCircuit::build_with(child, arity_log, assets, config(), compile)
            })
        })
    }

    pub fn root(&self) -> &RootCircuit {
        self.root.get_or_init(|| {
            let top = self.data(self.num_levels());
            let key = format!(
                "root-{}-{}",
                self.digest(self.num_levels()).to_hex(),
                self.params.digest().to_hex()
            );
            self.timed("root", &key, |compile| {
                let top = (&top.common, &top.verifier_only);
                RootCircuit::build_with(top, &self.params, compile)
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

    /// Builds (or loads) one circuit: `build` gets the call that turns its
    /// gates into circuit data through the store, under `key`.
    fn timed<T>(
        &self,
        what: &str,
        key: &str,
        build: impl FnOnce(&mut dyn FnMut(Builder) -> CircuitData<F, C, D>) -> T,
    ) -> T {
        let built = self.watch.building(what);
        let t = Instant::now();
        let mut origin = Origin::Built;
        let circuit = build(&mut |b| {
            let (data, o) = compile(self.store, key, b);
            origin = o;
            data
        });
        let took = t.elapsed();
        *self
            .build_time
            .lock()
            .unwrap_or_else(PoisonError::into_inner) += took;
        built(took, &origin);
        circuit
    }
}

/// Batch and aggregation circuits use plonky2's standard recursion configuration.
fn config() -> CircuitConfig {
    CircuitConfig::standard_recursion_config()
}
