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

use crate::circuits::D;
use crate::field::F;

/// The permutation challenges.
#[derive(Clone, Copy, Debug)]
pub struct Permutation<'a> {
    pub betas: &'a [F],
    pub gammas: &'a [F],
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
    challenges: Permutation,
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
        for (k, start) in (0..routed).step_by(chunk).enumerate() {
            let end = (start + chunk).min(routed);
            let mut num = F::ONE;
            let mut den = F::ONE;
            for j in start..end {
                let w = rows.wires[j];
                num *= w + beta * (common.k_is[j] * rows.x) + gamma;
                den *= w + beta * rows.sigmas[j] + gamma;
            }
            out.push(acc(k) * num - acc(k + 1) * den);
        }
    }
}

/// `cum = cum * alpha + term` over `terms` from last to first: the terms'
/// contribution to `sum_t term_t alpha^t` (Horner), continued from `cum`.
pub fn horner(cum: F, terms: &[F], alpha: F) -> F {
    terms.iter().rev().fold(cum, |acc, &t| acc * alpha + t)
}
