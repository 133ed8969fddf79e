//! The vanishing polynomial at one point of the quotient domain, as plonky2
//! defines it (`eval_vanishing_poly_base_batch`): for each alpha, the sum of
//! `term_t * alpha^t` over the terms, in this order:
//! 1. `L_0(x) (Z(x) - 1)` for each challenge;
//! 2. the partial-product checks of each challenge, chunk by chunk;
//! 3. the gate constraints (summed over gates, each filtered by its selector).
//!
//! Lookup terms would sit between 2 and 3; circuits with lookups are refused
//! up front (see `support`).

use plonky2::field::types::Field;
use plonky2::plonk::circuit_data::CommonCircuitData;

use crate::field::{D, F};

/// The permutation challenges, with `beta * k_j` precomputed: the identity
/// permutation's value at wire j and point x is `k_j x`.
#[derive(Clone, Debug)]
pub struct Permutation {
    pub betas: Vec<F>,
    pub gammas: Vec<F>,
    /// `beta_k[c][j] = betas[c] * k_j`.
    pub beta_k: Vec<Vec<F>>,
}

impl Permutation {
    pub fn new(betas: Vec<F>, gammas: Vec<F>, k_is: &[F]) -> Self {
        let beta_k = betas
            .iter()
            .map(|&beta| k_is.iter().map(|&k| beta * k).collect())
            .collect();
        Permutation {
            betas,
            gammas,
            beta_k,
        }
    }

    /// `(w + beta k_j x + gamma, w + beta sigma + gamma)` for challenge `c`.
    #[inline]
    pub fn fractions(&self, c: usize, j: usize, w: F, x: F, sigma: F) -> (F, F) {
        let w_gamma = w + self.gammas[c];
        (
            w_gamma + self.beta_k[c][j] * x,
            w_gamma + self.betas[c] * sigma,
        )
    }
}

/// The LDE rows one point needs for the permutation terms.
pub struct PointRows<'a> {
    /// The shifted point `g * w^i`.
    pub x: F,
    /// `L_0(x)`.
    pub l_0: F,
    /// The wires (the routed ones come first).
    pub wires: &'a [F],
    /// The sigma polynomials.
    pub sigmas: &'a [F],
    /// The Z and partial-product polynomials at x.
    pub zs_partial_products: &'a [F],
    /// The Z and partial-product polynomials at the next point.
    pub next_zs_partial_products: &'a [F],
}

/// Appends terms 1 and 2 (above) for one point to `out`.
pub fn permutation_terms(
    common: &CommonCircuitData<F, D>,
    challenges: &Permutation,
    rows: &PointRows,
    out: &mut Vec<F>,
) {
    let num_challenges = common.config.num_challenges;
    let num_prods = common.num_partial_products;
    let chunk = common.quotient_degree_factor;
    let routed = common.config.num_routed_wires;
    let local = rows.zs_partial_products;
    for &z_x in &local[..num_challenges] {
        out.push(rows.l_0 * (z_x - F::ONE));
    }
    let wires = &rows.wires[..routed];
    let sigmas = &rows.sigmas[..routed];
    for c in 0..num_challenges {
        let (beta, gamma) = (challenges.betas[c], challenges.gammas[c]);
        let partials = &local[num_challenges + c * num_prods..][..num_prods];
        // The accumulators Z(x), partial products..., Z(g x); each chunk links
        // one accumulator to the next.
        let acc = |k: usize| match k {
            0 => local[c],
            k if k <= num_prods => partials[k - 1],
            _ => rows.next_zs_partial_products[c],
        };
        let chunks = wires
            .chunks(chunk)
            .zip(sigmas.chunks(chunk))
            .zip(challenges.beta_k[c].chunks(chunk));
        for (k, ((w, s), bk)) in chunks.enumerate() {
            let num = product(w.iter().zip(bk).map(|(&w, &bk)| w + gamma + bk * rows.x));
            let den = product(w.iter().zip(s).map(|(&w, &s)| w + gamma + beta * s));
            out.push(acc(k) * num - acc(k + 1) * den);
        }
    }
}

/// The product of `values`, in four independent chains: field products are
/// exact, so the order is free, and short chains keep the multiplier busy.
#[inline]
pub fn product(values: impl Iterator<Item = F>) -> F {
    let mut lanes = [F::ONE; 4];
    for (i, v) in values.enumerate() {
        lanes[i & 3] *= v;
    }
    (lanes[0] * lanes[1]) * (lanes[2] * lanes[3])
}

/// `cum = cum * alpha + term` over `terms` from last to first: the terms'
/// contribution to `sum_t term_t alpha^t` (Horner), continued from `cum`.
pub fn horner(cum: F, terms: &[F], alpha: F) -> F {
    terms.iter().rev().fold(cum, |acc, &t| acc * alpha + t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use plonky2::field::types::Sample;

    #[test]
    fn product_in_lanes_equals_the_sequential_product() {
        for len in 0..13 {
            let v = F::rand_vec(len);
            let want = v.iter().fold(F::ONE, |acc, &x| acc * x);
            assert_eq!(product(v.iter().copied()), want, "length {len}");
        }
    }

    #[test]
    fn horner_equals_the_sum_of_powers() {
        let (terms, alpha, cum) = (F::rand_vec(9), F::rand(), F::rand());
        let want = terms
            .iter()
            .zip(alpha.powers())
            .fold(F::ZERO, |acc, (&t, a)| acc + t * a)
            + cum * alpha.exp_u64(terms.len() as u64);
        assert_eq!(horner(cum, &terms, alpha), want);
    }
}
