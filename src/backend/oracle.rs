//! The polynomial-commitment concept: what plonky2's
//! `PolynomialBatch::from_values` / `from_coeffs` compute (coefficients, coset
//! LDE, rows bit-reversed, salt columns, Merkle tree with cap), assembled into
//! a `PolynomialBatch` by struct literal so callers get plonky2's own type.
//! plonky2's FRI calls such a batch an oracle, and so does this crate: "commit"
//! means the account commitment of `commit/` only.
//!
//! The default [`Oracles::oracle`] is derived from the backend's own [`Dft`]
//! and [`MerkleHasher`] (the CPU backend's path): one parallel pass from
//! columns to rows between them, so a faster NTT or Poseidon speeds up
//! commitments too. The GPU overrides it to keep everything on the device.

use std::time::Duration;

use plonky2::field::polynomial::{PolynomialCoeffs, PolynomialValues};
use plonky2::field::types::Sample;
use plonky2::fri::oracle::{PolynomialBatch, SALT_SIZE};
use plonky2::hash::merkle_tree::{MerkleCap, MerkleTree};
use plonky2::util::{log2_strict, reverse_index_bits_in_place};
use rayon::prelude::*;

use super::dft::{Dft, Direction};
use super::layout::MerkleDigests;
use super::merkle::MerkleHasher;
use super::{BackendError, BackendResult};
use crate::field::{C, D, F};

/// plonky2's polynomial commitment, as the prover holds it.
pub type Oracle = PolynomialBatch<F, C, D>;

pub trait Oracles: MerkleHasher + Dft {
    /// plonky2's `PolynomialBatch::from_values` / `from_coeffs`: the same
    /// coefficients, LDE rows, digests and cap, whichever backend ran.
    fn oracle(&self, polys: Polys, shape: OracleShape, salt: Salt) -> BackendResult<Oracle> {
        derived(self, polys, shape, salt)
    }
}

/// What to commit: evaluations on the subgroup (interpolated first) or coefficients.
pub enum Polys {
    Values(Vec<PolynomialValues<F>>),
    Coeffs(Vec<PolynomialCoeffs<F>>),
}

impl Polys {
    pub fn len(&self) -> usize {
        match self {
            Polys::Values(v) => v.len(),
            Polys::Coeffs(c) => c.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The commitment's shape: LDE blow-up and Merkle cap.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OracleShape {
    pub rate_bits: usize,
    pub cap_height: usize,
}

/// The blinding salt appended to every Merkle leaf (plonky2's `blinding` flag).
pub enum Salt {
    /// No salt: `blinding = false`.
    None,
    /// `SALT_SIZE` fresh random columns, as plonky2 draws them.
    Random,
    /// `SALT_SIZE` given columns of `n << rate_bits` values each, in LDE order
    /// (before the rows are bit-reversed): lets tests reproduce a blinded
    /// commitment exactly.
    Given(Vec<Vec<F>>),
}

impl Salt {
    pub fn blinding(&self) -> bool {
        !matches!(self, Salt::None)
    }

    /// Why the salt does not fit an LDE of `lde_len` rows, if it does not.
    pub fn check(&self, lde_len: usize) -> Result<(), String> {
        match self {
            Salt::Given(cols)
                if cols.len() != SALT_SIZE || cols.iter().any(|c| c.len() != lde_len) =>
            {
                Err(format!(
                    "salt must be {SALT_SIZE} columns of {lde_len} values; got {} columns",
                    cols.len()
                ))
            }
            _ => Ok(()),
        }
    }

    /// The salt columns for an LDE of `lde_len` rows; a given salt of the
    /// wrong shape is refused (see `check`).
    pub fn columns(self, lde_len: usize) -> Result<Vec<Vec<F>>, String> {
        self.check(lde_len)?;
        Ok(match self {
            Salt::None => Vec::new(),
            Salt::Random => (0..SALT_SIZE).map(|_| F::rand_vec(lde_len)).collect(),
            Salt::Given(cols) => cols,
        })
    }
}

/// Where a commitment's time went. Stages that a path fuses into another
/// read zero.
#[derive(Clone, Copy, Debug, Default)]
pub struct OracleTimings {
    /// Host to device: converting and queueing the inputs (zero on the CPU).
    pub upload: Duration,
    /// Interpolation (for values) and the coset LDE; on the GPU this includes
    /// reading the coefficients back.
    pub lde: Duration,
    /// Columns to bit-reversed rows, salt included (the GPU fuses it into `tree`).
    pub transpose: Duration,
    /// Leaf hashing and the Merkle tree; on the GPU also the transposes and
    /// reading the rows and digests back.
    pub tree: Duration,
    pub total: Duration,
}

/// Interpolates subgroup evaluations into coefficients (plonky2's `ifft`).
pub fn coefficients<B: Dft + ?Sized>(
    backend: &B,
    polys: Polys,
) -> BackendResult<Vec<PolynomialCoeffs<F>>> {
    match polys {
        Polys::Values(values) => {
            let columns = values.into_iter().map(|v| v.values).collect();
            let coeffs = backend.ntt(columns, Direction::Inverse)?;
            Ok(coeffs.into_iter().map(PolynomialCoeffs::new).collect())
        }
        Polys::Coeffs(coeffs) => Ok(coeffs),
    }
}

/// The oracle through the backend's DFT and Merkle hashing, identical to
/// plonky2's `from_values` / `from_coeffs` (the default [`Oracles::oracle`]).
pub fn derived<B: Oracles + ?Sized>(
    backend: &B,
    polys: Polys,
    shape: OracleShape,
    salt: Salt,
) -> BackendResult<Oracle> {
    if polys.is_empty() {
        return Err(BackendError::Invalid(
            "a commitment needs at least one polynomial".into(),
        ));
    }
    let blinding = salt.blinding();
    let polynomials = coefficients(backend, polys)?;
    let columns = backend.coset_lde(&polynomials, shape.rate_bits)?;
    let salt = salt
        .columns(columns[0].len())
        .map_err(BackendError::Invalid)?;
    let leaves = bit_reversed_rows(&columns, &salt);
    drop(columns);
    let tree = backend.merkle_tree_rows(&leaves, shape.cap_height)?;
    Ok(assemble(polynomials, leaves, tree, shape, blinding))
}

/// plonky2's `transpose` of the LDE columns then `reverse_index_bits_in_place`,
/// with the salt columns appended to every row.
pub fn bit_reversed_rows(columns: &[Vec<F>], salt: &[Vec<F>]) -> Vec<Vec<F>> {
    let len = columns.first().map_or(0, Vec::len);
    let mut rows: Vec<Vec<F>> = (0..len)
        .into_par_iter()
        .with_min_len(ROWS_PER_TASK)
        .map(|i| columns.iter().chain(salt).map(|c| c[i]).collect())
        .collect();
    // Moves only the rows' headers.
    reverse_index_bits_in_place(&mut rows);
    rows
}

/// Rows per rayon task when building rows.
const ROWS_PER_TASK: usize = 256;

/// The oracle from its parts: LDE rows (bit-reversed, salt included) and their tree.
pub fn assemble(
    polynomials: Vec<PolynomialCoeffs<F>>,
    leaves: Vec<Vec<F>>,
    tree: MerkleDigests,
    shape: OracleShape,
    blinding: bool,
) -> Oracle {
    let degree = polynomials.first().map_or(1, |p| p.len());
    Oracle {
        polynomials,
        merkle_tree: MerkleTree {
            leaves,
            digests: tree.digests.iter().map(|d| d.to_hash_out()).collect(),
            cap: MerkleCap(tree.cap.iter().map(|d| d.to_hash_out()).collect()),
        },
        degree_log: log2_strict(degree),
        rate_bits: shape.rate_bits,
        blinding,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::CpuBackend;
    use plonky2::util::timing::TimingTree;

    #[test]
    fn reference_equals_plonky2_from_values() {
        let values: Vec<PolynomialValues<F>> = (0..7)
            .map(|_| PolynomialValues::new(F::rand_vec(32)))
            .collect();
        let shape = OracleShape {
            rate_bits: 2,
            cap_height: 2,
        };
        let want = Oracle::from_values(
            values.clone(),
            2,
            false,
            2,
            &mut TimingTree::default(),
            None,
        );
        let got = CpuBackend::default()
            .oracle(Polys::Values(values), shape, Salt::None)
            .unwrap();
        assert_eq!(got, want);
    }
}
