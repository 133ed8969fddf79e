//! The CPU backend: a vectorised Poseidon (AVX-512, AVX2 or portable lanes,
//! chosen at run time) spread over every core with rayon. Bit-identical to
//! plonky2's scalar `PoseidonHash`.

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "x86_64")]
mod avx512;
pub mod dft;
mod isa;
#[cfg(target_arch = "x86_64")]
mod lanes;
#[cfg(target_arch = "x86_64")]
mod mds;
#[cfg(target_arch = "x86_64")]
mod permutation;
mod scalar;
#[cfg(target_arch = "x86_64")]
mod sponge;

pub use isa::Isa;

use plonky2::field::polynomial::PolynomialCoeffs;
use rayon::prelude::*;

use super::dft::{same_len, Dft, Direction};
use super::{Backend, BackendError, BackendResult, MerkleHasher, Oracles};
use crate::digest::Digest;
use crate::field::F;

/// Hashes per rayon task: large enough to amortise scheduling, small enough to balance.
const HASHES_PER_TASK: usize = 512;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CpuBackend {
    isa: Isa,
}

impl Default for CpuBackend {
    /// The fastest instruction set the CPU has.
    fn default() -> Self {
        CpuBackend { isa: Isa::detect() }
    }
}

impl CpuBackend {
    /// The backend on the fastest instruction set, detected once per process.
    pub fn detected() -> &'static CpuBackend {
        static DETECTED: std::sync::OnceLock<CpuBackend> = std::sync::OnceLock::new();
        DETECTED.get_or_init(CpuBackend::default)
    }

    /// A backend on a given instruction set, if this CPU has it.
    pub fn with_isa(isa: Isa) -> Option<Self> {
        isa.available().then_some(CpuBackend { isa })
    }

    pub fn isa(&self) -> Isa {
        self.isa
    }
}

impl Backend for CpuBackend {
    fn name(&self) -> &'static str {
        "cpu"
    }

    fn describe(&self) -> String {
        format!(
            "cpu ({} Poseidon, {} threads)",
            self.isa.name(),
            rayon::current_num_threads()
        )
    }
}

/// plonky2_field's FFT with tables shared across columns (`dft.rs`).
impl Dft for CpuBackend {
    fn ntt(&self, columns: Vec<Vec<F>>, direction: Direction) -> BackendResult<Vec<Vec<F>>> {
        same_len(columns.iter().map(Vec::len))?;
        Ok(dft::ntt_columns(columns, direction))
    }

    /// Skips the FFT layers over the zero padding, with the shift powers and
    /// root table built once per size.
    fn coset_lde(
        &self,
        polys: &[PolynomialCoeffs<F>],
        rate_bits: usize,
    ) -> BackendResult<Vec<Vec<F>>> {
        same_len(polys.iter().map(|p| p.len()))?;
        Ok(dft::coset_ldes(polys, rate_bits))
    }
}

/// The derived oracle: this backend's DFT, then its Merkle hashing.
impl Oracles for CpuBackend {}

impl MerkleHasher for CpuBackend {
    fn hash_leaves(&self, inputs: &[F], width: usize) -> BackendResult<Vec<Digest>> {
        if width == 0 || !inputs.len().is_multiple_of(width) {
            return Err(BackendError::Invalid(format!(
                "{} leaf inputs are not rows of {width}",
                inputs.len()
            )));
        }
        let mut out = vec![Digest::ZERO; inputs.len() / width];
        out.par_chunks_mut(HASHES_PER_TASK)
            .zip(inputs.par_chunks(HASHES_PER_TASK * width))
            .for_each(|(out, rows)| self.isa.hash_rows(rows, width, out));
        Ok(out)
    }

    fn build_levels(&self, leaves: &[Digest], pads: &[Digest]) -> BackendResult<Vec<Vec<Digest>>> {
        let mut levels: Vec<Vec<Digest>> = Vec::with_capacity(pads.len());
        for (i, &pad) in pads.iter().enumerate() {
            let below = if i == 0 { leaves } else { &levels[i - 1] };
            let next = self.hash_level(below, pad);
            levels.push(next);
        }
        Ok(levels)
    }
}

impl CpuBackend {
    /// One tree level: `two_to_one` of each pair of children, `pad` for a missing right child.
    fn hash_level(&self, children: &[Digest], pad: Digest) -> Vec<Digest> {
        let pairs: Vec<(Digest, Digest)> = children
            .chunks(2)
            .map(|c| (c[0], c.get(1).copied().unwrap_or(pad)))
            .collect();
        let mut out = vec![Digest::ZERO; pairs.len()];
        out.par_chunks_mut(HASHES_PER_TASK)
            .zip(pairs.par_chunks(HASHES_PER_TASK))
            .for_each(|(out, pairs)| self.isa.hash_pairs(pairs, out));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::P;
    use plonky2::field::types::{Field, PrimeField64, Sample};
    use plonky2::hash::poseidon::Poseidon;

    /// Zero, one, p's neighbours, limb boundaries and top-bit values.
    pub(super) fn edge_values() -> Vec<u64> {
        vec![
            0,
            1,
            P - 1,
            P,
            P + 1,
            u64::MAX,
            1 << 32,
            (1 << 32) - 1,
            1 << 63,
            0xffff_ffff_0000_0000,
        ]
    }

    #[test]
    fn every_isa_permutes_like_plonky2() {
        let mut states: Vec<[u64; 12]> = edge_values().into_iter().map(|v| [v; 12]).collect();
        states.extend((0..37).map(|_| F::rand_array::<12>().map(|x| x.to_canonical_u64())));
        let want: Vec<[u64; 12]> = states
            .iter()
            .map(|s| F::poseidon(s.map(F::from_noncanonical_u64)).map(|x| x.to_canonical_u64()))
            .collect();
        for isa in Isa::ALL.into_iter().filter(|i| i.available()) {
            let mut got = states.clone();
            isa.permute(&mut got);
            assert_eq!(got, want, "{isa:?}");
        }
    }
}
