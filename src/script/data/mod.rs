//! Script functions of the data area.

mod apply_mask;
mod attach_embeddings;
mod average_repeats;
mod bdata_values;
mod column;
mod concat_subjects;
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
mod load_nsd;
mod load_safetensors;
mod load_table;
mod make_dataset;
mod mask_from_atlas;
mod mask_from_volume;
mod matrix;
mod nsd_images;
mod save_embeddings;
mod select_columns;
mod select_rois;
mod split_by_stimulus;
mod subset;
mod trial_samples;
mod value_labels;
mod zscore_with;

use crate::script::prelude::*;

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
    load_nsd::register(reg);
    nsd_images::register(reg);
    select_rois::register(reg);
    zscore_with::register(reg);
    average_repeats::register(reg);
    subset::register(reg);
    split_by_stimulus::register(reg);
    concat_subjects::register(reg);
    data_path::register(reg);
}
