//! Stock plonky2 behind the backend seam: its scalar Poseidon and its own
//! `PolynomialBatch::from_values` / `from_coeffs`. The prover driver on this
//! backend commits exactly as `plonky2::plonk::prover::prove` does, so its
//! phase timings are the "before" breakdown of a proof.

use plonky2::field::polynomial::{PolynomialCoeffs, PolynomialValues};
use plonky2::util::timing::TimingTree;
use rayon::prelude::*;

use crate::backend::cpu::{dft, Isa};
use crate::backend::dft::same_len;
use crate::backend::{
    Backend, BackendError, BackendResult, CpuBackend, Dft, Direction, MerkleDigests, MerkleHasher,
    Oracle, OracleShape, Oracles, Polys, Salt,
};
use crate::digest::Digest;
use crate::field::F;

pub struct Plonky2Backend {
    scalar: CpuBackend,
}

impl Default for Plonky2Backend {
    fn default() -> Self {
        Plonky2Backend {
            scalar: CpuBackend::with_isa(Isa::Portable).expect("the portable path runs everywhere"),
        }
    }
}

impl Backend for Plonky2Backend {
    fn name(&self) -> &'static str {
        "plonky2"
    }
}

/// plonky2's own `fft` / `ifft`, one column at a time with its own tables.
impl Dft for Plonky2Backend {
    fn ntt(&self, columns: Vec<Vec<F>>, direction: Direction) -> BackendResult<Vec<Vec<F>>> {
        same_len(columns.iter().map(Vec::len))?;
        Ok(columns
            .into_par_iter()
            .map(|c| match direction {
                Direction::Forward => PolynomialCoeffs::new(c).fft().values,
                Direction::Inverse => PolynomialValues::new(c).ifft().coeffs,
            })
            .collect())
    }
}

impl MerkleHasher for Plonky2Backend {
    fn hash_leaves(&self, inputs: &[F], width: usize) -> BackendResult<Vec<Digest>> {
        self.scalar.hash_leaves(inputs, width)
    }

    fn build_levels(&self, leaves: &[Digest], pads: &[Digest]) -> BackendResult<Vec<Vec<Digest>>> {
        self.scalar.build_levels(leaves, pads)
    }

    fn merkle_tree(
        &self,
        inputs: &[F],
        width: usize,
        cap_height: usize,
    ) -> BackendResult<MerkleDigests> {
        self.scalar.merkle_tree(inputs, width, cap_height)
    }
}

impl Oracles for Plonky2Backend {
    /// plonky2's own commitment; a given salt (tests only) is not supported.
    fn oracle(&self, polys: Polys, shape: OracleShape, salt: Salt) -> BackendResult<Oracle> {
        if matches!(salt, Salt::Given(_)) {
            return Err(BackendError::Invalid(
                "stock plonky2 draws its own salt".into(),
            ));
        }
        let blinding = salt.blinding();
        let mut timing = TimingTree::default();
        let (rate, cap) = (shape.rate_bits, shape.cap_height);
        let degree = match &polys {
            Polys::Values(v) => v.first().map_or(1, |p| p.len()),
            Polys::Coeffs(c) => c.first().map_or(1, |p| p.len()),
        };
        // plonky2's prover passes the circuit's precomputed root table.
        let table = dft::root_table(degree.trailing_zeros() as usize + rate);
        let table = Some(table.as_ref());
        Ok(match polys {
            Polys::Values(v) => Oracle::from_values(v, rate, blinding, cap, &mut timing, table),
            Polys::Coeffs(c) => Oracle::from_coeffs(c, rate, blinding, cap, &mut timing, table),
        })
    }
}
