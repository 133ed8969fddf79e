//! The aggregation tower: proofs arrive in leaf order; a level aggregates as
//! soon as it holds `arity` children, so at most `arity` proofs wait per level.
//! All-padding nodes are proven once per level and reused.

use crate::circuits::{CircuitSet, Proof};
use anyhow::{ensure, Result};
use std::time::{Duration, Instant};

pub struct Tower<'a> {
    circuits: &'a CircuitSet,
    /// Pending (proof, is_all_padding) per level; level 0 holds batch proofs.
    pending: Vec<Vec<(Proof, bool)>>,
    /// The all-padding proof of each level, once made.
    empty: Vec<Option<Proof>>,
    pub aggregation_time: Duration,
}

impl<'a> Tower<'a> {
    pub fn new(circuits: &'a CircuitSet) -> Self {
        let levels = circuits.levels.len() + 1;
        Tower {
            circuits,
            pending: vec![Vec::new(); levels],
            empty: vec![None; levels],
            aggregation_time: Duration::ZERO,
        }
    }

    /// The all-padding batch proof, once one has been proven.
    pub fn empty_batch(&self) -> Option<&Proof> {
        self.empty[0].as_ref()
    }

    pub fn push_batch(&mut self, proof: Proof, empty: bool) -> Result<()> {
        self.push(0, proof, empty)
    }

    fn push(&mut self, level: usize, proof: Proof, empty: bool) -> Result<()> {
        if empty && self.empty[level].is_none() {
            self.empty[level] = Some(proof.clone());
        }
        self.pending[level].push((proof, empty));
        let Some(circuit) = self.circuits.levels.get(level) else {
            return Ok(());
        };
        if self.pending[level].len() < circuit.arity() {
            return Ok(());
        }
        let children = std::mem::take(&mut self.pending[level]);
        let all_empty = children.iter().all(|c| c.1);
        let parent = match (all_empty, &self.empty[level + 1]) {
            (true, Some(p)) => p.clone(),
            _ => {
                let t = Instant::now();
                let refs: Vec<&Proof> = children.iter().map(|c| &c.0).collect();
                let p = circuit.prove(&refs)?;
                self.aggregation_time += t.elapsed();
                p
            }
        };
        self.push(level + 1, parent, all_empty)
    }

    /// The single top-level proof.
    pub fn finish(mut self) -> Result<Proof> {
        let top = self.pending.len() - 1;
        ensure!(
            self.pending[..top].iter().all(Vec::is_empty),
            "incomplete aggregation level"
        );
        ensure!(
            self.pending[top].len() == 1,
            "expected one top proof, found {}",
            self.pending[top].len()
        );
        Ok(self.pending[top].remove(0).0)
    }
}
