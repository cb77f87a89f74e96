//! One reverse-diffusion step from the model's output, as guided-diffusion computes it: the
//! predicted x₀ (clipped to [−1, 1]), the posterior mean and variance (learned-range or fixed),
//! DDPM ancestral sampling and DDIM, with a guidance gradient applied to the mean (DDPM,
//! `condition_mean`) or to the score (DDIM, `condition_score`); and `q_sample` for init images.

use burn::tensor::Tensor;
use serde::{Deserialize, Serialize};

use super::GenerateError;
use super::schedule::Schedule;

/// The reverse-process variance of a DDPM step; settings name it `"learned_range"`,
/// `"fixed_small"` or `"fixed_large"`.
///
/// ```
/// use brainclip::generate::Variance;
/// let v: Variance = serde_json::from_str("\"fixed_small\"").unwrap();
/// assert_eq!(v, Variance::FixedSmall);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Variance {
    /// Interpolated in log space between the posterior variance and β by the model's extra
    /// output channels (ADM's `learn_sigma`).
    LearnedRange,
    /// The posterior variance β̃ (`sigma_small`).
    FixedSmall,
    /// β (with β̃ at the first step).
    FixedLarge,
}

/// A sampler: DDPM ancestral steps or DDIM.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub enum Sampler {
    /// Ancestral sampling with the given variance.
    Ddpm(Variance),
    /// DDIM with noise scale η (0: deterministic).
    Ddim {
        /// η.
        eta: f64,
    },
}

/// Which sampler settings ask for (`"ddpm"` or `"ddim"`); [`Sampler::new`] adds its parameters.
///
/// ```
/// use brainclip::generate::SamplerKind;
/// let k: SamplerKind = serde_json::from_str("\"ddim\"").unwrap();
/// assert_eq!((k, SamplerKind::default()), (SamplerKind::Ddim, SamplerKind::Ddpm));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SamplerKind {
    /// Ancestral sampling.
    #[default]
    Ddpm,
    /// DDIM.
    Ddim,
}

impl Sampler {
    /// The sampler of `kind`: DDPM with `variance`, or DDIM with noise scale `eta` (in 0..1).
    ///
    /// ```
    /// use brainclip::generate::{Sampler, SamplerKind, Variance};
    /// assert_eq!(Sampler::new(SamplerKind::Ddim, Variance::FixedSmall, 0.5)?, Sampler::Ddim { eta: 0.5 });
    /// assert!(Sampler::new(SamplerKind::Ddim, Variance::FixedSmall, 2.0).is_err());
    /// # Ok::<(), brainclip::generate::GenerateError>(())
    /// ```
    pub fn new(kind: SamplerKind, variance: Variance, eta: f64) -> Result<Self, GenerateError> {
        match kind {
            SamplerKind::Ddpm => Ok(Self::Ddpm(variance)),
            SamplerKind::Ddim if (0.0..=1.0).contains(&eta) => Ok(Self::Ddim { eta }),
            SamplerKind::Ddim => Err(GenerateError::option("eta", format!("{eta} is outside 0..1"))),
        }
    }

    /// Parse a script's `sampler` (`"ddpm"`, `"ddim"`) and `variance` (`"learned_range"`,
    /// `"fixed_small"`, `"fixed_large"`) options.
    ///
    /// ```
    /// use brainclip::generate::{Sampler, Variance};
    /// assert_eq!(Sampler::parse("ddpm", "learned_range", 0.0)?, Sampler::Ddpm(Variance::LearnedRange));
    /// assert!(Sampler::parse("euler", "learned_range", 0.0).is_err());
    /// # Ok::<(), brainclip::generate::GenerateError>(())
    /// ```
    pub fn parse(sampler: &str, variance: &str, eta: f64) -> Result<Self, GenerateError> {
        let variance = match variance {
            "learned_range" => Variance::LearnedRange,
            "fixed_small" => Variance::FixedSmall,
            "fixed_large" => Variance::FixedLarge,
            other => {
                return Err(GenerateError::option(
                    "variance",
                    format!("`{other}` is not a variance (\"learned_range\", \"fixed_small\" or \"fixed_large\")"),
                ));
            }
        };
        match sampler {
            "ddpm" => Self::new(SamplerKind::Ddpm, variance, eta),
            "ddim" => Self::new(SamplerKind::Ddim, variance, eta),
            other => Err(GenerateError::option(
                "sampler",
                format!("`{other}` is not a sampler (\"ddpm\" for ancestral sampling or \"ddim\")"),
            )),
        }
    }

    /// Whether the sampler needs the model's variance channels.
    pub fn needs_learned_sigma(&self) -> bool {
        matches!(self, Self::Ddpm(Variance::LearnedRange))
    }
}

/// The error of asking for a learned variance from a model that does not predict one.
pub(crate) fn learned_range_unavailable() -> GenerateError {
    GenerateError::option(
        "variance",
        "\"learned_range\" needs a model that predicts its variance (out_channels 6); \
         use variance: \"fixed_small\" with this model",
    )
}

/// The model's reverse-process prediction at one index.
#[derive(Clone, Debug)]
pub struct Prediction {
    /// Posterior mean.
    pub mean: Tensor<4>,
    /// Variance (broadcast to the image).
    pub variance: Tensor<4>,
    /// Log variance.
    pub log_variance: Tensor<4>,
    /// Predicted x₀, clipped to [−1, 1].
    pub pred_xstart: Tensor<4>,
}

/// The result of one step.
#[derive(Clone, Debug)]
pub struct Step {
    /// x at the next (lower) index.
    pub sample: Tensor<4>,
    /// The (unguided) predicted x₀, which the authors save as frames.
    pub pred_xstart: Tensor<4>,
}

fn f32s(v: f64) -> f32 {
    // guided-diffusion takes each coefficient from a float64 table and casts it to float32.
    v as f32
}

/// x₀ from ε: `sqrt(1/ᾱ)·x − sqrt(1/ᾱ − 1)·ε`.
pub fn xstart_from_eps(s: &Schedule, i: usize, x: Tensor<4>, eps: Tensor<4>) -> Tensor<4> {
    x * f32s(s.sqrt_recip_alphas_cumprod(i)) - eps * f32s(s.sqrt_recipm1_alphas_cumprod(i))
}

/// ε from x₀: `(sqrt(1/ᾱ)·x − x₀) / sqrt(1/ᾱ − 1)`.
pub fn eps_from_xstart(s: &Schedule, i: usize, x: Tensor<4>, xstart: Tensor<4>) -> Tensor<4> {
    (x * f32s(s.sqrt_recip_alphas_cumprod(i)) - xstart) / f32s(s.sqrt_recipm1_alphas_cumprod(i))
}

/// The posterior mean `coef1·x₀ + coef2·x`.
pub fn posterior_mean(s: &Schedule, i: usize, xstart: Tensor<4>, x: Tensor<4>) -> Tensor<4> {
    xstart * f32s(s.posterior_mean_coef1[i]) + x * f32s(s.posterior_mean_coef2[i])
}

/// guided-diffusion's `p_mean_variance` from a model output (batch × C or 2C × h × w) at index
/// `i`; `clip_denoised` clips the predicted x₀ to [−1, 1].
pub fn predict(
    s: &Schedule,
    i: usize,
    x: Tensor<4>,
    model_out: Tensor<4>,
    variance: Variance,
    clip_denoised: bool,
) -> Result<Prediction, GenerateError> {
    let [b, c, h, w] = x.dims();
    let out_c = model_out.dims()[1];
    if out_c != c && out_c != 2 * c {
        return Err(GenerateError::Shape {
            what: "model output",
            expected: format!("{c} or {} channels", 2 * c),
            found: out_c.to_string(),
        });
    }
    let eps = model_out.clone().narrow(1, 0, c);
    let (var, log_var) = match variance {
        Variance::LearnedRange => {
            if out_c != 2 * c {
                return Err(learned_range_unavailable());
            }
            let v = model_out.narrow(1, c, c);
            let min_log = f32s(s.posterior_log_variance_clipped[i]);
            let max_log = f32s(s.betas[i].ln());
            let frac = (v + 1.0) / 2.0;
            let log_var = frac.clone() * max_log + (frac.neg() + 1.0) * min_log;
            (log_var.clone().exp(), log_var)
        }
        Variance::FixedSmall | Variance::FixedLarge => {
            let value = if variance == Variance::FixedSmall || i == 0 {
                s.posterior_variance[if variance == Variance::FixedLarge {
                    1.min(s.len() - 1)
                } else {
                    i
                }]
            } else {
                s.betas[i]
            };
            let log = if variance == Variance::FixedSmall {
                s.posterior_log_variance_clipped[i]
            } else {
                value.ln()
            };
            let full = |v: f64| Tensor::<4>::full([b, c, h, w], f32s(v), &x.device());
            (full(value), full(log))
        }
    };
    let pred_xstart = xstart_from_eps(s, i, x.clone(), eps);
    let pred_xstart = if clip_denoised {
        pred_xstart.clamp(-1.0, 1.0)
    } else {
        pred_xstart
    };
    let mean = posterior_mean(s, i, pred_xstart.clone(), x);
    Ok(Prediction {
        mean,
        variance: var,
        log_variance: log_var,
        pred_xstart,
    })
}

/// A DDPM ancestral step (`p_sample`): `mean (+ variance·gradient) + exp(½ log σ²)·noise`, no
/// noise at index 0.
pub fn ddpm_step(p: &Prediction, i: usize, noise: Tensor<4>, gradient: Option<Tensor<4>>) -> Step {
    let mean = match gradient {
        Some(g) => p.mean.clone() + p.variance.clone() * g,
        None => p.mean.clone(),
    };
    let sample = if i == 0 {
        mean
    } else {
        mean + (p.log_variance.clone() * 0.5).exp() * noise
    };
    Step {
        sample,
        pred_xstart: p.pred_xstart.clone(),
    }
}

/// A DDIM step (`ddim_sample`), with the gradient applied to the score (`condition_score`).
pub fn ddim_step(
    s: &Schedule,
    i: usize,
    x: Tensor<4>,
    p: &Prediction,
    eta: f64,
    noise: Tensor<4>,
    gradient: Option<Tensor<4>>,
) -> Step {
    let xstart = match gradient {
        Some(g) => {
            let eps =
                eps_from_xstart(s, i, x.clone(), p.pred_xstart.clone()) - g * f32s((1.0 - s.alphas_cumprod[i]).sqrt());
            xstart_from_eps(s, i, x.clone(), eps)
        }
        None => p.pred_xstart.clone(),
    };
    let eps = eps_from_xstart(s, i, x, xstart.clone());
    // In f32 from f32 ᾱ, as guided-diffusion computes these: near ᾱ_prev = 1 the cancellation in
    // 1 − ᾱ_prev is part of the reference's result.
    let (ab, abp) = (f32s(s.alphas_cumprod[i]), f32s(s.alphas_cumprod_prev[i]));
    let sigma = eta as f32 * ((1.0 - abp) / (1.0 - ab)).sqrt() * (1.0 - ab / abp).sqrt();
    let mean = xstart * abp.sqrt() + eps * (1.0 - abp - sigma * sigma).sqrt();
    let sample = if i == 0 { mean } else { mean + noise * sigma };
    Step {
        sample,
        pred_xstart: p.pred_xstart.clone(),
    }
}

/// `q_sample`: the forward process at index `i`, `sqrt(ᾱ)·x₀ + sqrt(1 − ᾱ)·noise`.
pub fn q_sample(s: &Schedule, i: usize, x0: Tensor<4>, noise: Tensor<4>) -> Tensor<4> {
    x0 * f32s(s.alphas_cumprod[i].sqrt()) + noise * f32s(s.sqrt_one_minus_alphas_cumprod(i))
}
