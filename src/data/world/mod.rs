//! The built-in picture world: procedurally rendered stimuli whose category is a combination of
//! attributes (shape × colour × pattern × background = 200 categories), with GOD's structure —
//! 150 training categories × 8 images, 50 novel test categories × 1 image — human-like captions,
//! category prompts, and fMRI simulated from the pictures ([`simulate`]).
//!
//! A test category's combination never occurs in training, but each of its attribute values does,
//! so it is describable ("a green dotted triangle on black") and recognisable from its parts:
//! zero-shot decoding means something here. Everything is deterministic for a seed; the split of
//! categories is fixed (seed [`SPLIT_SEED`]), as GOD's is.
//!
//! ```
//! use brainclip::data::world::{World, WorldConfig};
//! let world = World::new(&WorldConfig::default()).unwrap();
//! assert_eq!((world.train.len(), world.test.len()), (1200, 50));
//! assert_eq!((world.train_categories.len(), world.test_categories.len()), (150, 50));
//! let img = world.render(&world.test[0]);
//! assert_eq!(img.dimensions(), (32, 32));
//! ```

mod attributes;
mod captions;
mod render;
pub mod simulate;

use image::RgbImage;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

pub use attributes::{
    Attributes, BACKGROUNDS, Background, COLOURS, Colour, N_COMBINATIONS, PATTERNS, Pattern, SHAPES, Shape, Variation,
};
pub use captions::{caption, prompt};
pub use render::render;
pub use simulate::{StimulusEmbeddings, WorldFmri, WorldFmriConfig, simulate};

use super::{Category, DataError};

/// The seed of the fixed train/test split of categories.
pub const SPLIT_SEED: u64 = 2023;
/// Training images per training category (GOD: 8).
pub const IMAGES_PER_CATEGORY: usize = 8;
/// Novel test categories (GOD: 50).
pub const N_TEST_CATEGORIES: usize = 50;

/// Options of the world.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WorldConfig {
    /// Seed of the per-image variation and captions.
    pub seed: u64,
    /// Image side in pixels.
    pub size: usize,
}

impl Default for WorldConfig {
    fn default() -> Self {
        Self { seed: 0, size: 32 }
    }
}

/// What a script asks `world_synthetic` for: the world's and the simulation's options under one
/// seed, with the names scripts use (`voxels` is [`WorldFmriConfig::n_voxels`]); missing keys take
/// the defaults of [`WorldConfig`] and [`WorldFmriConfig`].
///
/// ```
/// use brainclip::data::world::{WorldConfig, WorldFmriConfig, WorldSettings};
/// let s = WorldSettings { seed: 3, voxels: 70, ..Default::default() };
/// assert_eq!(s.world(), WorldConfig { seed: 3, size: 32 });
/// assert_eq!(s.fmri(), WorldFmriConfig { seed: 3, n_voxels: 70, ..Default::default() });
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct WorldSettings {
    /// Seed of the image variation, the voxels' tuning and the noise.
    pub seed: u64,
    /// Number of voxels.
    #[schemars(range(min = 7, max = 200_000))]
    pub voxels: usize,
    /// Single-trial signal-to-noise variance ratio (at god_synthetic's 0.1 every decoder is at
    /// ceiling on the world).
    pub snr: f64,
    /// Trials averaged per test image.
    #[schemars(range(min = 1, max = 1000))]
    pub test_repeats: usize,
    /// Image side in pixels (32: what the world models were trained on).
    #[schemars(range(min = 8, max = 512))]
    pub size: usize,
}

impl Default for WorldSettings {
    fn default() -> Self {
        let (world, fmri) = (WorldConfig::default(), WorldFmriConfig::default());
        Self {
            seed: world.seed,
            voxels: fmri.n_voxels,
            snr: fmri.snr,
            test_repeats: fmri.test_repeats,
            size: world.size,
        }
    }
}

impl WorldSettings {
    /// The world's options.
    ///
    /// ```
    /// use brainclip::data::world::WorldSettings;
    /// assert_eq!(WorldSettings { size: 64, ..Default::default() }.world().size, 64);
    /// ```
    pub fn world(&self) -> WorldConfig {
        WorldConfig {
            seed: self.seed,
            size: self.size,
        }
    }

    /// The simulation's options.
    ///
    /// ```
    /// use brainclip::data::world::WorldSettings;
    /// let fmri = WorldSettings { snr: 0.1, ..Default::default() }.fmri();
    /// assert_eq!((fmri.snr, fmri.n_voxels, fmri.test_repeats), (0.1, 4500, 35));
    /// ```
    pub fn fmri(&self) -> WorldFmriConfig {
        WorldFmriConfig {
            seed: self.seed,
            n_voxels: self.voxels,
            snr: self.snr,
            test_repeats: self.test_repeats,
        }
    }
}

/// One stimulus: its category, how it varies, its caption.
#[derive(Clone, Debug, PartialEq)]
pub struct Stimulus {
    /// Image id, e.g. `red-striped-circle-grey_3`.
    pub id: String,
    /// The category's attributes.
    pub attributes: Attributes,
    /// Index of the category within its split's category list.
    pub category: usize,
    /// How this image varies.
    pub variation: Variation,
    /// Its caption.
    pub caption: String,
}

/// The world's categories and stimuli.
#[derive(Clone, Debug)]
pub struct World {
    /// The 150 training categories.
    pub train_categories: Vec<Attributes>,
    /// The 50 novel test categories.
    pub test_categories: Vec<Attributes>,
    /// 1,200 training stimuli (8 per training category).
    pub train: Vec<Stimulus>,
    /// 50 test stimuli (1 per test category).
    pub test: Vec<Stimulus>,
    /// The options that made it.
    pub config: WorldConfig,
}

/// Image sides the world renders.
pub const SIZES: std::ops::RangeInclusive<usize> = 8..=512;

fn rng(seed: u64, stream: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream);
    rng
}

/// The fixed split: 150 training and 50 test combinations, every attribute value present in both.
fn split_categories() -> (Vec<Attributes>, Vec<Attributes>) {
    let mut all: Vec<Attributes> = (0..N_COMBINATIONS).map(Attributes::from_index).collect();
    let mut r = rng(SPLIT_SEED, 0);
    loop {
        all.shuffle(&mut r);
        let (test, train) = all.split_at(N_TEST_CATEGORIES);
        let covers = |set: &[Attributes]| {
            (0..4).all(|k| {
                let n = [SHAPES.len(), COLOURS.len(), PATTERNS.len(), BACKGROUNDS.len()][k];
                (0..n).all(|value| set.iter().any(|a| a.values()[k] == value))
            })
        };
        if covers(test) && covers(train) {
            let (mut train, mut test) = (train.to_vec(), test.to_vec());
            train.sort();
            test.sort();
            return (train, test);
        }
    }
}

fn stimuli(categories: &[Attributes], per_category: usize, r: &mut ChaCha8Rng) -> Vec<Stimulus> {
    let mut out = Vec::with_capacity(categories.len() * per_category);
    for (k, &attributes) in categories.iter().enumerate() {
        for j in 0..per_category {
            let variation = Variation::draw(r);
            out.push(Stimulus {
                id: format!("{}_{j}", attributes.id()),
                attributes,
                category: k,
                variation,
                caption: caption(attributes, &variation, r),
            });
        }
    }
    out
}

impl World {
    /// Build the world for `config` (no pixels are drawn until [`World::render`]).
    pub fn new(config: &WorldConfig) -> Result<Self, DataError> {
        if !SIZES.contains(&config.size) {
            return Err(DataError::InvalidOption {
                option: "size",
                expected: "between 8 and 512 pixels",
                found: config.size.to_string(),
            });
        }
        let (train_categories, test_categories) = split_categories();
        let train = stimuli(&train_categories, IMAGES_PER_CATEGORY, &mut rng(config.seed, 1));
        let test = stimuli(&test_categories, 1, &mut rng(config.seed, 2));
        Ok(Self {
            train_categories,
            test_categories,
            train,
            test,
            config: config.clone(),
        })
    }

    /// The pixels of one stimulus.
    pub fn render(&self, stimulus: &Stimulus) -> RgbImage {
        render(stimulus.attributes, &stimulus.variation, self.config.size)
    }

    /// The pixels of many stimuli.
    pub fn render_all(&self, stimuli: &[Stimulus]) -> Vec<RgbImage> {
        stimuli.iter().map(|s| self.render(s)).collect()
    }

    /// Every stimulus, training then test: the order [`simulate`] expects its pictures and
    /// embeddings in.
    ///
    /// ```
    /// use brainclip::data::world::{World, WorldConfig};
    /// let world = World::new(&WorldConfig::default()).unwrap();
    /// let all = world.stimuli();
    /// assert_eq!((all.len(), &all[1200]), (1250, &world.test[0]));
    /// ```
    pub fn stimuli(&self) -> Vec<Stimulus> {
        self.train.iter().chain(&self.test).cloned().collect()
    }

    /// Categories as datasets carry them: id and name.
    pub fn categories(list: &[Attributes]) -> Vec<Category> {
        list.iter()
            .map(|a| Category {
                id: a.id(),
                name: a.name(),
            })
            .collect()
    }
}

/// What a script asks `world_corpus` for: how many pictures (required), the seed and the side.
///
/// ```
/// use brainclip::data::world::CorpusConfig;
/// let c = CorpusConfig { images: 4, seed: 1, ..Default::default() };
/// assert!(c.validate().is_ok());
/// assert_eq!(c.generate().len(), 4);
/// let err = CorpusConfig::default().validate().unwrap_err().to_string();
/// assert!(err.starts_with("images must be 1 to 200000"), "{err}");
/// assert!(CorpusConfig { images: 200_000, size: 512, ..c }.validate().is_err(), "over 1 GiB");
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct CorpusConfig {
    /// How many pictures, 1 to 200000 (none by default: a corpus needs a size).
    pub images: usize,
    /// Seed of the combinations, variations and captions.
    pub seed: u64,
    /// Image side in pixels.
    #[schemars(range(min = 8, max = 512))]
    pub size: usize,
}

impl Default for CorpusConfig {
    fn default() -> Self {
        Self {
            images: 0,
            seed: 0,
            size: 32,
        }
    }
}

impl CorpusConfig {
    /// The most pictures a corpus may have.
    pub const MAX_IMAGES: usize = 200_000;
    /// The most pixel bytes a corpus may hold (1 GiB), whatever its count and size.
    pub const MAX_BYTES: usize = 1 << 30;

    /// Refuse an empty corpus and one that would exhaust memory.
    pub fn validate(&self) -> Result<(), DataError> {
        let (n, size) = (self.images, self.size);
        let fits = n
            .checked_mul(size * size * 3)
            .is_some_and(|bytes| bytes <= Self::MAX_BYTES);
        if !(1..=Self::MAX_IMAGES).contains(&n) || !SIZES.contains(&size) || !fits {
            return Err(DataError::InvalidOption {
                option: "images",
                expected: "1 to 200000, at most 1 GiB of pixels in all (images × size² × 3 bytes, size 8 to 512)",
                found: format!("{n} at size {size}"),
            });
        }
        Ok(())
    }

    /// The corpus ([`corpus`]).
    pub fn generate(&self) -> Vec<(RgbImage, String, Attributes)> {
        corpus(self.images, self.seed, self.size)
    }
}

/// A corpus of `n` captioned images of random attribute combinations (all 200, not only the
/// stimulus categories), seeded: what the world's CLIP and diffusion model learn from, as real
/// CLIP learned from the web rather than from the experiment's stimuli.
///
/// ```
/// use brainclip::data::world::corpus;
/// let c = corpus(10, 7, 32);
/// assert_eq!(c.len(), 10);
/// assert_eq!(c[0].0.dimensions(), (32, 32));
/// assert_eq!(corpus(10, 7, 32)[3].1, c[3].1);
/// ```
pub fn corpus(n: usize, seed: u64, size: usize) -> Vec<(RgbImage, String, Attributes)> {
    use rand::RngExt;
    let mut r = rng(seed, 3);
    (0..n)
        .map(|_| {
            let attributes = Attributes::from_index(r.random_range(0..N_COMBINATIONS));
            let variation = Variation::draw(&mut r);
            let text = caption(attributes, &variation, &mut r);
            (render(attributes, &variation, size), text, attributes)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_is_disjoint_and_covers_every_attribute() {
        let (train, test) = split_categories();
        assert_eq!((train.len(), test.len()), (150, 50));
        assert!(test.iter().all(|t| !train.contains(t)));
    }

    #[test]
    fn rendering_is_deterministic_and_fast() {
        let a = World::new(&WorldConfig::default()).unwrap();
        let b = World::new(&WorldConfig::default()).unwrap();
        let started = std::time::Instant::now();
        let images = a.render_all(&a.train);
        let elapsed = started.elapsed();
        assert_eq!(images, b.render_all(&b.train));
        assert_eq!(a.train[5].caption, b.train[5].caption);
        let other = World::new(&WorldConfig {
            seed: 1,
            ..Default::default()
        })
        .unwrap();
        assert_ne!(other.render(&other.train[0]), images[0]);
        eprintln!("rendered 1200 images in {elapsed:?}");
    }
}
