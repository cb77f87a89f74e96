//! Reading a header (NIfTI-1 or NIfTI-2, either byte order) and its extensions, and summarising it
//! as a [`NiftiHeaderInfo`].
//!
//! NIfTI-1 fields are parsed by the `nifti` crate. It reads NIfTI-1 only, so the 540-byte NIfTI-2
//! header is parsed in [`super::nifti2`]. Extensions are listed here rather than with the crate's
//! `ExtensionSequence`, which loops over zero-size extensions until the end of the file and
//! overflows on negative ones.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use serde::Serialize;

use super::affine::{Transform, best_affine};
use super::datatype::{Datatype, Scaling, datatype_name};
use super::error::NiftiError;
use super::input::{Input, gzip_magic_problem, looks_gzipped};
use super::nifti2;

/// Which version of the format a file uses.
///
/// ```
/// use brainclip::data::nifti::NiftiFormat;
/// assert_eq!(serde_json::to_string(&NiftiFormat::Nifti2).unwrap(), "\"nifti2\"");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NiftiFormat {
    /// 348-byte header, magic `n+1\0`.
    Nifti1,
    /// 540-byte header, magic `n+2\0\r\n\x1a\n`.
    Nifti2,
}

/// What a NIfTI header says, in plain units. This is what `brainclip inspect --json` prints.
///
/// ```no_run
/// use std::path::Path;
/// use brainclip::data::nifti::read_header;
///
/// let info = read_header(Path::new("sub-01_task-x_bold.nii.gz"))?;
/// println!("{:?} {} TR={:?} s", info.shape, info.datatype, info.tr);
/// println!("{}", serde_json::to_string_pretty(&info).unwrap());
/// # Ok::<(), brainclip::data::nifti::NiftiError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NiftiHeaderInfo {
    /// NIfTI-1 or NIfTI-2.
    pub format: NiftiFormat,
    /// `dim[1..=dim[0]]`: x, y, z, then time for a series.
    pub shape: Vec<usize>,
    /// Stored datatype: "uint8", "int8", "int16", "uint16", "int32", "float32", "float64", or another
    /// NIfTI name ("uint32", "rgb24", ...) that [`read_image`](super::read_image) refuses.
    pub datatype: String,
    /// "little" or "big".
    pub byte_order: String,
    /// Spatial voxel sizes, `|pixdim[1..=min(3, ndim)]|`, in the file's spatial unit (usually mm).
    pub voxel_size: Vec<f64>,
    /// Voxel (i, j, k, 1) to world, row-major.
    pub affine: [[f64; 4]; 4],
    /// "sform" if `sform_code > 0`, else "qform" if `qform_code > 0`, else "pixdim" (scaling by
    /// the voxel sizes alone, with no translation: NIfTI method 1, not nibabel's centred
    /// ANALYZE-style fallback).
    pub affine_source: String,
    /// Repetition time in seconds (`pixdim[4]`, converted from ms or µs per `xyzt_units`; an unset
    /// time unit is taken as seconds). `None` for 3-D images, a non-positive `pixdim[4]`, or a
    /// fourth axis in Hz, ppm or rad/s.
    pub tr: Option<f64>,
    /// `scl_slope` as stored. 0 or non-finite means "no scaling" (intercept ignored), as in the
    /// standard and nibabel.
    pub scl_slope: f64,
    /// `scl_inter` as stored.
    pub scl_inter: f64,
    /// Header extensions: `(ecode, esize)`, esize being the bytes the extension takes in the file
    /// (its 8-byte size/code preamble included).
    pub extensions: Vec<(i32, usize)>,
    /// Byte offset of the voxel data. A stored 0 is reported as the header size plus 4 (352 or 544),
    /// where the data then starts.
    pub vox_offset: f64,
}

/// Header fields common to both versions, widened to the NIfTI-2 types.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RawHeader {
    pub(crate) format: NiftiFormat,
    pub(crate) big_endian: bool,
    pub(crate) dim: [i64; 8],
    pub(crate) datatype: i32,
    pub(crate) pixdim: [f64; 8],
    pub(crate) vox_offset: f64,
    pub(crate) scl_slope: f64,
    pub(crate) scl_inter: f64,
    pub(crate) xyzt_units: i32,
    pub(crate) qform_code: i32,
    pub(crate) sform_code: i32,
    pub(crate) quatern: [f64; 3],
    pub(crate) qoffset: [f64; 3],
    pub(crate) srow: [[f64; 4]; 3],
}

/// A checked header: the summary plus what reading the voxels needs.
#[derive(Debug, Clone)]
pub(crate) struct ParsedHeader {
    pub(crate) info: NiftiHeaderInfo,
    pub(crate) datatype_code: i32,
    pub(crate) big_endian: bool,
    pub(crate) data_offset: usize,
    pub(crate) scaling: Scaling,
}

impl ParsedHeader {
    /// The datatype, if [`read_image`](super::read_image) converts it.
    pub(crate) fn supported_datatype(&self, source_name: &str) -> Result<Datatype, NiftiError> {
        Datatype::from_code(self.datatype_code).ok_or_else(|| NiftiError::UnsupportedDatatype {
            source_name: source_name.to_owned(),
            code: self.datatype_code,
            name: self.info.datatype.clone(),
        })
    }
}

const NIFTI1_SIZE: usize = 348;
const NIFTI2_SIZE: usize = 540;
/// Bytes of the "extender" that follows the header in a single-file image.
const EXTENDER_SIZE: usize = 4;

/// Reads the header of a `.nii` or `.nii.gz` file (and its extension list) without reading the
/// voxels. Compression is decided by the `.gz` suffix.
///
/// ```
/// use std::path::Path;
/// use brainclip::data::nifti::{read_header, NiftiFormat};
///
/// let info = read_header(Path::new("tests/data/nifti/example4d.nii.gz"))?;
/// assert_eq!(info.format, NiftiFormat::Nifti1);
/// assert_eq!(info.shape, vec![128, 96, 24, 2]);
/// assert_eq!(info.datatype, "int16");
/// assert_eq!(info.extensions.len(), 2);
/// # Ok::<(), brainclip::data::nifti::NiftiError>(())
/// ```
pub fn read_header(path: &Path) -> Result<NiftiHeaderInfo, NiftiError> {
    let source_name = path.display().to_string();
    let io_error = |error| NiftiError::Io {
        source_name: source_name.clone(),
        error,
    };
    let mut file = BufReader::new(File::open(path).map_err(io_error)?);
    let parsed = if is_gz_path(path) {
        let head = file.fill_buf().map_err(io_error)?;
        if let Some(e) = gzip_magic_problem(head, &source_name) {
            return Err(e);
        }
        read_header_from(&mut Input::new(
            flate2::bufread::MultiGzDecoder::new(file),
            true,
            &source_name,
        ))?
    } else {
        read_header_from(&mut Input::new(file, false, &source_name))?
    };
    Ok(parsed.info)
}

/// Whether a path names a gzip file (`.gz`, any case).
pub(crate) fn is_gz_path(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("gz"))
}

/// Reads the header, the extender and the extensions, leaving `input` at the first voxel byte.
pub(crate) fn read_header_from<R: Read>(input: &mut Input<R>) -> Result<ParsedHeader, NiftiError> {
    let source_name = input.source_name().to_owned();
    let mut buf = [0u8; NIFTI2_SIZE];
    let (start, rest) = buf.split_at_mut(4);
    let got = input.fill(start)?;
    if got < 4 {
        return Err(NiftiError::TruncatedHeader {
            source_name,
            expected: NIFTI1_SIZE,
            found: got,
        });
    }
    let sizeof_hdr: [u8; 4] = (&*start).try_into().unwrap_or_default();
    let (format, big_endian) = match (u32::from_le_bytes(sizeof_hdr), u32::from_be_bytes(sizeof_hdr)) {
        (348, _) => (NiftiFormat::Nifti1, false),
        (_, 348) => (NiftiFormat::Nifti1, true),
        (540, _) => (NiftiFormat::Nifti2, false),
        (_, 540) => (NiftiFormat::Nifti2, true),
        (le, _) => {
            let hint = if looks_gzipped(start) {
                " (gzip data: name the file .nii.gz)"
            } else {
                ""
            };
            return Err(NiftiError::NotNifti {
                source_name,
                found: format!("sizeof_hdr {le} (first bytes {sizeof_hdr:02x?}){hint}"),
            });
        }
    };
    let size = match format {
        NiftiFormat::Nifti1 => NIFTI1_SIZE,
        NiftiFormat::Nifti2 => NIFTI2_SIZE,
    };
    let got = input.fill(rest.get_mut(..size - 4).unwrap_or_default())?;
    if got < size - 4 {
        return Err(NiftiError::TruncatedHeader {
            source_name,
            expected: size,
            found: got + 4,
        });
    }
    let header = buf.get(..size).unwrap_or_default();
    let raw = match format {
        NiftiFormat::Nifti1 => parse_nifti1(header, big_endian, &source_name)?,
        NiftiFormat::Nifti2 => nifti2::parse(header, big_endian, &source_name)?,
    };
    let mut parsed = check(&raw, &source_name)?;

    let mut extender = [0u8; EXTENDER_SIZE];
    if input.fill(&mut extender)? < EXTENDER_SIZE {
        // The file ends at the header: no extensions, and reading voxels will report the lack.
        return Ok(parsed);
    }
    let area_len = parsed.data_offset.saturating_sub(size + EXTENDER_SIZE);
    let beyond_end = |found: u64| NiftiError::CorruptHeader {
        source_name: source_name.clone(),
        field: "vox_offset",
        expected: format!("an offset within the file ({} bytes)", found),
        found: format!("{}", parsed.data_offset),
    };
    if extender[0] != 0 {
        let area = input.read_up_to(area_len as u64, area_len.min(1 << 16))?;
        if area.len() < area_len {
            return Err(beyond_end(input.position()));
        }
        parsed.info.extensions = list_extensions(&area, big_endian, &source_name)?;
    } else if input.skip(area_len as u64)? < area_len as u64 {
        return Err(beyond_end(input.position()));
    }
    Ok(parsed)
}

/// NIfTI-1 fields through the `nifti` crate.
fn parse_nifti1(header: &[u8], big_endian: bool, source_name: &str) -> Result<RawHeader, NiftiError> {
    let magic = header.get(344..348).unwrap_or_default();
    if magic != b"n+1\0" {
        let what = if magic == b"ni1\0" {
            " (a .hdr/.img pair, which is not supported)"
        } else {
            ""
        };
        return Err(NiftiError::NotNifti {
            source_name: source_name.to_owned(),
            found: format!("sizeof_hdr 348 with magic {:?}{what}", String::from_utf8_lossy(magic)),
        });
    }
    let h = nifti::NiftiHeader::from_reader(header).map_err(|e| NiftiError::NotNifti {
        source_name: source_name.to_owned(),
        found: e.to_string(),
    })?;
    // The crate picks the byte order from dim[0] alone; we picked it from sizeof_hdr. When they
    // disagree dim[0] is out of range in our byte order.
    if (h.endianness == nifti::Endianness::Big) != big_endian {
        let b: [u8; 2] = header.get(40..42).and_then(|b| b.try_into().ok()).unwrap_or_default();
        let d0 = if big_endian {
            i16::from_be_bytes(b)
        } else {
            i16::from_le_bytes(b)
        };
        return Err(corrupt(source_name, "dim[0]", "a dimension count from 1 to 7", d0));
    }
    let f = f64::from;
    // The crate stores dim as u16; the standard's type is int16.
    let dim = h.dim.map(|d| i64::from(d as i16));
    Ok(RawHeader {
        format: NiftiFormat::Nifti1,
        big_endian,
        dim,
        datatype: i32::from(h.datatype),
        pixdim: h.pixdim.map(f),
        vox_offset: f(h.vox_offset),
        scl_slope: f(h.scl_slope),
        scl_inter: f(h.scl_inter),
        xyzt_units: i32::from(h.xyzt_units),
        qform_code: i32::from(h.qform_code),
        sform_code: i32::from(h.sform_code),
        quatern: [f(h.quatern_b), f(h.quatern_c), f(h.quatern_d)],
        qoffset: [f(h.quatern_x), f(h.quatern_y), f(h.quatern_z)],
        srow: [h.srow_x.map(f), h.srow_y.map(f), h.srow_z.map(f)],
    })
}

pub(crate) fn corrupt(source_name: &str, field: &'static str, expected: &str, found: impl ToString) -> NiftiError {
    NiftiError::CorruptHeader {
        source_name: source_name.to_owned(),
        field,
        expected: expected.to_owned(),
        found: found.to_string(),
    }
}

/// Validates the fields every reader needs and builds the summary.
fn check(raw: &RawHeader, source_name: &str) -> Result<ParsedHeader, NiftiError> {
    let ndim = usize::try_from(raw.dim[0])
        .ok()
        .filter(|n| (1..=7).contains(n))
        .ok_or_else(|| corrupt(source_name, "dim[0]", "a dimension count from 1 to 7", raw.dim[0]))?;
    let dims = raw.dim.get(1..=ndim).unwrap_or_default();
    let shape: Vec<usize> = dims
        .iter()
        .filter_map(|&d| usize::try_from(d).ok().filter(|&d| d >= 1))
        .collect();
    if shape.len() != ndim {
        return Err(corrupt(
            source_name,
            "dim",
            "every dim[1..=dim[0]] at least 1",
            format!("{dims:?}"),
        ));
    }
    let datatype = datatype_name(raw.datatype).ok_or_else(|| NiftiError::UnsupportedDatatype {
        source_name: source_name.to_owned(),
        code: raw.datatype,
        name: "not a NIfTI datatype code".to_owned(),
    })?;

    let header_end = match raw.format {
        NiftiFormat::Nifti1 => NIFTI1_SIZE + EXTENDER_SIZE,
        NiftiFormat::Nifti2 => NIFTI2_SIZE + EXTENDER_SIZE,
    };
    let vo = raw.vox_offset;
    let data_offset = if vo == 0.0 {
        // As nifti1_io.c: 0 means "right after the header" (nibabel would read the header as data).
        header_end
    } else if vo.is_finite() && vo >= header_end as f64 && vo < 2f64.powi(52) {
        vo as usize
    } else {
        let expected = format!("0 or an offset of at least {header_end} bytes");
        return Err(corrupt(source_name, "vox_offset", &expected, vo));
    };

    let scaling = if raw.scl_slope == 0.0 || !raw.scl_slope.is_finite() {
        Scaling::None
    } else if !raw.scl_inter.is_finite() {
        return Err(corrupt(
            source_name,
            "scl_inter",
            "a finite intercept when scl_slope is set",
            raw.scl_inter,
        ));
    } else if raw.scl_slope == 1.0 && raw.scl_inter == 0.0 {
        Scaling::None
    } else {
        Scaling::Linear {
            slope: raw.scl_slope,
            inter: raw.scl_inter,
        }
    };

    let transform = Transform {
        ndim,
        pixdim: raw.pixdim,
        qform_code: raw.qform_code,
        sform_code: raw.sform_code,
        quatern: raw.quatern,
        qoffset: raw.qoffset,
        srow: raw.srow,
    };
    let (affine, affine_source) = best_affine(&transform);
    let voxel_size = raw.pixdim.iter().skip(1).take(ndim.min(3)).map(|p| p.abs()).collect();
    let info = NiftiHeaderInfo {
        format: raw.format,
        shape,
        datatype: datatype.to_owned(),
        byte_order: if raw.big_endian { "big" } else { "little" }.to_owned(),
        voxel_size,
        affine,
        affine_source: affine_source.to_owned(),
        tr: repetition_time(ndim, raw.pixdim[4], raw.xyzt_units),
        scl_slope: raw.scl_slope,
        scl_inter: raw.scl_inter,
        extensions: Vec::new(),
        vox_offset: data_offset as f64,
    };
    Ok(ParsedHeader {
        info,
        datatype_code: raw.datatype,
        big_endian: raw.big_endian,
        data_offset,
        scaling,
    })
}

/// `pixdim[4]` in seconds, from the time bits of `xyzt_units`.
fn repetition_time(ndim: usize, pixdim4: f64, xyzt_units: i32) -> Option<f64> {
    if ndim < 4 || !(pixdim4.is_finite() && pixdim4 > 0.0) {
        return None;
    }
    match xyzt_units & 0x38 {
        // Unset units are common in real files, whose TR is then nearly always in seconds.
        0 | 0x08 => Some(pixdim4),
        0x10 => Some(pixdim4 / 1e3),
        0x18 => Some(pixdim4 / 1e6),
        // Hz, ppm, rad/s: the fourth axis is not time.
        _ => None,
    }
}

/// `(ecode, esize)` of each extension in the bytes between the extender and the voxels.
fn list_extensions(area: &[u8], big_endian: bool, source_name: &str) -> Result<Vec<(i32, usize)>, NiftiError> {
    let word = |b: Option<&[u8]>| {
        let b: [u8; 4] = b.and_then(|b| b.try_into().ok()).unwrap_or_default();
        if big_endian {
            i32::from_be_bytes(b)
        } else {
            i32::from_le_bytes(b)
        }
    };
    let mut out = Vec::new();
    let mut rest = area;
    // Like nibabel, stop when fewer than 16 bytes are left, and treat an all-zero tail as padding.
    while rest.len() >= 16 && rest.iter().any(|&b| b != 0) {
        let esize = word(rest.get(0..4));
        let ecode = word(rest.get(4..8));
        let size = usize::try_from(esize).ok().filter(|&s| s >= 8 && s <= rest.len());
        let Some(size) = size else {
            let expected = format!("8 to {} bytes (the room left before vox_offset)", rest.len());
            return Err(corrupt(source_name, "extension esize", &expected, esize));
        };
        out.push((ecode, size));
        rest = rest.get(size..).unwrap_or_default();
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_units() {
        assert_eq!(repetition_time(4, 2000.0, 0x10 | 2), Some(2.0));
        assert_eq!(repetition_time(4, 2.0, 0x08 | 2), Some(2.0));
        assert_eq!(repetition_time(4, 2.0, 0), Some(2.0));
        assert_eq!(repetition_time(4, 2e6, 0x18), Some(2.0));
        assert_eq!(repetition_time(4, 2.0, 0x20), None);
        assert_eq!(repetition_time(3, 2.0, 0x08), None);
        assert_eq!(repetition_time(4, 0.0, 0x08), None);
    }

    #[test]
    fn extension_listing() {
        let mut area = Vec::new();
        for (size, code) in [(16i32, 6i32), (32, 4)] {
            area.extend_from_slice(&size.to_le_bytes());
            area.extend_from_slice(&code.to_le_bytes());
            area.resize(area.len() + size as usize - 8, b'x');
        }
        area.extend_from_slice(&[0; 16]);
        assert_eq!(list_extensions(&area, false, "t").unwrap(), vec![(6, 16), (4, 32)]);
        let mut bad = area.clone();
        bad[0..4].copy_from_slice(&(-8i32).to_le_bytes());
        assert!(matches!(
            list_extensions(&bad, false, "t"),
            Err(NiftiError::CorruptHeader { .. })
        ));
        bad[0..4].copy_from_slice(&1000i32.to_le_bytes());
        assert!(matches!(
            list_extensions(&bad, false, "t"),
            Err(NiftiError::CorruptHeader { .. })
        ));
    }
}
