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

/// The key zero_shot and evaluate read themselves, beside the evaluation settings (`EvalConfig`).
const HEAD: Opt = Opt::choice(
    "head",
    &["text", "image"],
    "text",
    "which head of a Model is compared with the class prompts",
)
.for_binding();
