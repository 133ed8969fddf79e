//! Planning: walking down from the nodes a run must produce, decide for each
//! node whether an artifact already covers it (load it, or skip its whole
//! subtree), or it must be proven. The plan lists the steps in leaf order
//! (post-order), so an executor can run it with one stack, holding at most
//! k proofs per level, and knows every batch it will prove before it starts.

use super::shape::{Pos, Shape};
use super::store::Checksum;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Make this proof.
    Prove,
    /// Use the artifact verified while planning (these exact bytes).
    Load(Checksum),
    /// Use the level's all-padding proof.
    Pad,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Step {
    pub pos: Pos,
    pub action: Action,
}

/// What a node's artifact turned out to be.
pub enum Inspection {
    Missing,
    Rejected(String),
    Valid(Checksum),
}

/// Looks at the artifact of a node (and verifies it, for a real run).
pub trait Inspector {
    fn inspect(&mut self, pos: Pos) -> Inspection;
}

/// A node the run must end with; `needed` when its proof is used afterwards
/// (the top, for the root proof), not just left on disk (a shard's nodes).
#[derive(Clone, Copy, Debug)]
pub struct Goal {
    pub pos: Pos,
    pub needed: bool,
}

#[derive(Debug, Default)]
pub struct Plan {
    pub steps: Vec<Step>,
    /// Batches that must be proven but this run may not prove (`aggregate`).
    pub missing: Vec<u64>,
    /// Nodes that cannot be made because a batch under them is missing.
    pub blocked: Vec<Pos>,
    /// Artifacts found unusable, and why; each is redone (or missing).
    pub rejected: Vec<(Pos, String)>,
    /// Artifacts that checked out, so their subtrees need no work.
    pub valid: u64,
}

impl Plan {
    pub fn count(&self, pred: impl Fn(&Step) -> bool) -> u64 {
        self.steps.iter().filter(|s| pred(s)).count() as u64
    }

    pub fn batches_to_prove(&self) -> u64 {
        self.count(|s| s.action == Action::Prove && s.pos.level == 0)
    }

    pub fn nodes_to_prove(&self) -> u64 {
        self.count(|s| s.action == Action::Prove && s.pos.level > 0)
    }

    pub fn is_complete(&self) -> bool {
        self.missing.is_empty()
    }
}

/// Plans the steps that produce `goals`. Batches are proven only if `prove_batches`.
pub fn plan(
    shape: &Shape,
    goals: &[Goal],
    prove_batches: bool,
    inspector: &mut dyn Inspector,
) -> Plan {
    let mut p = Planner {
        shape,
        prove_batches,
        inspector,
        plan: Plan::default(),
    };
    for g in goals {
        p.visit(g.pos, g.needed);
    }
    p.plan
}

struct Planner<'a> {
    shape: &'a Shape,
    prove_batches: bool,
    inspector: &'a mut dyn Inspector,
    plan: Plan,
}

impl Planner<'_> {
    /// Plans `pos`; returns whether it can be had.
    fn visit(&mut self, pos: Pos, needed: bool) -> bool {
        if self.shape.is_padding(pos) {
            self.push(pos, Action::Pad, needed);
            return true;
        }
        match self.inspector.inspect(pos) {
            Inspection::Valid(sum) => {
                self.plan.valid += 1;
                self.push(pos, Action::Load(sum), needed);
                return true;
            }
            Inspection::Rejected(why) => self.plan.rejected.push((pos, why)),
            Inspection::Missing => {}
        }
        if pos.level == 0 {
            if !self.prove_batches {
                self.plan.missing.push(pos.index);
                return false;
            }
        } else {
            let children: Vec<Pos> = self.shape.children(pos).collect();
            // Visit every child (no short circuit), so that every missing batch is reported.
            let mut ok = true;
            for c in children {
                ok &= self.visit(c, true);
            }
            if !ok {
                self.plan.blocked.push(pos);
                return false;
            }
        }
        self.push(pos, Action::Prove, true);
        true
    }

    fn push(&mut self, pos: Pos, action: Action, needed: bool) {
        if needed {
            self.plan.steps.push(Step { pos, action });
        }
    }
}

/// An inspector that trusts every file that exists: a cheap first look at
/// what is missing, before any circuit is built.
pub struct Existence<'a>(pub &'a super::layout::JobDir);

impl Inspector for Existence<'_> {
    fn inspect(&mut self, pos: Pos) -> Inspection {
        if self.0.proof(pos).exists() {
            Inspection::Valid([0; 32])
        } else {
            Inspection::Missing
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::circuits::ProofParams;
    use std::collections::HashMap;

    struct Fake(HashMap<Pos, bool>);

    impl Inspector for Fake {
        fn inspect(&mut self, pos: Pos) -> Inspection {
            match self.0.get(&pos) {
                Some(true) => Inspection::Valid([1; 32]),
                Some(false) => Inspection::Rejected("corrupt".into()),
                None => Inspection::Missing,
            }
        }
    }

    fn shape() -> Shape {
        // 5 users, B = 2, k = 2: batches 0..2 real, 3 padding; nodes (1,0), (1,1), (2,0).
        Shape::new(&ProofParams::new(2, 2, 2, 3).unwrap(), 5)
    }

    fn top() -> [Goal; 1] {
        [Goal {
            pos: Pos::new(2, 0),
            needed: true,
        }]
    }

    #[test]
    fn an_empty_job_proves_everything_in_leaf_order() {
        let p = plan(&shape(), &top(), true, &mut Fake(HashMap::new()));
        let got: Vec<(u32, u64, Action)> = p
            .steps
            .iter()
            .map(|s| (s.pos.level, s.pos.index, s.action))
            .collect();
        use Action::*;
        assert_eq!(
            got,
            vec![
                (0, 0, Prove),
                (0, 1, Prove),
                (1, 0, Prove),
                (0, 2, Prove),
                (0, 3, Pad),
                (1, 1, Prove),
                (2, 0, Prove)
            ]
        );
        assert_eq!((p.batches_to_prove(), p.nodes_to_prove()), (3, 3));
    }

    #[test]
    fn a_valid_node_covers_its_subtree_and_a_rejected_one_is_redone() {
        let mut have = HashMap::new();
        have.insert(Pos::new(1, 0), true);
        have.insert(Pos::new(1, 1), false);
        have.insert(Pos::new(0, 2), true);
        let p = plan(&shape(), &top(), true, &mut Fake(have));
        use Action::*;
        let got: Vec<(u32, u64, Action)> = p
            .steps
            .iter()
            .map(|s| (s.pos.level, s.pos.index, s.action))
            .collect();
        assert_eq!(
            got,
            vec![
                (1, 0, Load([1; 32])),
                (0, 2, Load([1; 32])),
                (0, 3, Pad),
                (1, 1, Prove),
                (2, 0, Prove)
            ]
        );
        assert_eq!(p.rejected, vec![(Pos::new(1, 1), "corrupt".to_string())]);
    }

    #[test]
    fn without_batch_proving_every_missing_batch_is_reported() {
        let mut have = HashMap::new();
        have.insert(Pos::new(0, 1), true);
        let p = plan(&shape(), &top(), false, &mut Fake(have));
        assert_eq!(p.missing, vec![0, 2]);
        assert_eq!(
            p.blocked,
            vec![Pos::new(1, 0), Pos::new(1, 1), Pos::new(2, 0)]
        );
        assert!(!p.is_complete());
    }

    #[test]
    fn a_goal_that_is_not_needed_is_not_loaded() {
        let mut have = HashMap::new();
        have.insert(Pos::new(1, 1), true);
        let goals = [Goal {
            pos: Pos::new(1, 1),
            needed: false,
        }];
        let p = plan(&shape(), &goals, true, &mut Fake(have));
        assert!(p.steps.is_empty());
    }
}
