//! Test-only crash hook. With `ZKPOR_TEST_KILL_AFTER=KIND:COUNT` in the
//! environment, the process sends itself SIGKILL right after writing its
//! COUNT-th artifact of KIND, so tests can crash a run at a deterministic point
//! and check that the next run resumes correctly. KIND is one of `commit`
//! (account store, tree, batch index, commit record), `batch`, `node`, `root`
//! (the root-proof checkpoint) or `publish` (each published file). Operators
//! never set it; it is documented in docs/FORMAT.md §10 as a test hook.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

/// Artifact kinds the hook counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Commit,
    Batch,
    Node,
    Root,
    Publish,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Commit => "commit",
            Kind::Batch => "batch",
            Kind::Node => "node",
            Kind::Root => "root",
            Kind::Publish => "publish",
        }
    }
}

pub const ENV: &str = "ZKPOR_TEST_KILL_AFTER";

fn target() -> Option<&'static (String, u64)> {
    static T: OnceLock<Option<(String, u64)>> = OnceLock::new();
    T.get_or_init(|| {
        let v = std::env::var(ENV).ok()?;
        let (kind, count) = v.split_once(':')?;
        Some((kind.to_string(), count.parse().ok()?))
    })
    .as_ref()
}

/// Records that an artifact of `kind` was written; kills the process when the
/// hook asks for exactly this one.
pub fn written(kind: Kind) {
    let Some((want, at)) = target() else { return };
    if want != kind.name() {
        return;
    }
    static COUNTS: OnceLock<Mutex<HashMap<Kind, u64>>> = OnceLock::new();
    let mut counts = COUNTS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    let n = counts.entry(kind).or_insert(0);
    *n += 1;
    if *n == *at {
        // SAFETY: kill(2) on our own pid has no memory-safety preconditions.
        unsafe {
            libc::kill(libc::getpid(), libc::SIGKILL);
        }
    }
}
