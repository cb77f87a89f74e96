use thiserror::Error;

/// Errors raised while building, checking or transforming datasets.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum DataError {
    /// An option value is outside the range the generator or loader accepts.
    #[error("{option} must be {expected}, got {found}")]
    InvalidOption {
        /// The option's name.
        option: &'static str,
        /// What was expected.
        expected: &'static str,
        /// What was found.
        found: String,
    },
    /// Two arrays that must agree on a dimension do not.
    #[error("{what}: expected {expected}, found {found}")]
    ShapeMismatch {
        /// What was being checked.
        what: String,
        /// What was expected.
        expected: usize,
        /// What was found.
        found: usize,
    },
    /// The dataset lacks a field an operation needs (e.g. text embeddings for a text loss).
    #[error("dataset `{dataset}` has no {field}")]
    MissingField {
        /// The dataset's name.
        dataset: String,
        /// The missing field.
        field: &'static str,
    },
    /// A dataset with no samples was given where samples are needed.
    #[error("dataset `{dataset}` has no samples")]
    Empty {
        /// The dataset's name.
        dataset: String,
    },
    /// Ids of two sources that must correspond do not.
    #[error("{what}: {found}")]
    IdMismatch {
        /// What was being joined.
        what: String,
        /// What is missing on each side.
        found: String,
    },
    /// The embedded catalog is malformed (a build problem, not a user error).
    #[error("embedded GOD catalog is malformed: {0}")]
    Catalog(String),
}

impl crate::Classified for DataError {
    fn kind(&self) -> crate::ErrorKind {
        use crate::ErrorKind as K;
        match self {
            DataError::InvalidOption { .. } => K::InvalidValue,
            DataError::ShapeMismatch { .. } => K::DimensionMismatch,
            DataError::MissingField { .. }
            | DataError::Empty { .. }
            | DataError::Catalog(_)
            | DataError::IdMismatch { .. } => K::Data,
        }
    }
}
