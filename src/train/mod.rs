//! Training the mapping network: losses, options, the learning-rate schedule and the loop.

pub mod checkpoint;
mod config;
pub mod epochs;
mod error;
mod history;
pub mod loss;
mod observer;
pub mod optim;
pub mod schedule;
mod trainer;

pub use checkpoint::{Checkpoint, CheckpointError, CheckpointMeta};
pub use config::{LossConfig, Precision, TextTarget, TrainConfig};
pub use error::TrainError;
pub use history::{EpochRecord, StopReason};
pub use observer::{SilentObserver, TrainObserver};
pub use trainer::{TrainedModel, train};
