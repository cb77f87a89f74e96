//! Script functions of the data area.

mod apply_mask;
mod attach_embeddings;
mod bdata_values;
mod column;
mod data_path;
mod embeddings;
mod god_synthetic;
mod load_bdata;
mod load_captions;
mod load_embeddings;
mod load_events;
mod load_god;
mod load_image;
mod load_nifti;
mod load_npy;
mod load_safetensors;
mod load_table;
mod make_dataset;
mod mask_from_atlas;
mod mask_from_volume;
mod matrix;
mod save_embeddings;
mod select_columns;
mod trial_samples;
mod value_labels;

use super::registry::Registry;

/// Register the data functions.
pub fn register(reg: &mut Registry) {
    god_synthetic::register(reg);
    make_dataset::register(reg);
    load_npy::register(reg);
    load_table::register(reg);
    column::register(reg);
    matrix::register(reg);
    load_captions::register(reg);
    load_image::register(reg);
    load_safetensors::register(reg);
    embeddings::register(reg);
    save_embeddings::register(reg);
    load_embeddings::register(reg);
    attach_embeddings::register(reg);
    load_bdata::register(reg);
    select_columns::register(reg);
    bdata_values::register(reg);
    value_labels::register(reg);
    load_god::register(reg);
    load_nifti::register(reg);
    mask_from_volume::register(reg);
    mask_from_atlas::register(reg);
    apply_mask::register(reg);
    load_events::register(reg);
    trial_samples::register(reg);
    data_path::register(reg);
}
