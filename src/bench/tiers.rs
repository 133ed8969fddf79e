//! One batch proof per tier kind (format 2): the dense batch circuit and the
//! sparse ones, each at the B that fills the same row budget, on the same
//! prover (the driver on the CPU backend). Every proof then costs about the
//! same, so users per second is users per proof.

use std::time::Instant;

use super::fixtures::{full_batch, full_sparse_batch, prices};
use super::measure::{median_of, Row, Section};
use super::Plan;
use crate::backend::CpuBackend;
use crate::circuits::set::BatchData;
use crate::circuits::sizing::{fit_tier_within, TierFit};
use crate::circuits::witness::UserSlot;
use crate::circuits::{BatchCircuit, SparseBatchCircuit, SparseUser, TierBatch, TierKind};
use crate::field::F;
use crate::prover::Prover;
use plonky2::iop::witness::PartialWitness;
use plonky2::plonk::circuit_data::CircuitConfig;

/// A tier's circuit and a full batch of its users.
struct Fixture {
    circuit: TierBatch,
    users: Users,
}

enum Users {
    Dense(Vec<Option<UserSlot>>),
    Sparse(Vec<Option<SparseUser>>),
}

impl Fixture {
    fn new(fit: TierFit, assets: usize) -> Self {
        let config = CircuitConfig::standard_recursion_config();
        let (log, n) = (fit.fit.batch_size.trailing_zeros(), fit.fit.batch_size);
        match fit.kind.sparse_layout(assets) {
            None => Fixture {
                circuit: TierBatch::Dense(BatchCircuit::build(log, assets, config)),
                users: Users::Dense(full_batch(n, assets)),
            },
            Some(layout) => Fixture {
                circuit: TierBatch::Sparse(SparseBatchCircuit::build(log, layout, config)),
                users: Users::Sparse(full_sparse_batch(n, assets, layout.capacity)),
            },
        }
    }

    fn witness(&self, assets: usize) -> anyhow::Result<PartialWitness<F>> {
        match (&self.circuit, &self.users) {
            (TierBatch::Dense(c), Users::Dense(u)) => c.witness(&prices(assets), u),
            (TierBatch::Sparse(c), Users::Sparse(u)) => c.witness(&prices(assets), u),
            _ => anyhow::bail!("bench fixture: users of the other kind"),
        }
    }
}

fn name(fit: &TierFit) -> String {
    match fit.kind {
        TierKind::Dense => format!("dense B={}", fit.fit.batch_size),
        TierKind::Sparse { capacity } => format!("sparse K={capacity} B={}", fit.fit.batch_size),
    }
}

/// Sparse capacities the tiers section compares with the dense circuit.
pub const CAPACITIES: [usize; 4] = [1, 4, 8, 16];

/// The tiers section: dense first (the baseline of every ratio), then each
/// sparse capacity of [`CAPACITIES`] up to the asset count.
pub fn tier_proofs(plan: &Plan, cpu: &CpuBackend) -> Section {
    let assets = plan.proof_assets;
    let title = format!(
        "one batch proof per tier: {assets} assets, each tier's B filling 2^{} rows; users hold K positions (a tier's worst case)",
        plan.tier_row_log
    );
    let mut section = Section::new(&title, "users/s");
    let kinds = std::iter::once(TierKind::Dense).chain(
        CAPACITIES
            .iter()
            .filter(|&&k| k <= assets)
            .map(|&capacity| TierKind::Sparse { capacity }),
    );
    let mut row = Row::new(plan.tier_row_log, rayon::current_num_threads());
    for kind in kinds {
        let fit = fit_tier_within(kind, assets, plan.tier_row_log);
        let t = Instant::now();
        let fixture = Fixture::new(fit, assets);
        let built = t.elapsed();
        let data = fixture.circuit.data();
        let prover = match Prover::for_circuit(cpu, data) {
            Ok(p) => p,
            Err(e) => {
                section.notes.push(format!("{}: not run: {e}", name(&fit)));
                continue;
            }
        };
        let time = median_of(plan.repeats, || {
            let pw = fixture
                .witness(assets)
                .expect("the bench fixture is a valid batch");
            prover.prove(pw).expect("the driver proves a valid batch")
        });
        row.push(name(&fit), fit.fit.batch_size as f64, time);
        section.notes.push(format!(
            "{}: {} rows padded to 2^{}, {:.1} rows per user; circuit built in {:.1} s",
            name(&fit),
            fit.fit.rows,
            data.common.degree_bits(),
            fit.fit.rows as f64 / fit.fit.batch_size as f64,
            built.as_secs_f64()
        ));
    }
    section.rows.push(row);
    section
}
