//! Training inside a run: under a progress bar, each epoch appended to `history.csv` as it
//! finishes, and the training recorded in the manifest. An interrupt, or a history row that could
//! not be written, ends the run with everything written so far kept.

use burn::tensor::Device;
use serde_json::{Map, Value, json};

use super::{FileError, RunContext, TrainingProgress};
use crate::train::{SharedModel, StopReason, TrainConfig, TrainError, TrainedModel};
use crate::{Classified, ErrorKind, Hint};

/// What a finished training reports for the manifest.
pub trait Trained {
    /// Why it stopped.
    fn stop_reason(&self) -> StopReason;
    /// Epochs run.
    fn epochs_run(&self) -> usize;
    /// The epoch whose weights were kept, when validating.
    fn best_epoch(&self) -> Option<usize>;
}

macro_rules! trained {
    ($($model:ty),*) => {$(
        impl Trained for $model {
            fn stop_reason(&self) -> StopReason {
                self.stop_reason
            }
            fn epochs_run(&self) -> usize {
                self.history.len()
            }
            fn best_epoch(&self) -> Option<usize> {
                self.best_epoch
            }
        }
    )*};
}
trained!(TrainedModel, SharedModel);

/// Why a training in a run ended the run.
#[derive(Debug, thiserror::Error)]
pub enum TrainRunError {
    /// Training failed.
    #[error(transparent)]
    Train(#[from] TrainError),
    /// A history row could not be written.
    #[error(transparent)]
    File(#[from] FileError),
    /// Stopped between batches.
    #[error("interrupted after {0} epochs; the history so far is in history.csv")]
    Interrupted(usize),
}

impl Classified for TrainRunError {
    fn kind(&self) -> ErrorKind {
        match self {
            TrainRunError::Train(e) => e.kind(),
            TrainRunError::File(e) => e.kind(),
            TrainRunError::Interrupted(_) => ErrorKind::Interrupted,
        }
    }
    fn hint(&self) -> Option<Hint> {
        match self {
            TrainRunError::Train(e) => e.hint(),
            TrainRunError::File(e) => e.hint(),
            TrainRunError::Interrupted(_) => None,
        }
    }
}

/// One training in a run: what the manifest calls it and what `history.csv` names its rows.
///
/// ```no_run
/// # fn demo(run: &brainclip::run::RunContext, data: &brainclip::data::Dataset,
/// #         net: &brainclip::model::MappingConfig) -> Result<(), brainclip::run::TrainRunError> {
/// use brainclip::run::RunTraining;
/// use brainclip::train::{TrainConfig, train};
/// let config = TrainConfig { epochs: 5, ..Default::default() };
/// let entry = RunTraining { kind: "mapping_net", label: "run1", history: "run1", fields: vec![] };
/// let model = entry.run(run, &config, |device, progress| train(data, net, &config, device, progress))?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct RunTraining<'a> {
    /// The manifest's `kind` of model.
    pub kind: &'a str,
    /// The model's name in tables, plots and the manifest.
    pub label: &'a str,
    /// The name of its rows in `history.csv` and of its progress bar.
    pub history: &'a str,
    /// Further manifest fields (the network's configuration, ...), after kind and label.
    pub fields: Vec<(&'a str, Value)>,
}

impl RunTraining<'_> {
    /// Train with `fit` on the run's device under a progress bar, then record the training
    /// (`config`, best epoch, stop reason) in the manifest.
    pub fn run<M: Trained>(
        self,
        run: &RunContext,
        config: &TrainConfig,
        fit: impl FnOnce(&Device, &mut TrainingProgress) -> Result<M, TrainError>,
    ) -> Result<M, TrainRunError> {
        let mut progress = TrainingProgress::new(run, self.history);
        let result = fit(&run.device().device, &mut progress);
        drop(progress);
        let model = result?;
        if let Some(e) = run.take_deferred_error() {
            return Err(e.into());
        }
        if model.stop_reason() == StopReason::Interrupted {
            return Err(TrainRunError::Interrupted(model.epochs_run()));
        }
        let mut entry = Map::new();
        entry.insert("kind".into(), json!(self.kind));
        entry.insert("label".into(), json!(self.label));
        entry.extend(self.fields.into_iter().map(|(k, v)| (k.to_string(), v)));
        // Plain data: serialising it cannot fail.
        entry.insert("training".into(), serde_json::to_value(config).unwrap_or_default());
        entry.insert("best_epoch".into(), json!(model.best_epoch()));
        entry.insert(
            "stop_reason".into(),
            serde_json::to_value(model.stop_reason()).unwrap_or_default(),
        );
        run.record_model(Value::Object(entry));
        Ok(model)
    }
}
