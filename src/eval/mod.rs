//! Evaluation: similarity matrices (cosine, Pearson, Euclidean), top-k accuracy with chance
//! levels, zero-shot category decoding, retrieval (whole candidate set, seeded N-way draws,
//! exact n-way identification), their statistics (binomial p-values, seeded bootstrap
//! intervals, permutation nulls), PCA, a one-call evaluation report, and the image-reconstruction
//! metrics of fMRI→image generation ([`recon`]). Pure functions of host matrices and images;
//! nothing here trains or plots.
//!
//! Ties are broken fairly everywhere: a target tied with `t` other candidates counts as the
//! expected hit of a uniformly random tie-break, so a constant score matrix scores chance.
//!
//! ```
//! use brainclip::eval::{EvalConfig, retrieval_with};
//! use ndarray::Array2;
//!
//! let images = Array2::from_shape_fn((40, 16), |(i, d)| ((i * 7 + d * 5) % 13) as f32 - 6.0);
//! let decoded = &images + &Array2::from_shape_fn((40, 16), |(i, d)| ((i * d) % 5) as f32 - 2.0);
//! let cfg = EvalConfig { n_way: vec![10], repeats: 30, seed: 1, ..Default::default() };
//! let report = retrieval_with(decoded.view(), images.view(), &cfg)?;
//! assert!(report.topk[0].accuracy > report.topk[0].chance);
//! assert!(report.significance[0].p_value < 0.001);
//! # Ok::<(), brainclip::eval::EvalError>(())
//! ```

mod config;
mod error;
pub mod pca;
pub mod recon;
mod report;
pub mod retrieval;
pub mod similarity;
pub mod stats;
pub mod summary;
pub mod topk;
pub mod zero_shot;

pub use config::{EvalConfig, MAX_RESAMPLES};
pub use error::EvalError;
pub use pca::Pca;
pub use report::{DirectionReport, EvaluationInput, EvaluationReport, RetrievalInput, ZeroShotInput, evaluate};
pub use retrieval::{
    Identification, NWay, RetrievalReport, identification, n_way, retrieval, retrieval_scores, retrieval_with,
};
pub use similarity::{Similarity, cosine_similarity, similarity_matrix};
pub use stats::{Interval, PermutationNull, Significance, binomial_p_value, bootstrap_ci, permutation_test};
pub use topk::{TopK, hit_probabilities, target_ranks, topk_accuracy, topk_curve};
pub use zero_shot::{ClassAccuracy, ZeroShotReport, zero_shot, zero_shot_scores, zero_shot_with};
