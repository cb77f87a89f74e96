//! Training the mapping network (one subject, or a shared-subject network on several): losses,
//! options, the learning-rate schedule and the loop.

pub mod checkpoint;
mod config;
pub mod epochs;
mod error;
mod history;
pub mod loss;
mod observer;
pub mod optim;
pub mod schedule;
mod shared;
mod trainer;

pub use checkpoint::{Checkpoint, CheckpointError, CheckpointMeta};
pub use config::{Contrastive, LossConfig, Precision, TextTarget, TrainConfig};
pub use error::TrainError;
pub use history::{EpochRecord, StopReason};
pub use observer::{SilentObserver, TrainObserver};
pub use shared::{SharedModel, fine_tune, train_shared};
pub use trainer::{TrainedModel, train};

/// `train` seeds the backend's process-wide generator (dropout masks, initialisers) and draws
/// from it: lib tests that train hold this lock, so that a parallel test cannot reseed or draw in
/// between and make a determinism check flaky.
#[cfg(test)]
pub(crate) fn backend_rng_lock() -> std::sync::MutexGuard<'static, ()> {
    static BACKEND_RNG: std::sync::Mutex<()> = std::sync::Mutex::new(());
    BACKEND_RNG.lock().unwrap_or_else(|e| e.into_inner())
}
