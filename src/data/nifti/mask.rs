//! Masks (from a binary volume or from atlas labels) and the time × voxels matrix of a series
//! under a mask, with an explicit policy for NaN/Inf voxels.

use std::collections::BTreeSet;
use std::str::FromStr;

use ndarray::{Array2, Axis};
use serde::Deserialize;

use super::error::NiftiError;
use super::volume::NiftiImage;

/// A set of voxels of a 3-D grid, in the file's voxel order (x fastest, then y, then z).
///
/// ```
/// use std::path::Path;
/// use brainclip::data::nifti::{mask_from_volume, read_image};
///
/// let mask = mask_from_volume(&read_image(Path::new("tests/data/nifti/standard.nii.gz"))?)?;
/// assert_eq!(mask.shape(), [4, 5, 7]);
/// assert!(mask.len() > 0);
/// # Ok::<(), brainclip::data::nifti::NiftiError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mask {
    shape: [usize; 3],
    /// Flat indices `i + nx * (j + ny * k)`, ascending; every one is below `nx * ny * nz`.
    indices: Vec<usize>,
    source: String,
}

impl Mask {
    /// Every voxel of a `[nx, ny, nz]` grid, for series already cut to a region.
    ///
    /// ```
    /// let all = brainclip::data::nifti::Mask::whole_grid([2, 3, 4], "series.nii");
    /// assert_eq!(all.len(), 24);
    /// ```
    pub fn whole_grid(shape: [usize; 3], source: &str) -> Mask {
        Mask {
            shape,
            indices: (0..shape.iter().product()).collect(),
            source: source.to_owned(),
        }
    }

    /// Every voxel of the grid of `image`, a 3-D image or a 4-D series (what [`apply_mask`]
    /// takes when no mask is given); other shapes are [`NiftiError::WrongDimensionality`].
    ///
    /// ```
    /// use std::path::Path;
    /// use brainclip::data::nifti::{Mask, read_image};
    ///
    /// let series = read_image(Path::new("tests/data/nifti/nitime_fmri1.nii.gz"))?;
    /// let all = Mask::covering(&series)?;
    /// assert_eq!((all.shape(), all.len()), ([10, 10, 18], 1800));
    /// # Ok::<(), brainclip::data::nifti::NiftiError>(())
    /// ```
    pub fn covering(image: &NiftiImage) -> Result<Mask, NiftiError> {
        match image.header.shape.as_slice() {
            [x, y, z] | [x, y, z, _] => Ok(Mask::whole_grid([*x, *y, *z], &image.source)),
            shape => Err(NiftiError::WrongDimensionality {
                source_name: image.source.clone(),
                expected: "a 3-D image or a 4-D series",
                shape: shape.to_vec(),
            }),
        }
    }

    /// The grid `[nx, ny, nz]` the mask was made on.
    pub fn shape(&self) -> [usize; 3] {
        self.shape
    }

    /// How many voxels the mask selects (the number of columns [`apply_mask`] returns).
    pub fn len(&self) -> usize {
        self.indices.len()
    }

    /// Whether the mask selects nothing (never true for masks built by this module).
    pub fn is_empty(&self) -> bool {
        self.indices.is_empty()
    }

    /// Flat voxel indices `i + nx * (j + ny * k)`, ascending: column `c` of [`apply_mask`]'s
    /// result is voxel `indices()[c]`.
    pub fn indices(&self) -> &[usize] {
        &self.indices
    }

    /// Voxel coordinates `[i, j, k]` of the selected voxels, in column order.
    pub fn coords(&self) -> Vec<[usize; 3]> {
        self.indices.iter().map(|&f| unflatten(f, self.shape)).collect()
    }

    /// The file the mask was made from.
    pub fn source(&self) -> &str {
        &self.source
    }
}

/// What to do with NaN or infinite values found under a mask. Whatever the choice, they are
/// counted and located in a [`NonFiniteReport`]; they are never passed on silently.
///
/// ```
/// use brainclip::data::nifti::NonFinitePolicy;
/// assert_eq!(NonFinitePolicy::default(), NonFinitePolicy::Error);
/// assert_eq!("drop".parse::<NonFinitePolicy>().unwrap(), NonFinitePolicy::DropVoxels);
/// // Deserialised from the same words.
/// assert_eq!(serde_json::from_str::<NonFinitePolicy>("\"drop\"").unwrap(), NonFinitePolicy::DropVoxels);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NonFinitePolicy {
    /// Fail with [`NiftiError::NonFinite`] (count and first locations). The default.
    #[default]
    Error,
    /// Replace them with 0.
    Zero,
    /// Leave out every voxel that holds one at any time point.
    #[serde(rename = "drop", alias = "drop_voxels")]
    DropVoxels,
}

impl FromStr for NonFinitePolicy {
    type Err = NiftiError;

    /// Accepts "error", "zero" and "drop" (or "drop_voxels").
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "error" => Ok(NonFinitePolicy::Error),
            "zero" => Ok(NonFinitePolicy::Zero),
            "drop" | "drop_voxels" | "dropvoxels" => Ok(NonFinitePolicy::DropVoxels),
            _ => Err(NiftiError::InvalidArgument {
                what: "non-finite policy",
                expected: "\"error\", \"zero\" or \"drop\"",
                found: s.to_owned(),
            }),
        }
    }
}

/// Where NaN/Inf values were found under a mask.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NonFiniteReport {
    /// Number of NaN/Inf values.
    pub count: usize,
    /// Number of voxels holding at least one.
    pub voxels: usize,
    /// `[i, j, k, t]` of the first few (at most 5), in time-major order.
    pub first: Vec<[usize; 4]>,
}

impl NonFiniteReport {
    /// What was found and what `policy` did about it, for a warning; `None` when nothing was
    /// found.
    ///
    /// ```
    /// use brainclip::data::nifti::{NonFinitePolicy, NonFiniteReport};
    /// let found = NonFiniteReport { count: 3, voxels: 2, first: vec![[0, 1, 0, 4]] };
    /// assert_eq!(
    ///     found.describe(NonFinitePolicy::DropVoxels).as_deref(),
    ///     Some("3 NaN/Inf values in 2 voxels under the mask (first at (i, j, k, t) [[0, 1, 0, 4]]); dropped those 2 voxels")
    /// );
    /// assert_eq!(NonFiniteReport::default().describe(NonFinitePolicy::Zero), None);
    /// ```
    pub fn describe(&self, policy: NonFinitePolicy) -> Option<String> {
        if self.count == 0 {
            return None;
        }
        let what = match policy {
            NonFinitePolicy::DropVoxels => format!("dropped those {} voxels", self.voxels),
            _ => "replaced them with 0".to_string(),
        };
        Some(format!(
            "{} NaN/Inf values in {} voxels under the mask (first at (i, j, k, t) {:?}); {what}",
            self.count, self.voxels, self.first
        ))
    }
}

/// A series under a mask, after the non-finite policy.
#[derive(Debug, Clone, PartialEq)]
pub struct MaskedSeries {
    /// time × voxels.
    pub data: Array2<f32>,
    /// The voxels the columns hold: the input mask, less any dropped voxels.
    pub mask: Mask,
    /// What was found (and replaced or dropped).
    pub non_finite: NonFiniteReport,
}

/// How many non-finite locations to quote.
const FIRST_FEW: usize = 5;

/// A mask of the non-zero voxels of a 3-D image (a 4-D image with one volume is accepted).
/// NaN voxels are refused, since whether they are "in" is anybody's guess.
///
/// ```
/// use brainclip::data::nifti::{mask_from_volume, read_image};
/// # let img = read_image(std::path::Path::new("tests/data/nifti/standard.nii.gz"))?;
/// let mask = mask_from_volume(&img)?;
/// # Ok::<(), brainclip::data::nifti::NiftiError>(())
/// ```
pub fn mask_from_volume(mask: &NiftiImage) -> Result<Mask, NiftiError> {
    let (shape, values) = volume_values(mask)?;
    let mut indices = Vec::new();
    let mut bad = Vec::new();
    for (f, &v) in values.iter().enumerate() {
        if !v.is_finite() {
            bad.push(f);
        } else if v != 0.0 {
            indices.push(f);
        }
    }
    if !bad.is_empty() {
        return Err(NiftiError::NonFinite {
            source_name: mask.source.clone(),
            count: bad.len(),
            voxels: bad.len(),
            first: bad
                .iter()
                .take(FIRST_FEW)
                .map(|&f| with_time(unflatten(f, shape), 0))
                .collect(),
        });
    }
    if indices.is_empty() {
        return Err(NiftiError::EmptyMask {
            source_name: mask.source.clone(),
            expected: "at least one non-zero voxel".to_owned(),
            found: format!("all {} voxels zero", values.len()),
        });
    }
    Ok(Mask {
        shape,
        indices,
        source: mask.source.clone(),
    })
}

/// A mask of the voxels of an atlas (a 3-D label image) whose value is one of `labels`.
/// Every label must occur in the atlas: a typo in a region number is an error, not an empty
/// region.
///
/// ```
/// use brainclip::data::nifti::{mask_from_atlas, read_image};
/// # let atlas = read_image(std::path::Path::new("tests/data/nifti/standard.nii.gz"))?;
/// let v1_v2 = mask_from_atlas(&atlas, &[255])?;
/// # Ok::<(), brainclip::data::nifti::NiftiError>(())
/// ```
pub fn mask_from_atlas(atlas: &NiftiImage, labels: &[i64]) -> Result<Mask, NiftiError> {
    if labels.is_empty() {
        return Err(NiftiError::InvalidArgument {
            what: "atlas labels",
            expected: "at least one label",
            found: "an empty list".to_owned(),
        });
    }
    let (shape, values) = volume_values(atlas)?;
    let wanted: BTreeSet<i64> = labels.iter().copied().collect();
    let mut seen = BTreeSet::new();
    let mut indices = Vec::new();
    for (f, &v) in values.iter().enumerate() {
        // Labels are stored integers; a value with a fraction is no label.
        if v.is_finite() && v.fract() == 0.0 && (i64::MIN as f32..=i64::MAX as f32).contains(&v) {
            let label = v as i64;
            if wanted.contains(&label) {
                indices.push(f);
                seen.insert(label);
            }
        }
    }
    let missing: Vec<i64> = wanted.difference(&seen).copied().collect();
    if !missing.is_empty() {
        let present = present_labels(&values);
        return Err(NiftiError::EmptyMask {
            source_name: atlas.source.clone(),
            expected: format!("voxels labelled {missing:?}"),
            found: format!("no such voxel; labels present: {present}"),
        });
    }
    Ok(Mask {
        shape,
        indices,
        source: atlas.source.clone(),
    })
}

/// The distinct integer labels of an atlas, for error messages (the first 30).
fn present_labels(values: &[f32]) -> String {
    let labels: BTreeSet<i64> = values
        .iter()
        .filter(|v| v.is_finite() && v.fract() == 0.0)
        .map(|&v| v as i64)
        .collect();
    let shown: Vec<String> = labels.iter().take(30).map(i64::to_string).collect();
    let more = if labels.len() > 30 {
        format!(" and {} more", labels.len() - 30)
    } else {
        String::new()
    };
    format!("[{}]{more}", shown.join(", "))
}

/// The time × voxels matrix of `series` under `mask` (a 3-D image gives one row). The series'
/// spatial shape must be the mask's. NaN/Inf values under the mask are an error
/// ([`NonFinitePolicy::Error`]); see [`apply_mask_with`] for the other policies.
///
/// ```
/// use std::path::Path;
/// use brainclip::data::nifti::{apply_mask, mask_from_volume, read_image};
///
/// let series = read_image(Path::new("tests/data/nifti/functional.nii"))?;
/// let first = series.data.index_axis(ndarray::Axis(3), 0).mapv(|v| (v > 3000.0) as u8 as f32);
/// let mask_img = brainclip::data::nifti::NiftiImage { data: first.into_dyn(), ..series.clone() };
/// let x = apply_mask(&series, &mask_from_volume(&mask_img)?)?;
/// assert_eq!(x.nrows(), 20);
/// # Ok::<(), brainclip::data::nifti::NiftiError>(())
/// ```
pub fn apply_mask(series: &NiftiImage, mask: &Mask) -> Result<Array2<f32>, NiftiError> {
    apply_mask_with(series, mask, NonFinitePolicy::Error).map(|m| m.data)
}

/// [`apply_mask`] with a chosen policy for NaN/Inf values; the report says how many there were
/// and where, whatever the policy.
///
/// ```
/// use std::path::Path;
/// use brainclip::data::nifti::{apply_mask_with, mask_from_volume, read_image, NonFinitePolicy};
///
/// let img = read_image(Path::new("tests/data/nifti/standard.nii.gz"))?;
/// let masked = apply_mask_with(&img, &mask_from_volume(&img)?, NonFinitePolicy::Zero)?;
/// assert_eq!(masked.non_finite.count, 0);
/// assert_eq!(masked.data.nrows(), 1);
/// # Ok::<(), brainclip::data::nifti::NiftiError>(())
/// ```
pub fn apply_mask_with(series: &NiftiImage, mask: &Mask, policy: NonFinitePolicy) -> Result<MaskedSeries, NiftiError> {
    let shape = series.data.shape();
    let (spatial, times) = match shape {
        [x, y, z] => ([*x, *y, *z], 1),
        [x, y, z, t] => ([*x, *y, *z], *t),
        _ => ([0; 3], 0),
    };
    if times == 0 || spatial != mask.shape {
        return Err(NiftiError::ShapeMismatch {
            mask_source: mask.source.clone(),
            mask_shape: mask.shape.to_vec(),
            series_source: series.source.clone(),
            series_shape: shape.to_vec(),
        });
    }
    let per_volume = spatial.iter().product::<usize>();
    let flat = fortran_values(series);
    let mut data = Array2::<f32>::zeros((times, mask.len()));
    for (t, mut row) in data.axis_iter_mut(Axis(0)).enumerate() {
        let volume = flat.get(t * per_volume..(t + 1) * per_volume).unwrap_or_default();
        for (out, &f) in row.iter_mut().zip(&mask.indices) {
            // Mask indices are below per_volume by construction and the shapes were checked.
            *out = volume.get(f).copied().unwrap_or(f32::NAN);
        }
    }
    handle_non_finite(data, mask, policy, &series.source)
}

fn handle_non_finite(
    mut data: Array2<f32>,
    mask: &Mask,
    policy: NonFinitePolicy,
    source: &str,
) -> Result<MaskedSeries, NiftiError> {
    let mut report = NonFiniteReport::default();
    let mut bad_column = vec![false; mask.len()];
    for ((t, c), v) in data.indexed_iter() {
        if !v.is_finite() {
            report.count += 1;
            if let Some(b) = bad_column.get_mut(c) {
                *b = true;
            }
            if report.first.len() < FIRST_FEW {
                let voxel = mask.indices.get(c).map_or([0; 3], |&f| unflatten(f, mask.shape));
                report.first.push(with_time(voxel, t));
            }
        }
    }
    report.voxels = bad_column.iter().filter(|&&b| b).count();
    if report.count == 0 {
        return Ok(MaskedSeries {
            data,
            mask: mask.clone(),
            non_finite: report,
        });
    }
    match policy {
        NonFinitePolicy::Error => Err(NiftiError::NonFinite {
            source_name: source.to_owned(),
            count: report.count,
            voxels: report.voxels,
            first: report.first,
        }),
        NonFinitePolicy::Zero => {
            data.mapv_inplace(|v| if v.is_finite() { v } else { 0.0 });
            Ok(MaskedSeries {
                data,
                mask: mask.clone(),
                non_finite: report,
            })
        }
        NonFinitePolicy::DropVoxels => {
            let keep: Vec<usize> = bad_column
                .iter()
                .enumerate()
                .filter(|(_, b)| !**b)
                .map(|(c, _)| c)
                .collect();
            if keep.is_empty() {
                return Err(NiftiError::EmptyMask {
                    source_name: source.to_owned(),
                    expected: "at least one voxel without NaN/Inf under the mask".to_owned(),
                    found: format!("NaN/Inf in all {} voxels", mask.len()),
                });
            }
            let data = data.select(Axis(1), &keep);
            let indices = keep.iter().filter_map(|&c| mask.indices.get(c).copied()).collect();
            let mask = Mask {
                shape: mask.shape,
                indices,
                source: mask.source.clone(),
            };
            Ok(MaskedSeries {
                data,
                mask,
                non_finite: report,
            })
        }
    }
}

/// The spatial grid and values of a 3-D image (or 4-D with a single volume), x fastest.
fn volume_values(image: &NiftiImage) -> Result<([usize; 3], Vec<f32>), NiftiError> {
    let shape = image.data.shape();
    let spatial = match shape {
        [x, y, z] | [x, y, z, 1] => [*x, *y, *z],
        _ => {
            return Err(NiftiError::WrongDimensionality {
                source_name: image.source.clone(),
                expected: "a 3-D volume (or 4-D with one volume)",
                shape: shape.to_vec(),
            });
        }
    };
    Ok((spatial, fortran_values(image).into_owned()))
}

/// All values in file order (x fastest), whatever the array's memory layout.
fn fortran_values(image: &NiftiImage) -> std::borrow::Cow<'_, [f32]> {
    let reversed = image.data.view().reversed_axes();
    match reversed.to_slice() {
        Some(s) => s.into(),
        None => reversed.iter().copied().collect::<Vec<f32>>().into(),
    }
}

fn unflatten(f: usize, [nx, ny, _]: [usize; 3]) -> [usize; 3] {
    let (nx, ny) = (nx.max(1), ny.max(1));
    [f % nx, (f / nx) % ny, f / (nx * ny)]
}

fn with_time([i, j, k]: [usize; 3], t: usize) -> [usize; 4] {
    [i, j, k, t]
}
