//! Evaluation: similarity matrices, top-k accuracy with chance levels, zero-shot category
//! decoding and retrieval. Pure functions of host matrices; nothing here trains or plots.

mod error;
pub mod retrieval;
pub mod similarity;
pub mod topk;
pub mod zero_shot;

pub use error::EvalError;
pub use retrieval::{RetrievalReport, retrieval};
pub use similarity::cosine_similarity;
pub use topk::{TopK, topk_accuracy};
pub use zero_shot::{ZeroShotReport, zero_shot};
