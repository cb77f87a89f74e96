//! Script functions of the generate area: load a diffusion model, predict embeddings from fMRI,
//! find init images, generate pictures with CLIP guidance, and judge reconstructions.

functions! {
    diffusion_load,
    diffusion_train,
    predict,
    nearest_images,
    generate_images,
    recon_metrics,
}
