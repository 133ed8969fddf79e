//! What the driver proves: every circuit plonky2 1.1 proves, except those with
//! lookup tables. Anything else is refused here, before any work, so nothing is
//! ever proven with a missing piece.

use plonky2::plonk::circuit_data::{CommonCircuitData, ProverOnlyCircuitData};
use plonky2::util::log2_ceil;

use crate::field::{C, D, F};

/// A circuit feature the driver does not reproduce.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Unsupported {
    #[error(
        "the circuit uses {tables} lookup table(s); the prover driver does not implement \
         plonky2's lookup argument (prove it with plonky2's own prover)"
    )]
    Lookups { tables: usize },
    #[error(
        "constraint degree factor {factor} needs an LDE of rate 2^{needed}, above the FRI rate \
         2^{rate_bits} (plonky2 refuses this too)"
    )]
    QuotientAboveRate {
        factor: usize,
        needed: usize,
        rate_bits: usize,
    },
    #[error(
        "quotient degree factor {factor} is not below the {routed} routed wires \
         (plonky2 refuses this too)"
    )]
    TooFewRoutedWires { factor: usize, routed: usize },
    #[error("the circuit has no gates or no challenges")]
    Empty,
    #[error(
        "{partial_products} partial products do not fit {routed} routed wires in chunks of {factor}"
    )]
    InconsistentPartialProducts {
        partial_products: usize,
        routed: usize,
        factor: usize,
    },
}

/// Refuses, up front, any circuit the driver would not prove exactly as plonky2.
pub fn check(
    prover_only: &ProverOnlyCircuitData<F, C, D>,
    common: &CommonCircuitData<F, D>,
) -> Result<(), Unsupported> {
    let uses_lookups = !common.luts.is_empty()
        || common.num_lookup_polys != 0
        || common.num_lookup_selectors != 0
        || !prover_only.lookup_rows.is_empty()
        || !prover_only.lut_to_lookups.is_empty();
    if uses_lookups {
        return Err(Unsupported::Lookups {
            tables: common.luts.len().max(prover_only.lookup_rows.len()),
        });
    }
    if common.gates.is_empty() || common.config.num_challenges == 0 {
        return Err(Unsupported::Empty);
    }
    let factor = common.quotient_degree_factor;
    let needed = log2_ceil(factor);
    let rate_bits = common.config.fri_config.rate_bits;
    if needed > rate_bits {
        return Err(Unsupported::QuotientAboveRate {
            factor,
            needed,
            rate_bits,
        });
    }
    let routed = common.config.num_routed_wires;
    if factor >= routed {
        return Err(Unsupported::TooFewRoutedWires { factor, routed });
    }
    // The permutation argument splits the routed wires into chunks of `factor`;
    // the last chunk ends in Z(g x), the others in partial products.
    if routed.div_ceil(factor) != common.num_partial_products + 1 {
        return Err(Unsupported::InconsistentPartialProducts {
            partial_products: common.num_partial_products,
            routed,
            factor,
        });
    }
    Ok(())
}
