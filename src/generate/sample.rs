//! The sampling loop: from noise (or an init image noised to the first step) down to an image,
//! one reverse step per visited timestep, with CLIP guidance when a guide is given, intermediate
//! frames, progress and interruption between steps.

use burn::tensor::{Tensor, TensorData};
use image::RgbImage;
use serde::Serialize;

use super::GenerateError;
use super::guidance::{Cutout, CutoutDraw, GuidanceLosses, Guide, range_term};
use super::images::to_images;
use super::noise::NoiseSource;
use super::sampler::{Prediction, Sampler, ddim_step, ddpm_step, predict, q_sample};
use super::schedule::Schedule;
use super::unet::UNet;

/// Sampling settings.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SampleConfig {
    /// The sampler.
    pub sampler: Sampler,
    /// Image side in pixels.
    pub image_size: usize,
    /// Images generated together.
    pub batch: usize,
    /// Visited steps skipped at the start (with an init image: how much of it survives).
    pub skip_timesteps: usize,
    /// Clip the predicted x₀ to [−1, 1] (guided-diffusion's `clip_denoised`).
    pub clip_denoised: bool,
    /// Keep a frame of the predicted x₀ every this many steps (0: none).
    pub save_every: usize,
}

/// What a sampling run reports as it goes; returning an error stops it between steps.
pub trait SampleObserver {
    /// Step `done` of `total` finished with these guidance losses (zero when unguided).
    fn step(&mut self, done: usize, total: usize, losses: &GuidanceLosses) -> Result<(), GenerateError>;
}

/// An observer that reports nothing.
#[derive(Debug, Default)]
pub struct Quiet;

impl SampleObserver for Quiet {
    fn step(&mut self, _: usize, _: usize, _: &GuidanceLosses) -> Result<(), GenerateError> {
        Ok(())
    }
}

/// Where the cutouts of each guided step come from.
pub enum Cutouts {
    /// Drawn at random (seeded) as the authors draw them.
    Random(Box<CutoutDraw>),
    /// Given per step (tests, replays): boxes for the guided steps in order.
    Given(Vec<Vec<Cutout>>),
}

/// The result of a run.
#[derive(Clone, Debug)]
pub struct Samples {
    /// Final images (batch × 3 × S × S, in [−1, 1], on the host, row-major).
    pub images: Vec<f32>,
    /// Frames of the predicted x₀ (step index in the run, values like `images`).
    pub frames: Vec<(usize, Vec<f32>)>,
    /// Guidance losses of each step.
    pub losses: Vec<GuidanceLosses>,
    /// Shape of `images`.
    pub shape: [usize; 4],
}

impl Samples {
    /// The final images as pictures.
    ///
    /// ```
    /// use brainclip::generate::Samples;
    /// let s = Samples { images: vec![1.0; 12], frames: vec![(3, vec![-1.0; 12])], losses: vec![], shape: [1, 3, 2, 2] };
    /// assert_eq!(s.pictures()[0].get_pixel(1, 1).0, [255, 255, 255]);
    /// let frames = s.frame_pictures();
    /// assert_eq!((frames[0].0, frames[0].1.get_pixel(0, 0).0), (3, [0, 0, 0]));
    /// ```
    pub fn pictures(&self) -> Vec<RgbImage> {
        to_images(&self.images, self.shape)
    }

    /// The first image of each saved frame, with the frame's step.
    pub fn frame_pictures(&self) -> Vec<(usize, RgbImage)> {
        self.frames
            .iter()
            .filter_map(|(step, values)| to_images(values, self.shape).into_iter().next().map(|p| (*step, p)))
            .collect()
    }

    /// The guidance losses of every step as CSV: `step,distance,clip,tv,range`.
    ///
    /// ```
    /// use brainclip::generate::{GuidanceLosses, Samples};
    /// let l = GuidanceLosses { clip: 2.0, tv: 0.5, range: 0.0, distance: 1.25 };
    /// let s = Samples { images: vec![], frames: vec![], losses: vec![l, l], shape: [0, 3, 2, 2] };
    /// assert_eq!(s.losses_csv(), "step,distance,clip,tv,range\n0,1.25,2,0.5,0\n1,1.25,2,0.5,0\n");
    /// ```
    pub fn losses_csv(&self) -> String {
        let mut csv = String::from("step,distance,clip,tv,range\n");
        for (step, l) in self.losses.iter().enumerate() {
            csv.push_str(&format!("{step},{},{},{},{}\n", l.distance, l.clip, l.tv, l.range));
        }
        csv
    }
}

fn host(t: Tensor<4>) -> Vec<f32> {
    t.into_data()
        .try_into_vec_as::<f32>()
        .unwrap_or_else(|e| unreachable!("a float tensor converts to f32: {e:?}"))
}

fn timesteps(s: &Schedule, i: usize, batch: usize, device: &burn::tensor::Device) -> Tensor<1> {
    let t = s.model_timestep(i) as f32;
    Tensor::from_data(TensorData::new(vec![t; batch], [batch]), device)
}

fn detached(p: Prediction) -> Prediction {
    Prediction {
        mean: p.mean.inner(),
        variance: p.variance.inner(),
        log_variance: p.log_variance.inner(),
        pred_xstart: p.pred_xstart.inner(),
    }
}

#[allow(clippy::too_many_arguments)] // the loop's state, passed as the authors' cond_fn sees it
/// One guided evaluation at index `i`: the prediction and the guidance gradient (−∇loss w.r.t. x,
/// what the authors' `cond_fn` returns).
pub fn guided_prediction(
    unet: &UNet,
    s: &Schedule,
    i: usize,
    x: Tensor<4>,
    sampler: Sampler,
    clip_denoised: bool,
    guide: &Guide,
    boxes: &[Cutout],
) -> Result<(Prediction, Tensor<4>, GuidanceLosses), GenerateError> {
    let variance = variance_of(sampler);
    let batch = x.dims()[0];
    let x = x.inner().autodiff().require_grad();
    let out = unet.forward(x.clone(), timesteps(s, i, batch, &x.device()));
    let p = predict(s, i, x.clone(), out, variance, clip_denoised)?;
    let fac = s.sqrt_one_minus_alphas_cumprod(i) as f32;
    let x_in = p.pred_xstart.clone() * fac + x.clone() * (1.0 - fac);
    let (g_in, mut losses) = guide.x_in_gradient(x_in.clone(), boxes)?;
    let (range, range_value) = range_term(p.pred_xstart.clone(), guide.config.range_scale);
    losses.range = range_value;
    let total = (x_in * g_in).sum() + range;
    let grads = total.backward();
    let grad = x
        .grad(&grads)
        .map(|g| g.neg())
        .unwrap_or_else(|| x.clone().inner().zeros_like());
    Ok((detached(p), grad, losses))
}

fn variance_of(sampler: Sampler) -> super::sampler::Variance {
    match sampler {
        Sampler::Ddpm(v) => v,
        // DDIM uses only ε; the variance kind only decides which channels are read.
        Sampler::Ddim { .. } => super::sampler::Variance::FixedSmall,
    }
}

/// Run the sampler: `init` (batch × 3 × S × S in [−1, 1]) is noised to the first visited index
/// with the initial noise, as guided-diffusion's `q_sample(init, t, noise)`.
#[allow(clippy::too_many_arguments)]
pub fn sample(
    unet: &UNet,
    schedule: &Schedule,
    config: &SampleConfig,
    guide: Option<&Guide>,
    init: Option<Tensor<4>>,
    noise: &mut dyn NoiseSource,
    cutouts: &mut Cutouts,
    observer: &mut dyn SampleObserver,
    device: &burn::tensor::Device,
) -> Result<Samples, GenerateError> {
    let steps = schedule.len();
    if config.skip_timesteps >= steps {
        return Err(GenerateError::option(
            "skip_timesteps",
            format!(
                "{} skips every one of the {steps} steps; give fewer than {steps}",
                config.skip_timesteps
            ),
        ));
    }
    if config.batch == 0 {
        return Err(GenerateError::option("batch", "needs at least one image"));
    }
    let shape = [config.batch, 3, config.image_size, config.image_size];
    let mut img = noise.next(shape, device);
    let first = steps - config.skip_timesteps - 1;
    let mut init = init;
    if init.is_none() && config.skip_timesteps > 0 {
        init = Some(Tensor::zeros(shape, device));
    }
    if let Some(init) = init {
        if init.dims() != shape {
            return Err(GenerateError::Shape {
                what: "init image",
                expected: format!("{shape:?}"),
                found: format!("{:?}", init.dims()),
            });
        }
        img = q_sample(schedule, first, init, img);
    }
    let total = first + 1;
    let mut frames = Vec::new();
    let mut losses = Vec::with_capacity(total);
    for (done, i) in (0..=first).rev().enumerate() {
        let (p, gradient, step_losses) = match guide {
            Some(guide) => {
                let boxes = match cutouts {
                    Cutouts::Random(draw) => draw.draw(
                        guide.config.cutn * guide.config.cutn_batches,
                        config.image_size,
                        guide.clip_size,
                        guide.config.cut_pow,
                    ),
                    Cutouts::Given(list) => {
                        if list.is_empty() {
                            return Err(GenerateError::option(
                                "cutouts",
                                "fewer given cutout sets than guided steps",
                            ));
                        }
                        list.remove(0)
                    }
                };
                let (p, g, l) = guided_prediction(
                    unet,
                    schedule,
                    i,
                    img.clone(),
                    config.sampler,
                    config.clip_denoised,
                    guide,
                    &boxes,
                )?;
                (p, Some(g), l)
            }
            None => {
                let out = unet.forward(img.clone(), timesteps(schedule, i, config.batch, device));
                let p = predict(
                    schedule,
                    i,
                    img.clone(),
                    out,
                    variance_of(config.sampler),
                    config.clip_denoised,
                )?;
                (p, None, GuidanceLosses::default())
            }
        };
        let step_noise = noise.next(shape, device);
        let step = match config.sampler {
            Sampler::Ddpm(_) => ddpm_step(&p, i, step_noise, gradient),
            Sampler::Ddim { eta } => ddim_step(schedule, i, img, &p, eta, step_noise, gradient),
        };
        if config.save_every > 0 && (done % config.save_every == 0 || i == 0) {
            frames.push((done, host(step.pred_xstart.clone())));
        }
        img = step.sample;
        observer.step(done + 1, total, &step_losses)?;
        losses.push(step_losses);
    }
    Ok(Samples {
        images: host(img),
        frames,
        losses,
        shape,
    })
}
