//! Wall-clock time per proving phase, for `zkpor bench` and PERFORMANCE.md.

use std::time::{Duration, Instant};

/// Where one proof's time went.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PhaseTimings {
    /// Generators and the wire matrix.
    pub witness: Duration,
    /// Wires commitment (interpolation, LDE, Merkle tree).
    pub wires_commit: Duration,
    /// Z and partial products, and their commitment.
    pub zs_commit: Duration,
    /// Gate constraints and the permutation argument over the quotient domain,
    /// division by Z_H, interpolation and chunking.
    pub quotient: Duration,
    /// Quotient chunks commitment.
    pub quotient_commit: Duration,
    /// Evaluating every polynomial at zeta and g*zeta.
    pub openings: Duration,
    /// The FRI opening proof (reduction, commit phase, proof of work, queries).
    pub fri: Duration,
    /// Verifying the finished proof with plonky2's verifier.
    pub self_check: Duration,
}

impl PhaseTimings {
    /// The phases in proving order, with short names.
    pub fn phases(&self) -> [(&'static str, Duration); 8] {
        [
            ("witness", self.witness),
            ("wires commitment", self.wires_commit),
            ("Z + partial products commitment", self.zs_commit),
            ("quotient evaluation", self.quotient),
            ("quotient commitment", self.quotient_commit),
            ("openings", self.openings),
            ("FRI", self.fri),
            ("self-check (verify)", self.self_check),
        ]
    }

    pub fn total(&self) -> Duration {
        self.phases().iter().map(|(_, d)| *d).sum()
    }
}

/// Runs `f`, adding its wall time to `slot`.
pub(crate) fn timed<T>(slot: &mut Duration, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    *slot += start.elapsed();
    out
}
