//! Noise schedules and guided-diffusion's timestep respacing: the betas of the training process,
//! the subset of timesteps a sampler visits, and every coefficient the samplers need, computed in
//! f64 as guided-diffusion does.

use serde::{Deserialize, Serialize};

use super::GenerateError;

/// A beta schedule of the training process; scripts and settings name it `"linear"` or
/// `"cosine"`.
///
/// ```
/// use brainclip::generate::BetaSchedule;
/// let s: BetaSchedule = serde_json::from_str("\"cosine\"").unwrap();
/// assert_eq!((s, serde_json::to_string(&BetaSchedule::Linear).unwrap()), (BetaSchedule::Cosine, "\"linear\"".into()));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum BetaSchedule {
    /// Ho et al.'s linear schedule, scaled to the number of steps (ADM's default).
    #[default]
    Linear,
    /// Nichol & Dhariwal's cosine schedule.
    Cosine,
}

impl BetaSchedule {
    /// Parse `"linear"` or `"cosine"`.
    pub fn parse(name: &str) -> Result<Self, GenerateError> {
        match name {
            "linear" => Ok(Self::Linear),
            "cosine" => Ok(Self::Cosine),
            other => Err(GenerateError::option(
                "schedule",
                format!("`{other}` is not a schedule (\"linear\" or \"cosine\")"),
            )),
        }
    }

    /// The betas of a `steps`-step process (guided-diffusion's `get_named_beta_schedule`).
    ///
    /// ```
    /// use brainclip::generate::BetaSchedule;
    /// let b = BetaSchedule::Linear.betas(1000);
    /// assert!((b[0] - 1e-4).abs() < 1e-12 && (b[999] - 0.02).abs() < 1e-12);
    /// ```
    pub fn betas(self, steps: usize) -> Vec<f64> {
        match self {
            Self::Linear => {
                let scale = 1000.0 / steps as f64;
                let (start, end) = (scale * 0.0001, scale * 0.02);
                linspace(start, end, steps)
            }
            Self::Cosine => {
                let alpha_bar = |t: f64| ((t + 0.008) / 1.008 * std::f64::consts::PI / 2.0).cos().powi(2);
                (0..steps)
                    .map(|i| {
                        let (t1, t2) = (i as f64 / steps as f64, (i + 1) as f64 / steps as f64);
                        (1.0 - alpha_bar(t2) / alpha_bar(t1)).min(0.999)
                    })
                    .collect()
            }
        }
    }
}

/// numpy's `linspace` (same formula, so the same doubles).
fn linspace(start: f64, end: f64, n: usize) -> Vec<f64> {
    if n == 1 {
        return vec![start];
    }
    let step = (end - start) / (n - 1) as f64;
    (0..n)
        .map(|i| if i + 1 == n { end } else { start + i as f64 * step })
        .collect()
}

/// Python's `round` (half to even) of a non-negative double.
fn round_half_even(x: f64) -> usize {
    let floor = x.floor();
    let r = if x - floor == 0.5 {
        if floor % 2.0 == 0.0 { floor } else { floor + 1.0 }
    } else {
        x.round()
    };
    r as usize
}

/// The timesteps of a `steps`-step process that a respaced sampler visits, ascending
/// (guided-diffusion's `space_timesteps`): `"800"` takes 800 evenly spaced steps
/// (`linspace(0, steps − 1, 800).round()`), `"25,15"` splits the process into sections of 25 and
/// 15 steps, `"ddim50"` uses DDIM's integer stride.
///
/// ```
/// use brainclip::generate::respace;
/// assert_eq!(respace(1000, "ddim50").unwrap()[..3], [0, 20, 40]);
/// assert_eq!(respace(1000, "10").unwrap(), [0, 111, 222, 333, 444, 555, 666, 777, 888, 999]);
/// ```
pub fn respace(steps: usize, spec: &str) -> Result<Vec<usize>, GenerateError> {
    let bad = |message: String| GenerateError::option("timesteps", message);
    let spec = spec.trim();
    if let Some(count) = spec.strip_prefix("ddim") {
        let desired: usize = count
            .parse()
            .map_err(|_| bad(format!("`{spec}`: after \"ddim\" give a step count, e.g. \"ddim50\"")))?;
        for stride in 1..steps {
            if (0..steps).step_by(stride).count() == desired {
                return Ok((0..steps).step_by(stride).collect());
            }
        }
        return Err(bad(format!(
            "`{spec}`: {steps} steps cannot be strided into exactly {desired} (try a divisor of {steps}, e.g. ddim25, ddim50, ddim250)"
        )));
    }
    let counts: Vec<usize> = spec
        .split(',')
        .map(|part| part.trim().parse::<usize>())
        .collect::<Result<_, _>>()
        .map_err(|_| {
            bad(format!(
                "`{spec}` is not a step count (e.g. \"800\", \"25,15\" or \"ddim50\")"
            ))
        })?;
    if counts.is_empty() || counts.contains(&0) {
        return Err(bad(format!("`{spec}`: every section needs at least one step")));
    }
    let sections = counts.len();
    let (size_per, extra) = (steps / sections, steps % sections);
    let mut start = 0;
    let mut taken = std::collections::BTreeSet::new();
    for (i, &count) in counts.iter().enumerate() {
        let size = size_per + usize::from(i < extra);
        if size < count {
            return Err(bad(format!(
                "`{spec}`: a section of {size} steps cannot be divided into {count}"
            )));
        }
        let stride = if count <= 1 {
            1.0
        } else {
            (size - 1) as f64 / (count - 1) as f64
        };
        let mut cur = 0.0f64;
        for _ in 0..count {
            taken.insert(start + round_half_even(cur));
            cur += stride;
        }
        start += size;
    }
    Ok(taken.into_iter().collect())
}

/// The most training steps a schedule may have (released models use 1000 or 4000).
pub const MAX_TRAIN_STEPS: usize = 100_000;

/// A respaced diffusion process: the visited timesteps and every per-step coefficient
/// (index `i` is the `i`-th visited timestep; sampling runs from the last index down to 0).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Schedule {
    /// The schedule of the training process.
    pub beta_schedule: BetaSchedule,
    /// Steps of the training process (1000).
    pub train_steps: usize,
    /// The respacing as given (e.g. `"800"`, `"ddim50"`).
    pub spacing: String,
    /// The visited training timesteps, ascending.
    pub timesteps: Vec<usize>,
    /// Respaced betas.
    pub betas: Vec<f64>,
    /// Cumulative products ᾱ of the respaced process.
    pub alphas_cumprod: Vec<f64>,
    /// ᾱ of the previous index (1 before the first).
    pub alphas_cumprod_prev: Vec<f64>,
    /// Posterior q(x_{t−1} | x_t, x_0) variance.
    pub posterior_variance: Vec<f64>,
    /// Its log, with the first entry replaced by the second (it is 0).
    pub posterior_log_variance_clipped: Vec<f64>,
    /// Posterior mean coefficient of x_0.
    pub posterior_mean_coef1: Vec<f64>,
    /// Posterior mean coefficient of x_t.
    pub posterior_mean_coef2: Vec<f64>,
}

impl Schedule {
    /// Respace a `train_steps` process of `beta_schedule` by `spacing` (see [`respace`]).
    ///
    /// ```
    /// use brainclip::generate::{BetaSchedule, Schedule};
    /// let s = Schedule::new(BetaSchedule::Linear, 1000, "800")?;
    /// assert_eq!(s.len(), 800);
    /// // The model sees the original timestep of each index.
    /// assert_eq!(s.model_timestep(799), 999.0);
    /// # Ok::<(), brainclip::generate::GenerateError>(())
    /// ```
    pub fn new(beta_schedule: BetaSchedule, train_steps: usize, spacing: &str) -> Result<Self, GenerateError> {
        if !(2..=MAX_TRAIN_STEPS).contains(&train_steps) {
            return Err(GenerateError::option(
                "diffusion_steps",
                format!("{train_steps} training steps: give 2 to {MAX_TRAIN_STEPS} (ADM uses 1000)"),
            ));
        }
        let timesteps = respace(train_steps, spacing)?;
        let base = beta_schedule.betas(train_steps);
        let mut cumprod = 1.0;
        let mut last = 1.0;
        let mut betas = Vec::with_capacity(timesteps.len());
        let mut keep = timesteps.iter().peekable();
        for (i, beta) in base.iter().enumerate() {
            cumprod *= 1.0 - beta;
            if keep.peek() == Some(&&i) {
                betas.push(1.0 - cumprod / last);
                last = cumprod;
                keep.next();
            }
        }
        Ok(Self::from_betas(beta_schedule, train_steps, spacing, timesteps, betas))
    }

    fn from_betas(
        beta_schedule: BetaSchedule,
        train_steps: usize,
        spacing: &str,
        timesteps: Vec<usize>,
        betas: Vec<f64>,
    ) -> Self {
        let n = betas.len();
        let mut alphas_cumprod = Vec::with_capacity(n);
        let mut acc = 1.0;
        for b in &betas {
            acc *= 1.0 - b;
            alphas_cumprod.push(acc);
        }
        let alphas_cumprod_prev: Vec<f64> = std::iter::once(1.0)
            .chain(alphas_cumprod[..n - 1].iter().copied())
            .collect();
        let posterior_variance: Vec<f64> = (0..n)
            .map(|i| betas[i] * (1.0 - alphas_cumprod_prev[i]) / (1.0 - alphas_cumprod[i]))
            .collect();
        let posterior_log_variance_clipped: Vec<f64> = (0..n)
            .map(|i| posterior_variance[if i == 0 && n > 1 { 1 } else { i }].ln())
            .collect();
        let posterior_mean_coef1 = (0..n)
            .map(|i| betas[i] * alphas_cumprod_prev[i].sqrt() / (1.0 - alphas_cumprod[i]))
            .collect();
        let posterior_mean_coef2 = (0..n)
            .map(|i| (1.0 - alphas_cumprod_prev[i]) * (1.0 - betas[i]).sqrt() / (1.0 - alphas_cumprod[i]))
            .collect();
        Self {
            beta_schedule,
            train_steps,
            spacing: spacing.to_string(),
            timesteps,
            betas,
            alphas_cumprod,
            alphas_cumprod_prev,
            posterior_variance,
            posterior_log_variance_clipped,
            posterior_mean_coef1,
            posterior_mean_coef2,
        }
    }

    /// Number of sampling steps.
    pub fn len(&self) -> usize {
        self.betas.len()
    }

    /// Whether there is no step (never, for a constructed schedule).
    pub fn is_empty(&self) -> bool {
        self.betas.is_empty()
    }

    /// The timestep the model is given at index `i`: the original timestep, rescaled to a
    /// 1000-step range (guided-diffusion's `rescale_timesteps`).
    pub fn model_timestep(&self, i: usize) -> f64 {
        self.timesteps[i] as f64 * (1000.0 / self.train_steps as f64)
    }

    /// `sqrt(1 / ᾱ)` at index `i`.
    pub fn sqrt_recip_alphas_cumprod(&self, i: usize) -> f64 {
        (1.0 / self.alphas_cumprod[i]).sqrt()
    }

    /// `sqrt(1 / ᾱ − 1)` at index `i`.
    pub fn sqrt_recipm1_alphas_cumprod(&self, i: usize) -> f64 {
        (1.0 / self.alphas_cumprod[i] - 1.0).sqrt()
    }

    /// `sqrt(1 − ᾱ)` at index `i` (the guidance's blend factor).
    pub fn sqrt_one_minus_alphas_cumprod(&self, i: usize) -> f64 {
        (1.0 - self.alphas_cumprod[i]).sqrt()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn respacing_800_is_rounded_linspace() {
        let steps = respace(1000, "800").unwrap();
        let expected: Vec<usize> = linspace(0.0, 999.0, 800).into_iter().map(round_half_even).collect();
        assert_eq!(steps, expected);
        assert_eq!(steps.len(), 800);
    }

    #[test]
    fn bad_spacings_explain_themselves() {
        assert!(respace(1000, "ddim999").unwrap_err().to_string().contains("divisor"));
        assert_eq!(respace(1000, "ddim7").unwrap().len(), 7);
        assert!(respace(1000, "fast").unwrap_err().to_string().contains("ddim50"));
        assert!(respace(10, "20").unwrap_err().to_string().contains("cannot be divided"));
        assert!(respace(1000, "10,0").is_err());
    }

    #[test]
    fn unrespaced_schedule_keeps_the_betas() {
        let s = Schedule::new(BetaSchedule::Linear, 1000, "1000").unwrap();
        let b = BetaSchedule::Linear.betas(1000);
        for i in [0, 500, 999] {
            assert!((s.betas[i] - b[i]).abs() < 1e-15);
        }
        assert_eq!(s.posterior_log_variance_clipped[0], s.posterior_variance[1].ln());
    }

    #[test]
    fn python_rounding_is_half_to_even() {
        assert_eq!(round_half_even(0.5), 0);
        assert_eq!(round_half_even(1.5), 2);
        assert_eq!(round_half_even(2.5), 2);
        assert_eq!(round_half_even(2.4999), 2);
    }
}
