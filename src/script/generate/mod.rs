//! Script functions of the generate area: load a diffusion model, predict embeddings from fMRI,
//! find init images, generate pictures with CLIP guidance, and judge reconstructions.

mod diffusion_load;
mod diffusion_train;
mod generate_images;
mod nearest_images;
mod predict;
mod recon_metrics;

use crate::script::prelude::*;

/// Register the generate functions.
pub fn register(reg: &mut Registry) {
    diffusion_load::register(reg);
    diffusion_train::register(reg);
    predict::register(reg);
    nearest_images::register(reg);
    generate_images::register(reg);
    recon_metrics::register(reg);
}
