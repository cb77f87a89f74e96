use thiserror::Error;

/// Errors of a training run.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum TrainError {
    /// An option has a value training cannot use.
    #[error("{option} must be {expected}, got {found}")]
    InvalidOption {
        /// The option's name.
        option: &'static str,
        /// What was expected.
        expected: &'static str,
        /// What was found.
        found: String,
    },
    /// The data cannot be trained on as given.
    #[error("{0}")]
    Data(String),
    /// The loss became NaN or infinite.
    #[error(
        "the loss became {value} at epoch {epoch}, step {step}; lower the learning rate (lr) or enable gradient clipping (grad_clip)"
    )]
    Diverged {
        /// 1-based epoch.
        epoch: usize,
        /// 0-based optimiser step.
        step: usize,
        /// The loss value.
        value: f64,
    },
    /// The model could not be built.
    #[error(transparent)]
    Model(#[from] crate::model::ModelError),
    /// The dataset is missing something.
    #[error(transparent)]
    Dataset(#[from] crate::data::DataError),
}

impl crate::Classified for TrainError {
    fn kind(&self) -> crate::ErrorKind {
        use crate::ErrorKind as K;
        match self {
            TrainError::Model(m) => m.kind(),
            TrainError::Dataset(d) => d.kind(),
            TrainError::InvalidOption { .. } => K::InvalidValue,
            TrainError::Data(_) => K::Data,
            TrainError::Diverged { .. } => K::Numerical,
        }
    }
    fn hint(&self) -> Option<crate::Hint> {
        match self {
            TrainError::Model(m) => m.hint(),
            TrainError::Dataset(d) => d.hint(),
            _ => None,
        }
    }
}
