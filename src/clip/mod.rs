//! CLIP in burn: the image tower (a ViT, or OpenAI's modified ResNet as in RN50/RN101) and the
//! text transformer, loaded from Hugging Face `CLIPModel` or OpenCLIP checkpoints, with OpenAI's
//! tokenizer and Hugging Face's image preprocessing, so brainclip computes CLIP embeddings itself
//! (and gradients through the image tower).
//!
//! ```no_run
//! use brainclip::clip::{Clip, encode::Silent};
//! let device = burn::tensor::Device::flex();
//! let clip = Clip::load("openai/clip-vit-base-patch32".as_ref(), &device).unwrap();
//! let text = clip.embed_texts(&["an image of ostrich.".into()], 32, &mut Silent).unwrap();
//! assert_eq!(text.ncols(), 512);
//! ```

pub mod cache;
pub mod checkpoint;
pub mod config;
pub mod encode;
mod error;
pub mod image;
pub mod layers;
pub mod model;
pub mod openclip;
pub mod preprocess;
pub mod prompts;
pub mod resample;
pub mod resnet;
pub mod text;
pub mod tokenizer;
mod tower;
pub mod train;
pub mod vision;

pub use checkpoint::Clip;
pub use config::{Activation, ClipConfig};
pub use error::ClipError;
pub use model::ClipModel;
