//! Inputs for proof benchmarks, shared by `zkpor bench` and the criterion
//! benches: committed prices, full batches of users with a realistic spread
//! of holdings, and a batch proof ready to run with either prover.

use anyhow::Result;
use plonky2::field::types::Field;
use plonky2::iop::witness::PartialWitness;
use plonky2::plonk::circuit_data::CircuitConfig;

use crate::backend::Backend;
use crate::circuits::witness::{PriceVector, UserSlot};
use crate::circuits::{BatchCircuit, SparseUser};
use crate::digest::hash_no_pad;
use crate::field::{Proof, F};
use crate::model::{Amount, Holdings, Position};
use crate::prover;

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

/// `n` solvent users of a sparse tier, each holding `capacity` positions
/// (the tier's worst case): equity in all, a little debt in the first.
pub fn full_sparse_batch(n: usize, assets: usize, capacity: usize) -> Vec<Option<SparseUser>> {
    let amount = |units: u128| Amount::new(units).expect("bench amounts are below the bound");
    (0..n)
        .map(|i| {
            let mut held: Vec<u32> = (0..capacity)
                .map(|k| ((i + 7 * k) % assets) as u32)
                .collect();
            held.sort_unstable();
            held.dedup();
            let positions = held
                .iter()
                .enumerate()
                .map(|(k, &a)| {
                    let debt = if k == 0 { 1_000 } else { 0 };
                    let p = Position {
                        equity: amount(1_000_000 + i as u128),
                        debt: amount(debt),
                    };
                    (a, p)
                })
                .collect();
            let holdings = Holdings::new(positions, assets).expect("sorted and in range");
            Some(SparseUser {
                id_commitment: hash_no_pad(&[F::from_canonical_u64(i as u64 + 1)]),
                holdings,
            })
        })
        .collect()
}

/// One full batch of 2^batch_log users at `assets` assets, with its circuit.
pub struct BatchProof {
    pub circuit: BatchCircuit,
    pub users: Vec<Option<UserSlot>>,
    pub prices: PriceVector,
}

impl BatchProof {
    pub fn new(batch_log: u32, assets: usize) -> Self {
        BatchProof {
            circuit: BatchCircuit::build(
                batch_log,
                assets,
                CircuitConfig::standard_recursion_config(),
            ),
            users: full_batch(1 << batch_log, assets),
            prices: prices(assets),
        }
    }

    /// The circuit inputs (a witness per run, as the job makes them).
    pub fn inputs(&self) -> Result<PartialWitness<F>> {
        self.circuit.witness(&self.prices, &self.users)
    }

    /// plonky2's own `prove`, witness included.
    pub fn plonky2(&self) -> Result<Proof> {
        self.circuit.data.prove(self.inputs()?)
    }

    /// The prover driver on `backend`, witness included.
    pub fn driver(&self, backend: &dyn Backend) -> Result<Proof> {
        prover::prove(backend, &self.circuit.data, self.inputs()?)
    }
}
