//! NumPy `.npy` and `.npz` files (via `ndarray-npy`), read as `f32` matrices whatever their numeric
//! dtype, and written as `f32` for embedding caches.

use std::io::Cursor;
use std::path::Path;

use ndarray::{Array2, ArrayD, Ix2, IxDyn};
use ndarray_npy::npy::header::Header;
use ndarray_npy::{NpzReader, ReadNpyError, ReadNpyExt, ReadNpzError, WriteNpyExt};
use serde::Serialize;

use super::{FormatError, read_bytes};

/// Shape and dtype of an array file, without its data.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NpySummary {
    /// Array shape.
    pub shape: Vec<usize>,
    /// NumPy type descriptor, e.g. `<f4`.
    pub dtype: String,
    /// Whether the data are stored column-major.
    pub fortran_order: bool,
}

/// Read the header of a `.npy` file.
pub fn npy_summary(path: &Path) -> Result<NpySummary, FormatError> {
    let bytes = read_bytes(path)?;
    check_header_length(&bytes, path)?;
    let header = Header::from_reader(&mut Cursor::new(&bytes))
        .map_err(|e| FormatError::invalid(path, "a NumPy .npy header", e.to_string()))?;
    Ok(NpySummary {
        shape: header.shape.clone(),
        dtype: descriptor(&header),
        fortran_order: header.layout.is_fortran(),
    })
}

/// Refuses a header whose declared length exceeds the bytes present. ndarray-npy allocates the
/// declared length before reading, so a corrupt length field (found by fuzzing: 2.4 GB claimed
/// in a 100-byte file) would otherwise exhaust memory. Layout from the NPY format spec: magic
/// `\x93NUMPY`, major and minor version bytes, then the header length as a little-endian u16
/// (version 1) or u32 (versions 2 and 3).
fn check_header_length(bytes: &[u8], path: &Path) -> Result<(), FormatError> {
    let (prefix, declared) = match (bytes.get(6), bytes.get(8..12)) {
        (Some(1), Some(len)) => (10, u64::from(u16::from_le_bytes([len[0], len[1]]))),
        (Some(2 | 3), Some(len)) => (12, u64::from(u32::from_le_bytes([len[0], len[1], len[2], len[3]]))),
        // Anything else (short input, bad magic or version) is left to ndarray-npy's own errors.
        _ => return Ok(()),
    };
    let available = bytes.len() as u64;
    if prefix + declared > available {
        return Err(FormatError::invalid(
            path,
            format!("a NumPy .npy header of {declared} bytes (as its length field says)"),
            format!("a file of {available} bytes"),
        ));
    }
    Ok(())
}

/// The descriptor as NumPy writes it (`<f4`), without the Python quotes of its literal.
fn descriptor(header: &Header) -> String {
    header
        .type_descriptor
        .to_string()
        .trim_matches(|c| c == '\'' || c == '"')
        .to_string()
}

/// Read any numeric `.npy` array as `f32`, keeping its shape.
pub fn read_npy_any(path: &Path) -> Result<ArrayD<f32>, FormatError> {
    read_npy_bytes(&read_bytes(path)?, path)
}

/// [`read_npy_any`] on bytes already in memory; `path` names them in errors.
///
/// ```
/// let bytes = brainclip::data::formats::npy::npy_bytes(&ndarray::array![[1.0f32, 2.0]]).unwrap();
/// let a = brainclip::data::formats::npy::read_npy_bytes(&bytes, "x.npy".as_ref()).unwrap();
/// assert_eq!(a.shape(), &[1, 2]);
/// let bad = brainclip::data::formats::npy::read_npy_bytes(&bytes[..20], "x.npy".as_ref());
/// assert!(bad.unwrap_err().to_string().contains("x.npy"));
/// ```
pub fn read_npy_bytes(bytes: &[u8], path: &Path) -> Result<ArrayD<f32>, FormatError> {
    check_header_length(bytes, path)?;
    let err = |e: ReadNpyError| FormatError::invalid(path, "a numeric NumPy array", e.to_string());
    macro_rules! attempt {
        ($($t:ty),*) => {
            $(
                match ArrayD::<$t>::read_npy(Cursor::new(bytes)) {
                    Ok(a) => return Ok(a.mapv(|v| v as f32)),
                    Err(ReadNpyError::WrongDescriptor(_)) => {}
                    Err(e) => return Err(err(e)),
                }
            )*
        };
    }
    attempt!(f32, f64, i64, i32, i16, i8, u64, u32, u16, u8);
    match ArrayD::<bool>::read_npy(Cursor::new(bytes)) {
        Ok(a) => Ok(a.mapv(|v| if v { 1.0 } else { 0.0 })),
        Err(e) => Err(err(e)),
    }
}

/// Read a 1-D or 2-D numeric array as a matrix (a vector becomes one column).
///
/// ```
/// # let dir = tempfile::tempdir().unwrap();
/// # let path = dir.path().join("x.npy");
/// use ndarray_npy::WriteNpyExt;
/// ndarray::array![[1.0f64, 2.0], [3.0, 4.0]].write_npy(std::fs::File::create(&path).unwrap()).unwrap();
/// let m = brainclip::data::formats::npy::read_matrix(&path, None).unwrap();
/// assert_eq!(m, ndarray::array![[1.0f32, 2.0], [3.0, 4.0]]);
/// ```
pub fn read_matrix(path: &Path, npz_key: Option<&str>) -> Result<Array2<f32>, FormatError> {
    let array = if is_npz(path) {
        read_npz_any(path, npz_key)?
    } else {
        read_npy_any(path)?
    };
    to_matrix(path, array)
}

fn to_matrix(path: &Path, array: ArrayD<f32>) -> Result<Array2<f32>, FormatError> {
    let shape = array.shape().to_vec();
    match shape.len() {
        1 => Ok(array
            .into_shape_with_order((shape[0], 1))
            .map_err(|e| FormatError::invalid(path, "a vector", e.to_string()))?),
        2 => array
            .into_dimensionality::<Ix2>()
            .map_err(|e| FormatError::invalid(path, "a matrix", e.to_string())),
        _ => Err(FormatError::invalid(
            path,
            "a 1-D or 2-D array",
            format!("shape {shape:?}"),
        )),
    }
}

/// Whether the path names an `.npz` archive.
pub fn is_npz(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("npz"))
}

/// The array names in an `.npz` archive.
pub fn npz_names(path: &Path) -> Result<Vec<String>, FormatError> {
    npz_names_in(&read_bytes(path)?, path)
}

fn npz_names_in(bytes: &[u8], path: &Path) -> Result<Vec<String>, FormatError> {
    let mut npz = NpzReader::new(Cursor::new(bytes))
        .map_err(|e| FormatError::invalid(path, "an .npz (zip) archive", e.to_string()))?;
    let names = npz
        .names()
        .map_err(|e| FormatError::invalid(path, "an .npz (zip) archive", e.to_string()))?;
    Ok(names
        .into_iter()
        .map(|n| n.trim_end_matches(".npy").to_string())
        .collect())
}

/// Read one array of an `.npz` archive (the only one when `key` is `None`) as `f32`.
pub fn read_npz_any(path: &Path, key: Option<&str>) -> Result<ArrayD<f32>, FormatError> {
    read_npz_bytes(&read_bytes(path)?, path, key)
}

/// [`read_npz_any`] on bytes already in memory; `path` names them in errors.
pub fn read_npz_bytes(bytes: &[u8], path: &Path, key: Option<&str>) -> Result<ArrayD<f32>, FormatError> {
    let names = npz_names_in(bytes, path)?;
    let name = match key {
        Some(k) => names.iter().find(|n| n.as_str() == k).cloned().ok_or_else(|| {
            FormatError::invalid(
                path,
                format!("an array named `{k}`"),
                format!("arrays {}", names.join(", ")),
            )
        })?,
        None if names.len() == 1 => names[0].clone(),
        None => {
            return Err(FormatError::invalid(
                path,
                "one array, or a key naming one",
                format!("{} arrays: {}", names.len(), names.join(", ")),
            ));
        }
    };
    let mut npz =
        NpzReader::new(Cursor::new(bytes)).map_err(|e| FormatError::invalid(path, "an .npz archive", e.to_string()))?;
    let err = |e: ReadNpzError| FormatError::invalid(path, format!("a numeric array `{name}`"), e.to_string());
    macro_rules! attempt {
        ($($t:ty),*) => {
            $(
                match npz.by_name::<ndarray::OwnedRepr<$t>, IxDyn>(&name) {
                    Ok(a) => return Ok(a.mapv(|v| v as f32)),
                    Err(ReadNpzError::Npy(ReadNpyError::WrongDescriptor(_))) => {}
                    Err(e) => return Err(err(e)),
                }
            )*
        };
    }
    attempt!(f32, f64, i64, i32, i16, i8, u64, u32, u16, u8);
    Err(FormatError::invalid(
        path,
        format!("a numeric array `{name}`"),
        "a non-numeric dtype",
    ))
}

/// `.npy` bytes of an `f32` matrix.
pub fn npy_bytes(matrix: &Array2<f32>) -> Result<Vec<u8>, std::io::Error> {
    let mut out = Vec::new();
    matrix.write_npy(&mut out).map_err(std::io::Error::other)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_header_length_beyond_the_file_is_refused_before_allocating() {
        // Kept from fuzzing (fuzz/README.md): version 3 with a 2.4 GB header length.
        let mut bytes = b"\x93NUMPY\x03\x00".to_vec();
        bytes.extend(0x8d9a_9b76u32.to_le_bytes());
        bytes.extend(b"{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }\n");
        let err = read_npy_bytes(&bytes, Path::new("cut.npy")).unwrap_err().to_string();
        assert!(err.contains("cut.npy"), "{err}");
        assert!(err.contains("header of 2375719798 bytes"), "{err}");
        assert!(err.contains("a file of 70 bytes"), "{err}");
        let kept = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/npy/fuzz_oom_header_length.npy"
        ))
        .unwrap();
        assert!(read_npy_bytes(&kept, Path::new("kept.npy")).is_err());
    }
    use ndarray::array;
    use ndarray_npy::NpzWriter;

    #[test]
    fn reads_every_numeric_dtype_as_f32() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.npy");
        array![[1i16, -2], [3, 4]]
            .write_npy(std::fs::File::create(&p).unwrap())
            .unwrap();
        assert_eq!(read_matrix(&p, None).unwrap(), array![[1.0f32, -2.0], [3.0, 4.0]]);
        let summary = npy_summary(&p).unwrap();
        assert_eq!((summary.shape, summary.dtype.as_str()), (vec![2, 2], "<i2"));
        array![true, false]
            .write_npy(std::fs::File::create(&p).unwrap())
            .unwrap();
        assert_eq!(read_matrix(&p, None).unwrap(), array![[1.0f32], [0.0]]);
    }

    #[test]
    fn npz_keys_and_errors() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("b.npz");
        let mut npz = NpzWriter::new(std::fs::File::create(&p).unwrap());
        npz.add_array("x", &array![[1.0f64, 2.0]]).unwrap();
        npz.add_array("y", &array![5u8, 6]).unwrap();
        npz.finish().unwrap();
        assert_eq!(npz_names(&p).unwrap(), vec!["x", "y"]);
        assert_eq!(read_matrix(&p, Some("y")).unwrap(), array![[5.0f32], [6.0]]);
        let err = read_matrix(&p, None).unwrap_err().to_string();
        assert!(err.contains("2 arrays: x, y"), "{err}");
        let err = read_matrix(&p, Some("z")).unwrap_err().to_string();
        assert!(err.contains("an array named `z`"), "{err}");
    }

    #[test]
    fn corrupt_and_truncated_files_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.npy");
        std::fs::write(&p, b"not numpy").unwrap();
        assert!(read_matrix(&p, None).unwrap_err().to_string().contains("c.npy"));
        let mut bytes = Vec::new();
        array![[1.0f32, 2.0, 3.0]].write_npy(&mut bytes).unwrap();
        std::fs::write(&p, &bytes[..bytes.len() - 4]).unwrap();
        assert!(read_matrix(&p, None).is_err());
        let p3 = dir.path().join("d.npy");
        ndarray::Array3::<f32>::zeros((2, 2, 2))
            .write_npy(std::fs::File::create(&p3).unwrap())
            .unwrap();
        assert!(read_matrix(&p3, None).unwrap_err().to_string().contains("1-D or 2-D"));
    }
}
