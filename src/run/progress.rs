use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

use super::{RunContext, SharedSink};
use crate::clip::encode::EncodeObserver;
use crate::train::{EpochRecord, TrainObserver};

/// A 30-character text bar, `=` for the part done.
fn text_bar(done: usize, total: usize) -> String {
    let width = 30;
    let filled = (done * width).checked_div(total).unwrap_or(0).min(width);
    format!("{}{}", "=".repeat(filled), " ".repeat(width - filled))
}

/// Observes a training run for a session: a progress bar on a terminal, `history.csv` rewritten
/// after every epoch, and the session's interrupt flag polled between batches.
pub struct TrainingProgress<'a> {
    run: &'a RunContext,
    history: usize,
    bar: ProgressBar,
    label: String,
    /// A notebook cell's output, when there is one: it gets a text line instead of the bar.
    sink: SharedSink,
    steps: (usize, usize),
    last_line: Option<Instant>,
}

impl<'a> TrainingProgress<'a> {
    /// Observe a run labelled `label` (the `run` column of `history.csv`).
    pub fn new(run: &'a RunContext, label: &str) -> Self {
        let sink = run.output();
        let bar = if sink.is_none() && run.show_progress() && std::io::IsTerminal::is_terminal(&std::io::stderr()) {
            ProgressBar::new(0)
        } else {
            ProgressBar::hidden()
        };
        Self {
            run,
            history: run.start_history(label),
            bar,
            label: label.to_string(),
            sink,
            steps: (0, 0),
            last_line: None,
        }
    }

    /// A text progress bar for the sink, at most a few per second (and always the last one).
    fn report(&mut self, message: &str, force: bool) {
        let Some(sink) = &self.sink else { return };
        let due = self.last_line.is_none_or(|t| t.elapsed() >= Duration::from_millis(200));
        if !(due || force) {
            return;
        }
        self.last_line = Some(Instant::now());
        let (done, total) = self.steps;
        sink.progress(&format!(
            "training {} [{}] {done}/{total} steps, {message}",
            self.label,
            text_bar(done, total)
        ));
    }
}

impl TrainObserver for TrainingProgress<'_> {
    fn on_start(&mut self, total_steps: usize) {
        self.bar.set_length(total_steps as u64);
        self.steps = (0, total_steps);
        let style = ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} steps, {elapsed} (eta {eta}) {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        self.bar.set_style(style);
        self.bar.set_prefix(format!("training {}", self.label));
    }

    fn on_step(&mut self, _step: usize, loss: f64) {
        self.bar.inc(1);
        self.bar.set_message(format!("loss {loss:.4}"));
        self.steps.0 += 1;
        self.report(&format!("loss {loss:.4}"), false);
    }

    fn on_epoch(&mut self, record: &EpochRecord) {
        self.run.record_epoch(self.history, record);
        if let Some(v) = record.val_loss {
            self.bar.set_message(format!("epoch {} val loss {v:.4}", record.epoch));
        }
        self.report(
            &format!("epoch {} train loss {:.4}", record.epoch, record.train_loss),
            false,
        );
    }

    fn should_stop(&self) -> bool {
        self.run.is_cancelled()
    }

    fn on_finish(&mut self) {
        self.bar.finish_and_clear();
        self.report("done", true);
    }
}

/// Observes a CLIP encoding for a session: a progress bar on a terminal, a text line in a
/// notebook cell, and the session's interrupt flag polled between batches.
pub struct EncodeProgress<'a> {
    run: &'a RunContext,
    bar: ProgressBar,
    label: String,
    sink: SharedSink,
    counts: (usize, usize),
    last_line: Option<Instant>,
}

impl<'a> EncodeProgress<'a> {
    /// Observe an encoding described by `label` (e.g. `clip_images`).
    pub fn new(run: &'a RunContext, label: &str) -> Self {
        let sink = run.output();
        let bar = if sink.is_none() && run.show_progress() && std::io::IsTerminal::is_terminal(&std::io::stderr()) {
            ProgressBar::new(0)
        } else {
            ProgressBar::hidden()
        };
        Self {
            run,
            bar,
            label: label.to_string(),
            sink,
            counts: (0, 0),
            last_line: None,
        }
    }

    fn report(&mut self, force: bool) {
        let Some(sink) = &self.sink else { return };
        if !(force || self.last_line.is_none_or(|t| t.elapsed() >= Duration::from_millis(200))) {
            return;
        }
        self.last_line = Some(Instant::now());
        let (done, total) = self.counts;
        sink.progress(&format!("{} [{}] {done}/{total}", self.label, text_bar(done, total)));
    }
}

impl EncodeObserver for EncodeProgress<'_> {
    fn on_start(&mut self, total: usize) {
        self.bar.set_length(total as u64);
        self.counts = (0, total);
        let style = ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len}, {per_sec}, {elapsed} (eta {eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        self.bar.set_style(style);
        self.bar.set_prefix(self.label.clone());
    }

    fn on_progress(&mut self, done: usize) {
        self.bar.set_position(done as u64);
        self.counts.0 = done;
        self.report(false);
    }

    fn should_stop(&self) -> bool {
        self.run.is_cancelled()
    }

    fn on_finish(&mut self) {
        self.bar.finish_and_clear();
        self.report(true);
    }
}
