//! Test-only fault injection. With `ZKPOR_TEST_BACKEND_FAIL=OP:N` in the
//! environment, the backend's N-th call of OP (`leaves`, `levels`, `dft` or
//! `commit`, counted from 1; `commit` is an oracle, the name kept for the hook) fails, and so does every later call of any
//! operation, as a lost device would. Tests use it to show that a backend
//! failure mid-job ends with exit code 7 and keeps what the job wrote.
//! Operators never set it; docs/FORMAT.md §10 lists it with the other hook.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use plonky2::field::polynomial::PolynomialCoeffs;

use super::{
    Backend, BackendError, BackendResult, Dft, Direction, MerkleDigests, MerkleHasher, Oracle,
    OracleShape, Oracles, Polys, Salt,
};
use crate::digest::Digest;
use crate::field::F;

pub const ENV: &str = "ZKPOR_TEST_BACKEND_FAIL";

/// `backend`, wrapped to fail as the environment asks; unchanged without it.
pub fn wrap(backend: Box<dyn Backend>) -> Box<dyn Backend> {
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
    let op = ["leaves", "levels", "dft", "commit"]
        .into_iter()
        .find(|&o| o == op)?;
    Some((op, n.parse().ok().filter(|&n| n > 0)?))
}

struct Faulty {
    inner: Box<dyn Backend>,
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

impl Backend for Faulty {
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    fn describe(&self) -> String {
        self.inner.describe()
    }
}

/// Every method forwards, so the wrapped backend's overrides still run.
impl Dft for Faulty {
    fn ntt(&self, columns: Vec<Vec<F>>, direction: Direction) -> BackendResult<Vec<Vec<F>>> {
        self.gate("dft")?;
        self.inner.ntt(columns, direction)
    }

    fn coset_lde(
        &self,
        polys: &[PolynomialCoeffs<F>],
        rate_bits: usize,
    ) -> BackendResult<Vec<Vec<F>>> {
        self.gate("dft")?;
        self.inner.coset_lde(polys, rate_bits)
    }

    fn coset_intt(&self, columns: Vec<Vec<F>>, shift: F) -> BackendResult<Vec<Vec<F>>> {
        self.gate("dft")?;
        self.inner.coset_intt(columns, shift)
    }
}

impl Oracles for Faulty {
    fn oracle(&self, polys: Polys, shape: OracleShape, salt: Salt) -> BackendResult<Oracle> {
        self.gate("commit")?;
        self.inner.oracle(polys, shape, salt)
    }
}

impl MerkleHasher for Faulty {
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
