//! Stock plonky2 behind the backend seam: its scalar Poseidon and its own
//! `PolynomialBatch::from_values` / `from_coeffs`. The prover driver on this
//! backend commits exactly as `plonky2::plonk::prover::prove` does, so its
//! phase timings are the "before" breakdown of a proof.

use plonky2::util::timing::TimingTree;

use crate::backend::cpu::Isa;
use crate::backend::lde;
use crate::backend::{
    BackendError, BackendResult, Batch, CommitShape, CpuBackend, HashBackend, MerkleDigests, Polys,
    Salt,
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

impl HashBackend for Plonky2Backend {
    fn name(&self) -> &'static str {
        "plonky2"
    }

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

    /// plonky2's own commitment; a given salt (tests only) is not supported.
    fn commit(&self, polys: Polys, shape: CommitShape, salt: Salt) -> BackendResult<Batch> {
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
        let table = lde::root_table(degree.trailing_zeros() as usize + rate);
        let table = Some(table.as_ref());
        Ok(match polys {
            Polys::Values(v) => Batch::from_values(v, rate, blinding, cap, &mut timing, table),
            Polys::Coeffs(c) => Batch::from_coeffs(c, rate, blinding, cap, &mut timing, table),
        })
    }
}
