use thiserror::Error;

/// Errors of the evaluation functions.
///
/// ```
/// use brainclip::eval::{EvalError, Similarity};
///
/// let err = "cosin".parse::<Similarity>().unwrap_err();
/// assert_eq!(err.to_string(), "unknown similarity `cosin`: expected one of cosine, pearson, euclidean");
/// assert!(matches!(err, EvalError::UnknownSimilarity { .. }));
/// ```
#[derive(Debug, Error, Clone, PartialEq)]
pub enum EvalError {
    /// Nothing to evaluate.
    #[error("{0} is empty")]
    Empty(&'static str),
    /// A named split without samples.
    #[error("split `{0}` has no samples to evaluate")]
    EmptySplit(String),
    /// Matrices that must agree do not.
    #[error("{what}: expected {expected}, found {found}")]
    ShapeMismatch {
        /// What was being checked.
        what: &'static str,
        /// What was expected.
        expected: usize,
        /// What was found.
        found: usize,
    },
    /// A top-k with k outside 1..=candidates.
    #[error("top-{k} needs k between 1 and the number of candidates ({candidates})")]
    InvalidK {
        /// The requested k.
        k: usize,
        /// The number of candidates.
        candidates: usize,
    },
    /// A target index outside the candidate set.
    #[error("target {target} of sample {sample} is not among the {candidates} candidates")]
    TargetOutOfRange {
        /// The sample's index.
        sample: usize,
        /// The target's index.
        target: usize,
        /// The number of candidates.
        candidates: usize,
    },
    /// A NaN or infinite similarity.
    #[error("{0} contains NaN or infinite values")]
    NonFinite(&'static str),
    /// A setting outside its valid range (N of an N-way test, number of repeats, ...).
    #[error("{name}: expected {expected}, found {found}")]
    InvalidSetting {
        /// The setting's name.
        name: &'static str,
        /// What is valid.
        expected: String,
        /// What was given.
        found: String,
    },
    /// A similarity name that is not one of [`crate::eval::Similarity`]'s.
    #[error("unknown similarity `{found}`: expected one of {valid}")]
    UnknownSimilarity {
        /// The name given.
        found: String,
        /// The valid names, comma-separated.
        valid: String,
    },
    /// An image that cannot be evaluated: a buffer of the wrong length, values outside 0–1, a
    /// pair of different sizes where equal sizes are needed, an image smaller than the SSIM window.
    #[error("{what}: {problem}")]
    InvalidImage {
        /// Which image, e.g. "generated image 3".
        what: String,
        /// What is wrong with it.
        problem: String,
    },
    /// A numerical routine (e.g. the SVD of a PCA) did not converge.
    #[error("numerical failure: {0}")]
    Numerical(String),
}

impl crate::Classified for EvalError {
    fn kind(&self) -> crate::ErrorKind {
        use crate::ErrorKind as K;
        match self {
            EvalError::ShapeMismatch { .. } => K::DimensionMismatch,
            EvalError::InvalidK { .. } | EvalError::InvalidSetting { .. } | EvalError::UnknownSimilarity { .. } => {
                K::InvalidValue
            }
            EvalError::NonFinite(_) | EvalError::Numerical(_) => K::Numerical,
            EvalError::Empty(_)
            | EvalError::TargetOutOfRange { .. }
            | EvalError::EmptySplit(_)
            | EvalError::InvalidImage { .. } => K::Data,
        }
    }
}
