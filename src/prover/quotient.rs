//! The quotient polynomials: the vanishing polynomial divided by Z_H, evaluated
//! on the coset LDE of size `n * 2^ceil(log2(quotient_degree_factor))`, then
//! interpolated and cut into degree-n chunks (plonky2's `compute_quotient_polys`
//! and the chunking in `prove_with_partition_witness`).
//!
//! Cache-friendly order: the points are visited in the order the commitments
//! store their LDE rows (bit-reversed), so each batch reads consecutive rows;
//! batches run in parallel on rayon, each with its own scratch buffers. Field
//! arithmetic is exact, so the values equal plonky2's whatever the order.

use anyhow::{Context, Result};
use plonky2::field::polynomial::PolynomialCoeffs;
use plonky2::field::types::Field;
use plonky2::field::zero_poly_coset::ZeroPolyOnCoset;
use plonky2::hash::hash_types::HashOut;
use plonky2::plonk::circuit_data::CommonCircuitData;
use plonky2::plonk::vars::EvaluationVarsBaseBatch;
use plonky2::util::{log2_ceil, reverse_index_bits_in_place};
use rayon::prelude::*;

use super::selectors::Selectors;
use super::vanishing::{horner, permutation_terms, Permutation, PointRows};
use crate::backend::{Dft, Oracle};
use crate::field::{D, F};

/// Points per batch: gate evaluations amortise their per-call costs over a
/// batch, while a batch's rows and constraint values stay in cache.
pub const BATCH_SIZE: usize = 32;

/// Everything the quotient depends on.
pub struct QuotientInputs<'a> {
    /// Runs the interpolation off the coset.
    pub dft: &'a dyn Dft,
    pub common: &'a CommonCircuitData<F, D>,
    pub selectors: &'a Selectors,
    pub constants_sigmas: &'a Oracle,
    pub wires: &'a Oracle,
    pub zs_partial_products: &'a Oracle,
    pub public_inputs_hash: &'a HashOut<F>,
    pub permutation: &'a Permutation,
    pub alphas: &'a [F],
}

/// The quotient chunks plonky2 commits: `quotient_degree_factor` polynomials of
/// degree n per challenge, challenge by challenge.
///
/// Fails when the vanishing polynomial is not divisible by Z_H, which means the
/// witness does not satisfy the circuit.
pub fn quotient_chunks(q: &QuotientInputs) -> Result<Vec<PolynomialCoeffs<F>>> {
    let common = q.common;
    let degree = common.degree();
    let quotient_degree = common.quotient_degree();
    let polys = quotient_polys(q)?;
    let mut chunks = Vec::with_capacity(polys.len() * common.quotient_degree_factor);
    for (c, mut poly) in polys.into_iter().enumerate() {
        poly.trim_to_len(quotient_degree).with_context(|| {
            format!(
                "quotient {c} has degree above {quotient_degree}: the vanishing polynomial is \
                 not divisible by Z_H, so the witness does not satisfy the circuit"
            )
        })?;
        chunks.extend(poly.chunks(degree));
    }
    Ok(chunks)
}

/// One quotient polynomial per challenge, of `n * 2^quotient_bits` coefficients.
fn quotient_polys(q: &QuotientInputs) -> Result<Vec<PolynomialCoeffs<F>>> {
    let domain = Domain::new(q.common);
    let num_challenges = q.common.config.num_challenges;
    // Point-major values, points in bit-reversed (storage) order.
    let mut values = vec![F::ZERO; domain.size * num_challenges];
    values
        .par_chunks_mut(BATCH_SIZE * num_challenges)
        .enumerate()
        .for_each_init(
            || Scratch::new(q.common),
            |scratch, (b, out)| evaluate_batch(q, &domain, b * BATCH_SIZE, out, scratch),
        );
    let columns = (0..num_challenges)
        .into_par_iter()
        .map(|c| {
            let mut column: Vec<F> = values
                .iter()
                .skip(c)
                .step_by(num_challenges)
                .copied()
                .collect();
            reverse_index_bits_in_place(&mut column);
            column
        })
        .collect();
    drop(values);
    // plonky2's `coset_ifft(F::coset_shift())` of each column.
    let coeffs = q.dft.coset_intt(columns, F::coset_shift())?;
    Ok(coeffs.into_iter().map(PolynomialCoeffs::new).collect())
}

/// The quotient domain: the coset `g K` with |K| = n * 2^quotient_bits.
struct Domain {
    log_size: usize,
    size: usize,
    /// Index stride into the commitments' LDE (rate 2^rate_bits).
    step: usize,
    /// Index distance to the next point `w x` of the subgroup H.
    next_step: usize,
    /// `g * w_K^i` in natural order.
    shifted_points: Vec<F>,
    z_h: ZeroPolyOnCoset<F>,
    n: F,
}

impl Domain {
    fn new(common: &CommonCircuitData<F, D>) -> Self {
        let quotient_bits = log2_ceil(common.quotient_degree_factor);
        let rate_bits = common.config.fri_config.rate_bits;
        let log_size = common.degree_bits() + quotient_bits;
        let shift = F::coset_shift();
        Domain {
            log_size,
            size: 1 << log_size,
            step: 1 << (rate_bits - quotient_bits),
            next_step: 1 << quotient_bits,
            shifted_points: F::two_adic_subgroup(log_size)
                .into_iter()
                .map(|x| shift * x)
                .collect(),
            z_h: ZeroPolyOnCoset::new(common.degree_bits(), quotient_bits),
            n: F::from_canonical_usize(common.degree()),
        }
    }
}

/// Per-thread buffers, reused from batch to batch.
struct Scratch {
    /// Column-major constants (`[col * len + k]`), as `EvaluationVarsBaseBatch` wants.
    constants: Vec<F>,
    wires: Vec<F>,
    /// Summed gate constraints, constraint-major.
    constraints: Vec<F>,
    /// The permutation terms of every point of the batch, point-major.
    permutation: Vec<F>,
    cumulative: Vec<F>,
}

impl Scratch {
    fn new(common: &CommonCircuitData<F, D>) -> Self {
        Scratch {
            constants: Vec::with_capacity(common.num_constants * BATCH_SIZE),
            wires: Vec::with_capacity(common.config.num_wires * BATCH_SIZE),
            constraints: Vec::with_capacity(common.num_gate_constraints * BATCH_SIZE),
            permutation: Vec::new(),
            cumulative: Vec::with_capacity(BATCH_SIZE),
        }
    }
}

/// Quotient values for the points stored at rows `first..first + len` (len =
/// `out.len() / num_challenges`), point-major into `out`.
fn evaluate_batch(
    q: &QuotientInputs,
    domain: &Domain,
    first: usize,
    out: &mut [F],
    scratch: &mut Scratch,
) {
    let common = q.common;
    let num_challenges = common.config.num_challenges;
    let len = out.len() / num_challenges;
    let indices: Vec<usize> = (first..first + len)
        .map(|r| reverse_bits(r, domain.log_size))
        .collect();
    let next = |i: usize| (i + domain.next_step) % domain.size;
    let constants_sigmas: Vec<&[F]> = indices
        .iter()
        .map(|&i| q.constants_sigmas.get_lde_values(i, domain.step))
        .collect();
    let wires: Vec<&[F]> = indices
        .iter()
        .map(|&i| q.wires.get_lde_values(i, domain.step))
        .collect();
    let zs: Vec<&[F]> = indices
        .iter()
        .map(|&i| q.zs_partial_products.get_lde_values(i, domain.step))
        .collect();
    let next_zs: Vec<&[F]> = indices
        .iter()
        .map(|&i| q.zs_partial_products.get_lde_values(next(i), domain.step))
        .collect();

    gate_constraints(q, &constants_sigmas, &wires, scratch);

    // L_0(x) = Z_H(x) / (n (x - 1)), with one batched inversion.
    let xs: Vec<F> = indices.iter().map(|&i| domain.shifted_points[i]).collect();
    let l_0_denominators: Vec<F> = xs.iter().map(|&x| domain.n * (x - F::ONE)).collect();
    let l_0_inverses = F::batch_multiplicative_inverse(&l_0_denominators);

    let sigmas = common.sigmas_range();
    scratch.permutation.clear();
    for k in 0..len {
        let rows = PointRows {
            x: xs[k],
            l_0: domain.z_h.eval(indices[k]) * l_0_inverses[k],
            wires: wires[k],
            sigmas: &constants_sigmas[k][sigmas.clone()],
            zs_partial_products: zs[k],
            next_zs_partial_products: next_zs[k],
        };
        permutation_terms(common, q.permutation, &rows, &mut scratch.permutation);
    }
    let per_point = scratch.permutation.len() / len;

    for (c, &alpha) in q.alphas.iter().enumerate() {
        // Gate constraints first (they are the last terms), all points at once.
        scratch.cumulative.clear();
        scratch.cumulative.resize(len, F::ZERO);
        for row in scratch.constraints.chunks_exact(len).rev() {
            for (cum, &t) in scratch.cumulative.iter_mut().zip(row) {
                *cum = *cum * alpha + t;
            }
        }
        for k in 0..len {
            let terms = &scratch.permutation[k * per_point..][..per_point];
            let value = horner(scratch.cumulative[k], terms, alpha);
            out[k * num_challenges + c] = value * domain.z_h.eval_inverse(indices[k]);
        }
    }
}

/// Sums every gate's filtered constraints over the batch into `scratch.constraints`.
fn gate_constraints(
    q: &QuotientInputs,
    constants_sigmas: &[&[F]],
    wires: &[&[F]],
    scratch: &mut Scratch,
) {
    let common = q.common;
    let len = wires.len();
    column_major(
        constants_sigmas,
        common.num_constants,
        &mut scratch.constants,
    );
    column_major(wires, common.config.num_wires, &mut scratch.wires);
    scratch.constraints.clear();
    scratch
        .constraints
        .resize(common.num_gate_constraints * len, F::ZERO);
    let vars = EvaluationVarsBaseBatch::new(
        len,
        &scratch.constants,
        &scratch.wires,
        q.public_inputs_hash,
    );
    let num_selectors = q.selectors.num_selectors();
    for (g, gate) in common.gates.iter().enumerate() {
        let selector = q.selectors.indices[g];
        let values = gate.0.eval_filtered_base_batch(
            vars,
            g,
            selector,
            q.selectors.groups[selector].clone(),
            num_selectors,
            common.num_lookup_selectors,
        );
        for (acc, v) in scratch.constraints.iter_mut().zip(values) {
            *acc += v;
        }
    }
}

/// `r` with its low `bits` bits reversed (`bits` ≥ 1 whenever r > 0).
fn reverse_bits(r: usize, bits: usize) -> usize {
    if bits == 0 {
        return 0;
    }
    r.reverse_bits() >> (usize::BITS as usize - bits)
}

/// The first `width` values of each row, column-major: `out[col * rows + k]`.
fn column_major(rows: &[&[F]], width: usize, out: &mut Vec<F>) {
    out.clear();
    out.reserve(width * rows.len());
    for col in 0..width {
        out.extend(rows.iter().map(|row| row[col]));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plonky2::util::reverse_index_bits;

    #[test]
    fn reverse_bits_matches_plonky2s_bit_reversal() {
        for bits in 0..8 {
            let natural: Vec<usize> = (0..1 << bits).collect();
            let want = reverse_index_bits(&natural);
            let got: Vec<usize> = natural.iter().map(|&r| reverse_bits(r, bits)).collect();
            assert_eq!(got, want, "{bits} bits");
        }
    }
}
