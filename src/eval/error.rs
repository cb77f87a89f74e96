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
        what: &'static str,
        expected: usize,
        found: usize,
    },
    /// A top-k with k outside 1..=candidates.
    #[error("top-{k} needs k between 1 and the number of candidates ({candidates})")]
    InvalidK { k: usize, candidates: usize },
    /// A target index outside the candidate set.
    #[error("target {target} of sample {sample} is not among the {candidates} candidates")]
    TargetOutOfRange {
        sample: usize,
        target: usize,
        candidates: usize,
    },
    /// A NaN or infinite similarity.
    #[error("{0} contains NaN or infinite values")]
    NonFinite(&'static str),
}
