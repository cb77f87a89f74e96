//! fMRI simulated from the world's pictures: early ROIs see pixels, higher ROIs see what CLIP and
//! the category's attributes say.
//!
//! # The voxel model
//! 1. **Low-level features** of each image: a 16 × 16 grid (box-averaged) of four channels —
//!    luminance, red–green and blue–yellow opponency, and edge energy (the luminance gradient's
//!    magnitude) — centred with the training images' mean.
//! 2. **Low-level drive** of a voxel: its Gaussian receptive field over the grid (random centre;
//!    σ = 1.2, 2, 3, 4.5 and 6 cells in V1, V2, V3, V4 and LOC/FFA/PPA) applied to a random
//!    positive mixture of the four channels.
//! 3. **High-level drive**: `√0.6·a_v·v_i + √0.4·b_v·o_i`, with `v_i` the CLIP image embedding
//!    of the stimulus and `o_i` the one-hot code of its four attribute values (random Gaussian
//!    weights `a_v`, `b_v`), each part z-scored over the training images.
//! 4. Both drives are z-scored over the training images and mixed per ROI as in
//!    `god_synthetic` (high-level weight V1 0.10 … LOC/FFA/PPA 0.85), with the same mild
//!    expansive non-linearity, trial noise (variance `1/snr`, 20 % low-rank), 35 averaged
//!    repeats of each test image and voxel z-scoring with training statistics. The default
//!    SNR is 0.01: the world's attributes are so decodable that at `god_synthetic`'s 0.1 every
//!    decoder is at ceiling (zero-shot top-1 0.96).

use image::RgbImage;
use ndarray::{Array1, Array2, Axis, s};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use serde::Serialize;

use super::World;
use super::attributes::{BACKGROUNDS, COLOURS, PATTERNS, SHAPES};
use crate::data::synthetic::{ROIS, assign_rois, measure, validate_measurement, voxel_signal, zscore_by_first_rows};
use crate::data::{DataError, Dataset, Split};

/// Side of the low-level feature grid.
const GRID: usize = 16;
/// Low-level channels: luminance, red–green, blue–yellow, edges.
const CHANNELS: usize = 4;
/// Receptive-field σ (grid cells) per ROI, in [`ROIS`] order.
const RF_SIGMA: [f32; 7] = [1.2, 2.0, 3.0, 4.5, 6.0, 6.0, 6.0];
/// Share of the high-level drive that comes from the CLIP embedding (the rest: attributes).
const CLIP_SHARE: f32 = 0.6;

/// Options of the simulation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WorldFmriConfig {
    /// Seed of tuning and noise.
    pub seed: u64,
    /// Number of voxels (split over seven ROIs).
    pub n_voxels: usize,
    /// Single-trial signal-to-noise variance ratio.
    pub snr: f64,
    /// Repeats of each test image that are averaged.
    pub test_repeats: usize,
}

impl Default for WorldFmriConfig {
    fn default() -> Self {
        Self {
            seed: 0,
            n_voxels: 4500,
            snr: 0.01,
            test_repeats: 35,
        }
    }
}

/// What the stimuli look like to CLIP: L2-normalised embeddings from the caller's model.
pub struct StimulusEmbeddings {
    /// Image embeddings, training stimuli then test stimuli (1,250 × D).
    pub images: Array2<f32>,
    /// Caption embeddings in the same order.
    pub captions: Array2<f32>,
    /// Prompt embeddings of the 150 training categories.
    pub train_prompts: Array2<f32>,
    /// Prompt embeddings of the 50 test categories.
    pub test_prompts: Array2<f32>,
}

impl StimulusEmbeddings {
    /// What an encoder makes of `world`'s stimuli: `images` embeds `pictures` (the rendered
    /// training then test stimuli, as [`World::stimuli`] orders them); `texts` embeds the
    /// stimuli's captions, then the training categories' prompts, then the test categories'.
    ///
    /// ```
    /// use brainclip::data::world::{StimulusEmbeddings, World, WorldConfig};
    /// let world = World::new(&WorldConfig::default()).unwrap();
    /// let pictures = world.render_all(&world.stimuli()[..2]);
    /// let e = StimulusEmbeddings::compute(
    ///     &world,
    ///     &pictures,
    ///     |p| Ok::<_, ()>(ndarray::Array2::zeros((p.len(), 4))),
    ///     |t| Ok(ndarray::Array2::zeros((t.len(), 4))),
    /// )
    /// .unwrap();
    /// assert_eq!((e.images.nrows(), e.captions.nrows()), (2, 1250));
    /// assert_eq!((e.train_prompts.nrows(), e.test_prompts.nrows()), (150, 50));
    /// ```
    pub fn compute<E>(
        world: &World,
        pictures: &[RgbImage],
        images: impl FnOnce(&[RgbImage]) -> Result<Array2<f32>, E>,
        mut texts: impl FnMut(&[String]) -> Result<Array2<f32>, E>,
    ) -> Result<Self, E> {
        let captions: Vec<String> = world
            .train
            .iter()
            .chain(&world.test)
            .map(|s| s.caption.clone())
            .collect();
        let prompts = |list: &[super::Attributes]| list.iter().map(|a| super::prompt(*a)).collect::<Vec<_>>();
        Ok(Self {
            images: images(pictures)?,
            captions: texts(&captions)?,
            train_prompts: texts(&prompts(&world.train_categories))?,
            test_prompts: texts(&prompts(&world.test_categories))?,
        })
    }
}

/// The simulated experiment.
#[derive(Clone, Debug)]
pub struct WorldFmri {
    /// 1,200 training samples, one trial each.
    pub train: Dataset,
    /// 50 test samples, each the mean of `test_repeats` trials.
    pub test: Dataset,
    /// High-level weight of each voxel.
    pub high_level_weight: Vec<f32>,
    /// The single-trial noise standard deviation.
    pub noise_sd: f32,
}

/// Low-level features (images × 1,024) of 8-bit images: 16 × 16 box averages of four channels.
pub fn low_level_features(images: &[RgbImage]) -> Array2<f32> {
    let mut out = Array2::<f32>::zeros((images.len(), CHANNELS * GRID * GRID));
    for (i, img) in images.iter().enumerate() {
        let (w, h) = (img.width() as usize, img.height() as usize);
        let lum = |x: usize, y: usize| {
            let p = img.get_pixel(x as u32, y as u32).0;
            (f32::from(p[0]) + f32::from(p[1]) + f32::from(p[2])) / (3.0 * 255.0)
        };
        let mut sums = vec![0.0f32; CHANNELS * GRID * GRID];
        let mut counts = vec![0.0f32; GRID * GRID];
        for y in 0..h {
            for x in 0..w {
                let p = img.get_pixel(x as u32, y as u32).0.map(|c| f32::from(c) / 255.0);
                let gx = lum((x + 1).min(w - 1), y) - lum(x.saturating_sub(1), y);
                let gy = lum(x, (y + 1).min(h - 1)) - lum(x, y.saturating_sub(1));
                let values = [
                    (p[0] + p[1] + p[2]) / 3.0,
                    p[0] - p[1],
                    p[2] - (p[0] + p[1]) / 2.0,
                    (gx * gx + gy * gy).sqrt(),
                ];
                let cell = (y * GRID / h) * GRID + x * GRID / w;
                counts[cell] += 1.0;
                for (c, v) in values.iter().enumerate() {
                    sums[c * GRID * GRID + cell] += v;
                }
            }
        }
        for (j, v) in sums.iter().enumerate() {
            out[[i, j]] = v / counts[j % (GRID * GRID)].max(1.0);
        }
    }
    out
}

/// One-hot attribute codes (stimuli × 16).
fn attribute_codes(world: &World) -> Array2<f32> {
    let sizes = [SHAPES.len(), COLOURS.len(), PATTERNS.len(), BACKGROUNDS.len()];
    let width: usize = sizes.iter().sum();
    let all: Vec<_> = world.train.iter().chain(&world.test).collect();
    let mut out = Array2::<f32>::zeros((all.len(), width));
    for (i, s) in all.iter().enumerate() {
        let mut offset = 0;
        for (k, value) in s.attributes.values().iter().enumerate() {
            out[[i, offset + value]] = 1.0;
            offset += sizes[k];
        }
    }
    out
}

/// Receptive-field weights (features × voxels) of every voxel.
fn receptive_fields(rois: &[String], rng: &mut ChaCha8Rng) -> Array2<f32> {
    use rand::RngExt;
    let mut w = Array2::<f32>::zeros((CHANNELS * GRID * GRID, rois.len()));
    for (v, roi) in rois.iter().enumerate() {
        let sigma = ROIS
            .iter()
            .position(|(name, ..)| name == roi)
            .map_or(3.0, |i| RF_SIGMA[i]);
        let (cx, cy) = (
            rng.random_range(2.0..GRID as f32 - 2.0),
            rng.random_range(2.0..GRID as f32 - 2.0),
        );
        let mix: Vec<f32> = (0..CHANNELS)
            .map(|_| {
                let z: f32 = StandardNormal.sample(rng);
                z.abs() + 0.1
            })
            .collect();
        for y in 0..GRID {
            for x in 0..GRID {
                let d2 = (x as f32 + 0.5 - cx).powi(2) + (y as f32 + 0.5 - cy).powi(2);
                let g = (-d2 / (2.0 * sigma * sigma)).exp();
                for (c, m) in mix.iter().enumerate() {
                    w[[c * GRID * GRID + y * GRID + x, v]] = g * m;
                }
            }
        }
    }
    w
}

fn gaussian(rows: usize, cols: usize, rng: &mut ChaCha8Rng) -> Array2<f32> {
    Array2::from_shape_fn((rows, cols), |_| StandardNormal.sample(rng)) / (rows as f32).sqrt()
}

/// Simulate the experiment: `images` are the rendered training stimuli then test stimuli of
/// `world`, `embeddings` what a CLIP makes of them.
pub fn simulate(
    world: &World,
    images: &[RgbImage],
    embeddings: &StimulusEmbeddings,
    config: &WorldFmriConfig,
) -> Result<WorldFmri, DataError> {
    let (n_train, n_stim) = (world.train.len(), world.train.len() + world.test.len());
    validate_measurement(config.n_voxels, config.snr, config.test_repeats)?;
    for (what, rows) in [
        ("images", images.len()),
        ("image embeddings", embeddings.images.nrows()),
        ("caption embeddings", embeddings.captions.nrows()),
    ] {
        if rows != n_stim {
            return Err(DataError::ShapeMismatch {
                what: format!("world {what} (training then test stimuli)"),
                expected: n_stim,
                found: rows,
            });
        }
    }

    let n_vox = config.n_voxels;
    let rois = assign_rois(n_vox);
    let high_level_weight: Vec<f32> = rois
        .iter()
        .map(|roi| ROIS.iter().find(|(name, ..)| name == roi).map_or(0.5, |r| r.2))
        .collect();
    let mut r = ChaCha8Rng::seed_from_u64(config.seed);
    r.set_stream(11);

    let mut features = low_level_features(images);
    let mean = features
        .slice(s![..n_train, ..])
        .mean_axis(Axis(0))
        .unwrap_or_else(|| Array1::zeros(features.ncols()));
    features -= &mean;
    let low = zscore_by_first_rows(features.dot(&receptive_fields(&rois, &mut r)), n_train);

    let d = embeddings.images.ncols();
    let clip_drive = zscore_by_first_rows(embeddings.images.dot(&gaussian(d, n_vox, &mut r)), n_train);
    let codes = attribute_codes(world);
    let attr_drive = zscore_by_first_rows(codes.dot(&gaussian(codes.ncols(), n_vox, &mut r)), n_train);
    let high = zscore_by_first_rows(
        clip_drive * CLIP_SHARE.sqrt() + attr_drive * (1.0 - CLIP_SHARE).sqrt(),
        n_train,
    );

    let signal = voxel_signal(&high, &low, &high_level_weight);
    let (train_fmri, test_fmri, noise_sd) = measure(&signal, n_train, config.seed, config.snr, config.test_repeats);

    let make = |name: &str, split: Split, fmri: Array2<f32>, range: std::ops::Range<usize>| {
        let stimuli = if split == Split::Train {
            &world.train
        } else {
            &world.test
        };
        let (categories, prompts) = if split == Split::Train {
            (&world.train_categories, &embeddings.train_prompts)
        } else {
            (&world.test_categories, &embeddings.test_prompts)
        };
        Dataset::new(
            name,
            split,
            fmri,
            stimuli.iter().map(|s| s.id.clone()).collect(),
            stimuli.iter().map(|s| s.category).collect(),
            World::categories(categories),
        )?
        .with_image_embeddings(embeddings.images.slice(s![range.clone(), ..]).to_owned())?
        .with_text_embeddings(embeddings.captions.slice(s![range, ..]).to_owned())?
        .with_class_embeddings(prompts.clone())?
        .with_captions(stimuli.iter().map(|s| s.caption.clone()).collect())?
        .with_voxel_rois(rois.clone())
    };
    Ok(WorldFmri {
        train: make("world/train", Split::Train, train_fmri, 0..n_train)?,
        test: make("world/test", Split::Test, test_fmri, n_train..n_stim)?,
        high_level_weight,
        noise_sd,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::world::WorldConfig;

    fn random_unit(rows: usize, d: usize, seed: u64) -> Array2<f32> {
        let mut r = ChaCha8Rng::seed_from_u64(seed);
        let mut m = gaussian(rows, d, &mut r);
        for mut row in m.rows_mut() {
            let n = row.dot(&row).sqrt();
            row /= n;
        }
        m
    }

    #[test]
    fn early_rois_follow_pixels_and_late_rois_follow_categories() {
        let world = World::new(&WorldConfig::default()).unwrap();
        let images: Vec<RgbImage> = world
            .render_all(&world.train)
            .into_iter()
            .chain(world.render_all(&world.test))
            .collect();
        // Embeddings that only know the category: late ROIs then cluster by category.
        let prompts = random_unit(200, 16, 1);
        let category_row = |a: super::super::Attributes| prompts.row(a.index()).to_owned();
        let all: Vec<_> = world.train.iter().chain(&world.test).collect();
        let mut emb = Array2::zeros((all.len(), 16));
        for (i, s) in all.iter().enumerate() {
            emb.row_mut(i).assign(&category_row(s.attributes));
        }
        let embeddings = StimulusEmbeddings {
            images: emb.clone(),
            captions: emb,
            train_prompts: random_unit(150, 16, 2),
            test_prompts: random_unit(50, 16, 3),
        };
        let config = WorldFmriConfig {
            n_voxels: 700,
            snr: 10.0,
            ..Default::default()
        };
        let fmri = simulate(&world, &images, &embeddings, &config).unwrap();
        let x = fmri.train.fmri();
        // Same-category pairs (0, 1) vs different-category pairs: correlation across voxels of an ROI.
        let roi_corr = |roi: &str, a: usize, b: usize| {
            let cols: Vec<usize> = fmri
                .train
                .voxel_rois()
                .iter()
                .enumerate()
                .filter(|(_, r)| *r == roi)
                .map(|(i, _)| i)
                .collect();
            let (va, vb) = (x.row(a).select(Axis(0), &cols), x.row(b).select(Axis(0), &cols));
            let (ma, mb) = (va.mean().unwrap(), vb.mean().unwrap());
            let cov = (&va - ma).dot(&(&vb - mb));
            cov / ((&va - ma).dot(&(&va - ma)).sqrt() * (&vb - mb).dot(&(&vb - mb)).sqrt())
        };
        let mean_over = |roi: &str, same: bool| {
            let mut sum = 0.0;
            for k in 0..100 {
                let a = k * 8;
                let b = if same { a + 1 } else { (a + 8 * 37 + 1) % 1200 };
                sum += roi_corr(roi, a, b);
            }
            sum / 100.0
        };
        let (loc_same, loc_diff) = (mean_over("LOC", true), mean_over("LOC", false));
        let (v1_same, v1_diff) = (mean_over("V1", true), mean_over("V1", false));
        assert!(loc_same - loc_diff > 0.3, "LOC {loc_same} vs {loc_diff}");
        assert!(
            loc_same - loc_diff > (v1_same - v1_diff) + 0.1,
            "V1 {v1_same} vs {v1_diff}"
        );
        assert_eq!(fmri.test.n_samples(), 50);
    }
}
