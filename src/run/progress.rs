use indicatif::{ProgressBar, ProgressStyle};

use super::RunContext;
use crate::train::{EpochRecord, TrainObserver};

/// Observes a training run for a session: a progress bar on a terminal, `history.csv` rewritten
/// after every epoch, and the session's interrupt flag polled between batches.
pub struct TrainingProgress<'a> {
    run: &'a RunContext,
    history: usize,
    bar: ProgressBar,
    label: String,
}

impl<'a> TrainingProgress<'a> {
    /// Observe a run labelled `label` (the `run` column of `history.csv`).
    pub fn new(run: &'a RunContext, label: &str) -> Self {
        let bar = if run.show_progress() && std::io::IsTerminal::is_terminal(&std::io::stderr()) {
            ProgressBar::new(0)
        } else {
            ProgressBar::hidden()
        };
        Self {
            run,
            history: run.start_history(label),
            bar,
            label: label.to_string(),
        }
    }
}

impl TrainObserver for TrainingProgress<'_> {
    fn on_start(&mut self, total_steps: usize) {
        self.bar.set_length(total_steps as u64);
        let style = ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} steps, {elapsed} (eta {eta}) {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        self.bar.set_style(style);
        self.bar.set_prefix(format!("training {}", self.label));
    }

    fn on_step(&mut self, _step: usize, loss: f64) {
        self.bar.inc(1);
        self.bar.set_message(format!("loss {loss:.4}"));
    }

    fn on_epoch(&mut self, record: &EpochRecord) {
        self.run.record_epoch(self.history, record);
        if let Some(v) = record.val_loss {
            self.bar.set_message(format!("epoch {} val loss {v:.4}", record.epoch));
        }
    }

    fn should_stop(&self) -> bool {
        self.run.is_cancelled()
    }

    fn on_finish(&mut self) {
        self.bar.finish_and_clear();
    }
}
