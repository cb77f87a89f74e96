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
    /// What the job is called on the bar and at the start of the line, e.g. `training ridge`.
    what: String,
    counts: (usize, usize),
    last_line: Option<Instant>,
}

impl Progress {
    fn new(run: &RunContext, what: String) -> Self {
        let sink = run.output();
        let bar = if sink.is_none() && run.show_progress() && std::io::IsTerminal::is_terminal(&std::io::stderr()) {
            ProgressBar::new(0)
        } else {
            ProgressBar::hidden()
        };
        Self {
            bar,
            sink,
            what,
            counts: (0, 0),
            last_line: None,
        }
    }

    /// Begin `total` units; `template` is the terminal bar's indicatif template.
    fn start(&mut self, total: usize, template: &str) {
        self.bar.set_length(total as u64);
        self.counts = (0, total);
        let style = ProgressStyle::with_template(template)
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        self.bar.set_style(style);
        self.bar.set_prefix(self.what.clone());
    }

    fn set_done(&mut self, done: usize) {
        self.bar.set_position(done as u64);
        self.counts.0 = done;
    }

    /// A text line `{what} [bar] done/total{suffix}` for the sink; throttled unless `force`.
    fn report(&mut self, suffix: &str, force: bool) {
        let Some(sink) = &self.sink else { return };
        let due = self.last_line.is_none_or(|t| t.elapsed() >= Duration::from_millis(200));
        if !(due || force) {
            return;
        }
        self.last_line = Some(Instant::now());
        let (done, total) = self.counts;
        sink.progress(&format!(
            "{} [{}] {done}/{total}{suffix}",
            self.what,
            text_bar(done, total)
        ));
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
            progress: Progress::new(run, format!("training {label}")),
        }
    }

    fn report(&mut self, message: &str, force: bool) {
        self.progress.report(&format!(" steps, {message}"), force);
    }
}

impl TrainObserver for TrainingProgress<'_> {
    fn on_start(&mut self, total_steps: usize) {
        self.progress.start(
            total_steps,
            "{prefix} [{bar:30}] {pos}/{len} steps, {elapsed} (eta {eta}) {msg}",
        );
    }

    fn on_step(&mut self, _step: usize, loss: f64) {
        let done = self.progress.counts.0 + 1;
        self.progress.set_done(done);
        let message = format!("loss {loss:.4}");
        self.report(&message, false);
        self.progress.bar.set_message(message);
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
            progress: Progress::new(run, label.to_string()),
        }
    }
}

impl EncodeProgress<'_> {
    /// Run `work`, which reports `(done, total)` to the callback it is given and stops when the
    /// callback returns `false` (an interrupt), under this progress bar.
    pub fn counting<T>(mut self, work: impl FnOnce(&mut dyn FnMut(usize, usize) -> bool) -> T) -> T {
        let mut started = false;
        let result = work(&mut |done, total| {
            if !started {
                self.on_start(total);
                started = true;
            }
            self.on_progress(done);
            !self.should_stop()
        });
        self.on_finish();
        result
    }
}

impl EncodeObserver for EncodeProgress<'_> {
    fn on_start(&mut self, total: usize) {
        self.progress.start(
            total,
            "{prefix} [{bar:30}] {pos}/{len}, {per_sec}, {elapsed} (eta {eta})",
        );
    }

    fn on_progress(&mut self, done: usize) {
        self.progress.set_done(done);
        self.progress.report("", false);
    }

    fn should_stop(&self) -> bool {
        self.run.is_cancelled()
    }

    fn on_finish(&mut self) {
        self.progress.bar.finish_and_clear();
        self.progress.report("", true);
    }
}

/// Observes a diffusion sampling run for a session: a progress bar with the guidance distance
/// on a terminal (or a text line in a notebook), and the interrupt flag polled between steps.
pub struct GenerateProgress<'a> {
    run: &'a RunContext,
    progress: Progress,
    started: bool,
}

impl<'a> GenerateProgress<'a> {
    /// Observe the generation described by `label` (e.g. `generate 3/10 n01443537_22563`).
    pub fn new(run: &'a RunContext, label: &str) -> Self {
        Self {
            run,
            progress: Progress::new(run, label.to_string()),
            started: false,
        }
    }
}

impl crate::generate::SampleObserver for GenerateProgress<'_> {
    fn step(
        &mut self,
        done: usize,
        total: usize,
        losses: &crate::generate::GuidanceLosses,
    ) -> Result<(), crate::generate::GenerateError> {
        if !self.started {
            self.progress.start(
                total,
                "{prefix} [{bar:30}] {pos}/{len} steps, {msg} {elapsed} (eta {eta})",
            );
            self.started = true;
        }
        self.progress.set_done(done);
        let suffix = if losses.distance > 0.0 {
            format!(", distance {:.4}", losses.distance)
        } else {
            String::new()
        };
        self.progress
            .bar
            .set_message(suffix.trim_start_matches(", ").to_string());
        if done == total {
            self.progress.bar.finish_and_clear();
            self.progress.report(&suffix, true);
        } else {
            self.progress.report(&suffix, false);
        }
        if self.run.is_cancelled() {
            return Err(crate::generate::GenerateError::Interrupted);
        }
        Ok(())
    }
}

/// Observes a sweep run by a script: a progress bar on a terminal (or a text line in a notebook)
/// of runs ended out of all, with how many are running and how many did not complete.
pub struct SweepProgress {
    progress: Progress,
    running: usize,
    incomplete: usize,
}

impl SweepProgress {
    /// Observe the sweep `name` of `total` runs.
    pub fn new(run: &RunContext, name: &str, total: usize) -> Self {
        let mut progress = Progress::new(run, format!("sweep {name}"));
        progress.start(total, "{prefix} [{bar:30}] {pos}/{len} runs {msg} ({elapsed})");
        Self {
            progress,
            running: 0,
            incomplete: 0,
        }
    }

    /// Take one event of the pool.
    pub fn on_event(&mut self, event: &crate::sweep::PoolEvent) {
        use crate::sweep::{PoolEvent, TaskState};
        match event {
            PoolEvent::Started { .. } => self.running += 1,
            PoolEvent::Finished { state, .. } => {
                self.running = self.running.saturating_sub(1);
                if *state != TaskState::Completed {
                    self.incomplete += 1;
                }
                let done = self.progress.counts.0 + 1;
                self.progress.set_done(done);
            }
        }
        let message = format!("· {} running · {} not completed", self.running, self.incomplete);
        self.progress
            .report(&format!(" runs {message}"), matches!(event, PoolEvent::Finished { .. }));
        self.progress.bar.set_message(message);
    }

    /// The pool has ended.
    pub fn finish(&mut self) {
        self.progress.bar.finish_and_clear();
    }
}
