//! What the job tells its operator: progress bars on a terminal, or, with
//! `--log-format json`, one JSON event per line on stderr for machines
//! (docs/FORMAT.md §10 lists the events and their fields).

use crate::circuits::{Built, Origin, Watch};
use crate::progress::Progress;
use indicatif::{MultiProgress, ProgressBar};
use serde_json::{Map, Value};
use std::io::Write;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How the job logs to stderr.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LogFormat {
    /// Progress bars on a terminal and short notices.
    #[default]
    Text,
    /// One JSON object per line; no bars.
    Json,
}

/// The job's voice: bars, notices and events.
#[derive(Clone)]
pub struct Reporter {
    progress: Progress,
    format: LogFormat,
    quiet: bool,
    backend: &'static str,
    shard: Option<String>,
    multi: MultiProgress,
}

impl Reporter {
    pub fn new(progress: Progress, format: LogFormat, quiet: bool, backend: &'static str) -> Self {
        let progress = match format {
            LogFormat::Json => Progress::hidden(),
            LogFormat::Text => progress,
        };
        Reporter {
            progress,
            format,
            quiet,
            backend,
            shard: None,
            multi: MultiProgress::with_draw_target(progress.target()),
        }
    }

    /// The backend that runs this job's hashing ("cpu", "gpu"), named in every event.
    pub fn with_backend(mut self, backend: &'static str) -> Self {
        self.backend = backend;
        self
    }

    pub fn with_shard(mut self, shard: String) -> Self {
        self.shard = Some(shard);
        self
    }

    pub fn backend(&self) -> &'static str {
        self.backend
    }

    pub fn progress(&self) -> Progress {
        self.progress
    }

    pub fn is_json(&self) -> bool {
        self.format == LogFormat::Json
    }

    /// Emits one event; `fields` add to `event`, `phase`, `ts_ms`, `backend` and `shard`.
    pub fn event(&self, event: &str, phase: &str, fields: Value) {
        if self.format != LogFormat::Json {
            return;
        }
        let mut m = Map::new();
        m.insert("event".into(), event.into());
        m.insert("phase".into(), phase.into());
        let ts = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        m.insert("ts_ms".into(), ts.into());
        m.insert("backend".into(), self.backend.into());
        if let Some(s) = &self.shard {
            m.insert("shard".into(), s.clone().into());
        }
        if let Value::Object(extra) = fields {
            m.extend(extra);
        }
        let line = Value::Object(m).to_string();
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "{line}");
    }

    /// A phase finished after `took`.
    pub fn phase_done(&self, phase: &str, took: Duration) {
        self.event(
            "phase_done",
            phase,
            serde_json::json!({"duration_ms": took.as_millis() as u64}),
        );
    }

    /// A line for the operator: a JSON `notice` event, or text unless `--quiet`.
    pub fn notice(&self, phase: &str, message: &str) {
        match self.format {
            LogFormat::Json => self.event("notice", phase, serde_json::json!({"message": message})),
            LogFormat::Text if !self.quiet => {
                if self.progress.is_hidden() {
                    eprintln!("note: {message}");
                } else {
                    let _ = self.multi.println(format!("note: {message}"));
                }
            }
            LogFormat::Text => {}
        }
    }

    /// A warning: a JSON `warning` event, or `warning: ...` unless `--quiet`.
    pub fn warning(&self, phase: &str, message: &str) {
        match self.format {
            LogFormat::Json => {
                self.event("warning", phase, serde_json::json!({"message": message}))
            }
            LogFormat::Text if !self.quiet => eprintln!("warning: {message}"),
            LogFormat::Text => {}
        }
    }

    /// A bar with rate and ETA, drawn together with the job's other bars.
    pub fn bar(&self, len: u64, what: &str) -> ProgressBar {
        self.multi.add(self.progress.bar(len, what))
    }

    pub fn spinner(&self, what: &str) -> ProgressBar {
        self.multi.add(self.progress.spinner(what))
    }
}

/// Each circuit build shows a spinner and logs a `circuit_built` event.
impl Watch for Reporter {
    fn building(&self, circuit: &str) -> Built<'_> {
        let spinner = self.spinner(&format!("building the {circuit} circuit"));
        let circuit = circuit.to_string();
        Box::new(move |took, origin| {
            spinner.finish_and_clear();
            let source = match origin {
                Origin::Built => "built",
                Origin::Loaded => "cache",
                Origin::Rebuilt(why) => {
                    let msg =
                        format!("the cached {circuit} circuit was not used ({why}); rebuilt it");
                    self.notice("circuits", &msg);
                    "rebuilt"
                }
            };
            self.event(
                "circuit_built",
                "circuits",
                serde_json::json!({"circuit": circuit, "source": source, "duration_ms": took.as_millis() as u64}),
            );
        })
    }
}
