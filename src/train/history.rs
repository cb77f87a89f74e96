use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// What happened in one epoch.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    /// 1-based epoch number.
    pub epoch: usize,
    /// Learning rate at the epoch's last step.
    pub lr: f64,
    /// Mean total training loss over the epoch's batches.
    pub train_loss: f64,
    /// Mean of each weighted-in loss term (e.g. `image_clip`, `text_clip`, `image_mse`).
    pub terms: BTreeMap<String, f64>,
    /// Contrastive temperature at the end of the epoch.
    pub temperature: f64,
    /// Total loss on the validation samples (evaluation mode), when there are any.
    pub val_loss: Option<f64>,
    /// Seconds since training started.
    pub elapsed_s: f64,
}

/// Why training stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// All epochs ran.
    Completed,
    /// The validation loss stopped improving for `patience` epochs.
    EarlyStopped,
    /// An observer asked to stop (e.g. Ctrl-C or a notebook interrupt).
    Interrupted,
}
