//! What every proof of the job must say, and the checks an artifact passes
//! before it is trusted: envelope and checksum, position, parameters, circuit,
//! verification, then public inputs equal to the expected ones.

use super::commitment::Commitment;
use super::events::Reporter;
use super::layout::JobDir;
use super::plan::{Inspection, Inspector};
use super::shape::{Pos, Shape};
use super::store::{self, Expect, Found, Slot};
use crate::circuits::witness::reserve_commitment;
use crate::circuits::{NodeValues, RootValues, TreeCircuits};
use crate::digest::Digest;
use crate::error::{Error, Result};
use crate::field::F;
use serde_json::json;
use std::time::Instant;

/// The checks of one account tree's proofs (the round's only tree in format
/// 1, one tier's in format 2); the root proof is checked by `publish`.
pub struct Checker<'a> {
    /// Where the tree's account store, batch index and proofs are.
    pub job: &'a JobDir,
    pub shape: &'a Shape,
    pub circuits: &'a dyn TreeCircuits,
    pub commitment: &'a Commitment,
    pub reporter: &'a Reporter,
    /// Whether B was chosen by `--batch-size auto`.
    pub batch_size_auto: bool,
}

impl Checker<'_> {
    pub fn params_digest(&self) -> Digest {
        self.circuits.round_digest()
    }

    pub fn num_assets(&self) -> usize {
        self.circuits.tree().num_assets
    }

    /// The public inputs of the proof at `pos`: its account-tree node, user
    /// count, the price commitment and the totals of its batches.
    pub fn node(&self, pos: Pos) -> Result<NodeValues> {
        let users = self.shape.users_in(pos);
        let batches = self.shape.real_batches(pos);
        let totals = if batches.is_empty() {
            vec![(0, 0); self.num_assets()]
        } else {
            self.commitment.batches.totals(batches).map_err(Error::io(
                "cannot read",
                self.job.file(super::layout::names::BATCH_INDEX),
            ))?
        };
        Ok(NodeValues {
            root: self.tree_node(pos),
            count: users.end - users.start,
            price_commitment: self.commitment.prices.commitment(),
            totals,
        })
    }

    /// The public inputs of every padding node of `level`.
    pub fn padding(&self, level: u32) -> NodeValues {
        NodeValues {
            root: self.tree_node(Pos::new(level, self.shape.width(level))),
            count: 0,
            price_commitment: self.commitment.prices.commitment(),
            totals: vec![(0, 0); self.num_assets()],
        }
    }

    fn tree_node(&self, pos: Pos) -> Digest {
        let height = self.shape.height(pos.level) as usize;
        self.commitment.tree.node(height, pos.index)
    }

    /// The public inputs of the root proof of a round with only this tree.
    pub fn root(&self) -> Result<RootValues> {
        let top = self.node(self.shape.top())?;
        Ok(RootValues {
            account_root: self.commitment.tree.root(),
            users: self.commitment.tree.num_leaves(),
            totals: top.totals,
            price_commitment: top.price_commitment,
            reserve_commitment: reserve_commitment(&self.commitment.reserves),
            params_digest: self.params_digest(),
        })
    }

    /// Fully checks the node or padding artifact in `slot`.
    pub fn inspect(&self, slot: Slot) -> Found {
        let path = slot.path(self.job);
        if !path.exists() {
            return Found::Missing;
        }
        match slot {
            Slot::Root => Found::Rejected("the root proof is checked by the publisher".into()),
            Slot::Node(pos) => {
                let want = match self.node(pos) {
                    Ok(w) => w,
                    Err(e) => return Found::Rejected(e.to_string()),
                };
                self.inspect_node(slot, pos.level, want)
            }
            Slot::Padding(level) => self.inspect_node(slot, level, self.padding(level)),
        }
    }

    fn inspect_node(&self, slot: Slot, level: u32, want: NodeValues) -> Found {
        let n = self.num_assets();
        let check = move |pis: &[F]| node_matches(pis, &want, n);
        self.inspect_with(slot, self.circuits.data(level), &check)
    }

    fn inspect_with(
        &self,
        slot: Slot,
        circuit: &plonky2::plonk::circuit_data::CircuitData<F, crate::circuits::C, 2>,
        check: &dyn Fn(&[F]) -> std::result::Result<(), String>,
    ) -> Found {
        let expect = Expect {
            slot,
            params_digest: self.params_digest(),
            circuit,
            public_inputs: check,
        };
        inspect_artifact(self.job, self.reporter, &expect)
    }
}

/// Checks the artifact `expect` describes in `job`, and reports the verdict.
pub fn inspect_artifact(job: &JobDir, reporter: &Reporter, expect: &Expect) -> Found {
    let t = Instant::now();
    let slot = expect.slot;
    let found = store::inspect(&slot.path(job), expect);
    let (action, reason) = match &found {
        Found::Valid { .. } => ("verified", None),
        Found::Rejected(why) => ("rejected", Some(why.clone())),
        Found::Missing => return found,
    };
    let mut fields = slot_fields(slot);
    fields["action"] = action.into();
    fields["duration_ms"] = (t.elapsed().as_millis() as u64).into();
    if let Some(r) = reason {
        fields["reason"] = r.clone().into();
        reporter.notice("resume", &format!("{} rejected: {r}", describe(slot)));
    }
    reporter.event(slot_event(slot), "resume", fields);
    found
}

impl Inspector for &Checker<'_> {
    fn inspect(&mut self, pos: Pos) -> Inspection {
        match Checker::inspect(self, Slot::Node(pos)) {
            Found::Missing => Inspection::Missing,
            Found::Rejected(why) => Inspection::Rejected(why),
            Found::Valid { checksum, .. } => Inspection::Valid(checksum),
        }
    }
}

/// Compares a node proof's public inputs with the expected ones.
pub fn node_matches(
    pis: &[F],
    want: &NodeValues,
    num_assets: usize,
) -> std::result::Result<(), String> {
    let got = NodeValues::parse(pis, num_assets).map_err(|e| e.to_string())?;
    let what = if got.root != want.root {
        "subtree root differs from the account tree's node"
    } else if got.count != want.count {
        "user count differs"
    } else if got.price_commitment != want.price_commitment {
        "price commitment differs"
    } else if got.totals != want.totals {
        "per-asset totals differ from the account store's"
    } else {
        return Ok(());
    };
    Err(format!("public inputs: {what}"))
}

/// Compares the root proof's public inputs with the expected ones.
pub fn root_matches(
    pis: &[F],
    want: &RootValues,
    num_assets: usize,
) -> std::result::Result<(), String> {
    let got = RootValues::parse(pis, num_assets).map_err(|e| e.to_string())?;
    let what = if got.account_root != want.account_root {
        "account root"
    } else if got.users != want.users {
        "user count"
    } else if got.totals != want.totals {
        "totals"
    } else if got.price_commitment != want.price_commitment {
        "price commitment"
    } else if got.reserve_commitment != want.reserve_commitment {
        "reserve commitment"
    } else if got.params_digest != want.params_digest {
        "parameter digest"
    } else {
        return Ok(());
    };
    Err(format!(
        "public inputs: the {what} differs from the commitment"
    ))
}

/// The event name of an artifact: `batch`, `node`, `padding` or `root`.
pub fn slot_event(slot: Slot) -> &'static str {
    match slot {
        Slot::Node(p) if p.level == 0 => "batch",
        Slot::Node(_) => "node",
        Slot::Padding(_) => "padding",
        Slot::Root => "root",
    }
}

/// The JSON fields that locate an artifact: `batch`, or `level` and `node`.
pub fn slot_fields(slot: Slot) -> serde_json::Value {
    match slot {
        Slot::Node(p) if p.level == 0 => json!({"batch": p.index}),
        Slot::Node(p) => json!({"level": p.level, "node": p.index}),
        Slot::Padding(level) => json!({"level": level}),
        Slot::Root => json!({}),
    }
}

pub fn describe(slot: Slot) -> String {
    match slot {
        Slot::Node(p) => p.to_string(),
        Slot::Padding(level) => format!("the padding proof of level {level}"),
        Slot::Root => "the root proof checkpoint".into(),
    }
}
