//! Script functions of the data area.

mod attach_embeddings;
mod column;
mod data_path;
mod embeddings;
mod god_synthetic;
mod load_captions;
mod load_embeddings;
mod load_image;
mod load_npy;
mod load_safetensors;
mod load_table;
mod make_dataset;
mod matrix;
mod save_embeddings;

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
    data_path::register(reg);
}
