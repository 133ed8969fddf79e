//! The CPU backend's DFT: NTTs and coset low-degree extensions with plonky2_field's FFT.
//! Results are plonky2's exactly (`fft`, `ifft`, `PolynomialCoeffs::lde` +
//! `coset_fft_with_options`); what changes is the bookkeeping around them:
//! plonky2 rebuilds the FFT root table and the coset-shift powers for every
//! polynomial and copies each one twice on the way to its FFT. Here both
//! tables are built once per size and shared, and each LDE is one buffer.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use plonky2::field::fft::{fft_root_table, fft_with_options, ifft_with_options, FftRootTable};
use plonky2::field::polynomial::{PolynomialCoeffs, PolynomialValues};
use plonky2::field::types::Field;
use plonky2::util::log2_strict;
use rayon::prelude::*;

use crate::backend::dft::{powers, Direction};
use crate::field::F;

type Cache<T> = OnceLock<Mutex<HashMap<usize, Arc<T>>>>;

/// The entry for `key`, made once. A poisoned lock only means another thread
/// panicked mid-insert; the map itself is still sound.
fn cached<T>(cache: &'static Cache<T>, key: usize, make: impl FnOnce() -> T) -> Arc<T> {
    let map = cache.get_or_init(Default::default);
    let mut map = map.lock().unwrap_or_else(PoisonError::into_inner);
    map.entry(key).or_insert_with(|| Arc::new(make())).clone()
}

/// plonky2's FFT root table for 2^log_n points.
pub fn root_table(log_n: usize) -> Arc<FftRootTable<F>> {
    static TABLES: Cache<FftRootTable<F>> = OnceLock::new();
    cached(&TABLES, log_n, || fft_root_table(1 << log_n))
}

/// `coset_shift^j` for j < 2^log_n.
fn shift_powers(log_n: usize) -> Arc<Vec<F>> {
    static POWERS: Cache<Vec<F>> = OnceLock::new();
    cached(&POWERS, log_n, || powers(F::coset_shift(), 1 << log_n))
}

/// plonky2's `fft` or `ifft` of each column (power-of-two lengths).
pub fn ntt_columns(columns: Vec<Vec<F>>, direction: Direction) -> Vec<Vec<F>> {
    columns
        .into_par_iter()
        .map(|c| transform(c, direction))
        .collect()
}

fn transform(values: Vec<F>, direction: Direction) -> Vec<F> {
    let table = root_table(log2_strict(values.len()));
    match direction {
        Direction::Forward => {
            fft_with_options(PolynomialCoeffs::new(values), None, Some(&table)).values
        }
        Direction::Inverse => {
            ifft_with_options(PolynomialValues::new(values), None, Some(&table)).coeffs
        }
    }
}

/// Each polynomial's values on the coset `coset_shift * <w>` of size
/// `len << rate_bits`, in natural order: plonky2's
/// `p.lde(rate_bits).coset_fft_with_options(F::coset_shift(), Some(rate_bits), _)`.
/// Every polynomial must have the same power-of-two length.
pub fn coset_ldes(polys: &[PolynomialCoeffs<F>], rate_bits: usize) -> Vec<Vec<F>> {
    let Some(first) = polys.first() else {
        return Vec::new();
    };
    let log_n = log2_strict(first.len());
    let shifts = shift_powers(log_n);
    let table = root_table(log_n + rate_bits);
    polys
        .par_iter()
        .map(|p| {
            assert_eq!(p.len(), first.len(), "polynomial degrees differ");
            coset_lde(p, rate_bits, &shifts, &table)
        })
        .collect()
}

fn coset_lde(
    p: &PolynomialCoeffs<F>,
    rate_bits: usize,
    shifts: &[F],
    table: &FftRootTable<F>,
) -> Vec<F> {
    let len = p.len() << rate_bits;
    let mut lde = Vec::with_capacity(len);
    lde.extend(p.coeffs.iter().zip(shifts).map(|(&c, &s)| c * s));
    lde.resize(len, F::ZERO);
    // The zero factor lets the FFT skip the rate_bits layers over the padding.
    fft_with_options(PolynomialCoeffs::new(lde), Some(rate_bits), Some(table)).values
}

#[cfg(test)]
mod tests {
    use super::*;
    use plonky2::field::types::Sample;

    #[test]
    fn transforms_match_plonky2() {
        for log_n in [0usize, 1, 3, 9] {
            let values = F::rand_vec(1 << log_n);
            let poly = PolynomialCoeffs::new(values.clone());
            let want_fft = poly.clone().fft().values;
            let want_ifft = PolynomialValues::new(values.clone()).ifft().coeffs;
            assert_eq!(
                ntt_columns(vec![values.clone()], Direction::Forward),
                vec![want_fft]
            );
            assert_eq!(
                ntt_columns(vec![values], Direction::Inverse),
                vec![want_ifft]
            );
            for rate_bits in 0..3 {
                let want = poly
                    .lde(rate_bits)
                    .coset_fft_with_options(F::coset_shift(), Some(rate_bits), None)
                    .values;
                let got = coset_ldes(std::slice::from_ref(&poly), rate_bits);
                assert_eq!(got, vec![want], "log_n={log_n} rate_bits={rate_bits}");
            }
        }
    }
}
