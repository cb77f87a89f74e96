//! The dataset operations a decoding study needs between loading and training: voxels by ROI,
//! z-scoring with training statistics, averaging repeats, subsets by id or category, a seeded
//! split that keeps an image's repeats together, and concatenating subjects.

use std::collections::{BTreeMap, HashMap, HashSet};

use ndarray::{Array2, Axis};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use super::{DataError, Dataset};

fn invalid(option: &'static str, expected: &'static str, found: impl ToString) -> DataError {
    DataError::InvalidOption {
        option,
        expected,
        found: found.to_string(),
    }
}

/// The voxels whose ROI label is one of `rois`, in their order.
///
/// ```
/// let god = brainclip::data::synthetic::generate(&Default::default())?;
/// let v1 = brainclip::data::ops::select_rois(&god.train, &["V1".into()])?;
/// assert!(v1.n_voxels() < god.train.n_voxels() && v1.voxel_rois().iter().all(|r| r == "V1"));
/// # Ok::<(), brainclip::data::DataError>(())
/// ```
pub fn select_rois(data: &Dataset, rois: &[String]) -> Result<Dataset, DataError> {
    if data.voxel_rois().is_empty() {
        return Err(DataError::MissingField {
            dataset: data.name().to_string(),
            field: "voxel ROI labels",
        });
    }
    let known: Vec<String> = data.roi_sizes().into_iter().map(|(r, _)| r).collect();
    if let Some(bad) = rois.iter().find(|r| !known.contains(r)) {
        return Err(DataError::IdMismatch {
            what: format!("{}: ROI `{bad}`", data.name()),
            found: format!("the dataset's ROIs are {}", known.join(", ")),
        });
    }
    if rois.is_empty() {
        return Err(invalid("rois", "at least one ROI name", "[]"));
    }
    let keep: Vec<usize> = (0..data.n_voxels())
        .filter(|&v| rois.contains(&data.voxel_rois()[v]))
        .collect();
    let labels = keep.iter().map(|&v| data.voxel_rois()[v].clone()).collect();
    data.clone().with_fmri(data.fmri().select(Axis(1), &keep), Some(labels))
}

/// Per-voxel mean and standard deviation of a training set, applied to any split so that test
/// data never inform the scaling.
///
/// ```
/// use brainclip::data::ops::VoxelScaler;
/// let god = brainclip::data::synthetic::generate(&Default::default())?;
/// let scaler = VoxelScaler::fit(&god.train)?;
/// let train = scaler.apply(&god.train)?;
/// let mean: f32 = train.fmri().column(0).mean().unwrap();
/// assert!(mean.abs() < 1e-4);
/// # Ok::<(), brainclip::data::DataError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct VoxelScaler {
    mean: Vec<f32>,
    sd: Vec<f32>,
}

impl VoxelScaler {
    /// The statistics of `train` (population standard deviation; constant voxels scale by 1).
    pub fn fit(train: &Dataset) -> Result<Self, DataError> {
        train.require_samples()?;
        let n = train.n_samples() as f64;
        let (mut mean, mut sd) = (Vec::new(), Vec::new());
        for column in train.fmri().axis_iter(Axis(1)) {
            let m = column.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
            let var = column.iter().map(|&v| (f64::from(v) - m).powi(2)).sum::<f64>() / n;
            mean.push(m as f32);
            sd.push(if var > 0.0 { var.sqrt() as f32 } else { 1.0 });
        }
        Ok(Self { mean, sd })
    }

    /// `data` z-scored with these statistics.
    pub fn apply(&self, data: &Dataset) -> Result<Dataset, DataError> {
        if data.n_voxels() != self.mean.len() {
            return Err(DataError::ShapeMismatch {
                what: format!("{}: voxels to z-score with the training statistics", data.name()),
                expected: self.mean.len(),
                found: data.n_voxels(),
            });
        }
        let mut fmri = data.fmri().clone();
        for (mut column, (m, s)) in fmri.axis_iter_mut(Axis(1)).zip(self.mean.iter().zip(&self.sd)) {
            column.mapv_inplace(|v| (v - m) / s);
        }
        data.clone().with_fmri(fmri, None)
    }
}

/// One sample per id: the mean of its repeats, in order of first appearance (embeddings,
/// captions and subject of the first repeat).
///
/// ```
/// use brainclip::data::{Category, Dataset, Split, ops::average_repeats};
/// let cats = vec![Category { id: "c".into(), name: "c".into() }];
/// let data = Dataset::new("d", Split::Test, ndarray::array![[1.0f32], [5.0], [3.0]],
///     vec!["b".into(), "a".into(), "b".into()], vec![0, 0, 0], cats)?;
/// let avg = average_repeats(&data)?;
/// assert_eq!(avg.sample_ids(), ["b", "a"]);
/// assert_eq!(avg.fmri(), &ndarray::array![[2.0f32], [5.0]]);
/// # Ok::<(), brainclip::data::DataError>(())
/// ```
pub fn average_repeats(data: &Dataset) -> Result<Dataset, DataError> {
    let mut first: Vec<usize> = Vec::new();
    let mut members: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, id) in data.sample_ids().iter().enumerate() {
        let list = members.entry(id.as_str()).or_default();
        if list.is_empty() {
            first.push(i);
        }
        list.push(i);
    }
    let mut fmri = Array2::zeros((first.len(), data.n_voxels()));
    for (row, &i) in first.iter().enumerate() {
        let repeats = &members[data.sample_ids()[i].as_str()];
        let mean = data.fmri().select(Axis(0), repeats).mean_axis(Axis(0));
        if let Some(mean) = mean {
            fmri.row_mut(row).assign(&mean);
        }
    }
    data.subset(data.name().to_string(), &first)?.with_fmri(fmri, None)
}

/// The samples whose id is in `ids`, or whose category id or name is in `categories` (either
/// list may be empty; both given: samples matching both), in dataset order.
///
/// ```
/// let god = brainclip::data::synthetic::generate(&Default::default())?;
/// let first = god.test.categories()[0].id.clone();
/// let some = brainclip::data::ops::subset_by(&god.test, &[], &[first])?;
/// assert_eq!(some.n_samples(), 1);
/// # Ok::<(), brainclip::data::DataError>(())
/// ```
pub fn subset_by(data: &Dataset, ids: &[String], categories: &[String]) -> Result<Dataset, DataError> {
    let id_set: HashSet<&str> = ids.iter().map(String::as_str).collect();
    let known_ids: HashSet<&str> = data.sample_ids().iter().map(String::as_str).collect();
    if let Some(bad) = ids.iter().find(|i| !known_ids.contains(i.as_str())) {
        return Err(DataError::IdMismatch {
            what: format!("{}: subset ids", data.name()),
            found: format!("no sample has id `{bad}`"),
        });
    }
    let wanted: HashSet<usize> = data
        .categories()
        .iter()
        .enumerate()
        .filter(|(_, c)| {
            categories
                .iter()
                .any(|w| *w == c.id || *w == c.name || w == c.short_name())
        })
        .map(|(i, _)| i)
        .collect();
    if let Some(bad) = categories.iter().find(|w| {
        !data
            .categories()
            .iter()
            .any(|c| **w == c.id || **w == c.name || w.as_str() == c.short_name())
    }) {
        return Err(DataError::IdMismatch {
            what: format!("{}: subset categories", data.name()),
            found: format!("no category is `{bad}` (by id or name)"),
        });
    }
    let keep: Vec<usize> = (0..data.n_samples())
        .filter(|&i| ids.is_empty() || id_set.contains(data.sample_ids()[i].as_str()))
        .filter(|&i| categories.is_empty() || wanted.contains(&data.labels()[i]))
        .collect();
    data.subset(data.name().to_string(), &keep)
}

/// A seeded split by stimulus: `fraction` of the distinct ids (rounded, at least one on each
/// side) go to the second part with all their repeats, the rest to the first. Sample order is
/// kept within each part.
///
/// ```
/// let god = brainclip::data::synthetic::generate(&Default::default())?;
/// let (fit, held) = brainclip::data::ops::split_by_stimulus(&god.train, 0.25, 7)?;
/// assert_eq!(fit.n_samples() + held.n_samples(), god.train.n_samples());
/// assert!(held.sample_ids().iter().all(|id| !fit.sample_ids().contains(id)));
/// # Ok::<(), brainclip::data::DataError>(())
/// ```
pub fn split_by_stimulus(data: &Dataset, fraction: f64, seed: u64) -> Result<(Dataset, Dataset), DataError> {
    if !(fraction > 0.0 && fraction < 1.0) {
        return Err(invalid("fraction", "between 0 and 1 (exclusive)", fraction));
    }
    let mut ids: Vec<&str> = Vec::new();
    let mut seen = HashSet::new();
    for id in data.sample_ids() {
        if seen.insert(id.as_str()) {
            ids.push(id);
        }
    }
    if ids.len() < 2 {
        return Err(invalid("split", "at least 2 distinct stimuli", ids.len()));
    }
    ids.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    let n_held = ((fraction * ids.len() as f64).round() as usize).clamp(1, ids.len() - 1);
    let held: HashSet<&str> = ids[..n_held].iter().copied().collect();
    let (mut first, mut second) = (Vec::new(), Vec::new());
    for (i, id) in data.sample_ids().iter().enumerate() {
        if held.contains(id.as_str()) {
            second.push(i);
        } else {
            first.push(i);
        }
    }
    Ok((
        data.subset(data.name().to_string(), &first)?,
        data.subset(format!("{} (held out)", data.name()), &second)?,
    ))
}

/// Datasets of several subjects on one voxel space (e.g. fsaverage or MNI) as one, each sample
/// labelled with its subject (`subjects[k]` for `parts[k]`). Categories are merged by id;
/// embeddings and captions are kept when every part has them.
///
/// ```
/// let god = brainclip::data::synthetic::generate(&Default::default())?;
/// let both = brainclip::data::ops::concat_subjects(&[god.test.clone(), god.test.clone()], &["s1".into(), "s2".into()])?;
/// assert_eq!(both.n_samples(), 2 * god.test.n_samples());
/// assert_eq!(both.subjects()[0], "s1");
/// assert_eq!(both.categories().len(), god.test.categories().len());
/// # Ok::<(), brainclip::data::DataError>(())
/// ```
pub fn concat_subjects(parts: &[Dataset], subjects: &[String]) -> Result<Dataset, DataError> {
    let Some(head) = parts.first() else {
        return Err(invalid("datasets", "at least one dataset", "[]"));
    };
    if subjects.len() != parts.len() {
        return Err(DataError::ShapeMismatch {
            what: "subject names, one per dataset".into(),
            expected: parts.len(),
            found: subjects.len(),
        });
    }
    for part in parts {
        if part.n_voxels() != head.n_voxels() {
            return Err(DataError::ShapeMismatch {
                what: format!(
                    "voxels of `{}` (concatenating needs one voxel space; subjects in native space need the shared-subject model, which takes them apart)",
                    part.name()
                ),
                expected: head.n_voxels(),
                found: part.n_voxels(),
            });
        }
    }
    let mut categories: Vec<super::Category> = Vec::new();
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    let (mut labels, mut ids, mut subject_of) = (Vec::new(), Vec::new(), Vec::new());
    for (part, subject) in parts.iter().zip(subjects) {
        for (&label, id) in part.labels().iter().zip(part.sample_ids()) {
            let category = &part.categories()[label];
            let l = *index.entry(category.id.clone()).or_insert_with(|| {
                categories.push(category.clone());
                categories.len() - 1
            });
            labels.push(l);
            ids.push(id.clone());
            subject_of.push(subject.clone());
        }
    }
    let stack = |get: &dyn Fn(&Dataset) -> Option<&Array2<f32>>| -> Option<Array2<f32>> {
        let views: Option<Vec<_>> = parts.iter().map(|p| get(p).map(|m| m.view())).collect();
        ndarray::concatenate(Axis(0), &views?).ok()
    };
    let fmri = stack(&|p| Some(p.fmri())).unwrap_or_else(|| Array2::zeros((0, head.n_voxels())));
    let name = format!("{} + {} more", head.name(), parts.len() - 1);
    let mut data = Dataset::new(name, head.split(), fmri, ids, labels, categories)?.with_subjects(subject_of)?;
    if let Some(m) = stack(&|p| p.image_embeddings()) {
        data = data.with_image_embeddings(m)?;
    }
    if let Some(m) = stack(&|p| p.text_embeddings()) {
        data = data.with_text_embeddings(m)?;
    }
    if parts.iter().all(|p| p.class_embeddings().is_some()) {
        let rows: Vec<_> = data
            .categories()
            .iter()
            .filter_map(|c| {
                parts.iter().find_map(|p| {
                    let k = p.categories().iter().position(|pc| pc.id == c.id)?;
                    p.class_embeddings().map(|m| m.row(k))
                })
            })
            .collect();
        if let Ok(m) = ndarray::stack(Axis(0), &rows) {
            data = data.with_class_embeddings(m)?;
        }
    }
    if parts.iter().all(|p| !p.captions().is_empty()) {
        data = data.with_captions(parts.iter().flat_map(|p| p.captions().iter().cloned()).collect())?;
    }
    if !head.voxel_rois().is_empty() {
        data = data.with_voxel_rois(head.voxel_rois().to_vec())?;
    }
    Ok(data)
}
