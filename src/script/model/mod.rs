//! Script functions of the model area.

functions! {
    mapping_net,
    shared_net,
    subject_model,
    ridge,
    save_model,
    load_model,
}
