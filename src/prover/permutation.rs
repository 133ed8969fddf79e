//! The permutation argument's Z and partial-product polynomials, as plonky2's
//! prover builds them (`wires_permutation_partial_products_and_zs`).
//!
//! Per row i and challenge (beta, gamma), the routed wires give quotients
//! q_j = (w_j + beta k_j x_i + gamma) / (w_j + beta sigma_j + gamma), grouped in
//! chunks of `quotient_degree_factor`. Z(x_0) = 1 and Z(x_{i+1}) = Z(x_i) times
//! every chunk's product; the partial products at row i are Z(x_i) times the
//! running product of the first chunks (all but the last, which gives Z(x_{i+1})).

use plonky2::field::polynomial::PolynomialValues;
use plonky2::field::types::Field;
use plonky2::plonk::circuit_data::{CommonCircuitData, ProverOnlyCircuitData};
use rayon::prelude::*;

use super::vanishing::Permutation;
use crate::field::{C, D, F};

/// The columns plonky2 commits, in its order: Z for each challenge, then each
/// challenge's partial products.
pub fn zs_and_partial_products(
    wires: &[Vec<F>],
    challenges: &Permutation,
    prover_only: &ProverOnlyCircuitData<F, C, D>,
    common: &CommonCircuitData<F, D>,
) -> Vec<PolynomialValues<F>> {
    let per_challenge: Vec<(Vec<F>, Vec<Vec<F>>)> = (0..challenges.betas.len())
        .map(|c| z_and_partials(wires, challenges, c, prover_only, common))
        .collect();
    let (zs, partials): (Vec<_>, Vec<_>) = per_challenge.into_iter().unzip();
    zs.into_iter()
        .chain(partials.into_iter().flatten())
        .map(PolynomialValues::new)
        .collect()
}

/// Z and the `num_partial_products` partial-product columns of one challenge.
fn z_and_partials(
    wires: &[Vec<F>],
    challenges: &Permutation,
    c: usize,
    prover_only: &ProverOnlyCircuitData<F, C, D>,
    common: &CommonCircuitData<F, D>,
) -> (Vec<F>, Vec<Vec<F>>) {
    let n = common.degree();
    let chunks = common.num_partial_products + 1;
    let running = running_chunk_products(wires, challenges, c, prover_only, common);

    // Z(x_{i+1}) = Z(x_i) * (product of all of row i's chunks): a sequential scan.
    let mut z = Vec::with_capacity(n);
    let mut acc = F::ONE;
    for row in running.chunks_exact(chunks) {
        z.push(acc);
        acc *= row[chunks - 1];
    }

    let partials = (0..chunks - 1)
        .into_par_iter()
        .map(|k| (0..n).map(|i| z[i] * running[i * chunks + k]).collect())
        .collect();
    (z, partials)
}

/// Row-major `n × chunks`: entry (i, k) is the product of row i's chunks 0..=k.
fn running_chunk_products(
    wires: &[Vec<F>],
    challenges: &Permutation,
    c: usize,
    prover_only: &ProverOnlyCircuitData<F, C, D>,
    common: &CommonCircuitData<F, D>,
) -> Vec<F> {
    let routed = common.config.num_routed_wires;
    let chunk = common.quotient_degree_factor;
    let chunks = common.num_partial_products + 1;
    debug_assert_eq!(routed.div_ceil(chunk), chunks);
    let mut out = vec![F::ZERO; common.degree() * chunks];
    out.par_chunks_mut(chunks).enumerate().for_each_init(
        || (Vec::with_capacity(routed), Vec::with_capacity(routed)),
        |(num, den), (i, row)| {
            let x = prover_only.subgroup[i];
            let sigmas = &prover_only.sigmas[i];
            num.clear();
            den.clear();
            for j in 0..routed {
                let (n, d) = challenges.fractions(c, j, wires[j][i], x, sigmas[j]);
                num.push(n);
                den.push(d);
            }
            let den_inv = F::batch_multiplicative_inverse(den);
            let mut acc = F::ONE;
            for ((slot, nums), invs) in row
                .iter_mut()
                .zip(num.chunks(chunk))
                .zip(den_inv.chunks(chunk))
            {
                for (&a, &b) in nums.iter().zip(invs) {
                    acc *= a * b;
                }
                *slot = acc;
            }
        },
    );
    out
}
