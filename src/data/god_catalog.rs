//! The Generic Object Decoding (GOD) stimulus catalog, embedded in the binary: 150 training
//! categories × 8 images and 50 novel test categories × 1 image, with their real WordNet names.
//! Sources and licences: `assets/god/README.md`.

use super::{Category, DataError};

const CATEGORIES_TSV: &str = include_str!("../../assets/god/categories.tsv");
const TRAINING_TSV: &str = include_str!("../../assets/god/stimulus_ImageNetTraining.tsv");
const TEST_TSV: &str = include_str!("../../assets/god/stimulus_ImageNetTest.tsv");

/// One stimulus image: its GOD id (`wnid_imageid`) and the index of its category.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stimulus {
    /// GOD image id, e.g. `n01518878_10042`.
    pub image_id: String,
    /// Index into the split's category list.
    pub category: usize,
}

/// GOD's categories and stimuli for both splits.
///
/// ```
/// let god = brainclip::data::god_catalog::GodCatalog::embedded().unwrap();
/// assert_eq!((god.train_categories.len(), god.test_categories.len()), (150, 50));
/// assert_eq!(god.train_stimuli.len(), 1200);
/// assert_eq!(god.test_categories[0].short_name(), "goldfish");
/// ```
#[derive(Clone, Debug)]
pub struct GodCatalog {
    /// The 150 training categories, in GOD's order.
    pub train_categories: Vec<Category>,
    /// The 50 novel test categories, in GOD's order.
    pub test_categories: Vec<Category>,
    /// The 1,200 training images (8 per category).
    pub train_stimuli: Vec<Stimulus>,
    /// The 50 test images (one per category).
    pub test_stimuli: Vec<Stimulus>,
}

impl GodCatalog {
    /// Parse the embedded catalog.
    pub fn embedded() -> Result<Self, DataError> {
        let mut train_categories = Vec::new();
        let mut test_categories = Vec::new();
        for (n, line) in CATEGORIES_TSV.lines().enumerate().skip(1) {
            let fields: Vec<&str> = line.split('\t').collect();
            let [id, split, name] = fields[..] else {
                return Err(DataError::Catalog(format!("categories.tsv line {}: {line:?}", n + 1)));
            };
            let category = Category {
                id: id.to_string(),
                name: name.to_string(),
            };
            match split {
                "train" => train_categories.push(category),
                "test" => test_categories.push(category),
                other => {
                    return Err(DataError::Catalog(format!("categories.tsv: unknown split {other:?}")));
                }
            }
        }
        let train_stimuli = parse_stimuli(TRAINING_TSV, &train_categories)?;
        let test_stimuli = parse_stimuli(TEST_TSV, &test_categories)?;
        Ok(Self {
            train_categories,
            test_categories,
            train_stimuli,
            test_stimuli,
        })
    }
}

fn parse_stimuli(tsv: &str, categories: &[Category]) -> Result<Vec<Stimulus>, DataError> {
    tsv.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let image_id = line.split('\t').next().unwrap_or_default();
            let wnid = image_id.split('_').next().unwrap_or_default();
            let category = categories
                .iter()
                .position(|c| c.id == wnid)
                .ok_or_else(|| DataError::Catalog(format!("stimulus {image_id} has no category")))?;
            Ok(Stimulus {
                image_id: image_id.to_string(),
                category,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn training_has_eight_images_per_category() {
        let god = GodCatalog::embedded().unwrap();
        let mut counts = vec![0; god.train_categories.len()];
        for s in &god.train_stimuli {
            counts[s.category] += 1;
        }
        assert!(counts.iter().all(|&c| c == 8));
        assert_eq!(god.train_categories[0].short_name(), "ostrich");
        let test_cats: Vec<usize> = god.test_stimuli.iter().map(|s| s.category).collect();
        assert_eq!(test_cats, (0..50).collect::<Vec<_>>());
    }
}
