use thiserror::Error;

/// Errors of model construction, fitting and prediction.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum ModelError {
    /// An option has a value the model cannot use.
    #[error("{option} must be {expected}, got {found}")]
    InvalidOption {
        /// The option's name.
        option: &'static str,
        /// What was expected.
        expected: &'static str,
        /// What was found.
        found: String,
    },
    /// The data's width differs from what the model was built for.
    #[error("{what}: the model expects {expected}, the data has {found}")]
    DimensionMismatch {
        /// What was being checked.
        what: &'static str,
        /// What was expected.
        expected: usize,
        /// What was found.
        found: usize,
    },
    /// A fit needs more samples than were given.
    #[error("{0}")]
    TooFewSamples(String),
    /// A numerical step failed (e.g. a singular system).
    #[error("numerical failure: {0}")]
    Numerical(String),
    /// The dataset lacks something the model needs.
    #[error(transparent)]
    Data(#[from] crate::data::DataError),
}

impl crate::Classified for ModelError {
    fn kind(&self) -> crate::ErrorKind {
        use crate::ErrorKind as K;
        match self {
            ModelError::Data(d) => d.kind(),
            ModelError::InvalidOption { .. } => K::InvalidValue,
            ModelError::DimensionMismatch { .. } => K::DimensionMismatch,
            ModelError::TooFewSamples(_) => K::Data,
            ModelError::Numerical(_) => K::Numerical,
        }
    }
    fn hint(&self) -> Option<crate::Hint> {
        match self {
            ModelError::Data(d) => d.hint(),
            ModelError::DimensionMismatch { .. } => Some(crate::Hint::Remedy(crate::Remedy::BuildNetworkForData)),
            _ => None,
        }
    }
}
