//! Runs a plan: proves batches read in a stream from the account store,
//! aggregates as soon as a node's children are on the stack, and writes every
//! proof as an artifact the moment it exists. Memory holds the tree, one batch
//! of accounts and at most k proofs per level.

use super::check::{describe, node_matches, slot_event, slot_fields, Checker};
use super::killpoint::{self, Kind};
use super::plan::{Action, Plan};
use super::shape::Pos;
use super::store::{self, Found, Slot};
use super::work::Prover;
use crate::artifacts::{names as out, AccountsReader};
use crate::circuits::witness::UserSlot;
use crate::circuits::{NodeValues, Proof};
use crate::error::{Error, Result};
use crate::leaf::id_commitment;
use indicatif::ProgressBar;
use std::time::{Duration, Instant};

/// Counts and times of what a run did.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    pub batches_proved: u64,
    pub nodes_proved: u64,
    pub loaded: u64,
    pub batch_time: Duration,
    pub node_time: Duration,
}

pub struct Executor<'a> {
    pub check: &'a Checker<'a>,
    pub prover: &'a Prover<'a>,
    accounts: Option<AccountsReader>,
    /// The user the account reader stands at.
    next_user: u64,
    padding: Vec<Option<Proof>>,
    pub stats: Stats,
    batch_bar: ProgressBar,
    node_bar: ProgressBar,
}

impl<'a> Executor<'a> {
    pub fn new(check: &'a Checker<'a>, prover: &'a Prover<'a>, plan: &Plan) -> Self {
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
        let mut stack: Vec<(Pos, Proof)> = Vec::new();
        for step in &plan.steps {
            let pos = step.pos;
            let proof = match step.action {
                Action::Pad => self.padding(pos.level)?,
                Action::Load(sum) => self.load(pos, &sum)?,
                Action::Prove if pos.level == 0 => self.prove_batch(pos)?,
                Action::Prove => {
                    let k = self.check.shape.arity(pos.level) as usize;
                    let children =
                        stack.split_off(stack.len().checked_sub(k).ok_or_else(|| {
                            Error::Prove(format!("{pos}: its children were not made first"))
                        })?);
                    let expected: Vec<Pos> = self.check.shape.children(pos).collect();
                    if children.iter().map(|c| c.0).ne(expected.iter().copied()) {
                        return Err(Error::Prove(format!("{pos}: children out of order")));
                    }
                    let refs: Vec<&Proof> = children.iter().map(|c| &c.1).collect();
                    self.prove_node(pos, &refs)?
                }
            };
            stack.push((pos, proof));
        }
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
            }),
        );
        Ok((stack, self.stats))
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
                    let slots = vec![None; self.check.circuits.params.batch_size()];
                    self.prover
                        .batch(
                            self.check.circuits.batch(),
                            &self.check.commitment.prices,
                            &slots,
                        )
                        .map_err(|e| Error::Prove(format!("padding batch: {e}")))?
                } else {
                    let child = self.padding(level - 1)?;
                    let k = self.check.shape.arity(level) as usize;
                    let refs = vec![&child; k];
                    self.prover
                        .node(self.check.circuits.level(level), &refs)
                        .map_err(|e| Error::Prove(format!("padding node of level {level}: {e}")))?
                };
                self.finish(slot, &proof, &self.check.padding(level), t.elapsed())?;
                proof
            }
        };
        self.padding[level as usize] = Some(proof.clone());
        Ok(proof)
    }

    fn prove_batch(&mut self, pos: Pos) -> Result<Proof> {
        let slots = self.read_batch(pos)?;
        let expected = self.check.node(pos)?;
        let t = Instant::now();
        let proof = self
            .prover
            .batch(
                self.check.circuits.batch(),
                &self.check.commitment.prices,
                &slots,
            )
            .map_err(|e| Error::Prove(format!("{pos}: {e}")))?;
        let took = t.elapsed();
        self.finish(Slot::Node(pos), &proof, &expected, took)?;
        self.stats.batches_proved += 1;
        self.stats.batch_time += took;
        self.batch_bar.inc(1);
        Ok(proof)
    }

    fn prove_node(&mut self, pos: Pos, children: &[&Proof]) -> Result<Proof> {
        let expected = self.check.node(pos)?;
        let circuit = self.check.circuits.level(pos.level);
        let t = Instant::now();
        let proof = self
            .prover
            .node(circuit, children)
            .map_err(|e| Error::Prove(format!("{pos}: {e}")))?;
        let took = t.elapsed();
        self.finish(Slot::Node(pos), &proof, &expected, took)?;
        self.stats.nodes_proved += 1;
        self.stats.node_time += took;
        self.node_bar.inc(1);
        Ok(proof)
    }

    /// Checks a new proof's public inputs, writes its artifact and reports it.
    fn finish(&self, slot: Slot, proof: &Proof, want: &NodeValues, took: Duration) -> Result<()> {
        let level = match slot {
            Slot::Node(p) => p.level,
            Slot::Padding(l) => l,
            Slot::Root => unreachable!("the root proof is finished by the publisher"),
        };
        node_matches(
            &proof.public_inputs,
            want,
            self.check.circuits.params.num_assets,
        )
        .map_err(|e| Error::Prove(format!("{}: {e}", describe(slot))))?;
        let bytes = store::encode(
            slot,
            self.check.params_digest(),
            self.check.circuits.digest(level),
            self.check.reporter.backend(),
            &proof.to_bytes(),
        );
        let path = slot.path(self.check.job);
        self.check
            .job
            .replace(&path, &bytes)
            .map_err(Error::io("cannot write", &path))?;
        killpoint::written(if level == 0 { Kind::Batch } else { Kind::Node });
        let mut fields = slot_fields(slot);
        fields["action"] = "proved".into();
        fields["duration_ms"] = (took.as_millis() as u64).into();
        fields["bytes"] = bytes.len().into();
        let phase = if level == 0 { "batches" } else { "aggregate" };
        self.check.reporter.event(slot_event(slot), phase, fields);
        Ok(())
    }

    /// Reads batch `pos`'s users from the account store, then padding slots.
    fn read_batch(&mut self, pos: Pos) -> Result<Vec<Option<UserSlot>>> {
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
        let n = self.check.circuits.params.num_assets;
        let mut slots = Vec::with_capacity(self.check.circuits.params.batch_size());
        for rec in reader.by_ref().take((users.end - users.start) as usize) {
            let rec = rec.map_err(io)?;
            slots.push(Some(UserSlot {
                id_commitment: id_commitment(&rec.nonce, rec.account.id()),
                positions: rec.account.dense(n),
            }));
        }
        if slots.len() as u64 != users.end - users.start {
            return Err(io(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "the account store ends early",
            )));
        }
        self.next_user = users.end;
        slots.resize(self.check.circuits.params.batch_size(), None);
        Ok(slots)
    }
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
