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

use plonky2::iop::witness::PartialWitness;
use plonky2::plonk::circuit_data::{CircuitConfig, CircuitData, VerifierCircuitData};

use super::aggregate::AggregateCircuit;
use super::batch::BatchCircuit;
use super::cache::{compile, CircuitStore, NoStore, Origin};
use super::gadgets::Builder;
use super::params::ProofParams;
use super::root::RootCircuit;
use super::sparse::SparseBatchCircuit;
use super::sparse::SparseUser;
use super::tiers::TieredParams;
use super::witness::{PriceVector, UserSlot};
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
    ladder: Ladder<BatchCircuit>,
    root: OnceLock<RootCircuit>,
    builds: Builds<'w>,
}

/// Where circuits are built: the watch that sees each build, the store that
/// keeps them, and the time spent.
struct Builds<'w> {
    watch: &'w dyn Watch,
    store: &'w dyn CircuitStore,
    build_time: Mutex<Duration>,
}

/// One subtree's circuits: its batch circuit and the aggregation levels
/// above it, each built on first use.
struct Ladder<Batch> {
    params: ProofParams,
    batch: OnceLock<Batch>,
    /// Aggregation levels 1..=L at indices 0..L.
    levels: Vec<OnceLock<AggregateCircuit>>,
}

/// A batch circuit of either kind, as the levels above it see it.
pub trait BatchData {
    fn data(&self) -> &CircuitData<F, C, D>;
}

impl BatchData for BatchCircuit {
    fn data(&self) -> &CircuitData<F, C, D> {
        &self.data
    }
}

impl<Batch: BatchData> Ladder<Batch> {
    fn new(params: ProofParams) -> Self {
        Ladder {
            params,
            batch: OnceLock::new(),
            levels: params
                .level_arity_logs()
                .iter()
                .map(|_| OnceLock::new())
                .collect(),
        }
    }

    fn num_levels(&self) -> u32 {
        self.levels.len() as u32
    }

    fn batch(&self, make: &dyn Fn() -> Batch) -> &Batch {
        self.batch.get_or_init(make)
    }

    /// `name` labels the builds ("level 2", or "tier 1 level 2").
    fn level(
        &self,
        builds: &Builds,
        make: &dyn Fn() -> Batch,
        name: &str,
        level: u32,
    ) -> &AggregateCircuit {
        let i = level as usize - 1;
        self.levels[i].get_or_init(|| {
            let child = self.data(builds, make, name, level - 1);
            let arity_log = self.params.level_arity_logs()[i];
            let assets = self.params.num_assets;
            let digest = Digest::from_hash_out(child.verifier_only.circuit_digest);
            let key = format!("level-k{arity_log}-a{assets}-{}", digest.to_hex());
            builds.timed(&format!("{name}level {level}"), &key, |compile| {
                let child = (&child.common, &child.verifier_only);
                AggregateCircuit::build_with(child, arity_log, assets, config(), compile)
            })
        })
    }

    fn data(
        &self,
        builds: &Builds,
        make: &dyn Fn() -> Batch,
        name: &str,
        level: u32,
    ) -> &CircuitData<F, C, D> {
        match level {
            0 => self.batch(make).data(),
            l => &self.level(builds, make, name, l).data,
        }
    }
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
            ladder: Ladder::new(params),
            root: OnceLock::new(),
            builds: Builds::new(watch, store),
        }
    }

    pub fn batch(&self) -> &BatchCircuit {
        self.ladder.batch(&|| self.make_batch())
    }

    fn make_batch(&self) -> BatchCircuit {
        let (log, assets) = (self.params.leaf_batch_log(), self.params.num_assets);
        let key = format!("batch-b{log}-a{assets}");
        self.builds.timed("batch", &key, |compile| {
            BatchCircuit::build_with(log, assets, config(), compile)
        })
    }

    /// The aggregation levels above the batches.
    pub fn num_levels(&self) -> u32 {
        self.ladder.num_levels()
    }

    /// The aggregation circuit of `level` (1-based, at most `num_levels`).
    pub fn level(&self, level: u32) -> &AggregateCircuit {
        self.ladder
            .level(&self.builds, &|| self.make_batch(), "", level)
    }

    pub fn root(&self) -> &RootCircuit {
        self.root.get_or_init(|| {
            let top = self.data(self.num_levels());
            let key = format!(
                "root-{}-{}",
                self.digest(self.num_levels()).to_hex(),
                self.params.digest().to_hex()
            );
            self.builds.timed("root", &key, |compile| {
                let top = (&top.common, &top.verifier_only);
                RootCircuit::build_with(top, &self.params, compile)
            })
        })
    }

    /// The circuit data of the proofs at `level` (0 = batches).
    pub fn data(&self, level: u32) -> &CircuitData<F, C, D> {
        self.ladder
            .data(&self.builds, &|| self.make_batch(), "", level)
    }

    /// plonky2's circuit digest of `level`'s circuit.
    pub fn digest(&self, level: u32) -> Digest {
        Digest::from_hash_out(self.data(level).verifier_only.circuit_digest)
    }

    /// Time spent building circuits so far.
    pub fn build_time(&self) -> Duration {
        self.builds.build_time()
    }
}

/// One account tree's circuits as the job proves them: the batch circuit
/// (dense or sparse), the aggregation levels above it, and the digest of the
/// round's parameters that every checkpoint of the tree records. A v1 round
/// has one tree ([`CircuitSet`]); a tiered round one per tier ([`TierCircuits`]).
pub trait TreeCircuits: Sync {
    /// The tree's batch and level parameters.
    fn tree(&self) -> ProofParams;
    /// The round's parameter digest (the root proof's public input).
    fn round_digest(&self) -> Digest;
    /// The circuit data of the proofs at `level` (0 = batches).
    fn data(&self, level: u32) -> &CircuitData<F, C, D>;
    /// The aggregation circuit of `level` (1-based).
    fn level(&self, level: u32) -> &AggregateCircuit;
    /// A batch proof's inputs: B slots in leaf order, `None` for padding.
    fn batch_witness(
        &self,
        prices: &PriceVector,
        users: &[Option<SparseUser>],
    ) -> anyhow::Result<PartialWitness<F>>;

    /// plonky2's circuit digest of `level`'s circuit.
    fn digest(&self, level: u32) -> Digest {
        Digest::from_hash_out(self.data(level).verifier_only.circuit_digest)
    }
}

/// The dense batch circuit's slots for users given by their holdings.
fn dense_slots(users: &[Option<SparseUser>], num_assets: usize) -> Vec<Option<UserSlot>> {
    users
        .iter()
        .map(|u| {
            u.as_ref().map(|u| UserSlot {
                id_commitment: u.id_commitment,
                positions: u.holdings.dense(num_assets),
            })
        })
        .collect()
}

impl TreeCircuits for CircuitSet<'_> {
    fn tree(&self) -> ProofParams {
        self.params
    }

    fn round_digest(&self) -> Digest {
        self.params.digest()
    }

    fn data(&self, level: u32) -> &CircuitData<F, C, D> {
        CircuitSet::data(self, level)
    }

    fn level(&self, level: u32) -> &AggregateCircuit {
        CircuitSet::level(self, level)
    }

    fn batch_witness(
        &self,
        prices: &PriceVector,
        users: &[Option<SparseUser>],
    ) -> anyhow::Result<PartialWitness<F>> {
        self.batch()
            .witness(prices, &dense_slots(users, self.params.num_assets))
    }
}

/// One tier's circuits: its batch circuit and the levels above it, built
/// on first use and freed with this value, so a job holds one tier's
/// circuits at a time. Its top circuit's verifier data stays in the set,
/// which is all the root needs.
pub struct TierCircuits<'s, 'w> {
    set: &'s TieredCircuitSet<'w>,
    tier: usize,
    ladder: Ladder<TierBatch>,
}

impl TierCircuits<'_, '_> {
    pub fn batch(&self) -> &TierBatch {
        let batch = self.ladder.batch(&|| self.set.make_batch(self.tier));
        self.keep(0, batch.data());
        batch
    }

    /// The aggregation levels above the tier's batches.
    pub fn num_levels(&self) -> u32 {
        self.ladder.num_levels()
    }

    fn name(&self) -> String {
        format!("tier {} ", self.tier)
    }

    /// Hands the top circuit's verifier data to the set the first time it
    /// is seen, so the root never rebuilds this tier.
    fn keep(&self, level: u32, data: &CircuitData<F, C, D>) {
        if level == self.num_levels() {
            self.set.tops[self.tier].get_or_init(|| data.verifier_data());
        }
    }
}

impl TreeCircuits for TierCircuits<'_, '_> {
    fn tree(&self) -> ProofParams {
        self.ladder.params
    }

    fn round_digest(&self) -> Digest {
        self.set.params.digest()
    }

    fn data(&self, level: u32) -> &CircuitData<F, C, D> {
        if level == 0 {
            return self.batch().data();
        }
        &self.level(level).data
    }

    fn level(&self, level: u32) -> &AggregateCircuit {
        let make = || self.set.make_batch(self.tier);
        let c = self
            .ladder
            .level(&self.set.builds, &make, &self.name(), level);
        self.keep(level, &c.data);
        c
    }

    fn batch_witness(
        &self,
        prices: &PriceVector,
        users: &[Option<SparseUser>],
    ) -> anyhow::Result<PartialWitness<F>> {
        match self.batch() {
            TierBatch::Sparse(c) => c.witness(prices, users),
            TierBatch::Dense(c) => c.witness(prices, &dense_slots(users, self.tree().num_assets)),
        }
    }
}

/// A tier's batch circuit. Each is built once per [`TierCircuits`], so the
/// size difference between the variants costs nothing worth a box.
#[allow(clippy::large_enum_variant)]
pub enum TierBatch {
    Dense(BatchCircuit),
    Sparse(SparseBatchCircuit),
}

impl BatchData for TierBatch {
    fn data(&self) -> &CircuitData<F, C, D> {
        match self {
            TierBatch::Dense(c) => &c.data,
            TierBatch::Sparse(c) => &c.data,
        }
    }
}

/// Every circuit of a tiered round (format version 2): one ladder of batch
/// and aggregation circuits per tier, handed out by [`TieredCircuitSet::tier`],
/// and the root that merges their tops. The set itself keeps only each
/// tier's top verifier data and the root: a tier's prover data, the bulk of
/// a circuit's memory, lives as long as the caller keeps that tier.
pub struct TieredCircuitSet<'w> {
    pub params: TieredParams,
    tops: Vec<OnceLock<VerifierCircuitData<F, C, D>>>,
    root: OnceLock<RootCircuit>,
    builds: Builds<'w>,
}

impl TieredCircuitSet<'static> {
    /// The set for `params`, built quietly as used.
    pub fn new(params: TieredParams) -> Self {
        TieredCircuitSet::stored(params, &Unwatched, &NoStore)
    }
}

impl<'w> TieredCircuitSet<'w> {
    /// The set for `params`, each build seen by `watch` and kept in `store`.
    pub fn stored(params: TieredParams, watch: &'w dyn Watch, store: &'w dyn CircuitStore) -> Self {
        TieredCircuitSet {
            tops: params.tiers().iter().map(|_| OnceLock::new()).collect(),
            params,
            root: OnceLock::new(),
            builds: Builds::new(watch, store),
        }
    }

    pub fn num_tiers(&self) -> usize {
        self.tops.len()
    }

    /// `tier`'s circuits, none built yet; they are freed when the value is.
    /// Every call hands out a ladder of its own, so hold one per tier at a
    /// time: a second, or `top`/`root` before the held one reached its top,
    /// builds the same circuits again.
    pub fn tier(&self, tier: usize) -> TierCircuits<'_, 'w> {
        TierCircuits {
            set: self,
            tier,
            ladder: Ladder::new(self.params.tiers()[tier].tree),
        }
    }

    fn make_batch(&self, tier: usize) -> TierBatch {
        let t = self.params.tiers()[tier];
        let (log, assets) = (t.tree.leaf_batch_log(), t.tree.num_assets);
        let name = format!("tier {tier} batch");
        match t.kind.sparse_layout(assets) {
            None => {
                let key = format!("batch-b{log}-a{assets}");
                TierBatch::Dense(self.builds.timed(&name, &key, |compile| {
                    BatchCircuit::build_with(log, assets, config(), compile)
                }))
            }
            Some(layout) => {
                let key = format!("sparse-b{log}-k{}-a{assets}", layout.capacity);
                TierBatch::Sparse(self.builds.timed(&name, &key, |compile| {
                    SparseBatchCircuit::build_with(log, layout, config(), compile)
                }))
            }
        }
    }

    /// `tier`'s top circuit as the root verifies it: kept from the tier's
    /// circuits once the job used them, or built here, one tier at a time.
    pub fn top(&self, tier: usize) -> &VerifierCircuitData<F, C, D> {
        self.tops[tier].get_or_init(|| {
            // Straight from the ladder, not through `keep`, which would set
            // this very cell; the tier's prover data is freed on return.
            let circuits = self.tier(tier);
            let make = || self.make_batch(tier);
            let top = circuits.num_levels();
            let name = circuits.name();
            circuits
                .ladder
                .data(&self.builds, &make, &name, top)
                .verifier_data()
        })
    }

    pub fn root(&self) -> &RootCircuit {
        self.root.get_or_init(|| {
            let tops: Vec<&VerifierCircuitData<F, C, D>> =
                (0..self.num_tiers()).map(|t| self.top(t)).collect();
            // One digest names every top circuit: the key stays short.
            let top_digests: Vec<F> = tops
                .iter()
                .flat_map(|d| d.verifier_only.circuit_digest.elements)
                .collect();
            let key = format!(
                "root-{}-{}",
                crate::digest::hash_no_pad(&top_digests).to_hex(),
                self.params.digest().to_hex()
            );
            self.builds.timed("root", &key, |compile| {
                let tops: Vec<_> = tops.iter().map(|d| (&d.common, &d.verifier_only)).collect();
                RootCircuit::build_tiers(&tops, &self.params, compile)
            })
        })
    }

    /// Time spent building circuits so far.
    pub fn build_time(&self) -> Duration {
        self.builds.build_time()
    }
}

impl<'w> Builds<'w> {
    fn new(watch: &'w dyn Watch, store: &'w dyn CircuitStore) -> Self {
        Builds {
            watch,
            store,
            build_time: Mutex::new(Duration::ZERO),
        }
    }

    fn build_time(&self) -> Duration {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::circuits::tiers::{Tier, TierKind};

    /// Records the name of every circuit built.
    #[derive(Default)]
    struct Names(Mutex<Vec<String>>);

    impl Watch for Names {
        fn building(&self, circuit: &str) -> Built<'_> {
            let circuit = circuit.to_string();
            Box::new(move |_, _| {
                self.0
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(circuit)
            })
        }
    }

    impl Names {
        fn take(&self) -> Vec<String> {
            std::mem::take(&mut self.0.lock().unwrap_or_else(PoisonError::into_inner))
        }
    }

    fn params() -> TieredParams {
        let tier = |kind, batch, depth| Tier {
            kind,
            tree: ProofParams::new(batch, 2, 2, depth).unwrap(),
        };
        TieredParams::new(vec![
            tier(TierKind::Sparse { capacity: 1 }, 2, 2),
            tier(TierKind::Dense, 2, 0),
        ])
        .unwrap()
    }

    #[test]
    fn the_root_is_built_from_the_tops_the_tiers_kept() {
        let names = Names::default();
        let set = TieredCircuitSet::stored(params(), &names, &NoStore);
        for t in 0..set.num_tiers() {
            let circuits = set.tier(t);
            circuits.data(circuits.num_levels());
        }
        assert_eq!(
            names.take(),
            ["tier 0 batch", "tier 0 level 1", "tier 1 batch"]
        );
        // Every ladder is gone; the root needs none of them again.
        set.root();
        assert_eq!(names.take(), ["root"]);
    }

    #[test]
    fn a_top_no_tier_kept_is_built_once() {
        let names = Names::default();
        let set = TieredCircuitSet::stored(params(), &names, &NoStore);
        let digest = set.top(0).verifier_only.circuit_digest;
        assert_eq!(names.take(), ["tier 0 batch", "tier 0 level 1"]);
        assert_eq!(set.top(0).verifier_only.circuit_digest, digest);
        assert!(names.take().is_empty());
        // The same top as a tier's own ladder makes.
        let circuits = set.tier(0);
        assert_eq!(circuits.data(1).verifier_only.circuit_digest, digest);
    }
}
