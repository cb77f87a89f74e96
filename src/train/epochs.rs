//! The epoch loop model trainers share (CLIP, diffusion): shuffled mini-batches, the warm-up +
//! cosine learning rate, divergence and interruption checks, one record per epoch.

use std::collections::BTreeMap;
use std::time::Instant;

use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use super::schedule::warmup_cosine;
use super::{EpochRecord, StopReason, TrainObserver};

/// How many items, in what batches, for how long, at what learning rate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EpochPlan {
    /// Training items (batches are drawn from `0..items`).
    pub items: usize,
    /// Items per step (the last incomplete batch of an epoch is skipped).
    pub batch: usize,
    /// Passes over the items.
    pub epochs: usize,
    /// Peak learning rate.
    pub lr: f64,
    /// Share of the steps spent warming up.
    pub warmup: f64,
    /// Final learning rate / peak.
    pub min_lr_ratio: f64,
}

/// One training job the loop drives.
pub trait EpochTask {
    /// Its error type.
    type Error;
    /// One optimiser step on the items `batch` at learning rate `lr`, drawing any randomness
    /// from `rng` (the stream the order is drawn from); returns the loss.
    fn step(&mut self, batch: &[usize], lr: f64, rng: &mut ChaCha8Rng) -> Result<f64, Self::Error>;
    /// The error of a non-finite loss.
    fn diverged(&self, epoch: usize, step: usize) -> Self::Error;
    /// Called after every epoch (checkpoints).
    fn end_epoch(&mut self, record: &EpochRecord) -> Result<(), Self::Error>;
    /// The temperature to record, if the task has one.
    fn temperature(&self) -> f64 {
        0.0
    }
}

/// Run `plan` over `task`: every epoch in a fresh order drawn from `rng`; the observer sees every
/// step and epoch and may stop between steps. `term` names the loss in each record's terms.
///
/// ```
/// use brainclip::train::epochs::{EpochPlan, EpochTask, run_epochs};
/// use brainclip::train::{EpochRecord, SilentObserver};
/// struct Halve(f64);
/// impl EpochTask for Halve {
///     type Error = String;
///     fn step(&mut self, _: &[usize], _: f64, _: &mut rand_chacha::ChaCha8Rng) -> Result<f64, String> {
///         self.0 /= 2.0;
///         Ok(self.0)
///     }
///     fn diverged(&self, _: usize, _: usize) -> String { "diverged".into() }
///     fn end_epoch(&mut self, _: &EpochRecord) -> Result<(), String> { Ok(()) }
/// }
/// let plan = EpochPlan { items: 4, batch: 2, epochs: 3, lr: 0.1, warmup: 0.0, min_lr_ratio: 0.1 };
/// let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(0);
/// let (history, _) = run_epochs(&plan, &mut Halve(1.0), &mut rng, &mut SilentObserver, "loss").unwrap();
/// assert_eq!(history.len(), 3);
/// assert!(history[2].train_loss < history[0].train_loss);
/// ```
pub fn run_epochs<T: EpochTask>(
    plan: &EpochPlan,
    task: &mut T,
    rng: &mut ChaCha8Rng,
    observer: &mut dyn TrainObserver,
    term: &str,
) -> Result<(Vec<EpochRecord>, StopReason), T::Error> {
    let batch = plan.batch.clamp(1, plan.items.max(1));
    let per_epoch = plan.items / batch;
    let total = per_epoch * plan.epochs;
    let warmup = (plan.warmup * total as f64).round() as usize;
    observer.on_start(total);
    let started = Instant::now();
    let mut history = Vec::new();
    let mut stop_reason = StopReason::Completed;
    let mut order: Vec<usize> = (0..plan.items).collect();
    let mut step = 0;
    'epochs: for epoch in 1..=plan.epochs {
        order.shuffle(rng);
        let (mut sum, mut steps, mut lr) = (0.0, 0, plan.lr);
        for chunk in order.chunks(batch).take(per_epoch) {
            if observer.should_stop() {
                stop_reason = StopReason::Interrupted;
                if steps == 0 {
                    break 'epochs;
                }
                break;
            }
            lr = warmup_cosine(step, total, warmup, plan.lr, plan.min_lr_ratio);
            let loss = task.step(chunk, lr, rng)?;
            if !loss.is_finite() {
                return Err(task.diverged(epoch, step));
            }
            observer.on_step(step, loss);
            sum += loss;
            steps += 1;
            step += 1;
        }
        let mean = sum / steps.max(1) as f64;
        let record = EpochRecord {
            epoch,
            lr,
            train_loss: mean,
            terms: BTreeMap::from([(term.to_string(), mean)]),
            temperature: task.temperature(),
            val_loss: None,
            elapsed_s: started.elapsed().as_secs_f64(),
        };
        observer.on_epoch(&record);
        task.end_epoch(&record)?;
        history.push(record);
        if stop_reason == StopReason::Interrupted {
            break;
        }
    }
    observer.on_finish();
    Ok((history, stop_reason))
}
