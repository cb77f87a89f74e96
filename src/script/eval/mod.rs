//! Script functions of the evaluation area.

functions! {
    zero_shot,
    retrieval,
    evaluate,
    mean_ci,
}
