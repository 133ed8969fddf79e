//! Progress bars on stderr, only when it is a terminal and not `--quiet`.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;

#[derive(Clone, Copy, Debug)]
pub struct Progress {
    visible: bool,
}

impl Progress {
    /// Visible when stderr is a terminal, unless `quiet`.
    pub fn new(quiet: bool) -> Self {
        Progress {
            visible: !quiet && std::io::stderr().is_terminal(),
        }
    }

    pub fn hidden() -> Self {
        Progress { visible: false }
    }

    /// Whether bars are suppressed (not a terminal, or `--quiet`).
    pub fn is_hidden(&self) -> bool {
        !self.visible
    }

    /// Where bars draw: stderr, or nowhere.
    pub fn target(&self) -> ProgressDrawTarget {
        if self.visible {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        }
    }

    /// A bar over a known number of items.
    pub fn bar(&self, len: u64, what: &str) -> ProgressBar {
        let style = ProgressStyle::with_template(
            "{msg:>12} [{bar:30}] {human_pos}/{human_len} {per_sec} eta {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
        ProgressBar::with_draw_target(Some(len), self.target())
            .with_style(style)
            .with_message(what.to_string())
    }

    /// A ticking spinner for one long step.
    pub fn spinner(&self, what: &str) -> ProgressBar {
        let style = ProgressStyle::with_template("{spinner} {msg} {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner());
        let bar = ProgressBar::with_draw_target(None, self.target())
            .with_style(style)
            .with_message(what.to_string());
        bar.enable_steady_tick(std::time::Duration::from_millis(200));
        bar
    }

    /// A counter for a stream of unknown length.
    pub fn counter(&self, what: &str) -> ProgressBar {
        let style =
            ProgressStyle::with_template("{spinner} {msg:>12} {human_pos} {per_sec} {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner());
        ProgressBar::with_draw_target(None, self.target())
            .with_style(style)
            .with_message(what.to_string())
    }
}

/// Milliseconds since `t`, as the summaries and events record durations.
pub fn ms(t: std::time::Instant) -> u64 {
    t.elapsed().as_millis() as u64
}
