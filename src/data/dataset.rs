use std::fmt;

use ndarray::{Array2, Axis};
use serde::{Deserialize, Serialize};

use super::DataError;

/// Which part of an experiment a dataset is; `"train"` or `"test"` in serde.
///
/// ```
/// use brainclip::data::Split;
/// assert_eq!(serde_json::from_str::<Split>("\"test\"").unwrap(), Split::Test);
/// assert_eq!(Split::Train.to_string(), "train");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Split {
    /// Samples the mapping network is fitted on.
    Train,
    /// Held-out samples (in GOD: the novel categories).
    Test,
}

impl fmt::Display for Split {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Split::Train => "train",
            Split::Test => "test",
        })
    }
}

/// An object category: a WordNet synset id and its lemma names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Category {
    /// WordNet synset id, e.g. `n01518878`.
    pub id: String,
    /// Comma-separated lemma names, most common first, e.g. `ostrich, Struthio camelus`.
    pub name: String,
}

impl Category {
    /// The first lemma: the name used in prompts such as "an image of ostrich.".
    ///
    /// ```
    /// use brainclip::data::Category;
    /// let c = Category { id: "n01518878".into(), name: "ostrich, Struthio camelus".into() };
    /// assert_eq!(c.short_name(), "ostrich");
    /// ```
    pub fn short_name(&self) -> &str {
        self.name.split(',').next().unwrap_or(&self.name).trim()
    }
}

/// Some of a dataset's samples, with their categories renumbered (see [`Dataset::first_categories`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CategorySubset {
    /// The samples kept, in order.
    pub rows: Vec<usize>,
    /// Each kept sample's category, as an index into `names`.
    pub labels: Vec<usize>,
    /// The kept categories' short names.
    pub names: Vec<String>,
}

/// fMRI samples with their stimuli: the unit every brainclip operation works on.
///
/// Rows of every matrix are samples in the same order. Embedding matrices are optional because a
/// lab may bring fMRI first and CLIP embeddings later.
///
/// ```
/// use brainclip::data::{Category, Dataset, Split};
/// use ndarray::Array2;
/// let cats = vec![Category { id: "n1".into(), name: "cat".into() }];
/// let data = Dataset::new("demo", Split::Train, Array2::zeros((2, 3)),
///     vec!["a".into(), "b".into()], vec![0, 0], cats).unwrap();
/// assert_eq!((data.n_samples(), data.n_voxels()), (2, 3));
/// ```
#[derive(Clone, Debug)]
pub struct Dataset {
    name: String,
    split: Split,
    fmri: Array2<f32>,
    sample_ids: Vec<String>,
    labels: Vec<usize>,
    categories: Vec<Category>,
    image_embeddings: Option<Array2<f32>>,
    text_embeddings: Option<Array2<f32>>,
    class_embeddings: Option<Array2<f32>>,
    captions: Vec<String>,
    voxel_rois: Vec<String>,
    subjects: Vec<String>,
}

impl Dataset {
    /// A dataset of `fmri` (samples × voxels) with one id and one category label per sample.
    pub fn new(
        name: impl Into<String>,
        split: Split,
        fmri: Array2<f32>,
        sample_ids: Vec<String>,
        labels: Vec<usize>,
        categories: Vec<Category>,
    ) -> Result<Self, DataError> {
        let name = name.into();
        let n = fmri.nrows();
        check_len(&name, "sample ids", n, sample_ids.len())?;
        check_len(&name, "labels", n, labels.len())?;
        if let Some(&bad) = labels.iter().find(|&&l| l >= categories.len()) {
            return Err(DataError::ShapeMismatch {
                what: format!("{name}: label {bad} indexes the category list"),
                expected: categories.len(),
                found: bad + 1,
            });
        }
        Ok(Self {
            name,
            split,
            fmri,
            sample_ids,
            labels,
            categories,
            image_embeddings: None,
            text_embeddings: None,
            class_embeddings: None,
            captions: Vec::new(),
            voxel_rois: Vec::new(),
            subjects: Vec::new(),
        })
    }

    /// Attach CLIP image embeddings (samples × D).
    pub fn with_image_embeddings(mut self, emb: Array2<f32>) -> Result<Self, DataError> {
        check_len(&self.name, "image embedding rows", self.n_samples(), emb.nrows())?;
        self.image_embeddings = Some(emb);
        Ok(self)
    }

    /// Attach CLIP text embeddings of each sample's caption (samples × D).
    pub fn with_text_embeddings(mut self, emb: Array2<f32>) -> Result<Self, DataError> {
        check_len(&self.name, "text embedding rows", self.n_samples(), emb.nrows())?;
        self.text_embeddings = Some(emb);
        Ok(self)
    }

    /// Attach CLIP text embeddings of each category's prompt (categories × D).
    pub fn with_class_embeddings(mut self, emb: Array2<f32>) -> Result<Self, DataError> {
        check_len(&self.name, "class embedding rows", self.categories.len(), emb.nrows())?;
        self.class_embeddings = Some(emb);
        Ok(self)
    }

    /// Attach one caption string per sample.
    pub fn with_captions(mut self, captions: Vec<String>) -> Result<Self, DataError> {
        check_len(&self.name, "captions", self.n_samples(), captions.len())?;
        self.captions = captions;
        Ok(self)
    }

    /// Attach the subject of each sample (e.g. `subj01`), for data of several subjects.
    pub fn with_subjects(mut self, subjects: Vec<String>) -> Result<Self, DataError> {
        check_len(&self.name, "subject labels", self.n_samples(), subjects.len())?;
        self.subjects = subjects;
        Ok(self)
    }

    /// The same samples with other fMRI values (one row per sample); a different voxel count
    /// drops the voxels' ROI labels unless `rois` gives the new ones.
    pub fn with_fmri(mut self, fmri: Array2<f32>, rois: Option<Vec<String>>) -> Result<Self, DataError> {
        check_len(&self.name, "fMRI rows", self.n_samples(), fmri.nrows())?;
        let same_voxels = fmri.ncols() == self.n_voxels();
        self.fmri = fmri;
        match rois {
            Some(rois) => return self.with_voxel_rois(rois),
            None if !same_voxels => self.voxel_rois.clear(),
            None => {}
        }
        Ok(self)
    }

    /// Rename the dataset.
    pub fn named(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Attach the ROI name of each voxel.
    pub fn with_voxel_rois(mut self, rois: Vec<String>) -> Result<Self, DataError> {
        check_len(&self.name, "voxel ROI labels", self.n_voxels(), rois.len())?;
        self.voxel_rois = rois;
        Ok(self)
    }

    /// The dataset's name, used in messages and reports.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// Train or test.
    pub fn split(&self) -> Split {
        self.split
    }
    /// The fMRI matrix, samples × voxels.
    pub fn fmri(&self) -> &Array2<f32> {
        &self.fmri
    }
    /// One id per sample (GOD: the image id, e.g. `n01518878_10042`).
    pub fn sample_ids(&self) -> &[String] {
        &self.sample_ids
    }
    /// Category index of each sample, into [`Dataset::categories`].
    pub fn labels(&self) -> &[usize] {
        &self.labels
    }
    /// The categories this dataset's labels refer to.
    pub fn categories(&self) -> &[Category] {
        &self.categories
    }
    /// The category name of each sample (tick labels of per-sample figures).
    pub fn sample_category_names(&self) -> Vec<String> {
        self.labels
            .iter()
            .map(|&l| self.categories.get(l).map_or("", |c| c.short_name()).to_string())
            .collect()
    }
    /// The samples of the first `n` categories in sample order, relabelled `0..n` in order of
    /// first appearance (for palettes and legends).
    ///
    /// ```
    /// let god = brainclip::data::synthetic::generate(&Default::default())?;
    /// let shown = god.train.first_categories(2);
    /// assert_eq!(shown.names.len(), 2);
    /// assert_eq!(shown.rows.len(), shown.labels.len());
    /// assert!(shown.labels.iter().all(|&l| l < 2));
    /// # Ok::<(), brainclip::data::DataError>(())
    /// ```
    pub fn first_categories(&self, n: usize) -> CategorySubset {
        let mut kept: Vec<usize> = Vec::new();
        let mut subset = CategorySubset::default();
        for (i, &label) in self.labels.iter().enumerate() {
            let position = match kept.iter().position(|&c| c == label) {
                Some(p) => p,
                None if kept.len() < n => {
                    kept.push(label);
                    kept.len() - 1
                }
                None => continue,
            };
            subset.rows.push(i);
            subset.labels.push(position);
        }
        subset.names = kept
            .iter()
            .map(|&c| self.categories.get(c).map_or("", |c| c.short_name()).to_string())
            .collect();
        subset
    }
    /// CLIP image embeddings, if attached.
    pub fn image_embeddings(&self) -> Option<&Array2<f32>> {
        self.image_embeddings.as_ref()
    }
    /// CLIP text embeddings of the captions, if attached.
    pub fn text_embeddings(&self) -> Option<&Array2<f32>> {
        self.text_embeddings.as_ref()
    }
    /// CLIP text embeddings of the category prompts, if attached.
    pub fn class_embeddings(&self) -> Option<&Array2<f32>> {
        self.class_embeddings.as_ref()
    }
    /// Captions (empty when none are known).
    pub fn captions(&self) -> &[String] {
        &self.captions
    }
    /// The subject of each sample (empty for a single-subject dataset).
    pub fn subjects(&self) -> &[String] {
        &self.subjects
    }
    /// ROI name per voxel (empty when unknown).
    pub fn voxel_rois(&self) -> &[String] {
        &self.voxel_rois
    }
    /// Number of samples.
    pub fn n_samples(&self) -> usize {
        self.fmri.nrows()
    }
    /// Number of voxels.
    pub fn n_voxels(&self) -> usize {
        self.fmri.ncols()
    }
    /// The embedding width, from whichever embeddings are attached.
    pub fn embedding_dim(&self) -> Option<usize> {
        self.image_embeddings
            .as_ref()
            .or(self.text_embeddings.as_ref())
            .or(self.class_embeddings.as_ref())
            .map(|e| e.ncols())
    }

    /// Image embeddings, or an error naming the dataset when there are none.
    pub fn require_image_embeddings(&self) -> Result<&Array2<f32>, DataError> {
        self.image_embeddings
            .as_ref()
            .ok_or_else(|| self.missing("image embeddings"))
    }
    /// Caption text embeddings, or an error naming the dataset when there are none.
    pub fn require_text_embeddings(&self) -> Result<&Array2<f32>, DataError> {
        self.text_embeddings
            .as_ref()
            .ok_or_else(|| self.missing("text embeddings"))
    }
    /// Category prompt embeddings, or an error naming the dataset when there are none.
    pub fn require_class_embeddings(&self) -> Result<&Array2<f32>, DataError> {
        self.class_embeddings
            .as_ref()
            .ok_or_else(|| self.missing("class (prompt) embeddings"))
    }

    /// An error unless the dataset has at least one sample.
    pub fn require_samples(&self) -> Result<(), DataError> {
        if self.n_samples() == 0 {
            Err(DataError::Empty {
                dataset: self.name.clone(),
            })
        } else {
            Ok(())
        }
    }

    fn missing(&self, field: &'static str) -> DataError {
        DataError::MissingField {
            dataset: self.name.clone(),
            field,
        }
    }

    /// The samples at `indices`, in that order, as a new dataset named `name`.
    ///
    /// Categories, class embeddings and voxel metadata are kept whole.
    pub fn subset(&self, name: impl Into<String>, indices: &[usize]) -> Result<Self, DataError> {
        if let Some(&bad) = indices.iter().find(|&&i| i >= self.n_samples()) {
            return Err(DataError::ShapeMismatch {
                what: format!("{}: sample index {bad} for a subset", self.name),
                expected: self.n_samples(),
                found: bad + 1,
            });
        }
        let rows = |m: &Array2<f32>| m.select(Axis(0), indices);
        Ok(Self {
            name: name.into(),
            split: self.split,
            fmri: rows(&self.fmri),
            sample_ids: indices.iter().map(|&i| self.sample_ids[i].clone()).collect(),
            labels: indices.iter().map(|&i| self.labels[i]).collect(),
            categories: self.categories.clone(),
            image_embeddings: self.image_embeddings.as_ref().map(rows),
            text_embeddings: self.text_embeddings.as_ref().map(rows),
            class_embeddings: self.class_embeddings.clone(),
            captions: if self.captions.is_empty() {
                Vec::new()
            } else {
                indices.iter().map(|&i| self.captions[i].clone()).collect()
            },
            voxel_rois: self.voxel_rois.clone(),
            subjects: if self.subjects.is_empty() {
                Vec::new()
            } else {
                indices.iter().map(|&i| self.subjects[i].clone()).collect()
            },
        })
    }

    /// Number of voxels per ROI, in first-seen order.
    pub fn roi_sizes(&self) -> Vec<(String, usize)> {
        let mut sizes: Vec<(String, usize)> = Vec::new();
        for roi in &self.voxel_rois {
            match sizes.iter_mut().find(|(name, _)| name == roi) {
                Some((_, n)) => *n += 1,
                None => sizes.push((roi.clone(), 1)),
            }
        }
        sizes
    }
}

impl fmt::Display for Dataset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut present = Vec::new();
        if self.image_embeddings.is_some() {
            present.push("image embeddings");
        }
        if self.text_embeddings.is_some() {
            present.push("caption embeddings");
        }
        if self.class_embeddings.is_some() {
            present.push("class embeddings");
        }
        write!(
            f,
            "Dataset `{}` ({}): {} samples × {} voxels, {} categories",
            self.name,
            self.split,
            self.n_samples(),
            self.n_voxels(),
            self.categories.len()
        )?;
        if let Some(d) = self.embedding_dim() {
            write!(f, ", D = {d}")?;
        }
        if !present.is_empty() {
            write!(f, " [{}]", present.join(", "))?;
        }
        Ok(())
    }
}

fn check_len(dataset: &str, what: &str, expected: usize, found: usize) -> Result<(), DataError> {
    if expected == found {
        Ok(())
    } else {
        Err(DataError::ShapeMismatch {
            what: format!("{dataset}: number of {what}"),
            expected,
            found,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> Dataset {
        let cats = vec![
            Category {
                id: "n1".into(),
                name: "cat, kitty".into(),
            },
            Category {
                id: "n2".into(),
                name: "dog".into(),
            },
        ];
        let fmri = Array2::from_shape_fn((3, 2), |(i, j)| (i * 2 + j) as f32);
        Dataset::new(
            "tiny",
            Split::Train,
            fmri,
            vec!["a".into(), "b".into(), "c".into()],
            vec![0, 1, 1],
            cats,
        )
        .unwrap()
        .with_image_embeddings(Array2::eye(3))
        .unwrap()
    }

    #[test]
    fn subset_keeps_rows_in_order() {
        let sub = tiny().subset("sub", &[2, 0]).unwrap();
        assert_eq!(sub.sample_ids(), ["c", "a"]);
        assert_eq!(sub.labels(), [1, 0]);
        assert_eq!(sub.fmri().row(0).to_vec(), vec![4.0, 5.0]);
        assert_eq!(sub.image_embeddings().unwrap().row(0).to_vec(), vec![0.0, 0.0, 1.0]);
    }

    #[test]
    fn mismatched_lengths_are_rejected() {
        let err = tiny().with_text_embeddings(Array2::zeros((2, 3))).unwrap_err();
        assert!(err.to_string().contains("expected 3, found 2"), "{err}");
        assert!(tiny().subset("bad", &[5]).is_err());
    }

    #[test]
    fn label_out_of_range_is_rejected() {
        let cats = vec![Category {
            id: "n1".into(),
            name: "cat".into(),
        }];
        let err = Dataset::new("x", Split::Test, Array2::zeros((1, 1)), vec!["a".into()], vec![3], cats);
        assert!(err.is_err());
    }

    #[test]
    fn missing_embeddings_name_the_dataset() {
        let err = tiny().require_text_embeddings().unwrap_err();
        assert_eq!(err.to_string(), "dataset `tiny` has no text embeddings");
    }
}
