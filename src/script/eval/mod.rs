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
