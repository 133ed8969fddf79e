//! One batch proof: plonky2's own `prove`, and the prover driver with stock
//! plonky2 commitments, with the CPU backend and with each GPU backend, on
//! the same circuit and users; plus where each driver run's time went.

use std::time::{Duration, Instant};

use super::fixtures::{prices, BatchProof};
use super::measure::{median_of, profiled, CircuitRows, Row, Section};
use super::stock::Plonky2Backend;
use super::Plan;
use crate::backend::{Backend, CpuBackend, GpuBackend};
use crate::circuits::sizing::BatchFit;
use crate::circuits::witness::UserSlot;
use crate::circuits::BatchCircuit;
use crate::prover::{PhaseTimings, Prover};

/// The driver's median run: its wall time and its phases.
fn driver_runs(
    repeats: usize,
    backend: &dyn Backend,
    circuit: &BatchCircuit,
    users: &[Option<UserSlot>],
    assets: usize,
) -> (Duration, PhaseTimings) {
    let prover =
        Prover::for_circuit(backend, &circuit.data).expect("the batch circuit is supported");
    let run = || {
        let pw = circuit.witness(&prices(assets), users).expect("witness");
        let t = Instant::now();
        let proved = prover.prove(pw).expect("the driver proves a valid batch");
        (t.elapsed(), proved.timings)
    };
    run();
    let mut runs: Vec<(Duration, PhaseTimings)> = (0..repeats.max(1)).map(|_| run()).collect();
    runs.sort_by_key(|r| r.0);
    runs[runs.len() / 2]
}

fn phase_note(name: &str, t: &PhaseTimings) -> String {
    let phases: Vec<String> = t
        .phases()
        .iter()
        .map(|(phase, d)| format!("{phase} {:.0} ms", d.as_secs_f64() * 1e3))
        .collect();
    format!("{name} phases: {}", phases.join(", "))
}

/// A batch proof of 2^batch_log users at `assets` assets, per implementation.
pub fn batch_proof(plan: &Plan, cpu: &CpuBackend, gpus: &[GpuBackend]) -> Section {
    let (log, assets) = (plan.proof_batch_log, plan.proof_assets);
    let fixture = BatchProof::new(log, assets);
    let (circuit, users) = (&fixture.circuit, &fixture.users);
    let degree_bits = circuit.data.common.degree_bits();
    let title = format!(
        "one batch proof: {} users x {assets} assets, 2^{degree_bits} rows",
        users.len()
    );
    let mut section = Section::new(&title, "users/s");
    let rows = BatchFit::of(log, assets).rows;
    let padded_rows = circuit.data.common.degree();
    section.circuit = Some(CircuitRows {
        users: users.len(),
        assets,
        rows,
        padded_rows,
        rows_per_user: rows as f64 / users.len() as f64,
        padded_rows_per_user: padded_rows as f64 / users.len() as f64,
    });
    let n = users.len() as f64;
    let mut row = Row::new(log, rayon::current_num_threads());
    let t = median_of(plan.repeats, || fixture.plonky2().expect("plonky2 proves"));
    row.push("plonky2 prove", n, t);
    let stock = Plonky2Backend::default();
    let mut drivers: Vec<(String, &dyn Backend, Option<&GpuBackend>)> = vec![
        ("driver + plonky2 commitments".into(), &stock, None),
        (format!("driver + cpu/{}", cpu.isa().name()), cpu, None),
    ];
    let lde_log = degree_bits as u32 + circuit.data.common.config.fri_config.rate_bits as u32;
    for gpu in gpus {
        if lde_log <= plan.gpu_max_log {
            let name = format!("driver + {}", gpu.label());
            drivers.push((name, gpu, Some(gpu)));
        } else {
            section.notes.push(format!(
                "driver + {} not run: its LDE has 2^{lde_log} rows, above --gpu-max-log",
                gpu.label()
            ));
        }
    }
    for (name, backend, gpu) in drivers {
        let (t, phases) = driver_runs(plan.repeats, backend, circuit, users, assets);
        let e = row.push(name.clone(), n, t);
        if let Some(gpu) = gpu {
            // The witness is made outside the profiled span; the prover's own
            // CPU phases are inside it, so wall time exceeds the device's.
            let prover = Prover::for_circuit(gpu, &circuit.data);
            let pw = circuit.witness(&prices(assets), users);
            if let (Ok(prover), Ok(pw)) = (prover, pw) {
                e.profile = profiled(plan.profile, gpu, || prover.prove(pw).map(|_| ()));
            }
        }
        section.notes.push(phase_note(&name, &phases));
    }
    section.rows.push(row);
    section
}
