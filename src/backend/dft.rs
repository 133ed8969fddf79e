//! The DFT concept: one required batched NTT (plonky2's `fft` / `ifft` of
//! each column), with the coset LDE and the coset inverse derived from it.
//! A backend overrides a derived method only where it does better (the CPU
//! skips the FFT layers over the zero padding of an LDE; the GPU keeps the
//! columns on the device). Field arithmetic is exact, so every path returns
//! plonky2's values.

use plonky2::field::polynomial::PolynomialCoeffs;
use plonky2::field::types::Field;
use rayon::prelude::*;

use super::{BackendError, BackendResult};
use crate::field::F;

/// Which transform: plonky2's `fft` (coefficients to values on the subgroup,
/// both in natural order) or its `ifft`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Forward,
    Inverse,
}

pub trait Dft: Send + Sync {
    /// plonky2's `fft` or `ifft` of each column: equal power-of-two lengths,
    /// natural order in and out.
    fn ntt(&self, columns: Vec<Vec<F>>, direction: Direction) -> BackendResult<Vec<Vec<F>>>;

    /// Each polynomial's values on the coset `coset_shift * <w>` of size
    /// `len << rate_bits`, in natural order: plonky2's
    /// `p.lde(rate_bits).coset_fft_with_options(F::coset_shift(), Some(rate_bits), _)`.
    /// Every polynomial must have the same power-of-two length.
    fn coset_lde(
        &self,
        polys: &[PolynomialCoeffs<F>],
        rate_bits: usize,
    ) -> BackendResult<Vec<Vec<F>>> {
        let len = same_len(polys.iter().map(|p| p.len()))?;
        let shifts = powers(F::coset_shift(), len);
        let columns = polys
            .par_iter()
            .map(|p| {
                let mut lde = Vec::with_capacity(len << rate_bits);
                lde.extend(p.coeffs.iter().zip(&shifts).map(|(&c, &s)| c * s));
                lde.resize(len << rate_bits, F::ZERO);
                lde
            })
            .collect();
        self.ntt(columns, Direction::Forward)
    }

    /// plonky2's `PolynomialValues::coset_ifft(shift)` of each column: the
    /// coefficients of the polynomial whose values on `shift * <w>` these are.
    fn coset_intt(&self, columns: Vec<Vec<F>>, shift: F) -> BackendResult<Vec<Vec<F>>> {
        let len = same_len(columns.iter().map(Vec::len))?;
        let unshift = powers(shift.inverse(), len);
        let mut coeffs = self.ntt(columns, Direction::Inverse)?;
        coeffs.par_iter_mut().for_each(|c| {
            c.iter_mut().zip(&unshift).for_each(|(c, &s)| *c *= s);
        });
        Ok(coeffs)
    }
}

/// The common power-of-two length of a batch (0 for an empty batch),
/// refused when the lengths differ or one is not a power of two.
pub fn same_len(lens: impl Iterator<Item = usize>) -> BackendResult<usize> {
    Ok(batch_len(lens).map_err(BackendError::Invalid)?.unwrap_or(0))
}

/// The common length of a batch of columns (`None` when there are none), or
/// why the batch cannot be transformed: every backend's one rule.
pub fn batch_len(mut lens: impl Iterator<Item = usize>) -> Result<Option<usize>, String> {
    let Some(first) = lens.next() else {
        return Ok(None);
    };
    if !first.is_power_of_two() {
        return Err(format!("column length {first} is not a power of two"));
    }
    match lens.find(|&l| l != first) {
        Some(other) => Err(format!("columns differ in length ({first} and {other})")),
        None => Ok(Some(first)),
    }
}

/// Elements per sequential run when filling a table of powers in parallel.
const POWERS_RUN: usize = 1 << 12;

/// `[1, base, base^2, ..., base^(len-1)]`, filled in parallel runs.
pub fn powers(base: F, len: usize) -> Vec<F> {
    let mut out = vec![F::ZERO; len];
    out.par_chunks_mut(POWERS_RUN)
        .enumerate()
        .for_each(|(i, run)| {
            let mut x = base.exp_u64((i * POWERS_RUN) as u64);
            for y in run {
                *y = x;
                x *= base;
            }
        });
    out
}

/// `i` with its low `bits` bits reversed (plonky2's `reverse_bits`).
pub fn reverse_bits(i: usize, bits: usize) -> usize {
    if bits == 0 {
        0
    } else {
        i.reverse_bits() >> (usize::BITS as usize - bits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plonky2::field::polynomial::PolynomialValues;
    use plonky2::field::types::Sample;

    #[test]
    fn powers_match_plonky2() {
        let base = F::rand();
        for len in [0, 1, 5, POWERS_RUN + 3] {
            let want: Vec<F> = base.powers().take(len).collect();
            assert_eq!(powers(base, len), want);
        }
    }

    /// A backend with only the required NTT: the derived methods alone.
    struct NttOnly;

    impl Dft for NttOnly {
        fn ntt(&self, columns: Vec<Vec<F>>, direction: Direction) -> BackendResult<Vec<Vec<F>>> {
            Ok(crate::backend::cpu::dft::ntt_columns(columns, direction))
        }
    }

    #[test]
    fn derived_methods_match_plonky2() {
        for log_n in [0usize, 1, 4] {
            let poly = PolynomialCoeffs::new(F::rand_vec(1 << log_n));
            for rate_bits in 0..3 {
                let want = poly
                    .lde(rate_bits)
                    .coset_fft_with_options(F::coset_shift(), Some(rate_bits), None)
                    .values;
                let got = NttOnly.coset_lde(std::slice::from_ref(&poly), rate_bits);
                assert_eq!(
                    got.unwrap(),
                    vec![want],
                    "log_n={log_n} rate_bits={rate_bits}"
                );
            }
            let values = F::rand_vec(1 << log_n);
            let shift = F::rand();
            let want = PolynomialValues::new(values.clone())
                .coset_ifft(shift)
                .coeffs;
            assert_eq!(NttOnly.coset_intt(vec![values], shift).unwrap(), vec![want]);
        }
    }

    #[test]
    fn mixed_lengths_are_refused() {
        let got = NttOnly.coset_intt(vec![vec![F::ONE; 2], vec![F::ONE; 4]], F::ONE);
        assert!(matches!(got, Err(BackendError::Invalid(_))));
    }
}
