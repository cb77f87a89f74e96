use thiserror::Error;

/// Errors raised while building, checking or transforming datasets.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum DataError {
    /// An option value is outside the range the generator or loader accepts.
    #[error("{option} must be {expected}, got {found}")]
    InvalidOption {
        option: &'static str,
        expected: &'static str,
        found: String,
    },
    /// Two arrays that must agree on a dimension do not.
    #[error("{what}: expected {expected}, found {found}")]
    ShapeMismatch {
        what: String,
        expected: usize,
        found: usize,
    },
    /// The dataset lacks a field an operation needs (e.g. text embeddings for a text loss).
    #[error("dataset `{dataset}` has no {field}")]
    MissingField { dataset: String, field: &'static str },
    /// A dataset with no samples was given where samples are needed.
    #[error("dataset `{dataset}` has no samples")]
    Empty { dataset: String },
    /// The embedded catalog is malformed (a build problem, not a user error).
    #[error("embedded GOD catalog is malformed: {0}")]
    Catalog(String),
}
