use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::TrainError;

/// Which text embedding the text loss compares with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TextTarget {
    /// Each image's own caption embedding.
    Caption,
    /// The category prompt ("an image of {name}."); samples of a category are all positives.
    Prompt,
}

/// Which targets the contrastive terms use (MindEye's variants beside CLIP's).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Contrastive {
    /// Hard targets: each sample's own embedding (and its category's, for prompts).
    Clip,
    /// SoftCLIP: the targets' own similarity softmax.
    Softclip,
    /// BiMixCo: mixed inputs against mixed targets.
    Bimixco,
    /// MindEye's schedule: BiMixCo for the first `mixco_epochs` of the epochs, SoftCLIP after.
    Mindeye,
}

/// Weights of the loss terms and the contrastive temperature.
///
/// `image`/`text` weigh the symmetric CLIP losses against the image and the text embeddings;
/// the `*_mse` and `*_cosine` terms are optional regression terms.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct LossConfig {
    /// Weight of the CLIP loss against image embeddings.
    #[schemars(range(min = 0.0))]
    pub image: f64,
    /// Weight of the CLIP loss against text embeddings.
    #[schemars(range(min = 0.0))]
    pub text: f64,
    /// Weight of an MSE regression term on the image head.
    #[schemars(range(min = 0.0))]
    pub image_mse: f64,
    /// Weight of an MSE regression term on the text head.
    #[schemars(range(min = 0.0))]
    pub text_mse: f64,
    /// Weight of a 1 − cosine term on the image head.
    #[schemars(range(min = 0.0))]
    pub image_cosine: f64,
    /// Weight of a 1 − cosine term on the text head.
    #[schemars(range(min = 0.0))]
    pub text_cosine: f64,
    /// Initial (or fixed) contrastive temperature.
    pub temperature: f64,
    /// Learn the temperature (log-parametrised), clamped to [0.01, 1].
    pub learn_temperature: bool,
    /// What the text loss compares with: captions, or category prompts (same-category samples
    /// count as positives).
    pub text_target: TextTarget,
    /// Targets of the contrastive terms: hard (CLIP), soft from the targets' own similarity
    /// (SoftCLIP), mixed inputs and targets (BiMixCo), or MindEye's schedule (BiMixCo first,
    /// then SoftCLIP).
    pub contrastive: Contrastive,
    /// BiMixCo: the mixing weight is Beta(α, α) (MindEye: 0.15).
    #[schemars(range(min = 0.0))]
    pub mixco_alpha: f64,
    /// BiMixCo: the chance that a sample is mixed (MindEye: 0.5).
    #[schemars(range(min = 0.0, max = 1.0))]
    pub mixco_prob: f64,
    /// mindeye: the share of epochs trained with BiMixCo before SoftCLIP (MindEye: 0.33).
    #[schemars(range(min = 0.0, max = 1.0))]
    pub mixco_epochs: f64,
}

impl Default for LossConfig {
    fn default() -> Self {
        Self {
            image: 1.0,
            text: 1.0,
            image_mse: 0.0,
            text_mse: 0.0,
            image_cosine: 0.0,
            text_cosine: 0.0,
            temperature: 0.05,
            learn_temperature: true,
            text_target: TextTarget::Caption,
            contrastive: Contrastive::Clip,
            mixco_alpha: 0.15,
            mixco_prob: 0.5,
            mixco_epochs: 0.33,
        }
    }
}

/// Smallest and largest temperature a learned temperature may reach.
pub const TEMPERATURE_RANGE: (f64, f64) = (0.01, 1.0);

impl LossConfig {
    /// The contrastive targets of training epoch `epoch` (1-based) of `epochs`.
    ///
    /// ```
    /// use brainclip::train::{Contrastive, LossConfig};
    /// let cfg = LossConfig { contrastive: Contrastive::Mindeye, ..LossConfig::default() };
    /// // MindEye: BiMixCo while epoch < int(0.33 · epochs) counting from 0.
    /// assert_eq!(cfg.contrastive_at(3, 10), Contrastive::Bimixco);
    /// assert_eq!(cfg.contrastive_at(4, 10), Contrastive::Softclip);
    /// ```
    pub fn contrastive_at(&self, epoch: usize, epochs: usize) -> Contrastive {
        match self.contrastive {
            Contrastive::Mindeye if epoch as f64 <= (self.mixco_epochs * epochs as f64).floor() => Contrastive::Bimixco,
            Contrastive::Mindeye => Contrastive::Softclip,
            other => other,
        }
    }

    /// The contrastive targets of the validation loss: the last training phase's, unmixed, so the
    /// value stays comparable across epochs.
    pub fn validation_contrastive(&self) -> Contrastive {
        match self.contrastive {
            Contrastive::Mindeye | Contrastive::Softclip => Contrastive::Softclip,
            Contrastive::Clip | Contrastive::Bimixco => Contrastive::Clip,
        }
    }

    /// Whether any term needs the image embeddings.
    pub fn uses_image(&self) -> bool {
        self.image > 0.0 || self.image_mse > 0.0 || self.image_cosine > 0.0
    }
    /// Whether any term needs the text embeddings.
    pub fn uses_text(&self) -> bool {
        self.text > 0.0 || self.text_mse > 0.0 || self.text_cosine > 0.0
    }

    /// Check every weight and the temperature.
    pub fn validate(&self) -> Result<(), TrainError> {
        let weights = [
            ("loss.image", self.image),
            ("loss.text", self.text),
            ("loss.image_mse", self.image_mse),
            ("loss.text_mse", self.text_mse),
            ("loss.image_cosine", self.image_cosine),
            ("loss.text_cosine", self.text_cosine),
        ];
        for (option, w) in weights {
            if !(w.is_finite() && w >= 0.0) {
                return Err(TrainError::InvalidOption {
                    option,
                    expected: "a non-negative number",
                    found: w.to_string(),
                });
            }
        }
        if weights.iter().all(|(_, w)| *w == 0.0) {
            return Err(TrainError::InvalidOption {
                option: "loss",
                expected: "at least one positive weight (image, text, image_mse, text_mse, image_cosine, text_cosine)",
                found: "all weights 0".into(),
            });
        }
        if !(self.mixco_alpha.is_finite() && self.mixco_alpha > 0.0) {
            return Err(TrainError::InvalidOption {
                option: "loss.mixco_alpha",
                expected: "a positive number",
                found: self.mixco_alpha.to_string(),
            });
        }
        for (option, v) in [
            ("loss.mixco_prob", self.mixco_prob),
            ("loss.mixco_epochs", self.mixco_epochs),
        ] {
            if !(0.0..=1.0).contains(&v) {
                return Err(TrainError::InvalidOption {
                    option,
                    expected: "between 0 and 1",
                    found: v.to_string(),
                });
            }
        }
        let (lo, hi) = TEMPERATURE_RANGE;
        if !(self.temperature.is_finite() && (lo..=hi).contains(&self.temperature)) {
            return Err(TrainError::InvalidOption {
                option: "loss.temperature",
                expected: "between 0.01 and 1",
                found: self.temperature.to_string(),
            });
        }
        Ok(())
    }
}

/// The floating-point format of the forward and backward passes.
///
/// `Bf16` is mixed precision: the weights and the optimiser state stay f32 (master weights); each
/// linear layer casts its input and weights to bfloat16 for the matrix product, layer norms and
/// the losses run in f32. bfloat16 has f32's exponent range, so no loss scaling is needed. It
/// pays on GPUs with bf16 tensor cores; on CPUs it is mostly slower.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// Everything in f32.
    #[default]
    F32,
    /// bfloat16 matrix products with f32 master weights.
    Bf16,
}

impl Precision {
    /// Parse `f32` or `bf16`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "f32" | "fp32" | "float32" => Some(Self::F32),
            "bf16" | "bfloat16" => Some(Self::Bf16),
            _ => None,
        }
    }
}

/// Options of a training run; saved with its results.
///
/// ```
/// let cfg = brainclip::train::TrainConfig::default();
/// assert_eq!(cfg.batch_size, 128);
/// assert!(cfg.validate().is_ok());
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct TrainConfig {
    /// Passes over the training samples.
    pub epochs: usize,
    /// Samples per step (the contrastive batch).
    #[schemars(range(min = 1))]
    pub batch_size: usize,
    /// Peak learning rate of AdamW.
    #[schemars(range(min = 0.0))]
    pub lr: f64,
    /// AdamW's decoupled weight decay.
    #[schemars(range(min = 0.0))]
    pub weight_decay: f64,
    /// Fraction of all steps spent warming the learning rate up linearly from 0.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub warmup: f64,
    /// Final learning rate of the cosine decay, as a fraction of lr.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub min_lr_ratio: f64,
    /// Clip each parameter's gradient to this L2 norm; none: no clipping.
    pub grad_clip: Option<f64>,
    /// Fraction of training samples held out for validation and early stopping (0 for none).
    pub validation: f64,
    /// Stop after this many epochs without a lower validation loss, keeping the best weights;
    /// none: never.
    pub patience: Option<usize>,
    /// Seed of the validation split, batch order and dropout.
    pub seed: u64,
    /// Loss terms.
    pub loss: LossConfig,
    /// bf16: mixed precision, bfloat16 matrix products with f32 weights, norms and losses (for
    /// GPUs with bf16 tensor cores).
    pub precision: Precision,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            epochs: 40,
            batch_size: 128,
            lr: 3e-4,
            weight_decay: 0.05,
            warmup: 0.05,
            min_lr_ratio: 0.01,
            grad_clip: Some(1.0),
            validation: 0.1,
            patience: Some(10),
            seed: 0,
            loss: LossConfig::default(),
            precision: Precision::F32,
        }
    }
}

impl TrainConfig {
    /// Check every option before any tensor is made.
    pub fn validate(&self) -> Result<(), TrainError> {
        let invalid = |option, expected, found: String| {
            Err(TrainError::InvalidOption {
                option,
                expected,
                found,
            })
        };
        if !(1..=100_000).contains(&self.epochs) {
            return invalid("epochs", "between 1 and 100000", self.epochs.to_string());
        }
        if self.batch_size < 2 {
            return invalid(
                "batch_size",
                "at least 2 (a contrastive batch needs negatives)",
                self.batch_size.to_string(),
            );
        }
        if !(self.lr.is_finite() && self.lr > 0.0 && self.lr < 10.0) {
            return invalid("lr", "a positive number below 10", self.lr.to_string());
        }
        if !(self.weight_decay.is_finite() && (0.0..1.0).contains(&self.weight_decay)) {
            return invalid("weight_decay", "in [0, 1)", self.weight_decay.to_string());
        }
        if !(self.warmup.is_finite() && (0.0..1.0).contains(&self.warmup)) {
            return invalid("warmup", "a fraction in [0, 1)", self.warmup.to_string());
        }
        if !(self.min_lr_ratio.is_finite() && (0.0..=1.0).contains(&self.min_lr_ratio)) {
            return invalid("min_lr_ratio", "in [0, 1]", self.min_lr_ratio.to_string());
        }
        if let Some(c) = self.grad_clip
            && !(c.is_finite() && c > 0.0)
        {
            return invalid("grad_clip", "a positive number (or () for none)", c.to_string());
        }
        if !(self.validation.is_finite() && (0.0..0.9).contains(&self.validation)) {
            return invalid("validation", "a fraction in [0, 0.9)", self.validation.to_string());
        }
        if self.patience == Some(0) {
            return invalid("patience", "at least 1 (or () for no early stopping)", "0".into());
        }
        self.loss.validate()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_values_name_the_option() {
        let cfg = TrainConfig {
            batch_size: 1,
            ..Default::default()
        };
        assert!(
            cfg.validate()
                .unwrap_err()
                .to_string()
                .starts_with("batch_size must be at least 2")
        );
        let cfg = TrainConfig {
            lr: f64::NAN,
            ..Default::default()
        };
        assert!(cfg.validate().unwrap_err().to_string().starts_with("lr must be"));
        let mut cfg = TrainConfig::default();
        cfg.loss.image = 0.0;
        cfg.loss.text = 0.0;
        assert!(
            cfg.validate()
                .unwrap_err()
                .to_string()
                .contains("at least one positive weight")
        );
        cfg.loss.image_mse = 1.0;
        assert!(cfg.validate().is_ok());
        cfg.loss.temperature = 0.0;
        assert!(cfg.validate().is_err());
    }
}
