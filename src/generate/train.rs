//! Training an unconditional `UNet2DModel` on pictures with the DDPM loss (Ho et al., 2020): for
//! a random timestep t and noise ε, minimise ‖ε − ε_θ(√ᾱ_t·x₀ + √(1−ᾱ_t)·ε, t)‖², with AdamW
//! under a warm-up + cosine learning rate. The result is a diffusers folder that
//! [`DiffusionModel::load`](super::DiffusionModel::load) and `generate` read like any other.

use std::path::Path;

use burn::module::Module;
use burn::optim::{AdamWConfig, GradientsParams, ModuleOptimizer};
use burn::tensor::{Device, Tensor, TensorData};
use image::RgbImage;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

use super::schedule::{BetaSchedule, MAX_TRAIN_STEPS};
use super::unet::{UNet, UNetConfig, WEIGHTS_FILE};
use super::{GenerateError, image_tensor};
use crate::tensors::scalar;
use crate::train::epochs::{EpochPlan, EpochTask, run_epochs};
use crate::train::{EpochRecord, StopReason, TrainObserver};
use crate::weights::{ParamNames, safetensors_bytes, write_model_folder};

/// Options of diffusion training.
///
/// ```
/// use brainclip::generate::BetaSchedule;
/// use brainclip::generate::train::DiffusionTrainConfig;
/// let c: DiffusionTrainConfig = serde_json::from_str(r#"{"epochs": 2, "schedule": "cosine"}"#).unwrap();
/// assert_eq!((c.epochs, c.batch_size, c.schedule), (2, 32, BetaSchedule::Cosine));
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct DiffusionTrainConfig {
    /// Passes over the pictures.
    #[schemars(range(min = 1))]
    pub epochs: usize,
    /// Pictures per step.
    #[schemars(range(min = 1))]
    pub batch_size: usize,
    /// Peak learning rate.
    #[schemars(range(min = 0.0))]
    pub lr: f64,
    /// Share of the steps spent warming up.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub warmup: f64,
    /// Steps of the diffusion process.
    #[schemars(range(min = 2, max = super::schedule::MAX_TRAIN_STEPS))]
    pub diffusion_steps: usize,
    /// The beta schedule.
    pub schedule: BetaSchedule,
    /// Seed of initialisation, order, timesteps and noise.
    pub seed: u64,
}

impl Default for DiffusionTrainConfig {
    fn default() -> Self {
        Self {
            epochs: 40,
            batch_size: 32,
            lr: 1e-3,
            warmup: 0.05,
            diffusion_steps: 1000,
            schedule: BetaSchedule::Linear,
            seed: 0,
        }
    }
}

/// The most levels, and channels per level, [`UNetShape`] builds (ADM-256's widest level has 1024).
pub const MAX_LEVELS: usize = 8;
/// The widest level [`UNetShape`] builds.
pub const MAX_CHANNELS: usize = 1024;
/// The largest image side [`UNetShape`] builds.
pub const MAX_TRAIN_SIZE: usize = 1024;
/// The most residual blocks per level [`UNetShape`] builds.
pub const MAX_LAYERS_PER_BLOCK: usize = 16;

/// The architecture of a UNet to train: a diffusers `UNet2DModel` with one level per entry of
/// `channels`, self-attention at the levels marked in `attention`.
///
/// ```
/// use brainclip::generate::train::UNetShape;
/// let shape = UNetShape { image_size: 8, channels: vec![8, 8], norm_groups: 4, ..Default::default() };
/// assert_eq!(shape.attention_levels(), [false, true]); // attention at the last level by default
/// let json = shape.config_json()?;
/// assert_eq!(json["down_block_types"], serde_json::json!(["DownBlock2D", "AttnDownBlock2D"]));
/// assert_eq!(json["up_block_types"], serde_json::json!(["AttnUpBlock2D", "UpBlock2D"]));
/// let (config, text) = shape.config()?;
/// assert_eq!((config.sample_size, config.block_out_channels.clone()), (8, vec![8, 8]));
/// assert!(text.contains("\"norm_num_groups\": 4"));
/// let bad = UNetShape { attention: Some(vec![true]), ..shape };
/// assert!(bad.validate().unwrap_err().to_string().contains("one `attention` flag per level"));
/// # Ok::<(), brainclip::generate::GenerateError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct UNetShape {
    /// Side the pictures are resized to (the model's sample size).
    #[schemars(range(min = 1, max = MAX_TRAIN_SIZE))]
    pub image_size: usize,
    /// Channels per level (1 to 8 levels, each 1–1024).
    #[schemars(inner(range(min = 1)))]
    pub channels: Vec<usize>,
    /// Self-attention at each level, one flag per level; `None`: at the last level only.
    pub attention: Option<Vec<bool>>,
    /// Residual blocks per level.
    #[schemars(range(min = 1, max = MAX_LAYERS_PER_BLOCK))]
    pub layers_per_block: usize,
    /// GroupNorm groups (dividing every level's channels).
    #[schemars(range(min = 1))]
    pub norm_groups: usize,
}

/// What a script asks `diffusion_train` for: the training's options and the architecture's, under
/// the names scripts use.
///
/// ```
/// use brainclip::generate::train::DiffusionTrainSettings;
/// let s: DiffusionTrainSettings = serde_json::from_str(r#"{"epochs": 2, "channels": [8, 8]}"#).unwrap();
/// assert_eq!((s.training.epochs, s.shape.channels.clone(), s.shape.image_size), (2, vec![8, 8], 32));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct DiffusionTrainSettings {
    /// The training's options.
    #[serde(flatten)]
    pub training: DiffusionTrainConfig,
    /// The architecture.
    #[serde(flatten)]
    pub shape: UNetShape,
}

impl Default for UNetShape {
    fn default() -> Self {
        Self {
            image_size: 32,
            channels: vec![32, 64, 64],
            attention: None,
            layers_per_block: 1,
            norm_groups: 8,
        }
    }
}

impl UNetShape {
    /// Whether each level has self-attention.
    pub fn attention_levels(&self) -> Vec<bool> {
        match &self.attention {
            Some(flags) => flags.clone(),
            None => (0..self.channels.len()).map(|i| i + 1 == self.channels.len()).collect(),
        }
    }

    /// Reject sizes brainclip does not build: 1 to [`MAX_LEVELS`] levels of 1 to
    /// [`MAX_CHANNELS`] channels, one attention flag per level, an image side of 1 to
    /// [`MAX_TRAIN_SIZE`] and 1 to [`MAX_LAYERS_PER_BLOCK`] residual blocks per level.
    pub fn validate(&self) -> Result<(), GenerateError> {
        if self.channels.is_empty()
            || self.channels.len() > MAX_LEVELS
            || self.channels.iter().any(|&c| c == 0 || c > MAX_CHANNELS)
        {
            return Err(GenerateError::option(
                "channels",
                format!(
                    "{:?}: give 1 to {MAX_LEVELS} levels, each 1–{MAX_CHANNELS} channels (ADM-256's widest is 1024)",
                    self.channels
                ),
            ));
        }
        let flags = self.attention_levels().len();
        if flags != self.channels.len() {
            return Err(GenerateError::option(
                "attention",
                format!(
                    "{flags} flags for {} levels: give one `attention` flag per level of `channels`",
                    self.channels.len()
                ),
            ));
        }
        if !(1..=MAX_TRAIN_SIZE).contains(&self.image_size) {
            return Err(GenerateError::option(
                "image_size",
                format!("{}: give 1 to {MAX_TRAIN_SIZE}", self.image_size),
            ));
        }
        if !(1..=MAX_LAYERS_PER_BLOCK).contains(&self.layers_per_block) {
            return Err(GenerateError::option(
                "layers_per_block",
                format!("{}: give 1 to {MAX_LAYERS_PER_BLOCK}", self.layers_per_block),
            ));
        }
        Ok(())
    }

    /// diffusers' `config.json` of this `UNet2DModel` (after [`UNetShape::validate`]).
    pub fn config_json(&self) -> Result<serde_json::Value, GenerateError> {
        self.validate()?;
        let attention = self.attention_levels();
        let down: Vec<&str> = attention
            .iter()
            .map(|&a| if a { "AttnDownBlock2D" } else { "DownBlock2D" })
            .collect();
        let up: Vec<&str> = attention
            .iter()
            .rev()
            .map(|&a| if a { "AttnUpBlock2D" } else { "UpBlock2D" })
            .collect();
        Ok(serde_json::json!({
            "_class_name": "UNet2DModel",
            "sample_size": self.image_size,
            "in_channels": 3,
            "out_channels": 3,
            "center_input_sample": false,
            "time_embedding_type": "positional",
            "flip_sin_to_cos": true,
            "freq_shift": 0,
            "down_block_types": down,
            "up_block_types": up,
            "block_out_channels": self.channels,
            "layers_per_block": self.layers_per_block,
            "mid_block_scale_factor": 1,
            "downsample_padding": 1,
            "act_fn": "silu",
            "attention_head_dim": 8,
            "norm_num_groups": self.norm_groups,
            "norm_eps": 1e-5,
            "resnet_time_scale_shift": "default",
            "add_attention": true,
        }))
    }

    /// The architecture as a [`UNetConfig`] (what [`train_diffusion`] builds) with the
    /// `config.json` text it was read from (what [`save_unet`] writes).
    pub fn config(&self) -> Result<(UNetConfig, String), GenerateError> {
        let text = serde_json::to_string_pretty(&self.config_json()?).unwrap_or_default();
        let config = UNetConfig::from_json(
            &text,
            "built from image_size, channels, attention, layers_per_block and norm_groups",
        )?;
        Ok((config, text))
    }
}

/// A trained UNet and how training went.
pub struct TrainedDiffusion {
    /// The network (no autodiff).
    pub unet: UNet,
    /// Its diffusers name of every parameter.
    pub names: ParamNames,
    /// One record per epoch (`train_loss`: mean DDPM loss).
    pub history: Vec<EpochRecord>,
    /// Why training ended.
    pub stop_reason: StopReason,
}

/// Save `unet` as a diffusers folder (`config.json` from `config_json`, the weights).
pub fn save_unet(folder: &Path, unet: &UNet, names: &ParamNames, config_json: &str) -> Result<(), GenerateError> {
    let tensors = names.tensors(unet)?;
    let bytes = safetensors_bytes(&tensors).map_err(|e| GenerateError::io(folder, e))?;
    write_model_folder(
        folder,
        &[("config.json", config_json.as_bytes().to_vec()), (WEIGHTS_FILE, bytes)],
    )
    .map_err(|e| GenerateError::io(folder, e))
}

/// Pictures as one batch tensor in [−1, 1] at the model's side.
fn picture_batch(pictures: &[&RgbImage], side: usize, device: &Device) -> Tensor<4> {
    Tensor::cat(pictures.iter().map(|p| image_tensor(p, side, device)).collect(), 0)
}

/// Train a fresh UNet of `config` on `pictures`. `checkpoint` is called after every epoch with
/// the current network (for saving); the observer sees every step and may stop between steps.
///
/// ```
/// use brainclip::generate::UNetConfig;
/// use brainclip::generate::train::{DiffusionTrainConfig, train_diffusion};
/// use brainclip::train::SilentObserver;
/// let config = UNetConfig::from_json(r#"{"sample_size": 8, "block_out_channels": [8, 8],
///   "layers_per_block": 1, "down_block_types": ["DownBlock2D", "DownBlock2D"],
///   "up_block_types": ["UpBlock2D", "UpBlock2D"], "norm_num_groups": 4}"#, "config.json").unwrap();
/// let pictures = vec![image::RgbImage::from_pixel(8, 8, image::Rgb([200, 30, 30])); 4];
/// let cfg = DiffusionTrainConfig { epochs: 2, batch_size: 2, ..Default::default() };
/// let trained = train_diffusion(&pictures, &config, &cfg, &burn::tensor::Device::flex(),
///     &mut SilentObserver, &mut |_, _, _| Ok(())).unwrap();
/// assert_eq!(trained.history.len(), 2);
/// ```
pub fn train_diffusion(
    pictures: &[RgbImage],
    config: &UNetConfig,
    cfg: &DiffusionTrainConfig,
    device: &Device,
    observer: &mut dyn TrainObserver,
    checkpoint: &mut dyn FnMut(&UNet, &ParamNames, usize) -> Result<(), GenerateError>,
) -> Result<TrainedDiffusion, GenerateError> {
    if pictures.len() < 2 {
        return Err(GenerateError::option("images", "training needs at least 2 pictures"));
    }
    if cfg.epochs == 0 || cfg.batch_size == 0 {
        return Err(GenerateError::option(
            "epochs",
            "epochs and batch_size must be positive",
        ));
    }
    if !(cfg.lr.is_finite() && cfg.lr > 0.0) {
        return Err(GenerateError::option(
            "lr",
            format!("{}: give a positive learning rate", cfg.lr),
        ));
    }
    if !(2..=MAX_TRAIN_STEPS).contains(&cfg.diffusion_steps) {
        return Err(GenerateError::option(
            "diffusion_steps",
            format!("{}: give 2 to {MAX_TRAIN_STEPS} (ADM uses 1000)", cfg.diffusion_steps),
        ));
    }
    config.check_image_size(config.sample_size)?;
    let side = config.sample_size;
    let betas = cfg.schedule.betas(cfg.diffusion_steps);
    let mut cumprod = Vec::with_capacity(betas.len());
    let mut acc = 1.0;
    for b in &betas {
        acc *= 1.0 - b;
        cumprod.push(acc);
    }

    let base = device.clone().inner();
    let ad = base.clone().autodiff();
    base.seed(cfg.seed);
    let (unet, names) = UNet::random(config, cfg.seed, &ad);
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
    rng.set_stream(1);
    let mut task = DdpmTask {
        unet,
        names,
        optim: AdamWConfig::new().with_weight_decay(0.0).init(),
        pictures,
        cumprod,
        side,
        steps: cfg.diffusion_steps,
        device: ad,
        checkpoint,
    };
    let plan = EpochPlan {
        items: pictures.len(),
        batch: cfg.batch_size,
        epochs: cfg.epochs,
        lr: cfg.lr,
        warmup: cfg.warmup,
        min_lr_ratio: 0.05,
    };
    let (history, stop_reason) = run_epochs(&plan, &mut task, &mut rng, observer, "ddpm_mse")?;
    Ok(TrainedDiffusion {
        unet: task.unet.valid(),
        names: task.names,
        history,
        stop_reason,
    })
}

/// One DDPM step per batch: noise the pictures to random timesteps, regress the noise.
struct DdpmTask<'a> {
    unet: UNet,
    names: ParamNames,
    optim: ModuleOptimizer,
    pictures: &'a [RgbImage],
    cumprod: Vec<f64>,
    side: usize,
    steps: usize,
    device: Device,
    checkpoint: &'a mut dyn FnMut(&UNet, &ParamNames, usize) -> Result<(), GenerateError>,
}

impl EpochTask for DdpmTask<'_> {
    type Error = GenerateError;

    fn step(&mut self, batch: &[usize], lr: f64, rng: &mut ChaCha8Rng) -> Result<f64, GenerateError> {
        let (n, side, ad) = (batch.len(), self.side, &self.device);
        let chosen: Vec<&RgbImage> = batch.iter().map(|&i| &self.pictures[i]).collect();
        let x0 = picture_batch(&chosen, side, ad);
        let t: Vec<usize> = (0..n).map(|_| rng.random_range(0..self.steps)).collect();
        let noise: Vec<f32> = (0..n * 3 * side * side).map(|_| StandardNormal.sample(rng)).collect();
        let noise = Tensor::<4>::from_data(TensorData::new(noise, [n, 3, side, side]), ad);
        let coef = |f: &dyn Fn(f64) -> f64| {
            let v: Vec<f32> = t.iter().map(|&ti| f(self.cumprod[ti]) as f32).collect();
            Tensor::<1>::from_data(TensorData::new(v, [n]), ad).reshape([n, 1, 1, 1])
        };
        let xt = x0 * coef(&|a| a.sqrt()) + noise.clone() * coef(&|a| (1.0 - a).sqrt());
        let tt = Tensor::<1>::from_data(
            TensorData::new(t.iter().map(|&v| v as f32).collect::<Vec<f32>>(), [n]),
            ad,
        );
        let eps = self.unet.forward(xt, tt).narrow(1, 0, 3);
        let loss = (eps - noise).powf_scalar(2.0).mean();
        let value = scalar(loss.clone().detach());
        if value.is_finite() {
            let mut grads = loss.backward();
            let grads = GradientsParams::from_module(&mut grads, &self.unet);
            self.unet = self.optim.step(lr, self.unet.clone(), grads);
        }
        Ok(value)
    }

    fn diverged(&self, epoch: usize, step: usize) -> GenerateError {
        GenerateError::option(
            "lr",
            format!("the loss diverged at epoch {epoch}, step {step}: lower lr"),
        )
    }

    fn end_epoch(&mut self, record: &EpochRecord) -> Result<(), GenerateError> {
        (self.checkpoint)(&self.unet.valid(), &self.names, record.epoch)
    }
}
