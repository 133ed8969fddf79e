//! The openings at zeta and g*zeta, and the FRI instance that proves them,
//! rebuilt from their public pieces: plonky2's `OpeningSet::to_fri_openings`
//! and `CommonCircuitData::get_fri_instance` are crate-private.

use plonky2::field::types::Field;
use plonky2::fri::structure::{FriBatchInfo, FriInstanceInfo, FriOracleInfo, FriPolynomialInfo};
use plonky2::hash::poseidon::PoseidonHash;
use plonky2::iop::challenger::Challenger;
use plonky2::plonk::circuit_data::CommonCircuitData;
use plonky2::plonk::proof::OpeningSet;

use super::transcript::Ext;
use crate::backend::Oracle;
use crate::field::{D, F};

/// The oracles in commitment order. Their blinding flags are plonky2's protocol
/// constants (`PlonkOracle::*.blinding`), whatever the zero-knowledge setting.
mod oracle {
    pub const CONSTANTS_SIGMAS: (usize, bool) = (0, false);
    pub const WIRES: (usize, bool) = (1, true);
    pub const ZS_PARTIAL_PRODUCTS: (usize, bool) = (2, true);
    pub const QUOTIENT: (usize, bool) = (3, true);
}

/// Every committed polynomial at zeta, and the Z polynomials also at g*zeta.
pub fn open(
    common: &CommonCircuitData<F, D>,
    zeta: Ext,
    oracles: &[&Oracle; 4],
) -> OpeningSet<F, D> {
    let g = Ext::primitive_root_of_unity(common.degree_bits());
    let [constants_sigmas, wires, zs_partial_products, quotient] = *oracles;
    OpeningSet::new(
        zeta,
        g,
        constants_sigmas,
        wires,
        zs_partial_products,
        quotient,
        common,
    )
}

/// Observes the openings as plonky2's verifier does: the values at zeta, then
/// those at g*zeta (lookup values would follow each; lookups are refused).
pub fn observe(challenger: &mut Challenger<F, PoseidonHash>, openings: &OpeningSet<F, D>) {
    let at_zeta = [
        openings.constants.as_slice(),
        &openings.plonk_sigmas,
        &openings.wires,
        &openings.plonk_zs,
        &openings.partial_products,
        &openings.quotient_polys,
    ]
    .concat();
    challenger.observe_extension_elements::<D>(&at_zeta);
    challenger.observe_extension_elements::<D>(&openings.plonk_zs_next);
}

/// Every polynomial is opened at zeta; the Z polynomials also at g*zeta.
pub fn fri_instance(common: &CommonCircuitData<F, D>, zeta: Ext) -> FriInstanceInfo<F, D> {
    let num_challenges = common.config.num_challenges;
    let preprocessed = common.sigmas_range().end;
    let wires = common.config.num_wires;
    let zs_partial_products = num_challenges * (1 + common.num_partial_products);
    let quotient = num_challenges * common.quotient_degree_factor;
    let oracles = [
        (oracle::CONSTANTS_SIGMAS, preprocessed),
        (oracle::WIRES, wires),
        (oracle::ZS_PARTIAL_PRODUCTS, zs_partial_products),
        (oracle::QUOTIENT, quotient),
    ];
    let all_polys = oracles
        .iter()
        .flat_map(|&((index, _), count)| FriPolynomialInfo::from_range(index, 0..count))
        .collect();
    let zs = FriPolynomialInfo::from_range(oracle::ZS_PARTIAL_PRODUCTS.0, common.zs_range());
    let g = Ext::primitive_root_of_unity(common.degree_bits());
    FriInstanceInfo {
        oracles: oracles
            .iter()
            .map(|&((_, blinding), num_polys)| FriOracleInfo {
                num_polys,
                blinding,
            })
            .collect(),
        batches: vec![
            FriBatchInfo {
                point: zeta,
                polynomials: all_polys,
            },
            FriBatchInfo {
                point: g * zeta,
                polynomials: zs,
            },
        ],
    }
}
