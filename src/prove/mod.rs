//! `zkpor prove` and `zkpor verify`. The prove job itself (job directory,
//! checkpoints, resume, shards) lives in `crate::job`; this module keeps its
//! entry points where callers look for them, and `verify`.

pub mod expected;
pub mod verify;

pub use crate::job::{aggregate, prove, ProveOutcome, ProveRequest, Stage};
