//! Script functions of the training area.

functions! {
    #[allow(clippy::module_inception)] train,
    fine_tune,
}
