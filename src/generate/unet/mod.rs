//! The diffusion UNet: diffusers' `UNet2DModel` (the block types that express OpenAI's ADM and
//! DDPM models) in burn, read from a diffusers folder.

pub mod config;
pub mod layers;
pub mod model;

pub use config::{DownBlock, Resample, TimeScaleShift, UNetConfig, UpBlock};
pub use model::{DiffusionModel, UNet, WEIGHTS_FILE};
