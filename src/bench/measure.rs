//! Repeated timing with medians, and the row/entry shapes every bench section
//! reports in.

use serde::Serialize;
use std::time::{Duration, Instant};

use crate::backend::gpu::GpuProfile;
use crate::backend::GpuBackend;

/// With `on`, runs `f` once more under the GPU profiler; a profile that could
/// not be read is reported as a note-worthy absence, never a failed bench.
pub fn profiled<T>(on: bool, gpu: &GpuBackend, f: impl FnOnce() -> T) -> Option<GpuProfile> {
    if !on {
        return None;
    }
    match gpu.profile(f) {
        Ok((_, p)) => Some(p),
        Err(e) => {
            eprintln!("zkpor bench: profile not recorded: {e}");
            None
        }
    }
}

/// Runs `f` `repeats` times (after one untimed warm-up) and returns the median.
pub fn median_of<T>(repeats: usize, mut f: impl FnMut() -> T) -> Duration {
    std::hint::black_box(f());
    let mut times: Vec<Duration> = (0..repeats.max(1))
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(f());
            t.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

/// As `median_of`, with untimed `setup` before each run (e.g. cloning inputs
/// that the measured function consumes).
pub fn median_with_setup<S, T>(
    repeats: usize,
    mut setup: impl FnMut() -> S,
    mut f: impl FnMut(S) -> T,
) -> Duration {
    std::hint::black_box(f(setup()));
    let mut times: Vec<Duration> = (0..repeats.max(1))
        .map(|_| {
            let input = setup();
            let t = Instant::now();
            std::hint::black_box(f(input));
            t.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

/// One implementation's figure in a row.
#[derive(Clone, Debug, Serialize)]
pub struct Entry {
    /// "plonky2", "cpu/avx512", "gpu/u32", ...
    pub implementation: String,
    /// Median wall time of one run.
    pub seconds: f64,
    /// Work items per second (the row's unit).
    pub rate: f64,
    /// This entry's rate over the row's first entry (the baseline).
    pub ratio: f64,
    /// For GPU entries: the same bytes moved alone, up and down (seconds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transfer_seconds: Option<f64>,
    /// For GPU entries under `--profile`: one more run, profiled (not one of
    /// the timed runs above, so the medians carry no profiling cost).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<GpuProfile>,
}

/// One size of one measurement, all implementations side by side.
#[derive(Clone, Debug, Serialize)]
pub struct Row {
    /// log2 of the work size (states, leaves, rows).
    pub log_size: u32,
    /// Threads the CPU entries used.
    pub threads: usize,
    pub entries: Vec<Entry>,
}

impl Row {
    pub fn new(log_size: u32, threads: usize) -> Self {
        Row {
            log_size,
            threads,
            entries: Vec::new(),
        }
    }

    /// Adds an entry for `items` done in `time`; the first entry is the baseline.
    pub fn push(
        &mut self,
        implementation: impl Into<String>,
        items: f64,
        time: Duration,
    ) -> &mut Entry {
        let seconds = time.as_secs_f64().max(1e-9);
        let rate = items / seconds;
        let ratio = self.entries.first().map_or(1.0, |b| rate / b.rate);
        self.entries.push(Entry {
            implementation: implementation.into(),
            seconds,
            rate,
            ratio,
            transfer_seconds: None,
            profile: None,
        });
        self.entries.last_mut().expect("just pushed")
    }
}

/// A titled table: what is measured, its unit, and one row per size.
#[derive(Clone, Debug, Serialize)]
pub struct Section {
    pub title: String,
    /// What `rate` counts per second.
    pub unit: String,
    pub rows: Vec<Row>,
    /// Remarks: what was skipped and why, what a software device means.
    pub notes: Vec<String>,
    /// For the proof section: the batch circuit's rows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub circuit: Option<CircuitRows>,
}

/// A batch circuit's size: what a batch proof's cost follows.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct CircuitRows {
    pub users: usize,
    pub assets: usize,
    /// Rows the gates fill (`BatchFit::rows`), before padding.
    pub rows: usize,
    /// The power of two plonky2 pads them to (the circuit's degree).
    pub padded_rows: usize,
    /// rows / users: the batch's fixed rows (prices, totals) included.
    pub rows_per_user: f64,
    /// padded_rows / users: what each user costs in the proof.
    pub padded_rows_per_user: f64,
}

impl Section {
    pub fn new(title: &str, unit: &str) -> Self {
        Section {
            title: title.to_string(),
            unit: unit.to_string(),
            rows: Vec::new(),
            notes: Vec::new(),
            circuit: None,
        }
    }

    /// Records that a GPU entry failed at 2^log instead of timing it: the
    /// bench goes on with the other entries and says why in the notes.
    pub fn failed(&mut self, gpu: &GpuBackend, log: u32, why: &dyn std::fmt::Display) {
        self.notes.push(format!(
            "{} at 2^{log} failed, not timed: {why}",
            gpu.label()
        ));
    }
}
