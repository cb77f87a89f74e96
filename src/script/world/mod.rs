//! Script functions of the world area: the built-in picture world (stimuli, captions, simulated
//! fMRI) and the corpus its models are trained on.

mod world_corpus;
mod world_synthetic;

use crate::script::prelude::*;

/// Register the world functions.
pub fn register(reg: &mut Registry) {
    world_synthetic::register(reg);
    world_corpus::register(reg);
}
