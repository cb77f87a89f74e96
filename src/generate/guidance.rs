//! BrainCLIP's CLIP guidance (Crowson's CLIP-guided diffusion, the authors' defaults): the
//! gradient that pulls CLIP embeddings of random cutouts of the current estimate toward a target
//! embedding, with total-variation and range penalties.

use burn::tensor::{Tensor, TensorData};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::GenerateError;
use crate::clip::ClipModel;
use crate::tensors::l2_normalize;

/// CLIP's per-channel normalisation (mean, std) of [0, 1] pixels.
pub const CLIP_MEAN: [f32; 3] = [0.481_454_66, 0.457_827_5, 0.408_210_73];
/// CLIP's per-channel standard deviations.
pub const CLIP_STD: [f32; 3] = [0.268_629_54, 0.261_302_6, 0.275_777_1];

/// The most cutouts per batch, and batches, [`GuidanceConfig::validate`] accepts (the authors use
/// 16 × 2; more would ask for more memory than any machine has).
pub const MAX_CUTOUTS: usize = 1024;

/// Guidance settings, named and defaulted as in the authors' script.
///
/// ```
/// use brainclip::generate::GuidanceConfig;
/// let g: GuidanceConfig = serde_json::from_str(r#"{"cutn": 4}"#).unwrap();
/// assert_eq!((g.cutn, g.cutn_batches, g.clip_guidance_scale), (4, 2, 1000.0));
/// assert!(g.is_active() && !GuidanceConfig { clip_guidance_scale: 0.0, tv_scale: 0.0, range_scale: 0.0, ..g }.is_active());
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct GuidanceConfig {
    /// Weight of the spherical distance to the target.
    #[schemars(range(min = 0.0))]
    pub clip_guidance_scale: f64,
    /// Weight of the total variation of the blended estimate.
    #[schemars(range(min = 0.0))]
    pub tv_scale: f64,
    /// Weight of the out-of-range penalty on the predicted x₀.
    #[schemars(range(min = 0.0))]
    pub range_scale: f64,
    /// Cutouts per batch.
    #[schemars(range(min = 1, max = MAX_CUTOUTS))]
    pub cutn: usize,
    /// Cutout batches whose gradients are averaged.
    #[schemars(range(min = 1, max = MAX_CUTOUTS))]
    pub cutn_batches: usize,
    /// Exponent of the cutout size draw (> 0).
    pub cut_pow: f64,
}

impl Default for GuidanceConfig {
    fn default() -> Self {
        Self {
            clip_guidance_scale: 1000.0,
            tv_scale: 150.0,
            range_scale: 50.0,
            cutn: 16,
            cutn_batches: 2,
            cut_pow: 1.0,
        }
    }
}

impl GuidanceConfig {
    /// Whether any term is on (with every scale 0 the sampler runs unguided).
    pub fn is_active(&self) -> bool {
        self.clip_guidance_scale > 0.0 || self.tv_scale > 0.0 || self.range_scale > 0.0
    }

    /// Reject values the guidance cannot use.
    pub fn validate(&self) -> Result<(), GenerateError> {
        if self.cutn == 0 {
            return Err(GenerateError::option("cutn", "needs at least one cutout"));
        }
        if self.cutn_batches == 0 {
            return Err(GenerateError::option("cutn_batches", "needs at least one batch"));
        }
        for (option, value) in [("cutn", self.cutn), ("cutn_batches", self.cutn_batches)] {
            if value > MAX_CUTOUTS {
                return Err(GenerateError::option(
                    option,
                    format!("{value}; at most {MAX_CUTOUTS} is supported"),
                ));
            }
        }
        for (name, v) in [
            ("clip_guidance_scale", self.clip_guidance_scale),
            ("tv_scale", self.tv_scale),
            ("range_scale", self.range_scale),
        ] {
            if !v.is_finite() || v < 0.0 {
                return Err(GenerateError::option(
                    match name {
                        "clip_guidance_scale" => "clip_guidance_scale",
                        "tv_scale" => "tv_scale",
                        _ => "range_scale",
                    },
                    format!("{v} must be a finite number ≥ 0"),
                ));
            }
        }
        if !self.cut_pow.is_finite() || self.cut_pow <= 0.0 {
            return Err(GenerateError::option(
                "cut_pow",
                format!("{} must be > 0", self.cut_pow),
            ));
        }
        Ok(())
    }
}

/// One square cutout of the image: side and top-left corner in pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Cutout {
    /// Side in pixels.
    pub size: usize,
    /// Left edge.
    pub x: usize,
    /// Top edge.
    pub y: usize,
}

/// Draws cutouts as the authors' `MakeCutouts` does: side `int(u^cut_pow·(S − s) + s)`, offsets
/// uniform over the positions that fit.
#[derive(Debug)]
pub struct CutoutDraw {
    rng: ChaCha8Rng,
}

impl CutoutDraw {
    /// A seeded draw.
    pub fn new(seed: u64) -> Self {
        Self {
            rng: ChaCha8Rng::seed_from_u64(seed),
        }
    }

    /// `n` cutouts of an `image`-pixel square for a CLIP input side `clip`.
    ///
    /// ```
    /// use brainclip::generate::CutoutDraw;
    /// let boxes = CutoutDraw::new(1).draw(16, 256, 224, 1.0);
    /// assert!(boxes.iter().all(|b| b.size >= 224 && b.x + b.size <= 256 && b.y + b.size <= 256));
    /// ```
    pub fn draw(&mut self, n: usize, image: usize, clip: usize, cut_pow: f64) -> Vec<Cutout> {
        let (max, min) = (image, image.min(clip));
        (0..n)
            .map(|_| {
                let u: f64 = self.rng.random();
                let size = ((u.powf(cut_pow) * (max - min) as f64) as usize + min).min(max);
                let x = self.rng.random_range(0..=image - size);
                let y = self.rng.random_range(0..=image - size);
                Cutout { size, x, y }
            })
            .collect()
    }
}

/// The matrix (out × image) that crops `[offset, offset + size)` and average-pools it to `out`
/// bins exactly as PyTorch's `adaptive_avg_pool2d` (bin i covers ⌊i·size/out⌋ .. ⌈(i+1)·size/out⌉).
fn pool_matrix(out: usize, image: usize, offset: usize, size: usize) -> Vec<f32> {
    let mut m = vec![0f32; out * image];
    for i in 0..out {
        let start = i * size / out;
        let end = ((i + 1) * size).div_ceil(out);
        let w = 1.0 / (end - start) as f32;
        for j in start..end {
            m[i * image + offset + j] = w;
        }
    }
    m
}

/// Cutouts of `images` (batch × 3 × S × S, in [0, 1]) pooled to `side`, concatenated cutout-major
/// (all images' first cutout, then their second, ...), as `torch.cat(cutouts)`.
pub fn make_cutouts(images: Tensor<4>, boxes: &[Cutout], side: usize) -> Tensor<4> {
    let [b, c, h, w] = images.dims();
    let device = images.device();
    let parts = boxes
        .iter()
        .map(|cut| {
            let rows = Tensor::<2>::from_data(
                TensorData::new(pool_matrix(side, h, cut.y, cut.size), [side, h]),
                &device,
            );
            let cols = Tensor::<2>::from_data(
                TensorData::new(pool_matrix(side, w, cut.x, cut.size), [side, w]),
                &device,
            );
            let rows: Tensor<4> = rows.unsqueeze::<4>().expand([b, c, side, h]);
            let cols: Tensor<4> = cols.transpose().unsqueeze::<4>().expand([b, c, w, side]);
            rows.matmul(images.clone()).matmul(cols)
        })
        .collect();
    Tensor::cat(parts, 0)
}

/// CLIP's normalisation of [0, 1] pixels.
pub fn clip_normalize(x: Tensor<4>) -> Tensor<4> {
    let device = x.device();
    let mean = Tensor::<1>::from_floats(CLIP_MEAN.as_slice(), &device).reshape([1, 3, 1, 1]);
    let std = Tensor::<1>::from_floats(CLIP_STD.as_slice(), &device).reshape([1, 3, 1, 1]);
    (x - mean) / std
}

/// `2·arcsin(‖x̂ − ŷ‖/2)²` between the rows of `x` (n × D) and one target row `y` (1 × D), both
/// normalised first: n values.
pub fn spherical_distance(x: Tensor<2>, y: Tensor<2>) -> Tensor<1> {
    let (x, y) = (l2_normalize(x), l2_normalize(y));
    let n = x.dims()[0];
    let half_chord = (x - y).powf_scalar(2.0).sum_dim(1).sqrt() / 2.0;
    (half_chord.asin().powf_scalar(2.0) * 2.0).reshape([n])
}

/// L2 total variation with replicate padding, per image (the authors' `tv_loss`).
pub fn tv_loss(x: Tensor<4>) -> Tensor<1> {
    let [b, c, h, w] = x.dims();
    // Replicate padding on the right and bottom makes the last column/row differences zero, so
    // the differences inside the image are all there is; the mean is still over h·w.
    let dx = x.clone().narrow(3, 1, w - 1) - x.clone().narrow(3, 0, w - 1);
    let dy = x.clone().narrow(2, 1, h - 1) - x.narrow(2, 0, h - 1);
    let total = dx.powf_scalar(2.0).reshape([b, c * h * (w - 1)]).sum_dim(1)
        + dy.powf_scalar(2.0).reshape([b, c * (h - 1) * w]).sum_dim(1);
    (total / (c * h * w) as f64).reshape([b])
}

/// Mean squared distance of `x` outside [−1, 1], per image (the authors' `range_loss`).
pub fn range_loss(x: Tensor<4>) -> Tensor<1> {
    let [b, c, h, w] = x.dims();
    let outside = x.clone() - x.clamp(-1.0, 1.0);
    outside
        .powf_scalar(2.0)
        .reshape([b, c * h * w])
        .mean_dim(1)
        .reshape([b])
}

/// The loss values of one guidance evaluation (summed over the batch).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct GuidanceLosses {
    /// Scaled spherical distance, averaged over cutout batches.
    pub clip: f64,
    /// Scaled total variation.
    pub tv: f64,
    /// Scaled range penalty.
    pub range: f64,
    /// Mean spherical distance of the cutouts to the target (unscaled), for progress reports.
    pub distance: f64,
}

/// The guide: a CLIP image tower and the target embedding.
pub struct Guide<'a> {
    /// The guide CLIP's model (its image tower must be differentiable).
    pub clip: &'a ClipModel,
    /// CLIP's input side.
    pub clip_size: usize,
    /// Target embedding (1 × D), not necessarily normalised.
    pub target: Tensor<2>,
    /// Settings.
    pub config: GuidanceConfig,
}

fn scalar(t: Tensor<1>) -> f64 {
    t.sum().into_scalar::<f32>() as f64
}

impl Guide<'_> {
    /// The gradient of the guidance loss with respect to `x_in` (the blended estimate, batch × 3 ×
    /// S × S in [−1, 1]) from the CLIP term (averaged over cutout batches) and the TV term; `boxes`
    /// holds `cutn_batches · cutn` cutouts, batch-major.
    pub fn x_in_gradient(
        &self,
        x_in: Tensor<4>,
        boxes: &[Cutout],
    ) -> Result<(Tensor<4>, GuidanceLosses), GenerateError> {
        let c = &self.config;
        if boxes.len() != c.cutn * c.cutn_batches {
            return Err(GenerateError::Shape {
                what: "cutout boxes",
                expected: format!("cutn × cutn_batches = {}", c.cutn * c.cutn_batches),
                found: boxes.len().to_string(),
            });
        }
        let n = x_in.dims()[0];
        let leaf = x_in.detach().autodiff().require_grad();
        let mut grad: Option<Tensor<4>> = None;
        let mut losses = GuidanceLosses::default();
        let add = |g: Tensor<4>, grad: &mut Option<Tensor<4>>| {
            *grad = Some(match grad.take() {
                Some(prev) => prev + g,
                None => g,
            });
        };
        if c.clip_guidance_scale > 0.0 {
            for batch in boxes.chunks(c.cutn) {
                let cut = make_cutouts((leaf.clone() + 1.0) / 2.0, batch, self.clip_size);
                let embeds = self.clip.encode_images(clip_normalize(cut))?;
                // dists: (cutn·n) → (cutn, n): mean over cutouts, sum over images.
                let dists = spherical_distance(embeds, self.target.clone()).reshape([c.cutn, n]);
                let per_image: Tensor<1> = dists.mean_dim(0).reshape([n]);
                let value = per_image.sum();
                losses.distance += value.clone().into_scalar::<f32>() as f64 / (n * c.cutn_batches) as f64;
                let loss = value * (c.clip_guidance_scale / c.cutn_batches as f64);
                losses.clip += loss.clone().into_scalar::<f32>() as f64;
                let g = leaf
                    .grad(&loss.backward())
                    .unwrap_or_else(|| leaf.clone().inner().zeros_like());
                add(g, &mut grad);
            }
        }
        if c.tv_scale > 0.0 {
            let loss = tv_loss(leaf.clone()).sum() * c.tv_scale;
            losses.tv = loss.clone().into_scalar::<f32>() as f64;
            let g = leaf
                .grad(&loss.backward())
                .unwrap_or_else(|| leaf.clone().inner().zeros_like());
            add(g, &mut grad);
        }
        let grad = grad.unwrap_or_else(|| leaf.inner().zeros_like());
        Ok((grad, losses))
    }
}

/// Add the range term on the predicted x₀ to the scalar whose gradient w.r.t. x the caller takes.
pub(crate) fn range_term(pred_xstart: Tensor<4>, scale: f64) -> (Tensor<1>, f64) {
    let loss = range_loss(pred_xstart).sum() * scale;
    let value = scalar(loss.clone());
    (loss, value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::Device;

    #[test]
    fn pool_matrix_matches_adaptive_average_pooling() {
        // 5 → 3 bins: [0,2), [1,4), [3,5) (PyTorch's overlapping bins).
        let m = pool_matrix(3, 7, 1, 5);
        let row = |i: usize| m[i * 7..(i + 1) * 7].to_vec();
        assert_eq!(row(0), vec![0.0, 0.5, 0.5, 0.0, 0.0, 0.0, 0.0]);
        let third = 1.0 / 3.0;
        assert_eq!(row(1), vec![0.0, 0.0, third, third, third, 0.0, 0.0]);
        assert_eq!(row(2), vec![0.0, 0.0, 0.0, 0.0, 0.5, 0.5, 0.0]);
    }

    #[test]
    fn spherical_distance_of_opposite_vectors_is_half_pi_squared() {
        let d = Device::flex();
        let x = Tensor::<2>::from_floats([[1.0, 0.0], [0.0, 2.0], [-3.0, 0.0]], &d);
        let y = Tensor::<2>::from_floats([[1.0, 0.0]], &d);
        let v: Vec<f32> = spherical_distance(x, y).into_data().try_into_vec_as::<f32>().unwrap();
        // 2·asin(‖x̂−ŷ‖/2)² = θ²/2 for angle θ.
        assert!(v[0].abs() < 1e-6);
        assert!(
            (v[1] - (std::f32::consts::FRAC_PI_2.powi(2) / 2.0)).abs() < 1e-3,
            "{v:?}"
        );
        assert!((v[2] - (std::f32::consts::PI.powi(2) / 2.0)).abs() < 2e-2, "{v:?}");
    }

    #[test]
    fn tv_and_range_losses_match_hand_values() {
        let d = Device::flex();
        // One 1×2×2 image [[0, 1], [2, 4]]: dx² = 1 + 4, dy² = 4 + 9, mean over 4 pixels.
        let x = Tensor::<4>::from_floats([[[[0.0, 1.0], [2.0, 4.0]]]], &d);
        let tv: f32 = tv_loss(x.clone()).into_scalar();
        assert!((tv - 18.0 / 4.0).abs() < 1e-6);
        // Outside [−1, 1]: 1 → 1, 3 → 9; mean over 4.
        let r: f32 = range_loss(x).into_scalar();
        assert!((r - 10.0 / 4.0).abs() < 1e-6);
    }

    #[test]
    fn cutout_sizes_follow_cut_pow() {
        let big = CutoutDraw::new(3).draw(200, 256, 224, 0.2);
        let small = CutoutDraw::new(3).draw(200, 256, 224, 5.0);
        let mean = |b: &[Cutout]| b.iter().map(|c| c.size as f64).sum::<f64>() / b.len() as f64;
        assert!(mean(&big) > mean(&small) + 10.0);
        assert_eq!(
            CutoutDraw::new(9).draw(5, 64, 32, 1.0),
            CutoutDraw::new(9).draw(5, 64, 32, 1.0)
        );
    }
}
