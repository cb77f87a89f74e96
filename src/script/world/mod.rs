//! Script functions of the world area: the built-in picture world (stimuli, captions, simulated
//! fMRI) and the corpus its models are trained on.

functions! {
    world_synthetic,
    world_corpus,
}
