use thiserror::Error;

/// Errors of a training run.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum TrainError {
    /// An option has a value training cannot use.
    #[error("{option} must be {expected}, got {found}")]
    InvalidOption {
        option: &'static str,
        expected: &'static str,
        found: String,
    },
    /// The data cannot be trained on as given.
    #[error("{0}")]
    Data(String),
    /// The loss became NaN or infinite.
    #[error(
        "the loss became {value} at epoch {epoch}, step {step}; lower the learning rate (lr) or enable gradient clipping (grad_clip)"
    )]
    Diverged { epoch: usize, step: usize, value: f64 },
    /// The model could not be built.
    #[error(transparent)]
    Model(#[from] crate::model::ModelError),
    /// The dataset is missing something.
    #[error(transparent)]
    Dataset(#[from] crate::data::DataError),
}
