//! Script functions of the evaluation area.

mod evaluate;
mod mean_ci;
mod retrieval;
mod zero_shot;

use crate::script::prelude::*;

/// Register the evaluation functions.
pub fn register(reg: &mut Registry) {
    zero_shot::register(reg);
    retrieval::register(reg);
    evaluate::register(reg);
    mean_ci::register(reg);
}

// The evaluation settings (`EvalConfig`), shared by zero_shot, retrieval and evaluate.
const K: Opt = Opt::ints("k", &[1, 5], "the k of each top-k accuracy").min(1.0);
const SIMILARITY: Opt = Opt::choice(
    "similarity",
    &["cosine", "pearson", "euclidean"],
    "cosine",
    "how predictions and candidates are compared (euclidean: negative distance)",
);
const BOOTSTRAP: Opt = Opt::int("bootstrap", 1000, "bootstrap resamples for the 95 % CIs (0 = none)").max(1e6);
const PERMUTATIONS: Opt = Opt::int(
    "permutations",
    1000,
    "label permutations for the zero-shot null (0 = none)",
)
.max(1e6);
const N_WAY: Opt = Opt::ints("n_way", &[], "N of each N-way protocol, e.g. [300] as in MindEye").min(2.0);
const REPEATS: Opt = Opt::int("repeats", 30, "random draws of each N-way protocol").max(1e6);
const IDENTIFICATION: Opt = Opt::ints("identification", &[2], "n of each n-way identification").min(2.0);
const SEED: Opt = Opt::seed("seed of the bootstrap, permutations and N-way draws");
const HEAD: Opt = Opt::choice(
    "head",
    &["text", "image"],
    "text",
    "which head of a Model is compared with the class prompts",
)
.for_binding();

fn eval_defaults() -> serde_json::Value {
    serde_json::to_value(crate::eval::EvalConfig::default()).unwrap_or_default()
}
