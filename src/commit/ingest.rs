//! Streams accounts through validation, nonce derivation and leaf hashing.
//! Records go to the account store as they pass; leaves stay in memory for the tree.

use crate::artifacts::{AccountsWriter, AssetTotals};
use crate::backend::Backend;
use crate::digest::Digest;
use crate::error::{Error, Result};
use crate::field::F;
use crate::input::{AccountStream, Problem, ProblemKind, Problems, SourcedAccount};
use crate::leaf::{id_commitment, leaf_width, write_leaf_inputs, RoundKey};
use crate::model::amount::check_bound;
use crate::model::bounds::{MAX_USERS, TOTAL_BITS};
use crate::model::AssetTable;
use indicatif::ProgressBar;
use plonky2::field::types::Field;
use rayon::prelude::*;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

/// Accounts hashed per backend call: bounds memory while keeping the backend busy.
const CHUNK: usize = 1 << 15;

/// What ingestion produced.
pub struct Ingested {
    /// The v1 leaves, when asked for (`Ingest::hash`).
    pub leaves: Vec<Digest>,
    pub totals: Vec<AssetTotals>,
    /// `held[n]`: users holding n positions.
    pub held: Vec<u64>,
    pub users: u64,
}

pub struct Ingest<'a> {
    pub assets: &'a AssetTable,
    pub key: &'a RoundKey,
    pub backend: &'a dyn Backend,
    /// Whether to hash v1 leaves; format 2 hashes per tier once users are split.
    pub hash: bool,
    pub writer: AccountsWriter,
    pub writer_path: &'a Path,
    pub problems: Problems,
    pub progress: ProgressBar,
}

struct State {
    seen: HashMap<[u64; 2], (Arc<str>, u64)>,
    leaves: Vec<Digest>,
    totals: Vec<AssetTotals>,
    held: Vec<u64>,
    users: u64,
}

impl Ingest<'_> {
    /// Consumes the stream; returns leaves and totals, or every problem found.
    pub fn run(mut self, stream: AccountStream, accounts_file: &str) -> Result<Ingested> {
        let mut state = State {
            seen: HashMap::new(),
            leaves: Vec::new(),
            totals: vec![AssetTotals::default(); self.assets.len()],
            held: Vec::new(),
            users: 0,
        };
        let mut chunk = Vec::with_capacity(CHUNK);
        for item in stream {
            match item {
                Ok(acc) => self.check_solvent(acc, &mut chunk),
                Err(ps) => self.problems.extend(ps),
            }
            if self.problems.is_full() {
                self.problems.mark_truncated();
                break;
            }
            if chunk.len() == CHUNK {
                self.flush(&mut chunk, &mut state)?;
            }
        }
        self.flush(&mut chunk, &mut state)?;
        self.progress.finish_and_clear();
        self.check_totals(&state, accounts_file);
        if !self.problems.is_empty() {
            return Err(Error::Input(self.problems));
        }
        self.writer
            .finish()
            .map_err(Error::io("cannot write", self.writer_path))?;
        Ok(Ingested {
            leaves: state.leaves,
            totals: state.totals,
            held: state.held,
            users: state.users,
        })
    }

    fn check_solvent(&mut self, acc: SourcedAccount, chunk: &mut Vec<SourcedAccount>) {
        let net = acc.account.net_value(self.assets);
        if net < 0 {
            let usd = crate::artifacts::summary::format_signed(net, self.assets.value_scale());
            let msg = format!(
                "user {} has negative net value {usd} USD at the given prices",
                acc.account.id()
            );
            self.problems
                .push(Problem::new(&acc.file, ProblemKind::Insolvent, msg).at_line(acc.line));
        } else {
            chunk.push(acc);
        }
    }

    fn flush(&mut self, chunk: &mut Vec<SourcedAccount>, state: &mut State) -> Result<()> {
        if chunk.is_empty() {
            return Ok(());
        }
        let key = self.key;
        let commits: Vec<(Digest, Digest)> = chunk
            .par_iter()
            .map(|a| {
                let nonce = key.nonce(a.account.id());
                (nonce, id_commitment(&nonce, a.account.id()))
            })
            .collect();
        let fresh = self.drop_duplicates(chunk, &commits, state);
        self.reject_zero_commitments(chunk, &commits);
        // Once anything is wrong the run will be rejected: keep validating, skip the work.
        if self.problems.is_empty() {
            self.hash_and_store(chunk, &commits, &fresh, state)?;
        }
        self.progress.inc(chunk.len() as u64);
        chunk.clear();
        Ok(())
    }

    /// The proofs need idc_0 != 0 so no user hashes to the padding leaf (about 2^-64 per user).
    fn reject_zero_commitments(&mut self, chunk: &[SourcedAccount], commits: &[(Digest, Digest)]) {
        for (a, (_, idc)) in chunk.iter().zip(commits) {
            if idc.limbs()[0] == 0 {
                let msg = format!("user {}: id commitment starts with zero; commit this round with another secret", a.account.id());
                self.problems
                    .push(Problem::new(&a.file, ProblemKind::Malformed, msg).at_line(a.line));
            }
        }
    }

    /// Flags repeated ids (same id => same id commitment); returns which are new.
    fn drop_duplicates(
        &mut self,
        chunk: &[SourcedAccount],
        commits: &[(Digest, Digest)],
        state: &mut State,
    ) -> Vec<bool> {
        chunk
            .iter()
            .zip(commits)
            .map(|(a, (_, idc))| {
                let k = idc.limbs();
                match state.seen.get(&[k[0], k[1]]) {
                    Some((file, line)) => {
                        let msg = format!(
                            "duplicate user id {} (first at {file}:{line})",
                            a.account.id()
                        );
                        self.problems.push(
                            Problem::new(&a.file, ProblemKind::DuplicateUser, msg).at_line(a.line),
                        );
                        false
                    }
                    None => {
                        state.seen.insert([k[0], k[1]], (a.file.clone(), a.line));
                        true
                    }
                }
            })
            .collect()
    }

    fn hash_and_store(
        &mut self,
        chunk: &[SourcedAccount],
        commits: &[(Digest, Digest)],
        fresh: &[bool],
        state: &mut State,
    ) -> Result<()> {
        let kept: Vec<usize> = (0..chunk.len()).filter(|&i| fresh[i]).collect();
        if self.hash {
            let width = leaf_width(self.assets.len());
            let mut inputs = vec![F::ZERO; kept.len() * width];
            inputs
                .par_chunks_mut(width)
                .zip(&kept)
                .for_each(|(row, &i)| {
                    write_leaf_inputs(&commits[i].1, chunk[i].account.positions(), row);
                });
            let digests = self.backend.hash_leaves(&inputs, width)?;
            state.leaves.extend(digests);
        }
        for &i in &kept {
            let account = &chunk[i].account;
            let held = account.positions().len();
            if state.held.len() <= held {
                state.held.resize(held + 1, 0);
            }
            state.held[held] += 1;
            state.users += 1;
            self.writer
                .append(account, &commits[i].0)
                .map_err(Error::io("cannot write", self.writer_path))?;
            for &(a, p) in account.positions() {
                let t = &mut state.totals[a as usize];
                t.equity += u128::from(p.equity.units());
                t.debt += u128::from(p.debt.units());
            }
        }
        Ok(())
    }

    fn check_totals(&mut self, state: &State, file: &str) {
        if state.users > MAX_USERS {
            let msg = format!("{} users is above the maximum of {MAX_USERS}", state.users);
            self.problems
                .push(Problem::new(file, ProblemKind::OutOfBound, msg));
        }
        if state.users == 0 && self.problems.is_empty() {
            self.problems.push(Problem::new(
                file,
                ProblemKind::Empty,
                "no accounts: the input holds no users",
            ));
        }
        for (asset, t) in self.assets.assets().iter().zip(&state.totals) {
            for (what, v) in [("total equity", t.equity), ("total debt", t.debt)] {
                if let Err(e) = check_bound(what, v, TOTAL_BITS) {
                    let msg = format!("{}: {e}", asset.symbol());
                    self.problems
                        .push(Problem::new(file, ProblemKind::OutOfBound, msg));
                }
            }
        }
    }
}
