//! A progress line on stderr, shown only when stderr is a terminal and stdout is not: when the
//! records themselves scroll by on the terminal they are the progress, and a redrawn line
//! would garble them.

use std::collections::BTreeMap;
use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Counts records per provider and shows them on one line.
pub(crate) struct Progress {
    bar: Option<ProgressBar>,
    counts: BTreeMap<String, u64>,
    /// Shown after the counts: how far an ids file was read, say.
    status: String,
}

impl Progress {
    /// A progress line if stderr is a terminal and stdout is not, else nothing.
    pub(crate) fn new() -> Self {
        let show = std::io::stderr().is_terminal() && !std::io::stdout().is_terminal();
        let bar = show.then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar
        });
        Self {
            bar,
            counts: BTreeMap::new(),
            status: String::new(),
        }
    }

    /// Counts one record from `provider`.
    pub(crate) fn record(&mut self, provider: &str) {
        *self.counts.entry(provider.to_owned()).or_default() += 1;
        self.draw();
    }

    /// Shows `status` after the counts (`lookups.rs`: how far the ids file was read).
    pub(crate) fn status(&mut self, status: impl FnOnce() -> String) {
        if self.bar.is_some() {
            self.status = status();
            self.draw();
        }
    }

    fn draw(&self) {
        if let Some(bar) = &self.bar {
            let mut parts: Vec<String> = self
                .counts
                .iter()
                .map(|(p, n)| format!("{p}: {n}"))
                .collect();
            if !self.status.is_empty() {
                parts.push(self.status.clone());
            }
            bar.set_message(format!("listing… {}", parts.join(", ")));
            bar.tick();
        }
    }

    /// Erases the line, so it never mixes with what follows.
    pub(crate) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }

    /// Prints a line on stderr without breaking the progress line.
    pub(crate) fn println(&self, line: &str) {
        match &self.bar {
            Some(bar) => bar.suspend(|| crate::ending::note(line)),
            None => crate::ending::note(line),
        }
    }
}
