//! fMRI → image generation as the BrainCLIP authors run it: an unconditional pixel-space
//! diffusion model (OpenAI's ADM in diffusers' `UNet2DModel` layout) sampled with CLIP guidance
//! toward the embedding a mapping network predicts from fMRI, optionally started from the
//! gallery image nearest to that embedding. Plain Rust over burn tensors; no Rhai here.
//!
//! - [`unet`]: the UNet and its loader; [`convert`]: guided-diffusion checkpoints → diffusers.
//! - [`schedule`]: beta schedules and timestep respacing; [`sampler`]: DDPM and DDIM steps.
//! - [`guidance`]: cutouts, spherical distance, TV and range losses, the guidance gradient.
//! - [`sample`]: the loop; [`noise`]: seeded or replayed noise; [`images`]: pictures in and out,
//!   and the gallery pictures nearest to the targets (init images).
//! - [`generation`]: a run's settings checked against a model, each target's guide, init and noise.
//! - [`train`]: training a UNet with the DDPM loss.
//!
//! ```
//! use brainclip::generate::{BetaSchedule, Schedule, Sampler, Variance};
//! let schedule = Schedule::new(BetaSchedule::Linear, 1000, "ddim50")?;
//! assert_eq!(schedule.len(), 50);
//! assert!(Sampler::parse("ddim", "learned_range", 0.0)? == Sampler::Ddim { eta: 0.0 });
//! # Ok::<(), brainclip::generate::GenerateError>(())
//! ```

pub mod convert;
mod error;
pub mod generation;
pub mod guidance;
pub mod images;
pub mod noise;
pub mod sample;
pub mod sampler;
pub mod schedule;
pub mod train;
pub mod unet;

pub use convert::{Conversion, Heads, convert_adm_file};
pub use error::GenerateError;
pub use generation::{GenerationPlan, GenerationSettings, MAX_IMAGE_SIZE, NoiseMode, target_rows};
pub use guidance::{Cutout, CutoutDraw, GuidanceConfig, GuidanceLosses, Guide, MAX_CUTOUTS};
pub use images::{image_tensor, nearest, read_picture, to_images};
pub use noise::{NoiseSource, ReplayNoise, SeededNoise};
pub use sample::{Cutouts, Quiet, SampleConfig, SampleObserver, Samples, sample};
pub use sampler::{Sampler, SamplerKind, Variance};
pub use schedule::{BetaSchedule, Schedule, respace};
pub use unet::{DiffusionModel, UNet, UNetConfig};
