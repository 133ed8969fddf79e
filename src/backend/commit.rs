//! Polynomial commitments through the backend seam: what plonky2's
//! `PolynomialBatch::from_values` / `from_coeffs` compute (coefficients, coset
//! LDE, rows bit-reversed, salt columns, Merkle tree with cap), assembled into
//! a `PolynomialBatch` by struct literal so callers get plonky2's own type.

use plonky2::field::polynomial::{PolynomialCoeffs, PolynomialValues};
use plonky2::field::types::{Field, Sample};
use plonky2::fri::oracle::{PolynomialBatch, SALT_SIZE};
use plonky2::hash::merkle_tree::{MerkleCap, MerkleTree};
use plonky2::util::{log2_strict, reverse_index_bits_in_place, transpose};
use rayon::prelude::*;

use super::HashBackend;
use crate::circuits::{C, D};
use crate::field::F;

/// plonky2's polynomial commitment, as the prover holds it.
pub type Batch = PolynomialBatch<F, C, D>;

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
pub struct CommitShape {
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

    /// The salt columns for an LDE of `lde_len` rows.
    pub fn columns(self, lde_len: usize) -> Vec<Vec<F>> {
        match self {
            Salt::None => Vec::new(),
            Salt::Random => (0..SALT_SIZE).map(|_| F::rand_vec(lde_len)).collect(),
            Salt::Given(cols) => {
                assert!(
                    cols.len() == SALT_SIZE && cols.iter().all(|c| c.len() == lde_len),
                    "salt must be {SALT_SIZE} columns of {lde_len} values"
                );
                cols
            }
        }
    }
}

/// Interpolates subgroup evaluations into coefficients (plonky2's `ifft`).
pub fn coefficients(polys: Polys) -> Vec<PolynomialCoeffs<F>> {
    match polys {
        Polys::Values(values) => values.into_par_iter().map(|v| v.ifft()).collect(),
        Polys::Coeffs(coeffs) => coeffs,
    }
}

/// The reference path: plonky2_field's FFT for the LDE, then the backend's
/// Merkle tree over the bit-reversed rows.
pub fn reference<B: HashBackend + ?Sized>(
    backend: &B,
    polys: Polys,
    shape: CommitShape,
    salt: Salt,
) -> Batch {
    let polynomials = coefficients(polys);
    let degree = polynomials.first().map_or(1, |p| p.len());
    let blinding = salt.blinding();
    let mut columns: Vec<Vec<F>> = polynomials
        .par_iter()
        .map(|p| {
            assert_eq!(p.len(), degree, "polynomial degrees differ");
            p.lde(shape.rate_bits)
                .coset_fft_with_options(F::coset_shift(), Some(shape.rate_bits), None)
                .values
        })
        .collect();
    columns.extend(salt.columns(degree << shape.rate_bits));
    let mut leaves = transpose(&columns);
    reverse_index_bits_in_place(&mut leaves);
    assemble(backend, polynomials, leaves, shape, blinding)
}

/// Builds the batch from its LDE rows (already bit-reversed, salt included).
pub fn assemble<B: HashBackend + ?Sized>(
    backend: &B,
    polynomials: Vec<PolynomialCoeffs<F>>,
    leaves: Vec<Vec<F>>,
    shape: CommitShape,
    blinding: bool,
) -> Batch {
    let width = leaves.first().map_or(0, Vec::len);
    let flat: Vec<F> = leaves.concat();
    let tree = backend.merkle_tree(&flat, width, shape.cap_height);
    let degree = polynomials.first().map_or(1, |p| p.len());
    Batch {
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
        let shape = CommitShape {
            rate_bits: 2,
            cap_height: 2,
        };
        let want = Batch::from_values(
            values.clone(),
            2,
            false,
            2,
            &mut TimingTree::default(),
            None,
        );
        let got = CpuBackend::default().commit(Polys::Values(values), shape, Salt::None);
        assert_eq!(got, want);
    }
}
