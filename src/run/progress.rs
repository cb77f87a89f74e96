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

/// Progress of one long job, shown where the session's output goes: an indicatif bar on a
/// terminal, or a text line (at most a few per second) in a notebook cell's output.
struct Progress {
    bar: ProgressBar,
    sink: SharedSink,
    label: String,
    counts: (usize, usize),
    last_line: Option<Instant>,
}

impl Progress {
    fn new(run: &RunContext, label: &str) -> Self {
        let sink = run.output();
        let bar = if sink.is_none() && run.show_progress() && std::io::IsTerminal::is_terminal(&std::io::stderr()) {
            ProgressBar::new(0)
        } else {
            ProgressBar::hidden()
        };
        Self {
            bar,
            sink,
            label: label.to_string(),
            counts: (0, 0),
            last_line: None,
        }
    }

    /// Begin `total` units; `template` is the terminal bar's indicatif template.
    fn start(&mut self, total: usize, template: &str, prefix: String) {
        self.bar.set_length(total as u64);
        self.counts = (0, total);
        let style = ProgressStyle::with_template(template)
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        self.bar.set_style(style);
        self.bar.set_prefix(prefix);
    }

    fn set_done(&mut self, done: usize) {
        self.bar.set_position(done as u64);
        self.counts.0 = done;
    }

    /// A text line `{what} [bar] done/total{suffix}` for the sink; throttled unless `force`.
    fn report(&mut self, what: &str, suffix: &str, force: bool) {
        let Some(sink) = &self.sink else { return };
        let due = self.last_line.is_none_or(|t| t.elapsed() >= Duration::from_millis(200));
        if !(due || force) {
            return;
        }
        self.last_line = Some(Instant::now());
        let (done, total) = self.counts;
        sink.progress(&format!("{what} [{}] {done}/{total}{suffix}", text_bar(done, total)));
    }
}

/// Observes a training run for a session: a progress bar on a terminal (or a text line in a
/// notebook), `history.csv` rewritten after every epoch, and the session's interrupt flag polled
/// between batches.
pub struct TrainingProgress<'a> {
    run: &'a RunContext,
    history: usize,
    progress: Progress,
}

impl<'a> TrainingProgress<'a> {
    /// Observe a run labelled `label` (the `run` column of `history.csv`).
    pub fn new(run: &'a RunContext, label: &str) -> Self {
        Self {
            run,
            history: run.start_history(label),
            progress: Progress::new(run, label),
        }
    }

    fn report(&mut self, message: &str, force: bool) {
        let what = format!("training {}", self.progress.label);
        self.progress.report(&what, &format!(" steps, {message}"), force);
    }
}

impl TrainObserver for TrainingProgress<'_> {
    fn on_start(&mut self, total_steps: usize) {
        let prefix = format!("training {}", self.progress.label);
        self.progress.start(
            total_steps,
            "{prefix} [{bar:30}] {pos}/{len} steps, {elapsed} (eta {eta}) {msg}",
            prefix,
        );
    }

    fn on_step(&mut self, _step: usize, loss: f64) {
        let done = self.progress.counts.0 + 1;
        self.progress.set_done(done);
        self.progress.bar.set_message(format!("loss {loss:.4}"));
        self.report(&format!("loss {loss:.4}"), false);
    }

    fn on_epoch(&mut self, record: &EpochRecord) {
        self.run.record_epoch(self.history, record);
        if let Some(v) = record.val_loss {
            self.progress
                .bar
                .set_message(format!("epoch {} val loss {v:.4}", record.epoch));
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
        self.progress.bar.finish_and_clear();
        self.report("done", true);
    }
}

/// Observes a CLIP encoding for a session: a progress bar on a terminal, a text line in a
/// notebook cell, and the session's interrupt flag polled between batches.
pub struct EncodeProgress<'a> {
    run: &'a RunContext,
    progress: Progress,
}

impl<'a> EncodeProgress<'a> {
    /// Observe an encoding described by `label` (e.g. `clip_images`).
    pub fn new(run: &'a RunContext, label: &str) -> Self {
        Self {
            run,
            progress: Progress::new(run, label),
        }
    }

    fn report(&mut self, force: bool) {
        let what = self.progress.label.clone();
        self.progress.report(&what, "", force);
    }
}

impl EncodeObserver for EncodeProgress<'_> {
    fn on_start(&mut self, total: usize) {
        let prefix = self.progress.label.clone();
        self.progress.start(
            total,
            "{prefix} [{bar:30}] {pos}/{len}, {per_sec}, {elapsed} (eta {eta})",
            prefix,
        );
    }

    fn on_progress(&mut self, done: usize) {
        self.progress.set_done(done);
        self.report(false);
    }

    fn should_stop(&self) -> bool {
        self.run.is_cancelled()
    }

    fn on_finish(&mut self) {
        self.progress.bar.finish_and_clear();
        self.report(true);
    }
}
