//! Models that ship with brainclip, compiled into it from `assets/` in the repository: the
//! picture world's CLIP and diffusion UNet, trained by `scripts/train_world_models.rhai`. Scripts
//! name them `builtin:world` (`clip_load`, `diffusion_load`); each folder's `training.json`
//! records the script, seed, options, loss history and the SHA-256 of every file.

use burn::tensor::Device;

use crate::clip::{Clip, ClipError};
use crate::generate::{DiffusionModel, GenerateError};

/// The built-in model names scripts may load.
pub const BUILTIN: &[&str] = &["builtin:world"];

const WORLD_CLIP: (&str, &str, &[u8]) = (
    include_str!("../assets/world/clip/config.json"),
    include_str!("../assets/world/clip/merges.txt"),
    include_bytes!("../assets/world/clip/model.safetensors"),
);
const WORLD_UNET_CONFIG: &str = include_str!("../assets/world/unet/config.json");
const WORLD_UNET: &[u8] = include_bytes!("../assets/world/unet/diffusion_pytorch_model.safetensors");

fn unknown(name: &str) -> String {
    format!("`{name}` is not a built-in model (built in: {})", BUILTIN.join(", "))
}

/// A built-in CLIP by name.
///
/// ```
/// let clip = brainclip::assets::builtin_clip("builtin:world", &burn::tensor::Device::flex()).unwrap();
/// assert_eq!((clip.config.vision.image_size, clip.config.projection_dim), (32, 64));
/// assert!(brainclip::assets::builtin_clip("builtin:nope", &burn::tensor::Device::flex()).is_err());
/// ```
pub fn builtin_clip(name: &str, device: &Device) -> Result<Clip, ClipError> {
    match name {
        "builtin:world" => Clip::from_memory(name, WORLD_CLIP, device),
        _ => Err(ClipError::Config(unknown(name))),
    }
}

/// A built-in diffusion UNet by name.
///
/// ```
/// let unet = brainclip::assets::builtin_unet("builtin:world", &burn::tensor::Device::flex()).unwrap();
/// assert_eq!(unet.config.sample_size, 32);
/// ```
pub fn builtin_unet(name: &str, device: &Device) -> Result<DiffusionModel, GenerateError> {
    match name {
        "builtin:world" => DiffusionModel::from_memory(name, WORLD_UNET_CONFIG, WORLD_UNET, device),
        _ => Err(GenerateError::option("model", unknown(name))),
    }
}
