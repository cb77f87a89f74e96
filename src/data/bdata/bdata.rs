use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use ndarray::{Array1, Array2, Axis};
use serde::Serialize;

use super::error::closest_key;
use super::hdf5::H5File;
use super::select::{self, SyntaxError};
use super::{BDataError, Vmap};

/// A BData file (bdpy / BrainDecoderToolbox2 format) held in memory.
///
/// A BData file is an HDF5 file with a samples × columns matrix `/dataset` and a metadata table:
/// `/metadata/key` (one name per row), `/metadata/description` and `/metadata/value`
/// (keys × columns). A key marks the columns it owns with the value 1 (`VoxelData`, `ROI_V1`,
/// `DataType`...) or stores one number per column (`voxel_x`), NaN where it does not apply.
/// Optional `/vmap/<key>/<value>` datasets map a key's values to label strings.
///
/// Everything but the header is read when the file is opened (bdpy reads the same).
///
/// ```
/// use brainclip::data::bdata::BData;
/// # let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/bdpy_small.h5");
/// let data = BData::open(&path)?;
/// assert_eq!(data.dataset_shape(), (6, 5));
/// assert_eq!(data.columns("VoxelData")?, [0, 1, 2, 3]);
/// assert_eq!(data.select("ROI_A | ROI_B")?, [0, 1, 2]);
/// assert_eq!(data.vmap("Label")?.get(2.0), Some("dog"));
/// # Ok::<(), brainclip::data::bdata::BDataError>(())
/// ```
#[derive(Clone, Debug)]
pub struct BData {
    path: PathBuf,
    dataset: Array2<f64>,
    keys: Vec<String>,
    descriptions: Vec<String>,
    /// keys × columns.
    values: Array2<f64>,
    vmaps: BTreeMap<String, Vmap>,
}

/// What `brainclip inspect` shows of a BData file: its shape and, per metadata key, how many
/// columns the key marks.
///
/// ```
/// # let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/bdpy_small.h5");
/// let summary = brainclip::data::bdata::BData::open(&path)?.summary();
/// assert_eq!(summary.dataset_shape, (6, 5));
/// assert_eq!((summary.metadata[0].key.as_str(), summary.metadata[0].columns), ("VoxelData", 4));
/// # Ok::<(), brainclip::data::bdata::BDataError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BDataSummary {
    /// The file.
    pub path: String,
    /// Samples × columns of `/dataset`.
    pub dataset_shape: (usize, usize),
    /// One entry per metadata key, in file order.
    pub metadata: Vec<KeySummary>,
    /// Keys that have a value-label map.
    pub vmap_keys: Vec<String>,
}

/// One metadata key in a [`BDataSummary`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct KeySummary {
    /// The key.
    pub key: String,
    /// Its description.
    pub description: String,
    /// Number of columns the key marks (value exactly 1): what [`BData::columns`] returns.
    pub columns: usize,
    /// Number of columns where the key has any value (not NaN), e.g. `voxel_x` on voxel columns.
    pub defined: usize,
}

/// `BData sub-01.h5 (1200 samples × 4466 columns, 12 metadata keys)`.
impl fmt::Display for BData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (rows, columns) = self.dataset_shape();
        write!(
            f,
            "BData {} ({rows} samples × {columns} columns, {} metadata keys)",
            self.path().display(),
            self.metadata_keys().len()
        )
    }
}

impl BData {
    /// Read the BData file at `path`.
    ///
    /// Accepts bdpy's older spellings `/dataSet` and `/metaData` as bdpy does, fixed-length and
    /// variable-length strings, and any numeric type for the matrices.
    pub fn open(path: &Path) -> Result<BData, BDataError> {
        let h5 = H5File::open(path)?;
        let root = require(h5.members("/")?, &h5, "/")?;
        let not_bdata = |expected: &str, found: String| BDataError::NotBData {
            path: path.to_path_buf(),
            expected: expected.to_string(),
            found,
        };
        let dataset_name = ["dataset", "dataSet"]
            .into_iter()
            .find(|n| root.datasets.iter().any(|d| d == n))
            .ok_or_else(|| not_bdata("a dataset /dataset", format!("top level: {}", root.describe())))?;
        let meta_name = ["metadata", "metaData"]
            .into_iter()
            .find(|n| root.groups.iter().any(|g| g == n))
            .ok_or_else(|| {
                not_bdata(
                    "a group /metadata (with datasets key, description and value)",
                    format!("top level: {}", root.describe()),
                )
            })?;
        let meta = require(h5.members(&format!("/{meta_name}"))?, &h5, meta_name)?;
        for needed in ["key", "value"] {
            if !meta.datasets.iter().any(|d| d == needed) {
                return Err(not_bdata(
                    &format!("a dataset /{meta_name}/{needed}"),
                    format!("/{meta_name} holds {}", meta.describe()),
                ));
            }
        }

        let dataset = h5.read_matrix(&format!("/{dataset_name}"))?;
        let keys = h5.read_strings(&format!("/{meta_name}/key"))?;
        let values = read_values(&h5, &format!("/{meta_name}/value"), keys.len())?;
        if values.ncols() != dataset.ncols() {
            return Err(BDataError::MetadataWidth {
                path: path.to_path_buf(),
                expected: dataset.ncols(),
                found: values.ncols(),
            });
        }
        let descriptions = if meta.datasets.iter().any(|d| d == "description") {
            let object = format!("/{meta_name}/description");
            let d = h5.read_strings(&object)?;
            if d.len() != keys.len() {
                return Err(BDataError::Layout {
                    path: path.to_path_buf(),
                    object,
                    expected: format!("{} strings (one per key in /{meta_name}/key)", keys.len()),
                    found: format!("{} strings", d.len()),
                });
            }
            d
        } else {
            vec![String::new(); keys.len()]
        };
        let vmaps = read_vmaps(&h5, root.groups.iter().any(|g| g == "vmap"))?;
        Ok(BData {
            path: path.to_path_buf(),
            dataset,
            keys,
            descriptions,
            values,
            vmaps,
        })
    }

    /// The file this was read from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Samples × columns of `/dataset`.
    pub fn dataset_shape(&self) -> (usize, usize) {
        self.dataset.dim()
    }

    /// The whole `/dataset` matrix, samples × columns.
    pub fn dataset(&self) -> &Array2<f64> {
        &self.dataset
    }

    /// The metadata keys in file order.
    pub fn metadata_keys(&self) -> Vec<String> {
        self.keys.clone()
    }

    /// The description of `key`, or `None` when there is no such key.
    pub fn metadata_description(&self, key: &str) -> Option<&str> {
        let row = self.keys.iter().position(|k| k == key)?;
        self.descriptions.get(row).map(String::as_str)
    }

    /// The metadata row of `key`: one value per column, NaN where the key does not apply.
    ///
    /// A key listed twice resolves to its first row, as in bdpy.
    pub fn metadata_value(&self, key: &str) -> Result<Array1<f64>, BDataError> {
        Ok(self.values.row(self.row(key)?).to_owned())
    }

    /// The columns `key` marks: where its metadata value is exactly 1 (bdpy's `get(key)` is
    /// `select('key = 1')`, which compares with 1; 0, NaN and other numbers do not mark).
    pub fn columns(&self, key: &str) -> Result<Vec<usize>, BDataError> {
        let row = self.values.row(self.row(key)?);
        Ok(row
            .iter()
            .enumerate()
            .filter(|(_, v)| **v == 1.0)
            .map(|(c, _)| c)
            .collect())
    }

    /// The dataset columns `key` marks (`dataset[:, columns(key)]`), e.g. `DataType` or `Label`.
    pub fn get(&self, key: &str) -> Result<Array2<f64>, BDataError> {
        Ok(self.dataset.select(Axis(1), &self.columns(key)?))
    }

    /// The columns a bdpy selection expression picks, in ascending order.
    ///
    /// `ROI_V1 + ROI_V2` (or `|`) is a union, `&` an intersection, `A - B` a difference, `ROI_*`
    /// a wildcard, `A = 1` / `A = 0` keep or invert a selection, parentheses group; see the
    /// [module documentation](super) for the exact rules.
    pub fn select(&self, expr: &str) -> Result<Vec<usize>, BDataError> {
        let parsed = select::parse(expr).map_err(|e| self.bad_expression(expr, e))?;
        let mut resolve = |pattern: &str| self.pattern_mask(pattern);
        let mask = select::evaluate(&parsed, &mut resolve)?;
        Ok(mask.iter().enumerate().filter(|(_, m)| **m).map(|(c, _)| c).collect())
    }

    /// The dataset columns a selection expression picks (bdpy's `select(expr)`).
    pub fn select_data(&self, expr: &str) -> Result<Array2<f64>, BDataError> {
        Ok(self.dataset.select(Axis(1), &self.select(expr)?))
    }

    /// The value-label map of `key` (`/vmap/<key>`).
    pub fn vmap(&self, key: &str) -> Result<&Vmap, BDataError> {
        self.vmaps.get(key).ok_or_else(|| BDataError::NoVmap {
            path: self.path.clone(),
            key: key.to_string(),
            available: self.vmaps.keys().cloned().collect(),
        })
    }

    /// Keys that have a value-label map.
    pub fn vmap_keys(&self) -> Vec<String> {
        self.vmaps.keys().cloned().collect()
    }

    /// Shape and per-key column counts, for `brainclip inspect` (serializes to JSON).
    pub fn summary(&self) -> BDataSummary {
        let metadata = self
            .keys
            .iter()
            .zip(&self.descriptions)
            .zip(self.values.rows())
            .map(|((key, description), row)| KeySummary {
                key: key.clone(),
                description: description.clone(),
                columns: row.iter().filter(|v| **v == 1.0).count(),
                defined: row.iter().filter(|v| !v.is_nan()).count(),
            })
            .collect();
        BDataSummary {
            path: self.path.display().to_string(),
            dataset_shape: self.dataset_shape(),
            metadata,
            vmap_keys: self.vmap_keys(),
        }
    }

    /// A BData built in memory, for tests of code that consumes one.
    #[cfg(test)]
    pub(crate) fn from_parts(path: &str, dataset: Array2<f64>, keys: &[&str], values: Array2<f64>) -> BData {
        BData {
            path: PathBuf::from(path),
            dataset,
            keys: keys.iter().map(|k| k.to_string()).collect(),
            descriptions: vec![String::new(); keys.len()],
            values,
            vmaps: BTreeMap::new(),
        }
    }

    fn row(&self, key: &str) -> Result<usize, BDataError> {
        self.keys
            .iter()
            .position(|k| k == key)
            .ok_or_else(|| self.unknown_key(key))
    }

    fn unknown_key(&self, key: &str) -> BDataError {
        BDataError::UnknownKey {
            path: self.path.clone(),
            key: key.to_string(),
            closest: closest_key(key, &self.keys),
            available: self.keys.clone(),
        }
    }

    /// Columns marked (value 1) by any key matching `pattern`.
    fn pattern_mask(&self, pattern: &str) -> Result<Vec<bool>, BDataError> {
        let mut mask = vec![false; self.values.ncols()];
        let mut matched = false;
        for (key, row) in self.keys.iter().zip(self.values.rows()) {
            if select::glob_match(pattern, key) {
                matched = true;
                for (m, v) in mask.iter_mut().zip(row) {
                    *m |= *v == 1.0;
                }
            }
        }
        if matched {
            Ok(mask)
        } else {
            Err(self.unknown_key(pattern))
        }
    }

    fn bad_expression(&self, expr: &str, e: SyntaxError) -> BDataError {
        BDataError::BadExpression {
            path: self.path.clone(),
            expression: expr.to_string(),
            position: e.position,
            message: e.message,
        }
    }
}

impl fmt::Display for BDataSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (rows, cols) = self.dataset_shape;
        writeln!(f, "{}: BData, {rows} samples × {cols} columns", self.path)?;
        let width = self
            .metadata
            .iter()
            .map(|k| k.key.chars().count())
            .max()
            .unwrap_or(3)
            .max(3);
        writeln!(f, "  {:width$}  {:>7}  {:>7}  description", "key", "columns", "defined")?;
        for k in &self.metadata {
            writeln!(
                f,
                "  {:width$}  {:>7}  {:>7}  {}",
                k.key, k.columns, k.defined, k.description
            )?;
        }
        if !self.vmap_keys.is_empty() {
            writeln!(f, "  value-label maps: {}", self.vmap_keys.join(", "))?;
        }
        Ok(())
    }
}

fn require<T>(found: Option<T>, h5: &H5File, group: &str) -> Result<T, BDataError> {
    found.ok_or_else(|| BDataError::Corrupt {
        path: h5.path().to_path_buf(),
        object: group.to_string(),
        message: "the group is listed but cannot be opened".into(),
    })
}

/// `/metadata/value` as keys × columns; a single key's row may be stored 1-D.
fn read_values(h5: &H5File, object: &str, n_keys: usize) -> Result<Array2<f64>, BDataError> {
    let raw = h5.read_numeric(object)?;
    let shape = raw.shape().to_vec();
    let layout = |found: String| BDataError::Layout {
        path: h5.path().to_path_buf(),
        object: object.to_string(),
        expected: format!("a {n_keys} × columns matrix (one row per key in /metadata/key)"),
        found,
    };
    let values = match shape[..] {
        [_, _] => raw
            .into_dimensionality()
            .map_err(|_| layout(format!("shape {shape:?}")))?,
        [cols] if n_keys == 1 => raw
            .into_shape_with_order((1, cols))
            .map_err(|_| layout(format!("shape {shape:?}")))?,
        _ => return Err(layout(format!("a {}-D array of shape {shape:?}", shape.len()))),
    };
    if values.nrows() != n_keys {
        return Err(layout(format!("{} rows", values.nrows())));
    }
    Ok(values)
}

/// Every `/vmap/<key>/<value>` string, by key.
fn read_vmaps(h5: &H5File, present: bool) -> Result<BTreeMap<String, Vmap>, BDataError> {
    let mut vmaps = BTreeMap::new();
    if !present {
        return Ok(vmaps);
    }
    let top = require(h5.members("/vmap")?, h5, "/vmap")?;
    for key in top.groups {
        let group = format!("/vmap/{key}");
        let members = require(h5.members(&group)?, h5, &group)?;
        let mut entries = Vec::with_capacity(members.datasets.len());
        for name in members.datasets {
            let object = format!("{group}/{name}");
            // Python's float() accepts surrounding spaces; bdpy writes `str(float)`.
            let value = name.trim().parse::<f64>().map_err(|_| BDataError::Layout {
                path: h5.path().to_path_buf(),
                object: object.clone(),
                expected: "a dataset named by a number (bdpy writes the value, e.g. `1.0`)".into(),
                found: format!("the name `{name}`"),
            })?;
            let mut labels = h5.read_strings(&object)?;
            if labels.len() != 1 {
                return Err(BDataError::Layout {
                    path: h5.path().to_path_buf(),
                    object,
                    expected: "one label string".into(),
                    found: format!("{} strings", labels.len()),
                });
            }
            entries.push((value, labels.swap_remove(0)));
        }
        vmaps.insert(key, Vmap::new(entries));
    }
    Ok(vmaps)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{TempFile, fixture, sample_vmap, shared_sample_vmap};
    use super::*;

    /// Values below are from `make_bdata_fixtures.py --dump` (h5py 3.16.0) or from bdpy's own
    /// `BData(path)` on the same file.
    fn check_sample_vmap(path: &Path) {
        let data = BData::open(path).unwrap();
        assert_eq!(data.dataset_shape(), (8, 11));
        assert_eq!(data.metadata_keys(), ["Data", "Label"]);
        assert_eq!(data.metadata_description("Label"), Some("1 = Label"));
        assert_eq!(data.columns("Data").unwrap(), (0..10).collect::<Vec<_>>());
        assert_eq!(data.columns("Label").unwrap(), [10]);
        // h5py: /dataset[:, 10] = [1, 3, 4, 2, 3, 1, 2, 4]; [0, 0] = 0.15474586363212395
        let labels = data.get("Label").unwrap();
        assert_eq!(labels.column(0).to_vec(), [1.0, 3.0, 4.0, 2.0, 3.0, 1.0, 2.0, 4.0]);
        assert_eq!(data.dataset()[[0, 0]], 0.15474586363212395);
        assert_eq!(data.dataset()[[7, 9]], 0.9319077252200534);
        let value = data.metadata_value("Label").unwrap();
        assert!(value.iter().take(10).all(|v| v.is_nan()) && value[10] == 1.0);
        let vmap = data.vmap("Label").unwrap();
        let entries: Vec<(f64, &str)> = vmap.iter().collect();
        assert_eq!(
            entries,
            [
                (1.0, "label-01"),
                (2.0, "label-02"),
                (3.0, "label-03"),
                (4.0, "label-04")
            ]
        );
        let summary = data.summary();
        let counts: Vec<(&str, usize, usize)> = summary
            .metadata
            .iter()
            .map(|k| (k.key.as_str(), k.columns, k.defined))
            .collect();
        assert_eq!(counts, [("Data", 10, 10), ("Label", 1, 1)]);
        assert_eq!(summary.vmap_keys, ["Label"]);
    }

    #[test]
    fn reads_bdpys_sample_vmap() {
        let file = sample_vmap();
        check_sample_vmap(file.path());
    }

    #[test]
    fn reads_the_untouched_sample_vmap_when_shared_fixtures_are_there() {
        match shared_sample_vmap() {
            Some(path) => check_sample_vmap(&path),
            None => eprintln!("shared/fixtures/bdata/sample_vmap.h5 not found: only the committed copy was checked"),
        }
    }

    #[test]
    fn reads_a_file_bdpy_wrote_with_vlen_strings() {
        // bdpy 0.26 + h5py 3.16 write keys, descriptions and vmap labels as variable-length strings.
        let data = BData::open(&fixture("bdpy_small.h5")).unwrap();
        assert_eq!(
            data.metadata_keys(),
            ["VoxelData", "Label", "ROI_A", "ROI_B", "voxel_x"]
        );
        assert_eq!(data.metadata_description("voxel_x"), Some("voxel x (mm)"));
        assert_eq!(data.metadata_description("nope"), None);
        assert_eq!(data.columns("ROI_A").unwrap(), [0, 1]);
        assert_eq!(data.columns("ROI_B").unwrap(), [1, 2]);
        assert_eq!(
            data.columns("voxel_x").unwrap(),
            Vec::<usize>::new(),
            "no voxel_x value is exactly 1"
        );
        let x = data.metadata_value("voxel_x").unwrap();
        assert_eq!(x.iter().take(4).copied().collect::<Vec<_>>(), [-1.5, 0.0, 1.5, 3.0]);
        assert!(x[4].is_nan());
        assert_eq!(
            data.get("ROI_B").unwrap(),
            ndarray::array![
                [1.5, 2.5],
                [101.5, 102.5],
                [201.5, 202.5],
                [301.5, 302.5],
                [401.5, 402.5],
                [501.5, 502.5]
            ]
        );
        assert_eq!(data.vmap("Label").unwrap().get(3.0), Some("bird \u{e4}"));
        assert_eq!(data.select("ROI_A & ROI_B").unwrap(), [1]);
        assert_eq!(
            data.select_data("ROI_A - ROI_B").unwrap().column(0).to_vec(),
            [0.5, 100.5, 200.5, 300.5, 400.5, 500.5]
        );
        let json = serde_json::to_value(data.summary()).unwrap();
        assert_eq!(json["dataset_shape"], serde_json::json!([6, 5]));
        assert_eq!(
            json["metadata"][4],
            serde_json::json!({"key": "voxel_x", "description": "voxel x (mm)", "columns": 0, "defined": 4})
        );
        let text = data.summary().to_string();
        assert!(
            text.contains("6 samples × 5 columns") && text.contains("ROI_A"),
            "{text}"
        );
    }

    #[test]
    fn selects_god_rois() {
        let data = BData::open(&fixture("god_tiny.h5")).unwrap();
        // The generator: V1 = voxels 0-7, V2 = 8-14, VC = all 40 voxel columns (columns 0-39).
        assert_eq!(data.select("ROI_V1 + ROI_V2").unwrap(), (0..15).collect::<Vec<_>>());
        assert_eq!(data.select("ROI_VC").unwrap(), (0..40).collect::<Vec<_>>());
        assert_eq!(data.select("ROI_VC").unwrap(), data.columns("VoxelData").unwrap());
        assert_eq!(
            data.select("ROI_LVC").unwrap(),
            data.select("ROI_V1 | ROI_V2 | ROI_V3").unwrap()
        );
        assert_eq!(data.select("ROI_VC - ROI_LVC - ROI_HVC - ROI_V4").unwrap(), [38, 39]);
        assert_eq!(data.select("ROI_LOC & ROI_FFA").unwrap(), [33]);
        assert_eq!(data.select("ROI_*VC").unwrap().len(), 40);
    }

    #[test]
    fn unknown_keys_name_the_closest_and_list_the_others() {
        let data = BData::open(&fixture("god_tiny.h5")).unwrap();
        let err = data.select("ROI_V1 + ROI_V5").unwrap_err();
        let BDataError::UnknownKey {
            key,
            closest,
            available,
            ..
        } = &err
        else {
            panic!("{err}")
        };
        assert_eq!((key.as_str(), closest.as_deref()), ("ROI_V5", Some("ROI_V1")));
        assert!(available.contains(&"ROI_VC".to_string()));
        let msg = err.to_string();
        assert!(
            msg.contains("god_tiny.h5: no metadata key matches `ROI_V5` (closest: `ROI_V1`)"),
            "{msg}"
        );
        assert!(msg.contains("VoxelData, Run, DataType, Label"), "{msg}");
        assert!(matches!(data.get("label"), Err(BDataError::UnknownKey { closest: Some(c), .. }) if c == "Label"));
        assert!(matches!(data.metadata_value("x"), Err(BDataError::UnknownKey { .. })));
        let err = data.select("ROI_V1 +").unwrap_err().to_string();
        assert!(err.contains("bad selection expression at position 8"), "{err}");
        let err = data.vmap("Label").unwrap_err().to_string();
        assert!(
            err.contains("no value-label map (vmap) for `Label`: expected a group /vmap/Label, found vmaps for []"),
            "{err}"
        );
    }

    #[test]
    fn bad_files_say_what_is_wrong() {
        let err = |p: &Path| BData::open(p).unwrap_err();
        let missing = err(Path::new("/nonexistent/Subject1.h5"));
        assert!(matches!(missing, BDataError::Io { .. }));
        assert!(
            missing
                .to_string()
                .starts_with("cannot read /nonexistent/Subject1.h5: "),
            "{missing}"
        );

        let text = TempFile::with_bytes("notes.h5", b"subject,voxel\n1,2\n");
        let e = err(text.path());
        assert!(matches!(e, BDataError::NotHdf5 { .. }), "{e}");
        assert!(
            e.to_string()
                .contains("is not an HDF5 file: expected the HDF5 signature"),
            "{e}"
        );
        assert!(e.to_string().contains("found \"subject,\" (18 bytes)"), "{e}");
        let empty = TempFile::with_bytes("empty.h5", b"");
        assert!(err(empty.path()).to_string().contains("found an empty file"));

        let good = std::fs::read(fixture("god_tiny.h5")).unwrap();
        let half = TempFile::with_bytes("half.h5", &good[..good.len() / 2]);
        let e = err(half.path());
        assert!(matches!(e, BDataError::Truncated { .. }), "{e}");
        let expected = format!(
            "half.h5 is truncated: expected the {} bytes its HDF5 superblock records, found {} bytes",
            good.len(),
            good.len() / 2
        );
        assert!(e.to_string().contains(&expected), "{e}");
        let stub = TempFile::with_bytes("stub.h5", &good[..40]);
        assert!(matches!(
            err(stub.path()),
            BDataError::Truncated { .. } | BDataError::Corrupt { .. }
        ));

        let e = err(&fixture("h5py_v0_mixed.h5")).to_string();
        assert!(
            e.contains("is HDF5 but not a BData file: expected a dataset /dataset, found top level: groups ["),
            "{e}"
        );
        let e = err(&fixture("bad_no_metadata.h5")).to_string();
        assert!(e.contains("expected a group /metadata (with datasets key, description and value), found top level: groups [], datasets [dataset]"), "{e}");
        let e = err(&fixture("bad_no_metadata_key.h5")).to_string();
        assert!(
            e.contains(
                "expected a dataset /metadata/key, found /metadata holds groups [], datasets [description, value]"
            ),
            "{e}"
        );
        let e = err(&fixture("bad_width.h5"));
        assert!(
            matches!(
                e,
                BDataError::MetadataWidth {
                    expected: 3,
                    found: 4,
                    ..
                }
            ),
            "{e}"
        );
        assert!(
            e.to_string()
                .contains("/metadata/value has 4 columns, expected 3 (one per column of /dataset)")
        );
        let e = err(&fixture("bad_key_count.h5")).to_string();
        assert!(
            e.contains(
                "`/metadata/value` should be a 2 × columns matrix (one row per key in /metadata/key), found 1 rows"
            ),
            "{e}"
        );
    }

    #[test]
    fn no_corruption_of_a_fixture_panics() {
        // Flip bytes all over bdpy's layout and truncate at many places: every outcome must be
        // Ok or a BDataError, never a panic. (hdf5-reader itself passed 8,000 such variants.)
        let good = std::fs::read(fixture("god_tiny_vmap.h5")).unwrap();
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for k in 0..60 {
            let mut bytes = good.clone();
            if k % 3 == 0 {
                bytes.truncate(good.len() * k / 60);
            } else {
                for _ in 0..3 {
                    let at = (next() as usize) % bytes.len().min(8192);
                    bytes[at] = next() as u8;
                }
            }
            let file = TempFile::with_bytes("corrupt.h5", &bytes);
            if let Ok(data) = BData::open(file.path()) {
                let _ = data.select("ROI_VC");
            }
        }
    }
}
