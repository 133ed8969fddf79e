//! Runs a plan: proves batches read in a stream from the account store,
//! aggregates as soon as a node's children exist, and writes every proof as
//! an artifact the moment it exists.
//!
//! Proofs are pipelined: up to `in_flight` of them are made at once on worker
//! threads (batches and aggregation nodes alike), so while one proof commits
//! on the backend (a GPU, or the CPU's vectorised hashing) the next one's
//! witness and quotient run on the CPU. The main thread reads accounts in
//! leaf order and hands each batch to a worker.
//!
//! Memory: the tree, the circuits, `in_flight` proofs being made (each one
//! prover's working set, about 0.5 GB for B = 256 at 20 assets, see
//! docs/PERFORMANCE.md) with their batch of accounts, and finished proofs
//! waiting for their parent: at most k per level plus `in_flight`.

use super::check::{describe, node_matches, slot_event, slot_fields, Checker};
use super::killpoint::{self, Kind};
use super::plan::{Action, Plan};
use super::shape::Pos;
use super::store::{self, Found, Slot};
use super::work::{proving_error, ProofMaker};
use crate::artifacts::{names as out, AccountsReader};
use crate::circuits::{NodeValues, Proof, SparseUser};
use crate::error::{Error, Result};
use crate::leaf::id_commitment;
use crate::model::Holdings;
use indicatif::ProgressBar;
use std::collections::{HashMap, VecDeque};
use std::thread::{Scope, ScopedJoinHandle};
use std::time::{Duration, Instant};

/// Counts and times of what a run did.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    pub batches_proved: u64,
    pub nodes_proved: u64,
    pub loaded: u64,
    /// Summed proving time of the batch and aggregation proofs made; with
    /// several in flight they overlap, so the sums exceed the wall time.
    pub batch_time: Duration,
    pub node_time: Duration,
    /// Wall time of the whole run (batches and aggregation, pipelined,
    /// circuits built on first use included).
    pub wall: Duration,
}

pub struct Executor<'a> {
    pub check: &'a Checker<'a>,
    pub prover: &'a ProofMaker<'a>,
    accounts: Option<AccountsReader>,
    /// The user the account reader stands at.
    next_user: u64,
    padding: Vec<Option<Proof>>,
    pub stats: Stats,
    batch_bar: ProgressBar,
    node_bar: ProgressBar,
}

impl<'a> Executor<'a> {
    pub fn new(check: &'a Checker<'a>, prover: &'a ProofMaker<'a>, plan: &Plan) -> Self {
        let levels = check.shape.top_level() as usize + 1;
        let r = check.reporter;
        Executor {
            check,
            prover,
            accounts: None,
            next_user: 0,
            padding: vec![None; levels],
            stats: Stats::default(),
            batch_bar: bar(r, plan.batches_to_prove(), "batches"),
            node_bar: bar(r, plan.nodes_to_prove(), "aggregation"),
        }
    }

    /// Runs every step; returns the proofs left over: the needed goals, in order.
    pub fn run(mut self, plan: &Plan) -> Result<(Vec<(Pos, Proof)>, Stats)> {
        let limit = self.prover.in_flight.max(1);
        let started = Instant::now();
        let left = std::thread::scope(|scope| -> Result<Vec<(Pos, Proof)>> {
            let mut flight = InFlight::new(limit);
            let mut stack: Vec<Pos> = Vec::new();
            for step in &plan.steps {
                self.step(scope, &mut flight, &mut stack, step.pos, step.action)?;
                stack.push(step.pos);
            }
            stack
                .into_iter()
                .map(|pos| Ok((pos, self.take(&mut flight, pos)?)))
                .collect()
        })?;
        self.stats.wall = started.elapsed();
        self.batch_bar.finish_and_clear();
        self.node_bar.finish_and_clear();
        let s = &self.stats;
        self.check.reporter.event(
            "phase_done",
            "prove",
            serde_json::json!({
                "batches_proved": s.batches_proved,
                "nodes_proved": s.nodes_proved,
                "loaded": s.loaded,
                "batch_ms": s.batch_time.as_millis() as u64,
                "node_ms": s.node_time.as_millis() as u64,
                "wall_ms": s.wall.as_millis() as u64,
                "in_flight": limit,
            }),
        );
        Ok((left, self.stats))
    }

    /// One step: a proof that exists now (padding, loaded), or one started on a worker.
    fn step<'s>(
        &mut self,
        scope: &'s Scope<'s, '_>,
        flight: &mut InFlight<'s>,
        stack: &mut Vec<Pos>,
        pos: Pos,
        action: Action,
    ) -> Result<()>
    where
        'a: 's,
    {
        let (check, prover) = (self.check, self.prover);
        match action {
            Action::Pad => {
                let proof = self.padding(pos.level)?;
                flight.made.insert(pos, proof);
            }
            Action::Load(sum) => {
                let proof = self.load(pos, &sum)?;
                flight.made.insert(pos, proof);
            }
            Action::Prove if pos.level == 0 => {
                let slots = self.read_batch(pos)?;
                let want = check.node(pos)?;
                self.make_room(flight)?;
                flight.start(
                    scope,
                    pos,
                    move || {
                        let proof = prover.batch(check.circuits, &check.commitment.prices, &slots);
                        proof.map_err(|e| proving_error(pos, e))
                    },
                    move |proof, took| record(check, Slot::Node(pos), proof, &want, took),
                );
            }
            Action::Prove => {
                let k = check.shape.arity(pos.level) as usize;
                let at = stack.len().checked_sub(k).ok_or_else(|| {
                    Error::Prove(format!("{pos}: its children were not made first"))
                })?;
                let children = stack.split_off(at);
                if children
                    .iter()
                    .ne(check.shape.children(pos).collect::<Vec<_>>().iter())
                {
                    return Err(Error::Prove(format!("{pos}: children out of order")));
                }
                let proofs = children
                    .into_iter()
                    .map(|c| self.take(flight, c))
                    .collect::<Result<Vec<Proof>>>()?;
                let want = check.node(pos)?;
                self.make_room(flight)?;
                flight.start(
                    scope,
                    pos,
                    move || {
                        let refs: Vec<&Proof> = proofs.iter().collect();
                        let proof = prover.node(check.circuits.level(pos.level), &refs);
                        proof.map_err(|e| proving_error(pos, e))
                    },
                    move |proof, took| record(check, Slot::Node(pos), proof, &want, took),
                );
            }
        }
        Ok(())
    }

    /// The proof of `pos`: made already, or waited for.
    fn take(&mut self, flight: &mut InFlight, pos: Pos) -> Result<Proof> {
        if let Some(proof) = flight.made.remove(&pos) {
            return Ok(proof);
        }
        let made = flight.join(pos)?;
        self.count(&made);
        Ok(made.proof)
    }

    /// Waits for the oldest proof in flight when no worker is free.
    fn make_room(&mut self, flight: &mut InFlight) -> Result<()> {
        while flight.is_full() {
            let made = flight.join_oldest()?;
            self.count(&made);
            flight.made.insert(made.pos, made.proof);
        }
        Ok(())
    }

    fn count(&mut self, made: &Made) {
        if made.pos.level == 0 {
            self.stats.batches_proved += 1;
            self.stats.batch_time += made.took;
            self.batch_bar.inc(1);
        } else {
            self.stats.nodes_proved += 1;
            self.stats.node_time += made.took;
            self.node_bar.inc(1);
        }
    }

    fn load(&mut self, pos: Pos, sum: &store::Checksum) -> Result<Proof> {
        let slot = Slot::Node(pos);
        let circuit = self.check.circuits.data(pos.level);
        // Verified while planning; the same bytes need no second verification.
        if let Some(p) = store::reload(&slot.path(self.check.job), sum, circuit) {
            self.stats.loaded += 1;
            return Ok(p);
        }
        // Replaced meanwhile (another shard made it again): check it afresh.
        match self.check.inspect(slot) {
            Found::Valid { proof, .. } => {
                self.stats.loaded += 1;
                Ok(*proof)
            }
            _ => Err(Error::Prove(format!(
                "{pos} changed on disk during this run and no longer checks out; run again"
            ))),
        }
    }

    /// The all-padding proof of `level`: from memory, from its artifact, or proven once.
    fn padding(&mut self, level: u32) -> Result<Proof> {
        if let Some(p) = &self.padding[level as usize] {
            return Ok(p.clone());
        }
        let slot = Slot::Padding(level);
        let proof = match self.check.inspect(slot) {
            Found::Valid { proof, .. } => *proof,
            _ => {
                let t = Instant::now();
                let proof = if level == 0 {
                    let slots = vec![None; self.check.circuits.tree().batch_size()];
                    self.prover
                        .batch(self.check.circuits, &self.check.commitment.prices, &slots)
                        .map_err(|e| proving_error("padding batch", e))?
                } else {
                    let child = self.padding(level - 1)?;
                    let k = self.check.shape.arity(level) as usize;
                    let refs = vec![&child; k];
                    self.prover
                        .node(self.check.circuits.level(level), &refs)
                        .map_err(|e| proving_error(format!("padding node of level {level}"), e))?
                };
                record(
                    self.check,
                    slot,
                    &proof,
                    &self.check.padding(level),
                    t.elapsed(),
                )?;
                proof
            }
        };
        self.padding[level as usize] = Some(proof.clone());
        Ok(proof)
    }

    /// Reads batch `pos`'s users from the account store, then padding slots.
    fn read_batch(&mut self, pos: Pos) -> Result<Vec<Option<SparseUser>>> {
        let users = self.check.shape.users_in(pos);
        let path = self.check.job.file(out::ACCOUNTS);
        let io = |e| Error::io("cannot read", &path)(e);
        if self.accounts.is_none() || self.next_user != users.start {
            let mut r = match self.accounts.take() {
                Some(r) => r,
                None => AccountsReader::open(&path).map_err(io)?,
            };
            let offset = self
                .check
                .commitment
                .batches
                .offset(pos.index)
                .map_err(io)?;
            r.seek_to(offset, users.start).map_err(io)?;
            self.accounts = Some(r);
        }
        let reader = self.accounts.as_mut().expect("opened above");
        let tree = self.check.circuits.tree();
        let mut slots = Vec::with_capacity(tree.batch_size());
        for rec in reader.by_ref().take((users.end - users.start) as usize) {
            let rec = rec.map_err(io)?;
            let holdings = Holdings::new(rec.account.positions().to_vec(), tree.num_assets)
                .map_err(|e| io(std::io::Error::new(std::io::ErrorKind::InvalidData, e)))?;
            slots.push(Some(SparseUser {
                id_commitment: id_commitment(&rec.nonce, rec.account.id()),
                holdings,
            }));
        }
        if slots.len() as u64 != users.end - users.start {
            return Err(io(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "the account store ends early",
            )));
        }
        self.next_user = users.end;
        slots.resize(tree.batch_size(), None);
        Ok(slots)
    }
}

/// Checks a new proof's public inputs, writes its artifact and reports it.
fn record(
    check: &Checker,
    slot: Slot,
    proof: &Proof,
    want: &NodeValues,
    took: Duration,
) -> Result<()> {
    let level = match slot {
        Slot::Node(p) => p.level,
        Slot::Padding(l) => l,
        Slot::Root => unreachable!("the root proof is finished by the publisher"),
    };
    node_matches(&proof.public_inputs, want, check.num_assets())
        .map_err(|e| Error::Prove(format!("{}: {e}", describe(slot))))?;
    let bytes = store::encode(
        slot,
        check.params_digest(),
        check.circuits.digest(level),
        check.reporter.backend(),
        &proof.to_bytes(),
    );
    let path = slot.path(check.job);
    check
        .job
        .replace(&path, &bytes)
        .map_err(Error::io("cannot write", &path))?;
    killpoint::written(if level == 0 { Kind::Batch } else { Kind::Node });
    let mut fields = slot_fields(slot);
    fields["action"] = "proved".into();
    fields["duration_ms"] = (took.as_millis() as u64).into();
    fields["bytes"] = bytes.len().into();
    let phase = if level == 0 { "batches" } else { "aggregate" };
    check.reporter.event(slot_event(slot), phase, fields);
    Ok(())
}

/// A proof a worker made, and how long it took.
struct Made {
    pos: Pos,
    proof: Proof,
    took: Duration,
}

/// Proofs being made on worker threads (at most `limit`), oldest first, and
/// finished proofs not yet taken by their parent.
struct InFlight<'s> {
    limit: usize,
    running: VecDeque<(Pos, ScopedJoinHandle<'s, Result<Made>>)>,
    made: HashMap<Pos, Proof>,
}

impl<'s> InFlight<'s> {
    fn new(limit: usize) -> Self {
        InFlight {
            limit,
            running: VecDeque::new(),
            made: HashMap::new(),
        }
    }

    fn is_full(&self) -> bool {
        self.running.len() >= self.limit
    }

    /// Makes `pos`'s proof on a worker: `prove`, then `finish` (checks and
    /// writes the artifact) on the same worker.
    fn start<'env>(
        &mut self,
        scope: &'s Scope<'s, 'env>,
        pos: Pos,
        prove: impl FnOnce() -> Result<Proof> + Send + 's,
        finish: impl FnOnce(&Proof, Duration) -> Result<()> + Send + 's,
    ) {
        let worker = scope.spawn(move || {
            let t = Instant::now();
            let proof = prove()?;
            let took = t.elapsed();
            finish(&proof, took)?;
            Ok(Made { pos, proof, took })
        });
        self.running.push_back((pos, worker));
    }

    fn join_oldest(&mut self) -> Result<Made> {
        match self.running.pop_front() {
            Some((pos, worker)) => joined(pos, worker),
            None => Err(Error::Prove("no proof in flight to wait for".into())),
        }
    }

    fn join(&mut self, pos: Pos) -> Result<Made> {
        let at = self.running.iter().position(|(p, _)| *p == pos);
        match at.and_then(|i| self.running.remove(i)) {
            Some((pos, worker)) => joined(pos, worker),
            None => Err(Error::Prove(format!("{pos}: its proof was never started"))),
        }
    }
}

fn joined(pos: Pos, worker: ScopedJoinHandle<'_, Result<Made>>) -> Result<Made> {
    worker
        .join()
        .map_err(|_| Error::Prove(format!("{pos}: the proving thread panicked")))?
}

/// A bar only for work there is.
fn bar(r: &super::events::Reporter, len: u64, what: &str) -> ProgressBar {
    if len == 0 {
        ProgressBar::hidden()
    } else {
        r.bar(len, what)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn events_name_batches_and_nodes() {
        use super::super::check::slot_fields;
        use super::*;
        assert_eq!(slot_fields(Slot::Node(Pos::new(0, 4)))["batch"], 4);
        let f = slot_fields(Slot::Node(Pos::new(2, 1)));
        assert_eq!(
            (f["level"].as_u64(), f["node"].as_u64()),
            (Some(2), Some(1))
        );
    }
}
