//! Training a CLIP from scratch on captioned pictures: both towers and the logit scale, with the
//! symmetric contrastive loss of Radford et al. (2021) — images of one category are positives of
//! each other's captions when category labels are given — AdamW and a warm-up + cosine learning
//! rate. The tokenizer's vocabulary is learned from the captions ([`learn_merges`]); the result is
//! a Hugging Face `CLIPModel` folder that [`Clip::load`](super::Clip::load) reads back.

use std::path::Path;

use burn::module::Module;
use burn::optim::grad_clipping::GradientClippingConfig;
use burn::optim::{AdamWConfig, GradientsParams, ModuleOptimizer};
use burn::tensor::{Device, Tensor, TensorData};
use image::RgbImage;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::ClipError;
use super::config::ClipConfig;
use super::model::ClipModel;
use super::preprocess::preprocess;
use super::tokenizer::{ClipTokenizer, learn_merges};
use crate::tensors::scalar;
use crate::train::epochs::{EpochPlan, EpochTask, run_epochs};
use crate::train::loss::clip_loss;
use crate::train::{EpochRecord, StopReason, TrainObserver};
use crate::weights::{ParamNames, safetensors_bytes, write_model_folder};

/// The sizes of a CLIP to train: a ViT image tower and a text transformer.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClipShape {
    /// Input side in pixels.
    pub image_size: usize,
    /// ViT patch side.
    pub patch_size: usize,
    /// Residual width of both towers.
    pub width: usize,
    /// Blocks of the image tower.
    pub vision_layers: usize,
    /// Blocks of the text tower.
    pub text_layers: usize,
    /// Attention heads of both towers.
    pub heads: usize,
    /// Width of the joint embedding space.
    pub projection_dim: usize,
    /// Text context length in tokens.
    pub context_length: usize,
    /// Most BPE merges to learn from the captions.
    pub max_merges: usize,
}

impl Default for ClipShape {
    fn default() -> Self {
        Self {
            image_size: 32,
            patch_size: 8,
            width: 64,
            vision_layers: 3,
            text_layers: 2,
            heads: 4,
            projection_dim: 64,
            context_length: 24,
            max_merges: 400,
        }
    }
}

impl ClipShape {
    /// Hugging Face's `config.json` for these sizes and a vocabulary of `vocab_size` tokens
    /// (`<|endoftext|>` last, so pooling at the first end token is OpenAI's arg-max).
    pub fn hf_config(&self, vocab_size: usize) -> serde_json::Value {
        let tower = |layers: usize| {
            serde_json::json!({
                "hidden_size": self.width,
                "intermediate_size": 4 * self.width,
                "num_hidden_layers": layers,
                "num_attention_heads": self.heads,
                "hidden_act": "quick_gelu",
                "layer_norm_eps": 1e-5,
            })
        };
        let mut vision = tower(self.vision_layers);
        vision["image_size"] = self.image_size.into();
        vision["patch_size"] = self.patch_size.into();
        vision["num_channels"] = 3.into();
        let mut text = tower(self.text_layers);
        text["vocab_size"] = vocab_size.into();
        text["max_position_embeddings"] = self.context_length.into();
        text["bos_token_id"] = (vocab_size - 2).into();
        text["eos_token_id"] = (vocab_size - 1).into();
        serde_json::json!({
            "architectures": ["CLIPModel"],
            "model_type": "clip",
            "_name_or_path": "brainclip-trained",
            "projection_dim": self.projection_dim,
            "logit_scale_init_value": (1.0f64 / 0.07).ln(),
            "vision_config": vision,
            "text_config": text,
        })
    }
}

/// Options of CLIP training.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct ClipTrainConfig {
    /// Passes over the pairs.
    #[schemars(range(min = 1))]
    pub epochs: usize,
    /// Pairs per step (the contrastive batch).
    #[schemars(range(min = 2))]
    pub batch_size: usize,
    /// Peak learning rate.
    #[schemars(range(min = 0.0))]
    pub lr: f64,
    /// AdamW weight decay.
    #[schemars(range(min = 0.0))]
    pub weight_decay: f64,
    /// Share of the steps spent warming up.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub warmup: f64,
    /// Seed of initialisation and order.
    pub seed: u64,
}

impl Default for ClipTrainConfig {
    fn default() -> Self {
        Self {
            epochs: 20,
            batch_size: 128,
            lr: 1e-3,
            weight_decay: 0.1,
            warmup: 0.05,
            seed: 0,
        }
    }
}

/// What a script asks `clip_train` for, under the option names it uses: the training options
/// and the model's sizes (`dim` and `context` are [`ClipShape::projection_dim`] and
/// [`ClipShape::context_length`]); missing keys take the defaults of [`ClipTrainConfig`] and
/// [`ClipShape`].
///
/// ```
/// use brainclip::clip::train::{ClipShape, ClipTrainConfig, ClipTrainSettings};
/// let training = ClipTrainConfig { epochs: 1, ..Default::default() };
/// let s = ClipTrainSettings { dim: 8, training: training.clone(), ..Default::default() };
/// assert_eq!(s.shape(), ClipShape { projection_dim: 8, ..Default::default() });
/// assert_eq!(s.training, training);
/// assert!(s.within_limits());
/// assert!(!ClipTrainSettings { width: 100_000, ..s }.within_limits());
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct ClipTrainSettings {
    /// The training options (epochs, batch_size, lr, weight_decay, warmup, seed).
    #[serde(flatten)]
    pub training: ClipTrainConfig,
    /// Input side in pixels.
    #[schemars(range(min = 1))]
    pub image_size: usize,
    /// ViT patch side in pixels.
    #[schemars(range(min = 1))]
    pub patch_size: usize,
    /// Residual width of both towers.
    #[schemars(range(min = 1))]
    pub width: usize,
    /// Attention heads of both towers.
    #[schemars(range(min = 1))]
    pub heads: usize,
    /// Blocks of the image tower.
    pub vision_layers: usize,
    /// Blocks of the text tower.
    pub text_layers: usize,
    /// Width of the joint embedding space.
    #[schemars(range(min = 1))]
    pub dim: usize,
    /// Text context in tokens.
    pub context: usize,
    /// BPE merges to learn from the captions.
    pub max_merges: usize,
}

impl Default for ClipTrainSettings {
    fn default() -> Self {
        let s = ClipShape::default();
        Self {
            training: ClipTrainConfig::default(),
            image_size: s.image_size,
            patch_size: s.patch_size,
            width: s.width,
            heads: s.heads,
            vision_layers: s.vision_layers,
            text_layers: s.text_layers,
            dim: s.projection_dim,
            context: s.context_length,
            max_merges: s.max_merges,
        }
    }
}

impl ClipTrainSettings {
    /// The largest sizes a script may ask for (a typo must not exhaust memory): ViT-L/14's width
    /// and depth, and the shortest context that holds a start token, a word and an end token.
    pub const LIMITS: &'static str =
        "width and dim ≤ 1024, layers ≤ 24, image_size ≤ 1024, context 3–512, max_merges ≤ 100000";

    /// Whether the sizes are within [`Self::LIMITS`].
    ///
    /// ```
    /// use brainclip::clip::train::ClipTrainSettings;
    /// assert!(ClipTrainSettings::default().within_limits());
    /// assert!(!ClipTrainSettings { vision_layers: 1000, ..Default::default() }.within_limits());
    /// assert!(!ClipTrainSettings { context: 2, ..Default::default() }.within_limits());
    /// ```
    pub fn within_limits(&self) -> bool {
        self.width <= 1024
            && self.dim <= 1024
            && self.vision_layers.max(self.text_layers) <= 24
            && self.image_size <= 1024
            && (3..=512).contains(&self.context)
            && self.max_merges <= 100_000
    }

    /// The model's sizes.
    ///
    /// ```
    /// use brainclip::clip::train::ClipTrainSettings;
    /// let shape = ClipTrainSettings { context: 16, ..Default::default() }.shape();
    /// assert_eq!((shape.context_length, shape.projection_dim), (16, 64));
    /// ```
    pub fn shape(&self) -> ClipShape {
        ClipShape {
            image_size: self.image_size,
            patch_size: self.patch_size,
            width: self.width,
            vision_layers: self.vision_layers,
            text_layers: self.text_layers,
            heads: self.heads,
            projection_dim: self.dim,
            context_length: self.context,
            max_merges: self.max_merges,
        }
    }
}

/// A trained CLIP and how training went.
pub struct TrainedClip {
    /// The model (no autodiff).
    pub model: ClipModel,
    /// Its Hugging Face name of every parameter.
    pub names: ParamNames,
    /// Its `config.json`.
    pub config_json: serde_json::Value,
    /// The learned merges (`merges.txt`).
    pub merges: String,
    /// One record per epoch (`train_loss`: mean contrastive loss; `temperature`: 1/logit scale).
    pub history: Vec<EpochRecord>,
    /// Why training ended.
    pub stop_reason: StopReason,
}

/// Save a CLIP as a Hugging Face folder: `config.json`, `model.safetensors`, `merges.txt` and
/// `preprocessor_config.json`.
pub fn save_clip(
    folder: &Path,
    model: &ClipModel,
    names: &ParamNames,
    config_json: &serde_json::Value,
    merges: &str,
) -> Result<(), ClipError> {
    let mut tensors = names.tensors(model)?;
    if let Some(scale) = tensors.get_mut("logit_scale") {
        scale.shape = Vec::new(); // Hugging Face stores the scalar as a 0-d tensor
    }
    let io = |e: std::io::Error| ClipError::io(folder, e);
    let size = config_json["vision_config"]["image_size"].as_u64().unwrap_or(224);
    let preprocessor = serde_json::json!({
        "crop_size": {"height": size, "width": size},
        "size": {"shortest_edge": size},
        "do_center_crop": true, "do_normalize": true, "do_resize": true, "resample": 3,
        "image_mean": super::preprocess::MEAN, "image_std": super::preprocess::STD,
        "image_processor_type": "CLIPImageProcessor",
    });
    let pretty = |v: &serde_json::Value| serde_json::to_vec_pretty(v).unwrap_or_default();
    write_model_folder(
        folder,
        &[
            ("config.json", pretty(config_json)),
            ("model.safetensors", safetensors_bytes(&tensors).map_err(io)?),
            ("merges.txt", merges.as_bytes().to_vec()),
            ("preprocessor_config.json", pretty(&preprocessor)),
        ],
    )
    .map_err(io)
}

/// SHA-256 of training data, as `training.json` records it: every picture's width, height and
/// pixels, then every caption followed by a zero byte.
///
/// ```
/// use brainclip::clip::train::data_sha256;
/// let red = image::RgbImage::from_pixel(2, 2, image::Rgb([255, 0, 0]));
/// let hash = data_sha256(&[red.clone()], &["red".into()]);
/// assert_eq!(hash.len(), 64);
/// assert_eq!(hash, data_sha256(&[red.clone()], &["red".into()]));
/// assert_ne!(hash, data_sha256(&[red], &["blue".into()]));
/// ```
pub fn data_sha256(pictures: &[RgbImage], captions: &[String]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for img in pictures {
        h.update(img.width().to_le_bytes());
        h.update(img.height().to_le_bytes());
        h.update(img.as_raw());
    }
    for c in captions {
        h.update(c.as_bytes());
        h.update([0]);
    }
    format!("{:x}", h.finalize())
}

/// Pixels of pictures as CLIP sees them (N × 3 × size × size, CLIP-normalised), on the host.
fn pixels(pictures: &[RgbImage], size: usize) -> Result<Vec<f32>, ClipError> {
    let mut out = Vec::with_capacity(pictures.len() * 3 * size * size);
    for p in pictures {
        out.extend(preprocess(p, size as u32)?);
    }
    Ok(out)
}

/// Train a CLIP of `shape` from scratch on `pictures` and their `captions` (one each);
/// `labels` (one per picture, e.g. categories) make same-label pairs positives. `checkpoint` is
/// called after every epoch.
///
/// ```
/// use brainclip::clip::train::{ClipShape, ClipTrainConfig, train_clip};
/// use brainclip::train::SilentObserver;
/// let red = image::RgbImage::from_pixel(8, 8, image::Rgb([220, 30, 30]));
/// let blue = image::RgbImage::from_pixel(8, 8, image::Rgb([30, 30, 220]));
/// let pictures = vec![red.clone(), blue.clone(), red, blue];
/// let captions: Vec<String> = ["a red square", "a blue square", "red", "blue"].map(String::from).to_vec();
/// let shape = ClipShape { image_size: 8, patch_size: 4, width: 16, vision_layers: 1, text_layers: 1,
///     heads: 2, projection_dim: 8, context_length: 8, max_merges: 50 };
/// let cfg = ClipTrainConfig { epochs: 2, batch_size: 4, ..Default::default() };
/// let trained = train_clip(&pictures, &captions, None, &shape, &cfg, &burn::tensor::Device::flex(),
///     &mut SilentObserver, &mut |_| Ok(())).unwrap();
/// assert_eq!(trained.history.len(), 2);
/// ```
#[allow(clippy::too_many_arguments)]
pub fn train_clip(
    pictures: &[RgbImage],
    captions: &[String],
    labels: Option<&[usize]>,
    shape: &ClipShape,
    cfg: &ClipTrainConfig,
    device: &Device,
    observer: &mut dyn TrainObserver,
    checkpoint: &mut dyn FnMut(&ClipSnapshot) -> Result<(), ClipError>,
) -> Result<TrainedClip, ClipError> {
    let n = pictures.len();
    let shape_error = |what: &'static str, expected: String, found: String| ClipError::Shape { what, expected, found };
    if captions.len() != n || labels.is_some_and(|l| l.len() != n) {
        return Err(shape_error(
            "captions and labels",
            format!("one per picture ({n})"),
            format!("{} captions", captions.len()),
        ));
    }
    if n < 2 || cfg.epochs == 0 || cfg.batch_size < 2 {
        return Err(shape_error(
            "training pairs",
            "at least 2, with epochs ≥ 1 and batch_size ≥ 2".into(),
            format!("{n} pairs, {} epochs, batch {}", cfg.epochs, cfg.batch_size),
        ));
    }
    let merges = learn_merges(captions, shape.max_merges);
    let tokenizer = ClipTokenizer::from_merges(&merges)?;
    let config_json = shape.hf_config(tokenizer.vocab_size());
    let config = ClipConfig::from_hf_json(&config_json.to_string())?;
    if !shape.image_size.is_multiple_of(shape.patch_size) {
        return Err(ClipError::Config(format!(
            "image_size {} must be a multiple of patch_size {}",
            shape.image_size, shape.patch_size
        )));
    }
    let size = shape.image_size;
    let host_pixels = pixels(pictures, size)?;
    let ids: Vec<Vec<u32>> = captions
        .iter()
        .map(|c| tokenizer.tokenize(c, shape.context_length))
        .collect();

    let base = device.clone().inner();
    let ad = base.clone().autodiff();
    base.seed(cfg.seed);
    let (model, names) = ClipModel::random(&config, cfg.seed, &ad);
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
    rng.set_stream(1);
    let mut task = ContrastiveTask {
        model,
        names,
        optim: AdamWConfig::new()
            .with_weight_decay(cfg.weight_decay as f32)
            .with_grad_clipping(Some(GradientClippingConfig::Norm(1.0)))
            .init(),
        pixels: host_pixels,
        ids,
        labels,
        size,
        device: ad,
        config_json: &config_json,
        merges: &merges,
        checkpoint,
    };
    let plan = EpochPlan {
        items: n,
        batch: cfg.batch_size,
        epochs: cfg.epochs,
        lr: cfg.lr,
        warmup: cfg.warmup,
        min_lr_ratio: 0.05,
    };
    let (history, stop_reason) = run_epochs(&plan, &mut task, &mut rng, observer, "contrastive")?;
    Ok(TrainedClip {
        model: task.model.valid(),
        names: task.names,
        config_json: config_json.clone(),
        merges: merges.clone(),
        history,
        stop_reason,
    })
}

/// A model being trained, as the checkpoint callback sees it after an epoch.
pub struct ClipSnapshot<'a> {
    /// The model (no autodiff).
    pub model: &'a ClipModel,
    /// Its parameter names.
    pub names: &'a ParamNames,
    /// Its `config.json`.
    pub config_json: &'a serde_json::Value,
    /// Its merges.
    pub merges: &'a str,
    /// The epoch just finished.
    pub epoch: usize,
}

/// One contrastive step per batch of image–caption pairs.
struct ContrastiveTask<'a> {
    model: ClipModel,
    names: ParamNames,
    optim: ModuleOptimizer,
    pixels: Vec<f32>,
    ids: Vec<Vec<u32>>,
    labels: Option<&'a [usize]>,
    size: usize,
    device: Device,
    config_json: &'a serde_json::Value,
    merges: &'a str,
    checkpoint: &'a mut dyn FnMut(&ClipSnapshot) -> Result<(), ClipError>,
}

impl EpochTask for ContrastiveTask<'_> {
    type Error = ClipError;

    fn step(&mut self, batch: &[usize], lr: f64, _: &mut ChaCha8Rng) -> Result<f64, ClipError> {
        let (size, plane) = (self.size, 3 * self.size * self.size);
        let mut values = Vec::with_capacity(batch.len() * plane);
        for &i in batch {
            values.extend_from_slice(&self.pixels[i * plane..(i + 1) * plane]);
        }
        let images = Tensor::<4>::from_data(TensorData::new(values, [batch.len(), 3, size, size]), &self.device);
        let rows: Vec<Vec<u32>> = batch.iter().map(|&i| self.ids[i].clone()).collect();
        let groups: Option<Vec<usize>> = self.labels.map(|l| batch.iter().map(|&i| l[i]).collect());
        let image_emb = self.model.encode_images(images)?;
        let text_emb = self.model.encode_text(&rows)?;
        // ln(1/τ) clamped at ln 100, as CLIP does.
        let log_scale = self.model.log_logit_scale().clamp(0.0, 100f32.ln());
        let loss = clip_loss(image_emb, text_emb, log_scale, groups.as_deref());
        let value = scalar(loss.clone().detach());
        if value.is_finite() {
            let mut grads = loss.backward();
            let grads = GradientsParams::from_module(&mut grads, &self.model);
            self.model = self.optim.step(lr, self.model.clone(), grads);
        }
        Ok(value)
    }

    fn diverged(&self, epoch: usize, step: usize) -> ClipError {
        ClipError::Config(format!(
            "the contrastive loss diverged at epoch {epoch}, step {step}: lower lr"
        ))
    }

    fn end_epoch(&mut self, record: &EpochRecord) -> Result<(), ClipError> {
        let model = self.model.valid();
        (self.checkpoint)(&ClipSnapshot {
            model: &model,
            names: &self.names,
            config_json: self.config_json,
            merges: self.merges,
            epoch: record.epoch,
        })
    }

    fn temperature(&self) -> f64 {
        1.0 / scalar(self.model.logit_scale().detach())
    }
}
