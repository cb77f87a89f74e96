use super::EpochRecord;

/// Hooks into a training run: progress display, live history files, interruption.
///
/// Every method has a default, so an observer implements only what it needs.
pub trait TrainObserver {
    /// Called once before the first step with the planned number of steps.
    fn on_start(&mut self, _total_steps: usize) {}
    /// Called after every optimiser step with the batch loss.
    fn on_step(&mut self, _step: usize, _loss: f64) {}
    /// Called after every epoch with its record.
    fn on_epoch(&mut self, _record: &EpochRecord) {}
    /// Polled between batches: `true` stops training cleanly, keeping the best model so far.
    fn should_stop(&self) -> bool {
        false
    }
    /// Called once when training ends, however it ends.
    fn on_finish(&mut self) {}
}

/// An observer that does nothing.
pub struct SilentObserver;

impl TrainObserver for SilentObserver {}
