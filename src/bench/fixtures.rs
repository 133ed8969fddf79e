//! Inputs for proof benchmarks: committed prices and full batches of users
//! with a realistic spread of holdings.

use plonky2::field::types::Field;

use crate::circuits::witness::{PriceVector, UserSlot};
use crate::digest::hash_no_pad;
use crate::field::F;
use crate::model::{Amount, Position};

/// Distinct committed prices for `assets` assets at value scale 10.
pub fn prices(assets: usize) -> PriceVector {
    PriceVector {
        value_scale: 10,
        prices: (0..assets as u64).map(|a| 1_000 + 7_919 * a).collect(),
    }
}

/// `n` solvent users: each holds three assets and a little debt in a fourth.
pub fn full_batch(n: usize, assets: usize) -> Vec<Option<UserSlot>> {
    let amount = |units: u128| Amount::new(units).expect("bench amounts are below the bound");
    (0..n)
        .map(|i| {
            let mut positions = vec![Position::default(); assets];
            for k in 0..3 {
                positions[(i + 5 * k) % assets].equity = amount(1_000_000 + i as u128);
            }
            positions[(i + 1) % assets].debt = amount(1_000);
            Some(UserSlot {
                id_commitment: hash_no_pad(&[F::from_canonical_u64(i as u64 + 1)]),
                positions,
            })
        })
        .collect()
}
