use thiserror::Error;

/// Errors of the evaluation functions.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum EvalError {
    /// Nothing to evaluate.
    #[error("{0} is empty")]
    Empty(&'static str),
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
}
