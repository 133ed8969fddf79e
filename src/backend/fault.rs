//! Test-only fault injection. With `ZKPOR_TEST_BACKEND_FAIL=OP:N` in the
//! environment, the backend's N-th call of OP (`leaves`, `levels` or
//! `commit`, counted from 1) fails, and so does every later call of any
//! operation, as a lost device would. Tests use it to show that a backend
//! failure mid-job ends with exit code 7 and keeps what the job wrote.
//! Operators never set it; docs/FORMAT.md §10 lists it with the other hook.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use super::{
    BackendError, BackendResult, Batch, CommitShape, HashBackend, MerkleDigests, Polys, Salt,
};
use crate::digest::Digest;
use crate::field::F;

pub const ENV: &str = "ZKPOR_TEST_BACKEND_FAIL";

/// `backend`, wrapped to fail as the environment asks; unchanged without it.
pub fn wrap(backend: Box<dyn HashBackend>) -> Box<dyn HashBackend> {
    match std::env::var(ENV).ok().as_deref().and_then(parse) {
        Some((op, at)) => Box::new(Faulty {
            inner: backend,
            op,
            at,
            calls: AtomicU64::new(0),
            failed: AtomicBool::new(false),
        }),
        None => backend,
    }
}

fn parse(v: &str) -> Option<(&'static str, u64)> {
    let (op, n) = v.split_once(':')?;
    let op = ["leaves", "levels", "commit"]
        .into_iter()
        .find(|&o| o == op)?;
    Some((op, n.parse().ok().filter(|&n| n > 0)?))
}

struct Faulty {
    inner: Box<dyn HashBackend>,
    op: &'static str,
    at: u64,
    calls: AtomicU64,
    failed: AtomicBool,
}

impl Faulty {
    /// Fails this call of `op` if it is the chosen one, or if one already failed.
    fn gate(&self, op: &'static str) -> BackendResult<()> {
        if op == self.op && self.calls.fetch_add(1, Ordering::SeqCst) + 1 == self.at {
            self.failed.store(true, Ordering::SeqCst);
        }
        if self.failed.load(Ordering::SeqCst) {
            return Err(BackendError::Injected(format!(
                "device lost ({ENV}={}:{})",
                self.op, self.at
            )));
        }
        Ok(())
    }
}

impl HashBackend for Faulty {
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    fn describe(&self) -> String {
        self.inner.describe()
    }

    fn hash_leaves(&self, inputs: &[F], width: usize) -> BackendResult<Vec<Digest>> {
        self.gate("leaves")?;
        self.inner.hash_leaves(inputs, width)
    }

    fn build_levels(&self, leaves: &[Digest], pads: &[Digest]) -> BackendResult<Vec<Vec<Digest>>> {
        self.gate("levels")?;
        self.inner.build_levels(leaves, pads)
    }

    fn merkle_tree(
        &self,
        inputs: &[F],
        width: usize,
        cap_height: usize,
    ) -> BackendResult<MerkleDigests> {
        self.gate("leaves")?;
        self.inner.merkle_tree(inputs, width, cap_height)
    }

    fn merkle_tree_rows(&self, rows: &[Vec<F>], cap_height: usize) -> BackendResult<MerkleDigests> {
        self.gate("leaves")?;
        self.inner.merkle_tree_rows(rows, cap_height)
    }

    fn commit(&self, polys: Polys, shape: CommitShape, salt: Salt) -> BackendResult<Batch> {
        self.gate("commit")?;
        self.inner.commit(polys, shape, salt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_only_known_operations() {
        assert_eq!(parse("commit:3"), Some(("commit", 3)));
        assert_eq!(parse("levels:1"), Some(("levels", 1)));
        assert_eq!(parse("commit:0"), None);
        assert_eq!(parse("quotient:2"), None);
        assert_eq!(parse("commit"), None);
    }
}
