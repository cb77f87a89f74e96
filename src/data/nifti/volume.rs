//! Reading whole images: header, voxels, byte order and scaling, into an `f32` array.

use std::path::Path;

use ndarray::{ArrayD, IxDyn, ShapeBuilder};
use serde::Serialize;

use super::datatype::{Datatype, decode_into};
use super::error::NiftiError;
use super::header::{NiftiHeaderInfo, ParsedHeader, corrupt, is_gz_path, read_header_from};
use super::inflate::{VoxelFormat, inflate_voxels};
use super::input::{Input, gzip_magic_problem};

/// A NIfTI image in memory: its header summary and its voxels, already scaled by
/// `scl_slope`/`scl_inter`.
///
/// `data` has the header's shape (`[x, y, z]` or `[x, y, z, t]`) and is indexed the way the file
/// is: `data[[i, j, k, t]]` is voxel (i, j, k) of volume t. It is stored in the file's
/// (Fortran, x-fastest) memory order, so reading costs no transpose.
///
/// ```
/// use std::path::Path;
/// use brainclip::data::nifti::read_image;
///
/// let img = read_image(Path::new("tests/data/nifti/functional.nii"))?;
/// assert_eq!(img.data.shape(), &[17, 21, 3, 20]);
/// // Stored int16 values come back as float32 after slope and intercept.
/// assert!(img.data.iter().all(|v| *v > 600.0));
/// # Ok::<(), brainclip::data::nifti::NiftiError>(())
/// ```
#[derive(Debug, Clone)]
pub struct NiftiImage {
    /// What the header says.
    pub header: NiftiHeaderInfo,
    /// Scaled voxel values.
    pub data: ArrayD<f32>,
    /// The file it came from (`<bytes>` for [`read_image_bytes`]), for error messages.
    pub source: String,
}

/// Summary statistics of an image's scaled values.
///
/// ```
/// use std::path::Path;
/// use brainclip::data::nifti::{read_image, stats};
///
/// let s = stats(&read_image(Path::new("tests/data/nifti/standard.nii.gz"))?);
/// assert_eq!((s.min, s.max, s.non_finite), (0.0, 255.0, 0));
/// # Ok::<(), brainclip::data::nifti::NiftiError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Stats {
    /// Smallest finite value (NaN if there is none).
    pub min: f64,
    /// Largest finite value (NaN if there is none).
    pub max: f64,
    /// Mean of the finite values (NaN if there is none).
    pub mean: f64,
    /// How many values are NaN or infinite.
    pub non_finite: usize,
}

/// Reads a `.nii` or `.nii.gz` file (chosen by the `.gz` suffix), 3-D or 4-D (any rank up to 7),
/// NIfTI-1 or NIfTI-2, either byte order, datatypes uint8, int8, int16, uint16, int32, float32
/// and float64. Other datatypes give [`NiftiError::UnsupportedDatatype`] with the code.
///
/// Bytes after the voxel data are ignored, as nibabel does; fewer bytes than the header calls for
/// give [`NiftiError::DataSize`]. A gzip stream is read to its end, so its checksum is verified.
///
/// ```
/// use std::path::Path;
/// use brainclip::data::nifti::read_image;
///
/// let img = read_image(Path::new("tests/data/nifti/example_nifti2.nii.gz"))?;
/// assert_eq!(img.data.shape(), &[32, 20, 12, 2]);
/// # Ok::<(), brainclip::data::nifti::NiftiError>(())
/// ```
pub fn read_image(path: &Path) -> Result<NiftiImage, NiftiError> {
    let source_name = path.display().to_string();
    let io_error = |error| NiftiError::Io {
        source_name: source_name.clone(),
        error,
    };
    let len = std::fs::metadata(path).map_err(io_error)?.len();
    super::budget::check_bytes(Some(len), || format!("the file ({len} bytes)")).map_err(|budget| {
        NiftiError::OverBudget {
            source_name: source_name.clone(),
            budget,
        }
    })?;
    let bytes = std::fs::read(path).map_err(io_error)?;
    read_from_memory(&bytes, is_gz_path(path), &source_name)
}

/// Reads an image from bytes in memory: a `.nii.gz` file's bytes when `gz`, a `.nii` file's
/// otherwise. Errors name the source `<bytes>`.
///
/// ```
/// let bytes = std::fs::read("tests/data/nifti/standard.nii.gz").unwrap();
/// let img = brainclip::data::nifti::read_image_bytes(&bytes, true)?;
/// assert_eq!(img.header.shape, vec![4, 5, 7]);
/// # Ok::<(), brainclip::data::nifti::NiftiError>(())
/// ```
pub fn read_image_bytes(bytes: &[u8], gz: bool) -> Result<NiftiImage, NiftiError> {
    read_from_memory(bytes, gz, "<bytes>")
}

fn read_from_memory(bytes: &[u8], gz: bool, source_name: &str) -> Result<NiftiImage, NiftiError> {
    if gz {
        if let Some(e) = gzip_magic_problem(bytes, source_name) {
            return Err(e);
        }
        // The whole compressed file is already in memory, so the decoder reads straight from it.
        let mut input = Input::new(flate2::bufread::MultiGzDecoder::new(bytes), true, source_name);
        let parsed = read_header_from(&mut input)?;
        let (dt, count, expected) = data_size(&parsed, source_name)?;
        // Deflate cannot expand more than about 1032:1, so a header claiming more than that cannot
        // make us reserve memory the stream will never fill.
        let reserve = count.min(bytes.len().saturating_mul(1032) / dt.size());
        let format = VoxelFormat {
            datatype: dt,
            big_endian: parsed.big_endian,
            scaling: parsed.scaling,
        };
        let (values, found) = inflate_voxels(&mut input, expected, reserve, format)?;
        check_length(&parsed, found, expected, source_name)?;
        input.drain()?;
        build(parsed, values, source_name)
    } else {
        let mut rest = bytes;
        let parsed = read_header_from(&mut Input::new(&mut rest, false, source_name))?;
        let (dt, count, expected) = data_size(&parsed, source_name)?;
        check_length(&parsed, rest.len(), expected, source_name)?;
        let mut values = Vec::with_capacity(count);
        decode_into(
            rest.get(..expected).unwrap_or_default(),
            dt,
            parsed.big_endian,
            parsed.scaling,
            &mut values,
        );
        build(parsed, values, source_name)
    }
}

/// Datatype, voxel count and byte count the header calls for.
/// A shape whose `f32` volume would exceed the memory budget is refused here, before any of it
/// is allocated.
fn data_size(parsed: &ParsedHeader, source_name: &str) -> Result<(Datatype, usize, usize), NiftiError> {
    let dt = parsed.supported_datatype(source_name)?;
    let shape = &parsed.info.shape;
    let (count, bytes) = shape
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .and_then(|count| Some((count, count.checked_mul(dt.size())?)))
        .ok_or_else(|| {
            corrupt(
                source_name,
                "dim",
                "a shape whose size fits in memory",
                format!("{shape:?}"),
            )
        })?;
    super::budget::check_elements(count as u64, 4, || format!("a volume of shape {shape:?}")).map_err(|budget| {
        NiftiError::OverBudget {
            source_name: source_name.to_owned(),
            budget,
        }
    })?;
    Ok((dt, count, bytes))
}

fn check_length(parsed: &ParsedHeader, found: usize, expected: usize, source_name: &str) -> Result<(), NiftiError> {
    if found >= expected {
        return Ok(());
    }
    Err(NiftiError::DataSize {
        source_name: source_name.to_owned(),
        shape: parsed.info.shape.clone(),
        datatype: parsed.info.datatype.clone(),
        offset: parsed.data_offset,
        expected,
        found,
    })
}

fn build(parsed: ParsedHeader, values: Vec<f32>, source_name: &str) -> Result<NiftiImage, NiftiError> {
    let shape = IxDyn(&parsed.info.shape).f();
    let data = ArrayD::from_shape_vec(shape, values)
        .map_err(|e| corrupt(source_name, "dim", "a shape matching the voxel count", e))?;
    Ok(NiftiImage {
        header: parsed.info,
        data,
        source: source_name.to_owned(),
    })
}

/// Min, max and mean of the finite scaled values, and how many values are not finite.
pub fn stats(image: &NiftiImage) -> Stats {
    let (mut min, mut max, mut sum, mut finite, mut non_finite) = (f64::INFINITY, f64::NEG_INFINITY, 0.0, 0usize, 0);
    for &v in image.data.iter() {
        if v.is_finite() {
            let v = f64::from(v);
            min = min.min(v);
            max = max.max(v);
            sum += v;
            finite += 1;
        } else {
            non_finite += 1;
        }
    }
    if finite == 0 {
        return Stats {
            min: f64::NAN,
            max: f64::NAN,
            mean: f64::NAN,
            non_finite,
        };
    }
    Stats {
        min,
        max,
        mean: sum / finite as f64,
        non_finite,
    }
}
