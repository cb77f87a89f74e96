//! NumPy `.npy` and `.npz` files (via `ndarray-npy`), read as `f32` matrices whatever their numeric
//! dtype, and written as `f32` for embedding caches.

use std::io::Cursor;
use std::path::Path;

use ndarray::{Array2, ArrayD, Ix2};
use ndarray_npy::npy::header::Header;
use ndarray_npy::{NpzReader, ReadNpyError, ReadNpyExt, WriteNpyExt};
use serde::Serialize;

use super::budget::{check_bytes, check_elements, element_count};
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

/// Refuses a header whose shape the file's bytes do not hold, or whose array would exceed the
/// memory budget: ndarray-npy allocates the declared shape before reading, so a 144-byte file
/// declaring 100000 × 100000 floats would otherwise abort the process.
fn check_declared_data(bytes: &[u8], path: &Path) -> Result<(), FormatError> {
    check_declared_data_of(bytes, bytes.len() as u64, path)
}

/// [`check_declared_data`] on the first bytes of a file of `total` bytes.
fn check_declared_data_of(bytes: &[u8], total: u64, path: &Path) -> Result<(), FormatError> {
    let mut cursor = Cursor::new(bytes);
    // A header that does not parse, or a dtype brainclip does not read, gets ndarray-npy's error.
    let Ok(header) = Header::from_reader(&mut cursor) else {
        return Ok(());
    };
    let dtype = descriptor(&header);
    let Some(item) = item_size(&dtype) else {
        return Ok(());
    };
    let shape = &header.shape;
    let count = element_count(shape);
    let needed = count.and_then(|c| c.checked_mul(item));
    let available = total.saturating_sub(cursor.position());
    if needed.is_none_or(|n| n > available) {
        let needed = needed.map_or_else(|| "more than 2^64".to_string(), |n| n.to_string());
        return Err(FormatError::invalid(
            path,
            format!("the {needed} bytes of data its header declares (shape {shape:?} of {dtype})"),
            format!("{available} bytes after the header"),
        ));
    }
    // The elements as read, plus their f32 copy.
    check_elements(count.unwrap_or(u64::MAX), item + 4, || {
        format!("a {dtype} array of shape {shape:?}")
    })
    .map_err(|e| FormatError::over_budget(path, e))
}

/// Bytes per element of a simple descriptor such as `<f4`, `|b1` or `u2`.
fn item_size(descriptor: &str) -> Option<u64> {
    let body = descriptor.trim_start_matches(['<', '>', '|', '=']);
    let mut chars = body.chars();
    chars.next().filter(char::is_ascii_alphabetic)?;
    chars.as_str().parse().ok().filter(|&n| n > 0)
}

/// The descriptor as NumPy writes it (`<f4`), without the Python quotes of its literal.
fn descriptor(header: &Header) -> String {
    header
        .type_descriptor
        .to_string()
        .trim_matches(|c| c == '\'' || c == '"')
        .to_string()
}

/// Read any numeric `.npy` array as `f32`, keeping its shape. The header is checked against the
/// file's size and the memory budget before the file is read.
pub fn read_npy_any(path: &Path) -> Result<ArrayD<f32>, FormatError> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| FormatError::io(path, e))?;
    let total = file.metadata().map_err(|e| FormatError::io(path, e))?.len();
    let mut head = Vec::new();
    file.take(HEADER_PREFIX_BYTES)
        .read_to_end(&mut head)
        .map_err(|e| FormatError::io(path, e))?;
    if check_header_length(&head, path).is_ok() {
        check_declared_data_of(&head, total, path)?;
    }
    read_npy_bytes(&read_bytes(path)?, path)
}

/// How much of a `.npy` file is read first for its header (NumPy's headers are a few hundred
/// bytes; a longer one is checked once the whole file is read).
const HEADER_PREFIX_BYTES: u64 = 1 << 16;

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
    check_declared_data(bytes, path)?;
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
    let npy = npz_member(bytes, path, &name)?;
    read_npy_bytes(&npy, &path.join(format!("{name}.npy")))
}

/// The bytes of one member of an `.npz` archive, decompressed at most to the size its zip entry
/// declares (and to the memory budget), so a zip bomb stops where its header says it ends.
fn npz_member(bytes: &[u8], path: &Path, name: &str) -> Result<Vec<u8>, FormatError> {
    use std::io::Read;
    let invalid = |e: zip::result::ZipError| FormatError::invalid(path, "an .npz (zip) archive", e.to_string());
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(invalid)?;
    let member = format!("{name}.npy");
    let member = if archive.index_for_name(&member).is_some() {
        member
    } else {
        name.to_string()
    };
    let mut entry = archive.by_name(&member).map_err(invalid)?;
    let declared = entry.size();
    check_bytes(Some(declared), || {
        format!("member `{member}` ({declared} bytes uncompressed)")
    })
    .map_err(|e| FormatError::over_budget(path, e))?;
    let mut out = Vec::new();
    (&mut entry)
        .take(declared.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(|e| FormatError::invalid(path, format!("a readable member `{member}`"), e.to_string()))?;
    if out.len() as u64 != declared {
        return Err(FormatError::invalid(
            path,
            format!("member `{member}` of {declared} bytes (as its zip entry says)"),
            format!("{} bytes when decompressed", out.len()),
        ));
    }
    Ok(out)
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

    /// A version-1 `.npy` whose header declares `shape` of `<f4`, followed by `data` bytes.
    fn declaring(shape: &str, data: usize) -> Vec<u8> {
        let mut text = format!("{{'descr': '<f4', 'fortran_order': False, 'shape': {shape}, }}").into_bytes();
        while (10 + text.len() + 1) % 64 != 0 {
            text.push(b' ');
        }
        text.push(b'\n');
        let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
        bytes.extend((text.len() as u16).to_le_bytes());
        bytes.extend(text);
        bytes.extend(vec![0u8; data]);
        bytes
    }

    #[test]
    fn a_shape_the_bytes_do_not_hold_is_refused_in_npy_and_npz() {
        let lying = declaring("(100000, 100000)", 16);
        let err = read_npy_bytes(&lying, Path::new("big.npy")).unwrap_err().to_string();
        assert!(
            err.contains("the 40000000000 bytes of data its header declares (shape [100000, 100000] of <f4)"),
            "{err}"
        );
        assert!(err.contains("found 16 bytes after the header"), "{err}");
        let mut zipped = Vec::new();
        {
            let mut zip = zip::ZipWriter::new(Cursor::new(&mut zipped));
            let deflated =
                zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
            zip.start_file("x.npy", deflated).unwrap();
            std::io::Write::write_all(&mut zip, &lying).unwrap();
            zip.finish().unwrap();
        }
        let err = read_npz_bytes(&zipped, Path::new("big.npz"), None)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("big.npz/x.npy") && err.contains("40000000000 bytes"),
            "{err}"
        );
        // Exactly what the header declares reads, as zeros.
        let honest = declaring("(2, 3)", 24);
        assert_eq!(read_npy_bytes(&honest, Path::new("ok.npy")).unwrap().shape(), &[2, 3]);
        assert!(read_npy_bytes(&honest[..honest.len() - 1], Path::new("cut.npy")).is_err());
    }

    #[test]
    fn an_array_over_the_memory_budget_is_refused() {
        let bytes = declaring("(256, 256)", 256 * 256 * 4);
        // The budget is this thread's own: other tests are not affected.
        super::super::budget::set_memory_budget(256 * 256 * 4);
        let err = read_npy_bytes(&bytes, Path::new("frames.npy")).unwrap_err();
        super::super::budget::set_memory_budget(0);
        let text = err.to_string();
        assert!(matches!(err, FormatError::OverBudget { .. }), "{text}");
        assert!(
            text.contains("frames.npy: a <f4 array of shape [256, 256] would take 512.0 KiB"),
            "{text}"
        );
        assert!(read_npy_bytes(&bytes, Path::new("frames.npy")).is_ok());
    }

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
