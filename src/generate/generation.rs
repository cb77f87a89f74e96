//! A generation run as scripts ask for it: [`GenerationSettings`] (respacing, sampler, guidance,
//! seeds, which targets) resolved against a model and its targets into a [`GenerationPlan`],
//! which gives each target its guide, its init image and its noise, and samples it.
//!
//! ```
//! use brainclip::generate::{GenerationSettings, UNetConfig};
//! let model = UNetConfig::from_json(r#"{"sample_size": 16, "block_out_channels": [8, 8],
//!   "down_block_types": ["DownBlock2D", "DownBlock2D"], "up_block_types": ["UpBlock2D", "UpBlock2D"],
//!   "norm_num_groups": 4}"#, "config.json")?;
//! let ids = ["cat".to_string(), "tower".to_string()];
//! let settings = GenerationSettings { steps: "ddim10".into(), ids: Some(vec!["tower".into()]), ..Default::default() };
//! let plan = settings.plan(&model, &ids)?;
//! assert_eq!((plan.schedule.len(), plan.config.image_size, plan.rows.clone()), (10, 16, vec![1]));
//! # Ok::<(), brainclip::generate::GenerateError>(())
//! ```

use burn::tensor::{Device, Tensor};
use ndarray::{ArrayView2, s};
use serde::{Deserialize, Serialize};

use super::GenerateError;
use super::guidance::{CutoutDraw, GuidanceConfig, Guide};
use super::noise::SeededNoise;
use super::sample::{Cutouts, SampleConfig, SampleObserver, Samples, sample};
use super::sampler::{Sampler, SamplerKind, Variance, learned_range_unavailable};
use super::schedule::{BetaSchedule, Schedule};
use super::unet::{UNet, UNetConfig};
use crate::clip::Clip;
use crate::tensors::to_tensor;

/// The largest image side a run may ask for (ADM-512 is the largest released model).
pub const MAX_IMAGE_SIZE: usize = 2048;

/// Mixed into a target's noise seed to seed its cutout draws.
const CUTOUT_SEED: u64 = 0x5eed_c075;

/// Where each target's initial noise comes from.
///
/// ```
/// use brainclip::generate::NoiseMode;
/// assert_eq!((NoiseMode::Shared.seed(7, 3), NoiseMode::PerTarget.seed(7, 3)), (7, 10));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum NoiseMode {
    /// Every target starts from the same noise (the authors' script, one image per run).
    #[default]
    Shared,
    /// Target row r starts from seed + r, so unguided samples differ.
    PerTarget,
}

impl NoiseMode {
    /// The noise seed of target row `row` in a run seeded `seed`.
    pub fn seed(self, seed: u64, row: usize) -> u64 {
        match self {
            Self::Shared => seed,
            Self::PerTarget => seed.wrapping_add(row as u64),
        }
    }
}

/// A respacing given as a step count (`800`) or as text (`"25,15"`, `"ddim50"`).
fn count_or_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged, expecting = "steps as an integer or a string like \"ddim50\"")]
    enum Steps {
        Count(u64),
        Text(String),
    }
    Ok(match Steps::deserialize(d)? {
        Steps::Count(n) => n.to_string(),
        Steps::Text(text) => text,
    })
}

/// Everything a generation run can be asked, named and defaulted as the script options (the
/// guidance settings flattened in); [`GenerationSettings::plan`] checks and resolves them.
///
/// ```
/// use brainclip::generate::{GenerationSettings, NoiseMode};
/// let s: GenerationSettings = serde_json::from_str(r#"{"cutn": 2, "noise": "per_target"}"#).unwrap();
/// assert_eq!((s.guidance.cutn, s.noise, s.steps.as_str(), s.save_every), (2, NoiseMode::PerTarget, "800", 5));
/// let counted: GenerationSettings = serde_json::from_str(r#"{"steps": 25}"#).unwrap();
/// assert_eq!(counted.steps, "25");
/// assert!(serde_json::from_str::<GenerationSettings>(r#"{"steps": [25]}"#).is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct GenerationSettings {
    /// Respacing of the diffusion process ([`super::respace`]): `"800"`, `"25,15"`, `"ddim50"`
    /// (a step count may also be given as a number).
    #[serde(deserialize_with = "count_or_text")]
    pub steps: String,
    /// "ddpm" (ancestral) or "ddim".
    pub sampler: SamplerKind,
    /// DDPM variance; `None`: learned when the model predicts it, else fixed small.
    pub variance: Option<Variance>,
    /// DDIM noise.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub eta: f64,
    /// Beta schedule of the training process.
    pub schedule: BetaSchedule,
    /// Steps of the training process.
    #[schemars(range(min = 2, max = super::schedule::MAX_TRAIN_STEPS))]
    pub diffusion_steps: usize,
    /// CLIP guidance.
    #[serde(flatten)]
    pub guidance: GuidanceConfig,
    /// Steps skipped at the start. With 0 the init image is noised to the first step, where its
    /// weight is sqrt(ᾱ) ≈ 0.006: effectively unused. The authors suggest 200–500 with an init
    /// image.
    pub skip_timesteps: usize,
    /// Clip the predicted x₀ to [−1, 1] (with true the range term is 0).
    pub clip_denoised: bool,
    /// Side in pixels; `None`: the model's sample size.
    pub image_size: Option<usize>,
    /// Keep a frame every N steps, 0 for none.
    pub save_every: usize,
    /// Noise and cutout seed; the same seed gives the same image.
    pub seed: u64,
    /// "shared": every target starts from the same noise (the authors' script, one image per
    /// run); "per_target": target row r uses seed + r, so unguided samples differ.
    pub noise: NoiseMode,
    /// Generate only for these target ids, in this order; none: every target.
    pub ids: Option<Vec<String>>,
}

impl Default for GenerationSettings {
    fn default() -> Self {
        Self {
            steps: "800".into(),
            sampler: SamplerKind::Ddpm,
            variance: None,
            eta: 0.0,
            schedule: BetaSchedule::Linear,
            diffusion_steps: 1000,
            guidance: GuidanceConfig::default(),
            skip_timesteps: 0,
            clip_denoised: true,
            image_size: None,
            save_every: 5,
            seed: 0,
            noise: NoiseMode::Shared,
            ids: None,
        }
    }
}

/// A checked run for one model and one set of targets.
#[derive(Clone, Debug, PartialEq)]
pub struct GenerationPlan {
    /// The respaced process.
    pub schedule: Schedule,
    /// The sampling settings (one image at a time).
    pub config: SampleConfig,
    /// The guidance settings.
    pub guidance: GuidanceConfig,
    /// The run's seed.
    pub seed: u64,
    /// How each target's noise is seeded.
    pub noise: NoiseMode,
    /// The target rows to generate, in order.
    pub rows: Vec<usize>,
}

impl GenerationSettings {
    /// Check the settings against `model` and resolve them for targets with `target_ids`: the
    /// variance the model supports, the schedule, the guidance, the image side (a multiple of the
    /// model's down-sampling, at most [`MAX_IMAGE_SIZE`]) and the rows of `ids`.
    pub fn plan(&self, model: &UNetConfig, target_ids: &[String]) -> Result<GenerationPlan, GenerateError> {
        let learned = model.learns_sigma();
        let variance = self.variance.unwrap_or(if learned {
            Variance::LearnedRange
        } else {
            Variance::FixedSmall
        });
        let sampler = Sampler::new(self.sampler, variance, self.eta)?;
        if sampler.needs_learned_sigma() && !learned {
            return Err(learned_range_unavailable());
        }
        let schedule = Schedule::new(self.schedule, self.diffusion_steps, &self.steps)?;
        self.guidance.validate()?;
        let image_size = self.image_size.unwrap_or(model.sample_size);
        model.check_image_size(image_size)?;
        if image_size > MAX_IMAGE_SIZE {
            return Err(GenerateError::option(
                "image_size",
                format!("{image_size}; at most {MAX_IMAGE_SIZE} is supported"),
            ));
        }
        Ok(GenerationPlan {
            schedule,
            config: SampleConfig {
                sampler,
                image_size,
                batch: 1,
                skip_timesteps: self.skip_timesteps,
                clip_denoised: self.clip_denoised,
                save_every: self.save_every,
            },
            guidance: self.guidance.clone(),
            seed: self.seed,
            noise: self.noise,
            rows: target_rows(target_ids, self.ids.as_deref())?,
        })
    }
}

/// The rows of `wanted` among `ids` (every row when `None`).
///
/// ```
/// use brainclip::generate::target_rows;
/// let ids = ["a".to_string(), "b".to_string(), "c".to_string()];
/// assert_eq!(target_rows(&ids, None)?, [0, 1, 2]);
/// assert_eq!(target_rows(&ids, Some(&["c".to_string(), "a".to_string()]))?, [2, 0]);
/// assert!(target_rows(&ids, Some(&["z".to_string()])).unwrap_err().to_string().contains("no target with id `z`"));
/// # Ok::<(), brainclip::generate::GenerateError>(())
/// ```
pub fn target_rows(ids: &[String], wanted: Option<&[String]>) -> Result<Vec<usize>, GenerateError> {
    match wanted {
        None => Ok((0..ids.len()).collect()),
        Some(wanted) => wanted
            .iter()
            .map(|id| {
                ids.iter()
                    .position(|x| x == id)
                    .ok_or_else(|| GenerateError::option("ids", format!("no target with id `{id}`")))
            })
            .collect(),
    }
}

impl GenerationPlan {
    /// Check a number of init images for `targets` targets: none, one for all, one per selected
    /// row or one per target.
    ///
    /// ```
    /// use brainclip::generate::{GenerationSettings, UNetConfig};
    /// let model = UNetConfig::from_json(r#"{"sample_size": 8, "block_out_channels": [8, 8],
    ///   "down_block_types": ["DownBlock2D", "DownBlock2D"], "up_block_types": ["UpBlock2D", "UpBlock2D"],
    ///   "norm_num_groups": 4}"#, "config.json")?;
    /// let ids: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
    /// let plan = GenerationSettings { steps: "4".into(), ids: Some(vec!["c".into(), "b".into()]), ..Default::default() }
    ///     .plan(&model, &ids)?;
    /// assert!(plan.check_init(4, ids.len()).is_err() && plan.check_init(3, ids.len()).is_ok());
    /// // One for all, one per selected id (in their order), or one per target row.
    /// assert_eq!([1, 2, 3].map(|given| plan.init_index(given, 0)), [Some(0), Some(0), Some(2)]);
    /// assert_eq!(plan.init_index(0, 0), None);
    /// # Ok::<(), brainclip::generate::GenerateError>(())
    /// ```
    pub fn check_init(&self, given: usize, targets: usize) -> Result<(), GenerateError> {
        if given == 0 || [1, self.rows.len(), targets].contains(&given) {
            return Ok(());
        }
        Err(GenerateError::Shape {
            what: "init images",
            expected: format!(
                "one per target ({targets}), one per id in `ids` ({}) or one for all",
                self.rows.len()
            ),
            found: given.to_string(),
        })
    }

    /// Which of `given` init images (checked with [`GenerationPlan::check_init`]) the `n`-th
    /// generated target starts from.
    pub fn init_index(&self, given: usize, n: usize) -> Option<usize> {
        match given {
            0 => None,
            1 => Some(0),
            g if g == self.rows.len() => Some(n),
            _ => self.rows.get(n).copied(),
        }
    }

    /// The guide toward row `row` of `targets` (rows × D embeddings) with `clip`.
    pub fn guide<'a>(&self, clip: &'a Clip, targets: ArrayView2<f32>, row: usize, device: &Device) -> Guide<'a> {
        Guide {
            clip: &clip.model,
            clip_size: clip.config.vision.image_size,
            target: to_tensor(targets.slice(s![row..row + 1, ..]), device),
            config: self.guidance.clone(),
        }
    }

    /// Sample target row `row`: guided by `guide` unless every guidance scale is 0, from `init`
    /// (1 × 3 × S × S) if given, with the row's noise seed and cutouts drawn from it.
    pub fn sample(
        &self,
        unet: &UNet,
        guide: &Guide,
        init: Option<Tensor<4>>,
        row: usize,
        observer: &mut dyn SampleObserver,
        device: &Device,
    ) -> Result<Samples, GenerateError> {
        let seed = self.noise.seed(self.seed, row);
        let mut noise = SeededNoise::new(seed);
        let mut cutouts = Cutouts::Random(Box::new(CutoutDraw::new(seed ^ CUTOUT_SEED)));
        sample(
            unet,
            &self.schedule,
            &self.config,
            self.guidance.is_active().then_some(guide),
            init,
            &mut noise,
            &mut cutouts,
            observer,
            device,
        )
    }
}
