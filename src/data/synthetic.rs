//! The built-in synthetic GOD-like dataset: GOD's real structure and names, a documented generative
//! model, and the ground truth a test can check a fitted model against.
//!
//! # The generative model
//!
//! All vectors are `D`-dimensional (default 512) and `unit(x) = x / ‖x‖`; `g()` is a fresh
//! standard-normal vector. Categories are GOD's 150 training and 50 novel test synsets; images are
//! GOD's 1,200 training images (8 per category) and 50 test images (1 per category).
//!
//! 1. **Superordinate classes.** WordNet allocates synset offsets roughly in hierarchy order, so
//!    eight contiguous offset ranges (fish/reptiles/amphibians, birds and invertebrates, mammals,
//!    insects and other animals, and three ranges of artifacts, then food/plants/nature) stand in
//!    for superordinate classes `s_g = unit(g())`.
//! 2. **Category centres** `c_k = unit(√ρs·s_g + √(1−ρs)·unit(g()))` with `ρs = 0.35`.
//! 3. **Image embeddings** `v_i = unit(μ·m_img + √ρc·c_k + √(1−ρc)·e_i)` with an image-specific
//!    `e_i = unit(g())`, `ρc = 0.55`, and a shared image direction `m_img` (`μ = 1.1`).
//! 4. **Text embeddings** sit across a *modality gap*: they share a different direction `m_txt ⟂
//!    m_img`. The category prompt ("an image of {name}.") is `t_k = unit(μ·m_txt + √0.6·c_k +
//!    √0.4·unit(g()))`; the caption of image `i` is `u_i = unit(μ·m_txt + √0.45·c_k + √0.2·e_i +
//!    √0.35·unit(g()))`. Matching image–caption pairs then have cosine ≈ 0.36 and unrelated pairs
//!    ≈ 0–0.1, unrelated images ≈ 0.55 and images of one category ≈ 0.8, as in CLIP.
//! 5. **Voxels** (default 4,500) are split into GOD's ROIs V1 (22 %), V2 (20 %), V3 (17 %),
//!    V4 (11 %), LOC (12 %), FFA (10 %) and PPA (8 %). Each voxel mixes a *category-level* drive
//!    `h = a_v·v_i` (random weights `a_v`, the ground-truth encoding matrix) and a *low-level* drive
//!    `l = b_v·f_i`, where `f_i = unit(√0.5·P e_i + √0.5·unit(g_64()))` is a 64-d low-level feature
//!    vector that shares only the image-specific part `e_i`. Both drives are z-scored over the
//!    training images and mixed as `s = √w·h + √(1−w)·l`; the high-level weight `w` rises along the
//!    visual hierarchy (V1 0.10, V2 0.20, V3 0.35, V4 0.55, LOC/FFA/PPA 0.85). The response is a
//!    mildly expansive function of the drive, `φ(s) = s + 0.2·(s² − 1)`.
//! 6. **Noise.** Each trial adds noise of variance `1/snr` (default `snr = 0.1`): 20 % of it
//!    low-rank (5 trial-wise components shared across voxels, like global signal and motion), 80 %
//!    independent. Training images are shown once; each test image is shown 35 times and the 35
//!    trials are averaged, as in GOD.
//! 7. Voxels are z-scored with the training trials' mean and standard deviation.
//!
//! Each part draws from its own ChaCha8 stream of the seed, so the same seed always gives the
//! same dataset, and changing e.g. the voxel count does not change the embeddings.

use ndarray::{Array1, Array2, Axis};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

use super::god_catalog::GodCatalog;
use super::{Category, DataError, Dataset, Split};

/// Options of the synthetic GOD-like generator. Serialised (and deserialised, missing fields at
/// their defaults) under the names scripts use: `seed`, `voxels`, `dim`, `snr`, `test_repeats`.
///
/// ```
/// use brainclip::data::SyntheticConfig;
/// let config: SyntheticConfig = serde_json::from_str(r#"{ "voxels": 70, "dim": 16 }"#).unwrap();
/// assert_eq!((config.n_voxels, config.embedding_dim, config.snr), (70, 16, 0.1));
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct SyntheticConfig {
    /// Seed of every random draw.
    pub seed: u64,
    /// Number of voxels (split over seven ROIs).
    #[serde(rename = "voxels")]
    #[schemars(range(min = 7, max = 200_000))]
    pub n_voxels: usize,
    /// Embedding width D of the "CLIP" space.
    #[serde(rename = "dim")]
    #[schemars(range(min = 8, max = 4096))]
    pub embedding_dim: usize,
    /// Single-trial signal-to-noise ratio (variance of the stimulus-driven response / noise
    /// variance), > 0.
    pub snr: f64,
    /// Repeats of each test image that are averaged (GOD: 35).
    #[schemars(range(min = 1, max = 1000))]
    pub test_repeats: usize,
    /// Another subject: the same stimuli (categories, images, embeddings from `seed`) with its
    /// own voxel tuning and noise (0: the single-subject data).
    pub subject: u64,
    /// Voxels tuned to a k-wide nonlinear code of the image that all subjects share (0: to the
    /// embedding itself).
    ///
    /// With k > 0, voxels are tuned (each subject its own way) to k features relu(W·image + b)
    /// that `seed` fixes for all subjects, so that decoding needs a nonlinear map common to
    /// subjects.
    #[schemars(range(max = 4096))]
    pub neural_code: usize,
    /// Real class-prompt embeddings, one row per category (the 150 training then the 50 test
    /// categories, in catalog order; D columns), e.g. CLIP text embeddings of
    /// "an image of {name}.": they replace the random category centres and prompts, so the
    /// semantic structure is CLIP's. `None`: drawn at random.
    #[serde(skip)]
    pub prompts: Option<Array2<f32>>,
}

impl Default for SyntheticConfig {
    fn default() -> Self {
        Self {
            seed: 0,
            n_voxels: 4500,
            embedding_dim: 512,
            snr: 0.1,
            test_repeats: 35,
            subject: 0,
            neural_code: 0,
            prompts: None,
        }
    }
}

impl SyntheticConfig {
    /// Check every option; no generator code runs on an invalid config.
    pub fn validate(&self) -> Result<(), DataError> {
        let invalid = |option, expected, found: String| {
            Err(DataError::InvalidOption {
                option,
                expected,
                found,
            })
        };
        if !(8..=4096).contains(&self.embedding_dim) {
            return invalid("dim", "between 8 and 4096", self.embedding_dim.to_string());
        }
        if self.neural_code > 4096 {
            return invalid(
                "neural_code",
                "at most 4096 (0 for linear tuning)",
                self.neural_code.to_string(),
            );
        }
        validate_measurement(self.n_voxels, self.snr, self.test_repeats)
    }
}

/// Check the measurement options every simulated dataset shares: voxel count, single-trial SNR
/// and test repeats.
pub(crate) fn validate_measurement(n_voxels: usize, snr: f64, test_repeats: usize) -> Result<(), DataError> {
    let invalid = |option, expected, found: String| {
        Err(DataError::InvalidOption {
            option,
            expected,
            found,
        })
    };
    if !(ROIS.len()..=200_000).contains(&n_voxels) {
        return invalid("voxels", "between 7 and 200000", n_voxels.to_string());
    }
    if !(snr.is_finite() && snr > 0.0) {
        return invalid("snr", "a positive number", snr.to_string());
    }
    if !(1..=1000).contains(&test_repeats) {
        return invalid("test_repeats", "between 1 and 1000", test_repeats.to_string());
    }
    Ok(())
}

/// What the generator put in: lets tests check that a fitted model recovers it.
#[derive(Clone, Debug)]
pub struct GroundTruth {
    /// Category centres of the 150 training categories (150 × D).
    pub train_centres: Array2<f32>,
    /// Category centres of the 50 test categories (50 × D).
    pub test_centres: Array2<f32>,
    /// Superordinate class of each training category.
    pub train_superordinate: Vec<usize>,
    /// Superordinate class of each test category.
    pub test_superordinate: Vec<usize>,
    /// Category-level encoding weights `a_v` (voxels × D, or voxels × `neural_code`).
    pub encoding: Array2<f32>,
    /// High-level weight `w` of each voxel.
    pub high_level_weight: Vec<f32>,
    /// Noise standard deviation of a single trial.
    pub noise_sd: f32,
}

/// The generated dataset: training and test splits and the ground truth.
#[derive(Clone, Debug)]
pub struct SyntheticGod {
    /// 1,200 training samples (150 categories × 8 images), one trial each.
    pub train: Dataset,
    /// 50 test samples (50 novel categories), each the mean of `test_repeats` trials.
    pub test: Dataset,
    /// What the generator used.
    pub truth: GroundTruth,
    /// The options that produced it.
    pub config: SyntheticConfig,
}

/// GOD's visual ROIs with their share of voxels and their high-level weight `w`.
pub const ROIS: [(&str, f64, f32); 7] = [
    ("V1", 0.22, 0.10),
    ("V2", 0.20, 0.20),
    ("V3", 0.17, 0.35),
    ("V4", 0.11, 0.55),
    ("LOC", 0.12, 0.85),
    ("FFA", 0.10, 0.85),
    ("PPA", 0.08, 0.85),
];

const SUPERORDINATE_BOUNDS: [u64; 7] = [
    1_800_000, 2_000_000, 2_200_000, 2_700_000, 3_300_000, 3_800_000, 4_700_000,
];
const RHO_SUPER: f32 = 0.35;
const RHO_CATEGORY: f32 = 0.55;
const MODALITY_WEIGHT: f32 = 1.1;
const LOW_LEVEL_DIM: usize = 64;
const NONLINEARITY: f32 = 0.2;
const NOISE_RANK: usize = 5;
const STRUCTURED_NOISE_SHARE: f32 = 0.2;

/// Streams: one per part of the model, so parts are independent of each other's sizes.
#[derive(Clone, Copy)]
enum Stream {
    Modality = 1,
    Superordinate,
    Categories,
    Images,
    Prompts,
    Captions,
    LowLevel,
    Encoding,
    Noise,
    Code,
}

fn rng(seed: u64, stream: Stream) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream as u64);
    rng
}

fn gauss(rng: &mut ChaCha8Rng, n: usize) -> Array1<f32> {
    Array1::from_shape_fn(n, |_| StandardNormal.sample(rng))
}

fn unit(v: Array1<f32>) -> Array1<f32> {
    let norm = v.dot(&v).sqrt().max(f32::MIN_POSITIVE);
    v / norm
}

fn superordinate_of(category: &Category) -> usize {
    let offset: u64 = category.id.trim_start_matches('n').parse().unwrap_or(0);
    SUPERORDINATE_BOUNDS.iter().take_while(|&&b| offset >= b).count()
}

/// Generate the synthetic GOD-like dataset.
///
/// ```
/// use brainclip::data::{synthetic::generate, SyntheticConfig};
/// let cfg = SyntheticConfig { n_voxels: 70, embedding_dim: 16, ..Default::default() };
/// let god = generate(&cfg).unwrap();
/// assert_eq!(god.train.n_samples(), 1200);
/// assert_eq!(god.test.n_samples(), 50);
/// assert_eq!(god.test.n_voxels(), 70);
/// ```
pub fn generate(config: &SyntheticConfig) -> Result<SyntheticGod, DataError> {
    config.validate()?;
    let catalog = GodCatalog::embedded()?;
    let d = config.embedding_dim;
    let seed = config.seed;

    // Modality directions: m_txt is orthogonalised against m_img.
    let mut r = rng(seed, Stream::Modality);
    let m_img = unit(gauss(&mut r, d));
    let raw_txt = gauss(&mut r, d);
    let m_txt = unit(&raw_txt - &(&m_img * raw_txt.dot(&m_img)));

    let mut r = rng(seed, Stream::Superordinate);
    let supers: Vec<Array1<f32>> = (0..=SUPERORDINATE_BOUNDS.len())
        .map(|_| unit(gauss(&mut r, d)))
        .collect();

    let all_categories: Vec<&Category> = catalog
        .train_categories
        .iter()
        .chain(&catalog.test_categories)
        .collect();
    let superordinate: Vec<usize> = all_categories.iter().map(|c| superordinate_of(c)).collect();
    let mut r = rng(seed, Stream::Categories);
    let centres: Vec<Array1<f32>> = superordinate
        .iter()
        .map(|&g| unit(&supers[g] * RHO_SUPER.sqrt() + unit(gauss(&mut r, d)) * (1.0 - RHO_SUPER).sqrt()))
        .collect();

    let mut r = rng(seed, Stream::Prompts);
    let mut prompts: Vec<Array1<f32>> = centres
        .iter()
        .map(|c| unit(&m_txt * MODALITY_WEIGHT + c * 0.6f32.sqrt() + unit(gauss(&mut r, d)) * 0.4f32.sqrt()))
        .collect();
    let mut centres = centres;
    if let Some(given) = &config.prompts {
        if given.dim() != (all_categories.len(), d) {
            return Err(DataError::ShapeMismatch {
                what: format!("prompts ({} categories × D = {d})", all_categories.len()),
                expected: all_categories.len() * d,
                found: given.len(),
            });
        }
        prompts = given.rows().into_iter().map(|row| unit(row.to_owned())).collect();
        centres = prompts.clone();
    }

    // Stimuli: training images then test images, with category indices into `centres`.
    let n_train_cats = catalog.train_categories.len();
    let stimuli: Vec<(String, usize)> = catalog
        .train_stimuli
        .iter()
        .map(|s| (s.image_id.clone(), s.category))
        .chain(
            catalog
                .test_stimuli
                .iter()
                .map(|s| (s.image_id.clone(), n_train_cats + s.category)),
        )
        .collect();
    let n_train = catalog.train_stimuli.len();
    let n_stim = stimuli.len();

    let mut r_img = rng(seed, Stream::Images);
    let mut r_cap = rng(seed, Stream::Captions);
    let mut r_low = rng(seed, Stream::LowLevel);
    let projection =
        Array2::from_shape_fn((LOW_LEVEL_DIM, d), |_| StandardNormal.sample(&mut r_low)) / (d as f32).sqrt();
    let mut images = Array2::<f32>::zeros((n_stim, d));
    let mut captions = Array2::<f32>::zeros((n_stim, d));
    let mut low_level = Array2::<f32>::zeros((n_stim, LOW_LEVEL_DIM));
    for (i, (_, k)) in stimuli.iter().enumerate() {
        let specific = unit(gauss(&mut r_img, d));
        let c = &centres[*k];
        let v = unit(&m_img * MODALITY_WEIGHT + c * RHO_CATEGORY.sqrt() + &specific * (1.0 - RHO_CATEGORY).sqrt());
        images.row_mut(i).assign(&v);
        let u = unit(
            &m_txt * MODALITY_WEIGHT
                + c * 0.45f32.sqrt()
                + &specific * 0.2f32.sqrt()
                + unit(gauss(&mut r_cap, d)) * 0.35f32.sqrt(),
        );
        captions.row_mut(i).assign(&u);
        let f = unit(
            unit(projection.dot(&specific)) * 0.5f32.sqrt() + unit(gauss(&mut r_low, LOW_LEVEL_DIM)) * 0.5f32.sqrt(),
        );
        low_level.row_mut(i).assign(&f);
    }

    // Voxel tuning.
    let n_vox = config.n_voxels;
    let voxel_rois = assign_rois(n_vox);
    let high_level_weight: Vec<f32> = voxel_rois
        .iter()
        .map(|roi| ROIS.iter().find(|(name, _, _)| name == roi).map_or(0.5, |r| r.2))
        .collect();
    // A subject's brain: its own tuning and noise, the same stimuli.
    let brain = match config.subject {
        0 => seed,
        s => seed ^ 0x9E37_79B9_7F4A_7C15u64.wrapping_mul(s),
    };
    let mut r = rng(brain, Stream::Encoding);
    // What the voxels are tuned to: the embedding, or a shared nonlinear code of it.
    let tuned_to = match config.neural_code {
        0 => images.clone(),
        k => {
            let mut rc = rng(seed, Stream::Code);
            let w = Array2::from_shape_fn((k, d), |_| StandardNormal.sample(&mut rc)) / (d as f32).sqrt() * 3.0;
            let b: Array1<f32> = Array1::from_shape_fn(k, |_| StandardNormal.sample(&mut rc)) * 0.5;
            (images.dot(&w.t()) + &b).mapv(|v: f32| v.max(0.0))
        }
    };
    let width = tuned_to.ncols();
    let encoding = Array2::from_shape_fn((n_vox, width), |_| StandardNormal.sample(&mut r)) / (width as f32).sqrt();
    let low_weights = Array2::from_shape_fn((n_vox, LOW_LEVEL_DIM), |_| StandardNormal.sample(&mut r))
        / (LOW_LEVEL_DIM as f32).sqrt();
    let high_drive = zscore_by_first_rows(tuned_to.dot(&encoding.t()), n_train);
    let low_drive = zscore_by_first_rows(low_level.dot(&low_weights.t()), n_train);
    let signal = voxel_signal(&high_drive, &low_drive, &high_level_weight);

    let (train_fmri, test_fmri, noise_sd) = measure(&signal, n_train, brain, config.snr, config.test_repeats);

    let to_matrix = |rows: &[Array1<f32>]| {
        let mut m = Array2::zeros((rows.len(), d));
        for (i, r) in rows.iter().enumerate() {
            m.row_mut(i).assign(r);
        }
        m
    };
    let caption_text = |(id, k): &(String, usize)| {
        let name = all_categories[*k].short_name();
        format!("a photo of {name} (synthetic caption of {id})")
    };

    let train_ids: Vec<String> = stimuli[..n_train].iter().map(|s| s.0.clone()).collect();
    let train_labels: Vec<usize> = stimuli[..n_train].iter().map(|s| s.1).collect();
    let train = Dataset::new(
        "god_synthetic/train",
        Split::Train,
        train_fmri,
        train_ids,
        train_labels,
        catalog.train_categories.clone(),
    )?
    .with_image_embeddings(images.slice(ndarray::s![..n_train, ..]).to_owned())?
    .with_text_embeddings(captions.slice(ndarray::s![..n_train, ..]).to_owned())?
    .with_class_embeddings(to_matrix(&prompts[..n_train_cats]))?
    .with_captions(stimuli[..n_train].iter().map(caption_text).collect())?
    .with_voxel_rois(voxel_rois.clone())?;
    let test_ids: Vec<String> = stimuli[n_train..].iter().map(|s| s.0.clone()).collect();
    let test_labels: Vec<usize> = stimuli[n_train..].iter().map(|s| s.1 - n_train_cats).collect();
    let test = Dataset::new(
        "god_synthetic/test",
        Split::Test,
        test_fmri,
        test_ids,
        test_labels,
        catalog.test_categories.clone(),
    )?
    .with_image_embeddings(images.slice(ndarray::s![n_train.., ..]).to_owned())?
    .with_text_embeddings(captions.slice(ndarray::s![n_train.., ..]).to_owned())?
    .with_class_embeddings(to_matrix(&prompts[n_train_cats..]))?
    .with_captions(stimuli[n_train..].iter().map(caption_text).collect())?
    .with_voxel_rois(voxel_rois)?;

    let truth = GroundTruth {
        train_centres: to_matrix(&centres[..n_train_cats]),
        test_centres: to_matrix(&centres[n_train_cats..]),
        train_superordinate: superordinate[..n_train_cats].to_vec(),
        test_superordinate: superordinate[n_train_cats..].to_vec(),
        encoding,
        high_level_weight,
        noise_sd,
    };
    Ok(SyntheticGod {
        train,
        test,
        truth,
        config: config.clone(),
    })
}

/// Each voxel's noiseless response: its z-scored high- and low-level drives (stimuli × voxels)
/// mixed with its high-level weight `w` as `s = √w·h + √(1−w)·l`, through the mildly expansive
/// `φ(s) = s + 0.2·(s² − 1)`.
pub(crate) fn voxel_signal(high: &Array2<f32>, low: &Array2<f32>, high_level_weight: &[f32]) -> Array2<f32> {
    let (n_stim, n_vox) = high.dim();
    let mut signal = Array2::<f32>::zeros((n_stim, n_vox));
    for v in 0..n_vox {
        let w = high_level_weight[v];
        let mut col = signal.column_mut(v);
        for i in 0..n_stim {
            let s = w.sqrt() * high[[i, v]] + (1.0 - w).sqrt() * low[[i, v]];
            col[i] = s + NONLINEARITY * (s * s - 1.0);
        }
    }
    signal
}

/// Noisy trials of the noiseless `signal` (stimuli × voxels; the first `n_train` rows are training
/// stimuli): training stimuli once, the others `test_repeats` times averaged, every voxel z-scored
/// with the training trials' statistics, as in GOD. Returns the training and test matrices and
/// the single-trial noise standard deviation.
pub(crate) fn measure(
    signal: &Array2<f32>,
    n_train: usize,
    seed: u64,
    snr: f64,
    test_repeats: usize,
) -> (Array2<f32>, Array2<f32>, f32) {
    let n_vox = signal.ncols();
    let noise_sd = (1.0 / snr).sqrt() as f32;
    let mut noise = NoiseModel::new(seed, n_vox, noise_sd);
    let mut train_fmri = signal.slice(ndarray::s![..n_train, ..]).to_owned();
    noise.add_trials(&mut train_fmri);
    let test_signal = signal.slice(ndarray::s![n_train.., ..]).to_owned();
    let mut test_fmri = Array2::<f32>::zeros(test_signal.raw_dim());
    for _ in 0..test_repeats {
        let mut trial = test_signal.clone();
        noise.add_trials(&mut trial);
        test_fmri += &trial;
    }
    test_fmri /= test_repeats as f32;

    let mean = train_fmri.mean_axis(Axis(0)).unwrap_or_else(|| Array1::zeros(n_vox));
    let sd = train_fmri
        .std_axis(Axis(0), 0.0)
        .mapv(|s| if s > 0.0 { s } else { 1.0 });
    let standardise = |m: &mut Array2<f32>| {
        *m -= &mean;
        *m /= &sd;
    };
    standardise(&mut train_fmri);
    standardise(&mut test_fmri);
    (train_fmri, test_fmri, noise_sd)
}

/// ROI name of each voxel, in contiguous blocks with the shares of [`ROIS`].
pub(crate) fn assign_rois(n_vox: usize) -> Vec<String> {
    let mut rois = Vec::with_capacity(n_vox);
    let mut cumulative = 0.0;
    for (i, (name, share, _)) in ROIS.iter().enumerate() {
        cumulative += share;
        let end = if i + 1 == ROIS.len() {
            n_vox
        } else {
            ((cumulative * n_vox as f64).round() as usize).max(rois.len() + 1)
        };
        while rois.len() < end.min(n_vox) {
            rois.push((*name).to_string());
        }
    }
    rois
}

pub(crate) fn zscore_by_first_rows(mut m: Array2<f32>, n_ref: usize) -> Array2<f32> {
    let reference = m.slice(ndarray::s![..n_ref, ..]);
    let mean = reference.mean_axis(Axis(0)).unwrap_or_else(|| Array1::zeros(m.ncols()));
    let sd = reference.std_axis(Axis(0), 0.0).mapv(|s| if s > 0.0 { s } else { 1.0 });
    m -= &mean;
    m /= &sd;
    m
}

/// Trial noise: a low-rank shared part plus independent voxel noise, from one stream.
struct NoiseModel {
    rng: ChaCha8Rng,
    loadings: Array2<f32>,
    shared_sd: f32,
    independent_sd: f32,
}

impl NoiseModel {
    fn new(seed: u64, n_vox: usize, noise_sd: f32) -> Self {
        let mut rng = rng(seed, Stream::Noise);
        let loadings = Array2::from_shape_fn((NOISE_RANK, n_vox), |_| StandardNormal.sample(&mut rng))
            / (NOISE_RANK as f32).sqrt();
        Self {
            rng,
            loadings,
            shared_sd: noise_sd * STRUCTURED_NOISE_SHARE.sqrt(),
            independent_sd: noise_sd * (1.0 - STRUCTURED_NOISE_SHARE).sqrt(),
        }
    }

    fn add_trials(&mut self, trials: &mut Array2<f32>) {
        let (n, v) = trials.dim();
        let factors = Array2::from_shape_fn((n, NOISE_RANK), |_| StandardNormal.sample(&mut self.rng)) * self.shared_sd;
        *trials += &factors.dot(&self.loadings);
        let sd = self.independent_sd;
        let rng = &mut self.rng;
        *trials += &Array2::from_shape_fn((n, v), |_| {
            let z: f32 = StandardNormal.sample(rng);
            sd * z
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small(seed: u64) -> SyntheticGod {
        generate(&SyntheticConfig {
            seed,
            n_voxels: 300,
            embedding_dim: 64,
            ..Default::default()
        })
        .unwrap()
    }

    fn cos(a: ndarray::ArrayView1<f32>, b: ndarray::ArrayView1<f32>) -> f32 {
        a.dot(&b) / (a.dot(&a).sqrt() * b.dot(&b).sqrt())
    }

    #[test]
    fn same_seed_same_data_other_seed_other_data() {
        let (a, b, c) = (small(3), small(3), small(4));
        assert_eq!(a.train.fmri(), b.train.fmri());
        assert_eq!(a.test.text_embeddings(), b.test.text_embeddings());
        assert_ne!(a.train.fmri(), c.train.fmri());
    }

    #[test]
    fn structure_matches_god() {
        let god = small(0);
        assert_eq!(god.train.categories().len(), 150);
        assert_eq!(god.test.categories().len(), 50);
        assert_eq!(god.train.sample_ids()[0], "n01518878_10042");
        let rois = god.train.roi_sizes();
        assert_eq!(rois.len(), 7);
        assert_eq!(rois.iter().map(|r| r.1).sum::<usize>(), 300);
        // unit-norm embeddings
        for row in god.train.image_embeddings().unwrap().rows() {
            assert!((row.dot(&row) - 1.0).abs() < 1e-4);
        }
        // voxels z-scored on training data
        let mean = god.train.fmri().mean_axis(Axis(0)).unwrap();
        assert!(mean.iter().all(|m| m.abs() < 1e-3));
    }

    #[test]
    fn embeddings_cluster_by_category_with_a_modality_gap() {
        let god = generate(&SyntheticConfig {
            n_voxels: 10,
            ..Default::default()
        })
        .unwrap();
        let img = god.train.image_embeddings().unwrap();
        let cap = god.train.text_embeddings().unwrap();
        let same_cat = cos(img.row(0), img.row(1)); // both ostrich
        let other_cat = cos(img.row(0), img.row(600));
        assert!(same_cat > other_cat + 0.2, "{same_cat} vs {other_cat}");
        let matching = cos(img.row(0), cap.row(0));
        let non_matching = cos(img.row(0), cap.row(600));
        assert!(
            (0.2..0.45).contains(&matching),
            "matching image–caption cosine {matching}"
        );
        assert!(non_matching < matching - 0.15, "{non_matching}");
        // the gap: captions are closer to each other than to images
        let cap_cap = cos(cap.row(0), cap.row(600));
        assert!(cap_cap > non_matching + 0.2, "{cap_cap}");
    }

    #[test]
    fn test_trials_are_averaged() {
        // With many repeats the test set is much less noisy than single training trials:
        // the test fMRI's correlation with the noiseless drive is higher.
        let one = generate(&SyntheticConfig {
            n_voxels: 200,
            embedding_dim: 32,
            test_repeats: 1,
            ..Default::default()
        })
        .unwrap();
        let many = generate(&SyntheticConfig {
            n_voxels: 200,
            embedding_dim: 32,
            test_repeats: 35,
            ..Default::default()
        })
        .unwrap();
        let var = |m: &Array2<f32>| m.var_axis(Axis(0), 0.0).mean().unwrap();
        assert!(var(many.test.fmri()) < 0.7 * var(one.test.fmri()));
    }

    #[test]
    fn invalid_options_are_rejected() {
        let err = generate(&SyntheticConfig {
            snr: -1.0,
            ..Default::default()
        })
        .unwrap_err();
        assert!(err.to_string().contains("snr must be a positive number"), "{err}");
        assert!(
            generate(&SyntheticConfig {
                n_voxels: 3,
                ..Default::default()
            })
            .is_err()
        );
    }

    #[test]
    fn superordinate_ranges() {
        let c = |id: &str| Category {
            id: id.into(),
            name: "x".into(),
        };
        assert_eq!(superordinate_of(&c("n01443537")), 0);
        assert_eq!(superordinate_of(&c("n02128385")), 2);
        assert_eq!(superordinate_of(&c("n13111881")), 7);
    }
}
