//! The Generic Object Decoding (GOD) loader: a subject's BData file (`Subject1.h5` …) to a
//! training and a test [`Dataset`].
//!
//! GOD's files mark each sample's `DataType` (1 = training perception, 2 = test perception,
//! 3 = imagery) and `Label`, the image id as a float (`n01518878_10042` ↔ `1518878.010042`: the
//! WordNet offset, then the image number as six decimals). Voxels carry `ROI_*` flags.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use ndarray::{Array1, Array2, Axis};
use serde::{Deserialize, Serialize};

use super::{BData, BDataError};
use crate::data::{Category, Dataset, Split};

/// GOD's 150 training + 50 test synsets with their WordNet names (`synset`, `split`, `name`).
const CATEGORIES_TSV: &str = include_str!("../../../assets/god/categories.tsv");

/// DataType values in GOD's files.
const TRAINING: f64 = 1.0;
const TEST: f64 = 2.0;
const IMAGERY: f64 = 3.0;

/// How to turn a GOD subject file into datasets. It deserialises from a partial map (`{"roi":
/// "ROI_V1"}`), the rest at their defaults.
///
/// ```
/// let options = brainclip::data::bdata::GodOptions::default();
/// assert_eq!((options.roi.as_str(), options.average_test, options.zscore), ("ROI_VC", true, true));
/// let v1: brainclip::data::bdata::GodOptions = serde_json::from_str(r#"{ "roi": "ROI_V1" }"#).unwrap();
/// assert_eq!((v1.roi.as_str(), v1.zscore), ("ROI_V1", true));
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct GodOptions {
    /// Voxel selection expression over the ROI flags, e.g. "ROI_V1 + ROI_V2".
    pub roi: String,
    /// Average the test trials of each image (GOD's 35 repeats) into one sample, as the standard
    /// test set does; otherwise keep every trial.
    pub average_test: bool,
    /// Z-score each voxel with the training samples' mean and standard deviation.
    ///
    /// Applied to both splits, so the test set sees only training statistics.
    pub zscore: bool,
}

impl Default for GodOptions {
    fn default() -> Self {
        Self {
            roi: "ROI_VC".into(),
            average_test: true,
            zscore: true,
        }
    }
}

/// A GOD subject loaded into brainclip datasets.
#[derive(Clone, Debug)]
pub struct GodData {
    /// Training perception samples (DataType 1), one per trial, in file order.
    pub train: Dataset,
    /// Test perception samples (DataType 2): one per image in ascending label order when
    /// averaged, else one per trial in file order.
    pub test: Dataset,
    /// The BData columns the voxels came from, ascending.
    pub voxel_columns: Vec<usize>,
    /// Per voxel, its most specific ROI (`V1`, `FFA`, …): the `ROI_*` flag marking it that marks
    /// the fewest columns overall, without the `ROI_` prefix; the selection expression when no
    /// flag marks it.
    pub voxel_rois: Vec<String>,
    /// Per voxel, the training mean (subtracted when z-scoring).
    pub train_mean: Array1<f64>,
    /// Per voxel, the training standard deviation (population, ddof = 0; 1 where it is 0).
    pub train_std: Array1<f64>,
    /// Per test sample, how many trials it averages (1 each when not averaged).
    pub test_repeats: Vec<usize>,
    /// Imagery trials (DataType 3) in the file, which the loader leaves out.
    pub n_imagery: usize,
}

/// Load a GOD subject file.
///
/// ```
/// use brainclip::data::bdata::{load_god, GodOptions};
/// # let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/god_tiny.h5");
/// let god = load_god(&path, &GodOptions::default())?;
/// assert_eq!((god.train.n_samples(), god.test.n_samples()), (8, 3));
/// assert_eq!(god.test.sample_ids()[0], "n01443537_22563");
/// assert_eq!(god.test.categories()[0].short_name(), "goldfish");
/// # Ok::<(), brainclip::data::bdata::BDataError>(())
/// ```
pub fn load_god(path: &Path, options: &GodOptions) -> Result<GodData, BDataError> {
    load_god_from(&BData::open(path)?, options)
}

/// [`load_god`] on a file already open.
pub fn load_god_from(data: &BData, options: &GodOptions) -> Result<GodData, BDataError> {
    let path = data.path().to_path_buf();
    let god_error = |expected: String, found: String| BDataError::God {
        path: path.clone(),
        expected,
        found,
    };
    let voxel_columns = data.select(&options.roi)?;
    if voxel_columns.is_empty() {
        return Err(god_error(
            format!("the ROI selection `{}` to pick at least one voxel column", options.roi),
            "no column".into(),
        ));
    }
    let data_type = single_column(data, "DataType")?;
    // GOD's analysis code reads `Label`; `stimulus_id` holds the same ids in GOD's files.
    let keys = data.metadata_keys();
    let label_key = ["Label", "stimulus_id"]
        .into_iter()
        .find(|k| keys.iter().any(|x| x == k))
        .unwrap_or("Label");
    let labels = single_column(data, label_key)?;
    let vmap = data.vmap(label_key).ok();

    let rows_of = |wanted: f64| -> Vec<usize> {
        data_type
            .iter()
            .enumerate()
            .filter(|(_, t)| **t == wanted)
            .map(|(i, _)| i)
            .collect()
    };
    let (train_rows, test_rows) = (rows_of(TRAINING), rows_of(TEST));
    let n_imagery = rows_of(IMAGERY).len();
    for (rows, name, code) in [(&train_rows, "training", TRAINING), (&test_rows, "test", TEST)] {
        if rows.is_empty() {
            return Err(god_error(
                format!("{name} perception samples (DataType = {code})"),
                format!("none; DataType values present: {}", distinct(&data_type)),
            ));
        }
    }
    let image_id = |row: usize| -> Result<String, BDataError> {
        let value = labels.get(row).copied().unwrap_or(f64::NAN);
        vmap.and_then(|v| v.get(value))
            .map(str::to_string)
            .or_else(|| label_to_image_id(value))
            .ok_or_else(|| {
                god_error(
                    format!("a GOD image label such as 1518878.010042 (n01518878_10042) in `{label_key}`"),
                    format!("{value} in sample {row}"),
                )
            })
    };
    let train_ids = train_rows.iter().map(|&r| image_id(r)).collect::<Result<Vec<_>, _>>()?;
    let test_ids = test_rows.iter().map(|&r| image_id(r)).collect::<Result<Vec<_>, _>>()?;

    let mut train_x = take(data.dataset(), &train_rows, &voxel_columns);
    let mut test_x = take(data.dataset(), &test_rows, &voxel_columns);
    for (x, rows) in [(&train_x, &train_rows), (&test_x, &test_rows)] {
        if let Some(((i, j), v)) = x.indexed_iter().find(|(_, v)| !v.is_finite()) {
            return Err(god_error(
                "finite voxel values".into(),
                format!(
                    "{v} in sample {} column {}",
                    rows.get(i).unwrap_or(&i),
                    voxel_columns.get(j).unwrap_or(&j)
                ),
            ));
        }
    }
    let (train_mean, train_std) = column_stats(&train_x);
    if options.zscore {
        for x in [&mut train_x, &mut test_x] {
            *x -= &train_mean;
            *x /= &train_std;
        }
    }

    let (test_x, test_ids, test_repeats) = if options.average_test {
        let test_labels: Vec<f64> = test_rows
            .iter()
            .map(|&r| labels.get(r).copied().unwrap_or(f64::NAN))
            .collect();
        average_by_image(&test_x, &test_ids, &test_labels)
    } else {
        let n = test_ids.len();
        (test_x, test_ids, vec![1; n])
    };

    let voxel_rois = voxel_rois(data, &voxel_columns, &options.roi);
    let stem = data
        .path()
        .file_stem()
        .map_or_else(|| "god".into(), |s| s.to_string_lossy().into_owned());
    let train = make_dataset(
        &path,
        format!("{stem}/train"),
        Split::Train,
        &train_x,
        train_ids,
        &voxel_rois,
    )?;
    let test = make_dataset(
        &path,
        format!("{stem}/test"),
        Split::Test,
        &test_x,
        test_ids,
        &voxel_rois,
    )?;
    Ok(GodData {
        train,
        test,
        voxel_columns,
        voxel_rois,
        train_mean,
        train_std,
        test_repeats,
        n_imagery,
    })
}

/// The GOD image id of a float label: `1518878.010042` → `n01518878_10042`.
///
/// The integer part is the WordNet offset (8 digits), the first six decimals the image number;
/// a label with no image number (GOD's imagery trials) gives the bare synset. `None` for a
/// negative, non-finite or too large value.
///
/// ```
/// use brainclip::data::bdata::label_to_image_id;
/// assert_eq!(label_to_image_id(1518878.01491).as_deref(), Some("n01518878_14910"));
/// assert_eq!(label_to_image_id(1443537.0).as_deref(), Some("n01443537"));
/// assert_eq!(label_to_image_id(-1.0), None);
/// ```
pub fn label_to_image_id(label: f64) -> Option<String> {
    if !label.is_finite() || !(0.0..1e8).contains(&label) {
        return None;
    }
    // Scale before splitting: 1518878.01491 is stored as 1518878.0149099999, whose fractional
    // part times 1e6 is 14909.9999…; the scaled whole rounds to the intended 1518878014910.
    let scaled = (label * 1e6).round() as u64;
    let (synset, image) = (scaled / 1_000_000, scaled % 1_000_000);
    Some(if image == 0 {
        format!("n{synset:08}")
    } else {
        format!("n{synset:08}_{image}")
    })
}

/// `x[rows, cols]`, copied row by row (ndarray's `select` on columns walks the matrix column-wise,
/// ten times slower on GOD's 4,466 × 4,600 matrix).
fn take(x: &Array2<f64>, rows: &[usize], cols: &[usize]) -> Array2<f64> {
    let mut out = Array2::zeros((rows.len(), cols.len()));
    for (mut target, &r) in out.rows_mut().into_iter().zip(rows) {
        let source = x.row(r);
        for (v, &c) in target.iter_mut().zip(cols) {
            *v = source.get(c).copied().unwrap_or(f64::NAN);
        }
    }
    out
}

/// The one column `key` marks, per sample.
fn single_column(data: &BData, key: &str) -> Result<Vec<f64>, BDataError> {
    let columns = data.columns(key)?;
    match columns[..] {
        [c] => Ok(data.dataset().column(c).to_vec()),
        _ => Err(BDataError::God {
            path: data.path().to_path_buf(),
            expected: format!("`{key}` to mark exactly one column (one value per sample)"),
            found: format!("{} columns", columns.len()),
        }),
    }
}

fn distinct(values: &[f64]) -> String {
    let mut seen: Vec<f64> = Vec::new();
    for v in values {
        if !seen.iter().any(|s| s.total_cmp(v).is_eq()) {
            seen.push(*v);
        }
    }
    seen.sort_by(f64::total_cmp);
    let shown: Vec<String> = seen.iter().map(|v| v.to_string()).collect();
    if shown.is_empty() {
        "none (no samples)".into()
    } else {
        shown.join(", ")
    }
}

/// Per-column mean and population standard deviation; a constant column gets std 1 so that
/// z-scoring centres it instead of dividing by zero.
fn column_stats(x: &Array2<f64>) -> (Array1<f64>, Array1<f64>) {
    let n = x.nrows().max(1) as f64;
    let mean = x.sum_axis(Axis(0)) / n;
    let var = (x - &mean).mapv(|d| d * d).sum_axis(Axis(0)) / n;
    let std = var.mapv(|v| if v > 0.0 { v.sqrt() } else { 1.0 });
    (mean, std)
}

/// One row per image (mean of its trials), images in ascending label order as `numpy.unique`
/// gives them in GOD's analysis code.
fn average_by_image(x: &Array2<f64>, ids: &[String], labels: &[f64]) -> (Array2<f64>, Vec<String>, Vec<usize>) {
    let mut groups: Vec<(f64, String, Vec<usize>)> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for (row, (id, label)) in ids.iter().zip(labels).enumerate() {
        match index.get(id.as_str()) {
            Some(&g) => {
                if let Some(group) = groups.get_mut(g) {
                    group.2.push(row);
                }
            }
            None => {
                index.insert(id, groups.len());
                groups.push((*label, id.clone(), vec![row]));
            }
        }
    }
    groups.sort_by(|a, b| a.0.total_cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    let mut out = Array2::zeros((groups.len(), x.ncols()));
    for (mut target, (_, _, rows)) in out.rows_mut().into_iter().zip(&groups) {
        let trials = x.select(Axis(0), rows);
        target.assign(&(trials.sum_axis(Axis(0)) / rows.len().max(1) as f64));
    }
    let repeats = groups.iter().map(|g| g.2.len()).collect();
    (out, groups.into_iter().map(|g| g.1).collect(), repeats)
}

fn voxel_rois(data: &BData, columns: &[usize], expr: &str) -> Vec<String> {
    // (name, marked columns as a mask, how many columns it marks)
    let flags: Vec<(String, Vec<bool>, usize)> = data
        .metadata_keys()
        .into_iter()
        .filter(|k| k.starts_with("ROI_"))
        .filter_map(|k| {
            let value = data.metadata_value(&k).ok()?;
            let mask: Vec<bool> = value.iter().map(|v| *v == 1.0).collect();
            let count = mask.iter().filter(|m| **m).count();
            Some((k.trim_start_matches("ROI_").to_string(), mask, count))
        })
        .collect();
    columns
        .iter()
        .map(|&c| {
            flags
                .iter()
                .filter(|(_, mask, _)| mask.get(c).copied().unwrap_or(false))
                .min_by_key(|(_, _, count)| *count)
                .map_or_else(|| expr.trim().to_string(), |(name, _, _)| name.clone())
        })
        .collect()
}

/// The categories of `ids` (their synsets), in categories.tsv order, and each sample's index.
fn categories_of(ids: &[String]) -> (Vec<Category>, Vec<usize>) {
    let catalog: Vec<(&str, &str)> = CATEGORIES_TSV
        .lines()
        .skip(1)
        .filter_map(|line| {
            let mut fields = line.split('\t');
            let synset = fields.next()?;
            let name = fields.nth(1)?;
            Some((synset, name))
        })
        .collect();
    let synset_of = |id: &str| id.split('_').next().unwrap_or(id).to_string();
    let mut present: Vec<String> = Vec::new();
    for id in ids {
        let s = synset_of(id);
        if !present.contains(&s) {
            present.push(s);
        }
    }
    // Known synsets in GOD's order, then any others in order of appearance.
    let rank = |s: &str| catalog.iter().position(|(c, _)| *c == s).unwrap_or(usize::MAX);
    present.sort_by_key(|s| rank(s));
    let categories: Vec<Category> = present
        .iter()
        .map(|s| Category {
            id: s.clone(),
            name: catalog
                .iter()
                .find(|(c, _)| c == s)
                .map_or_else(|| s.clone(), |(_, n)| (*n).to_string()),
        })
        .collect();
    let labels = ids
        .iter()
        .map(|id| {
            let s = synset_of(id);
            present.iter().position(|p| *p == s).unwrap_or(0)
        })
        .collect();
    (categories, labels)
}

fn make_dataset(
    path: &Path,
    name: String,
    split: Split,
    x: &Array2<f64>,
    ids: Vec<String>,
    rois: &[String],
) -> Result<Dataset, BDataError> {
    let wrap = |source| BDataError::Dataset {
        path: PathBuf::from(path),
        source,
    };
    let (categories, labels) = categories_of(&ids);
    Dataset::new(name, split, x.mapv(|v| v as f32), ids, labels, categories)
        .and_then(|d| d.with_voxel_rois(rois.to_vec()))
        .map_err(wrap)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::fixture;
    use super::*;

    const TRAINING_TSV: &str = include_str!("../../../assets/god/stimulus_ImageNetTraining.tsv");
    const TEST_TSV: &str = include_str!("../../../assets/god/stimulus_ImageNetTest.tsv");

    #[test]
    fn every_god_label_converts_to_its_image_id() {
        let mut n = 0;
        for line in TRAINING_TSV
            .lines()
            .chain(TEST_TSV.lines())
            .filter(|l| !l.trim().is_empty())
        {
            let mut fields = line.split('\t');
            let (id, label) = (fields.next().unwrap(), fields.next().unwrap());
            assert_eq!(label_to_image_id(label.parse().unwrap()).as_deref(), Some(id), "{line}");
            n += 1;
        }
        assert_eq!(n, 1250);
        assert_eq!(label_to_image_id(f64::NAN), None);
        assert_eq!(label_to_image_id(1e9), None);
    }

    fn tiny(options: &GodOptions) -> GodData {
        load_god(&fixture("god_tiny.h5"), options).unwrap()
    }

    #[test]
    fn splits_ids_and_categories() {
        let god = tiny(&GodOptions::default());
        assert_eq!((god.train.n_samples(), god.train.n_voxels()), (8, 40));
        assert_eq!((god.test.n_samples(), god.test.n_voxels()), (3, 40));
        assert_eq!(god.n_imagery, 2);
        assert_eq!(god.test_repeats, [3, 3, 3]);
        assert_eq!(god.voxel_columns, (0..40).collect::<Vec<_>>());
        // bdpy: select('Label')[select('DataType') == 1], in file order.
        assert_eq!(
            god.train.sample_ids(),
            [
                "n01664990_13731",
                "n01639765_22407",
                "n01645776_10758",
                "n01639765_32862",
                "n01664990_10648",
                "n01518878_12028",
                "n01518878_10042",
                "n01645776_10130"
            ]
        );
        let cats: Vec<&str> = god.train.categories().iter().map(|c| c.id.as_str()).collect();
        assert_eq!(
            cats,
            ["n01518878", "n01639765", "n01645776", "n01664990"],
            "GOD's order"
        );
        assert_eq!(god.train.categories()[0].name, "ostrich, Struthio camelus");
        assert_eq!(god.train.labels(), [3, 1, 2, 1, 3, 0, 0, 2]);
        assert_eq!(
            god.test.sample_ids(),
            ["n01443537_22563", "n01621127_19020", "n01677366_18182"]
        );
        assert_eq!(god.test.labels(), [0, 1, 2]);
        assert_eq!(god.test.categories()[0].short_name(), "goldfish");
        assert_eq!((god.train.split(), god.test.split()), (Split::Train, Split::Test));
        assert_eq!((god.train.name(), god.test.name()), ("god_tiny/train", "god_tiny/test"));
        assert!(god.train.image_embeddings().is_none());
    }

    #[test]
    fn zscores_with_training_statistics() {
        let god = tiny(&GodOptions::default());
        let train = god.train.fmri().mapv(f64::from);
        for col in train.columns() {
            let mean = col.mean().unwrap();
            let std = (col.mapv(|v| (v - mean).powi(2)).mean().unwrap()).sqrt();
            assert!(mean.abs() < 1e-5 && (std - 1.0).abs() < 1e-5, "mean {mean} std {std}");
        }
        // numpy on bdpy's arrays: mu = tr.mean(0); sd = tr.std(0); avg = mean of (te - mu) / sd
        // per image, images in np.unique(label) order.
        assert!((god.train_mean[0] - 497.6406045849677).abs() < 1e-9);
        assert!((god.train_std[1] - 2.37450236693446).abs() < 1e-9);
        let close = |a: f32, b: f64| (f64::from(a) - b).abs() < 1e-5;
        let test = god.test.fmri();
        assert!(close(test[[0, 0]], 0.5790858110542872), "{}", test[[0, 0]]);
        assert!(close(test[[0, 1]], 0.19234613626195232));
        assert!(close(test[[0, 2]], -0.1720541491616413));
        assert!(close(test[[2, 39]], -0.2803832646362197));
        assert!(close(god.train.fmri()[[0, 2]], 1.25105686759543));
        // Test statistics are not those of the test set: its means are not all ~0.
        assert!(test.columns().into_iter().any(|c| c.mean().unwrap().abs() > 0.1));
    }

    #[test]
    fn test_trials_average_per_image() {
        let single = tiny(&GodOptions {
            average_test: false,
            zscore: false,
            ..GodOptions::default()
        });
        assert_eq!(single.test.n_samples(), 9);
        assert_eq!(single.test_repeats, vec![1; 9]);
        let averaged = tiny(&GodOptions {
            zscore: false,
            ..GodOptions::default()
        });
        for (k, id) in averaged.test.sample_ids().iter().enumerate() {
            let rows: Vec<usize> = (0..9).filter(|&r| &single.test.sample_ids()[r] == id).collect();
            assert_eq!(rows.len(), 3);
            let mean = single.test.fmri().select(Axis(0), &rows).mean_axis(Axis(0)).unwrap();
            for (a, b) in averaged.test.fmri().row(k).iter().zip(&mean) {
                assert!((a - b).abs() < 1e-3, "{a} vs {b}");
            }
        }
        // Raw values: the generator's baseline is 500 + 10 × voxel.
        assert!((single.train.fmri()[[0, 39]] - 890.0).abs() < 20.0);
    }

    #[test]
    fn roi_selection_and_voxel_roi_names() {
        let god = tiny(&GodOptions::default());
        let sizes = god.train.roi_sizes();
        let expected: Vec<(String, usize)> = [
            ("V1", 8),
            ("V2", 7),
            ("V3", 6),
            ("V4", 5),
            ("LOC", 5),
            ("FFA", 4),
            ("PPA", 3),
            ("VC", 2),
        ]
        .map(|(n, c)| (n.to_string(), c))
        .to_vec();
        assert_eq!(sizes, expected, "voxel 33 is in LOC and FFA: FFA marks fewer columns");
        assert_eq!(god.voxel_rois, god.test.voxel_rois());
        let early = tiny(&GodOptions {
            roi: "ROI_V1 + ROI_V2".into(),
            ..GodOptions::default()
        });
        assert_eq!(early.voxel_columns, (0..15).collect::<Vec<_>>());
        assert_eq!(early.train.n_voxels(), 15);
        let all = tiny(&GodOptions {
            roi: "VoxelData".into(),
            ..GodOptions::default()
        });
        assert_eq!(all.voxel_rois[38], "VC");
    }

    #[test]
    fn vmap_labels_give_the_same_ids() {
        let plain = tiny(&GodOptions::default());
        let with_vmap = load_god(&fixture("god_tiny_vmap.h5"), &GodOptions::default()).unwrap();
        assert_eq!(plain.train.sample_ids(), with_vmap.train.sample_ids());
        assert_eq!(plain.test.sample_ids(), with_vmap.test.sample_ids());
        assert_eq!(plain.train.fmri(), with_vmap.train.fmri());
    }

    #[test]
    fn unusable_files_are_explained() {
        let err = |path: &str, roi: &str| {
            let options = GodOptions {
                roi: roi.into(),
                ..GodOptions::default()
            };
            load_god(&fixture(path), &options).unwrap_err()
        };
        let e = err("god_tiny.h5", "ROI_V1 & ROI_V2").to_string();
        assert!(e.contains("not usable as GOD data: expected the ROI selection `ROI_V1 & ROI_V2` to pick at least one voxel column, found no column"), "{e}");
        assert!(matches!(err("god_tiny.h5", "ROI_V9"), BDataError::UnknownKey { .. }));
        let e = err("bdpy_small.h5", "ROI_A");
        assert!(
            matches!(&e, BDataError::UnknownKey { key, .. } if key == "DataType"),
            "{e}"
        );
        let e = err("sample_vmap.h5.gz", "x");
        assert!(matches!(e, BDataError::NotHdf5 { .. }), "{e}");
    }

    /// Columns: voxel, voxel, DataType, Label; one row per sample.
    fn god_like(rows: &[[f64; 4]]) -> BData {
        let x = Array2::from_shape_fn((rows.len(), 4), |(i, j)| rows[i][j]);
        let nan = f64::NAN;
        let values = ndarray::array![[1.0, 1.0, nan, nan], [nan, nan, 1.0, nan], [nan, nan, nan, 1.0]];
        BData::from_parts("mem.h5", x, &["ROI_VC", "DataType", "Label"], values)
    }

    #[test]
    fn bad_god_content_is_explained() {
        let options = GodOptions::default();
        let ok = [1.0, 2.0, 1.0, 1518878.010042];
        let test = [1.0, 2.0, 2.0, 1443537.022563];
        let err = |rows: &[[f64; 4]]| load_god_from(&god_like(rows), &options).unwrap_err().to_string();
        assert_eq!(
            err(&[ok, ok]),
            "mem.h5: not usable as GOD data: expected test perception samples (DataType = 2), \
             found none; DataType values present: 1"
        );
        assert!(
            err(&[ok, [f64::NAN, 0.0, 1.0, 1518878.010042], test])
                .ends_with("expected finite voxel values, found NaN in sample 1 column 0")
        );
        assert!(err(&[ok, [0.0, 0.0, 1.0, -5.0], test]).ends_with(
            "expected a GOD image label such as 1518878.010042 (n01518878_10042) in `Label`, found -5 in sample 1"
        ));
        let god = load_god_from(&god_like(&[ok, [3.0, 4.0, 1.0, 1518878.012028], test]), &options).unwrap();
        assert_eq!(god.train.sample_ids(), ["n01518878_10042", "n01518878_12028"]);
        assert_eq!(god.train.fmri().row(0).to_vec(), [-1.0, -1.0]);
        assert_eq!(god.voxel_rois, ["VC", "VC"]);
        let nan = f64::NAN;
        let two = BData::from_parts(
            "two.h5",
            Array2::zeros((1, 3)),
            &["ROI_VC", "DataType"],
            ndarray::array![[1.0, nan, nan], [nan, 1.0, 1.0]],
        );
        let e = load_god_from(&two, &options).unwrap_err().to_string();
        assert!(
            e.ends_with("expected `DataType` to mark exactly one column (one value per sample), found 2 columns"),
            "{e}"
        );
    }

    #[test]
    fn helpers_handle_edge_cases() {
        assert_eq!(distinct(&[3.0, 1.0, 3.0]), "1, 3");
        assert_eq!(distinct(&[]), "none (no samples)");
        let (mean, std) = column_stats(&ndarray::array![[1.0, 5.0], [3.0, 5.0]]);
        assert_eq!((mean.to_vec(), std.to_vec()), (vec![2.0, 5.0], vec![1.0, 1.0]));
        let (cats, labels) = categories_of(&["n99999999_1".into(), "n01518878_1".into()]);
        assert_eq!(cats[0].id, "n01518878");
        assert_eq!((cats[1].id.as_str(), cats[1].name.as_str()), ("n99999999", "n99999999"));
        assert_eq!(labels, [1, 0]);
    }
}
