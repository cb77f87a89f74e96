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
use serde::Serialize;

pub use attributes::{
    Attributes, BACKGROUNDS, Background, COLOURS, Colour, N_COMBINATIONS, PATTERNS, Pattern, SHAPES, Shape, Variation,
};
pub use captions::{caption, prompt};
pub use render::render;
pub use simulate::{WorldFmri, WorldFmriConfig, simulate};

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
