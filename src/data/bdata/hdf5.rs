//! The thin layer over the HDF5 reader (`hdf5-reader`, pure Rust): open a file with the checks a
//! user needs to hear about (not HDF5, truncated), read numeric matrices and strings by path, and
//! read large arrays one entry of their first axis at a time ([`H5Array`], for NSD's betas and
//! stimuli). Nothing else in the crate touches the reader crate, so swapping it means rewriting
//! this file.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use hdf5_reader::error::Error as H5Error;
use hdf5_reader::messages::datatype::Datatype;
use hdf5_reader::{Dataset, H5Type, Hdf5File, OpenOptions, SliceInfo, SliceInfoElem};
use ndarray::{Array2, ArrayD, Ix2};

use super::BDataError;
use crate::data::formats::budget;

/// `\x89HDF\r\n\x1a\n`: the first bytes of every HDF5 superblock.
const SIGNATURE: [u8; 8] = [0x89, b'H', b'D', b'F', b'\r', b'\n', 0x1a, b'\n'];

/// An open HDF5 file and its path (for messages).
pub(crate) struct H5File {
    file: Hdf5File,
    path: PathBuf,
}

/// Children of a group, split by kind, in the file's listing order.
pub(crate) struct Members {
    pub groups: Vec<String>,
    pub datasets: Vec<String>,
}

impl Members {
    /// "groups [a, b], datasets [c]" for messages.
    pub fn describe(&self) -> String {
        format!(
            "groups [{}], datasets [{}]",
            self.groups.join(", "),
            self.datasets.join(", ")
        )
    }
}

/// A dataset read one entry of its first axis at a time (one volume of a session's betas, one
/// image of NSD's stimulus brick): a read decodes only the chunks that entry lies in.
pub(crate) struct H5Array {
    ds: Dataset,
    shape: Vec<usize>,
    path: PathBuf,
    object: String,
}

impl H5Array {
    /// The dataset's shape (row-major, as h5py shows it).
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// Entry `index` of the first axis, flat in row-major order, as `T`; another stored type is an
    /// error naming it.
    pub fn read_entry<T: H5Type + Clone>(&self, index: usize) -> Result<Vec<T>, BDataError> {
        let mut selections = vec![SliceInfoElem::Index(index as u64)];
        selections.extend(self.shape.iter().skip(1).map(|&d| SliceInfoElem::Slice {
            start: 0,
            end: d as u64,
            step: 1,
        }));
        let corrupt = |e: H5Error| BDataError::Corrupt {
            path: self.path.clone(),
            object: self.object.clone(),
            message: format!("cannot read entry {index}: {e}"),
        };
        let values = self.ds.read_slice::<T>(&SliceInfo { selections }).map_err(corrupt)?;
        if values.is_standard_layout() {
            return Ok(values.into_raw_vec_and_offset().0);
        }
        Ok(values.iter().cloned().collect())
    }

    /// How many chunks the file has decoded so far (what a lazy read is checked by).
    pub fn chunks_decoded(&self) -> u64 {
        self.ds.chunk_cache_stats().misses
    }
}

impl H5File {
    /// Open `path`, telling a non-HDF5 file and a truncated one apart from other damage.
    pub fn open(path: &Path) -> Result<Self, BDataError> {
        let io = |source| BDataError::Io {
            path: path.to_path_buf(),
            source,
        };
        let mut raw = File::open(path).map_err(io)?;
        let len = raw.metadata().map_err(io)?.len();
        if find_signature(&mut raw, len).map_err(io)?.is_none() {
            return Err(BDataError::NotHdf5 {
                path: path.to_path_buf(),
                found: describe_start(&mut raw, len).map_err(io)?,
            });
        }
        // The reader's default single read is unlimited, so a damaged dataspace claiming 2^50
        // elements would abort the process on allocation instead of returning an error.
        let max_read = usize::try_from(budget::memory_budget()).unwrap_or(usize::MAX);
        let options = OpenOptions::default().with_max_read_bytes(max_read);
        let file = Hdf5File::open_with_options(path, options).map_err(|e| match e {
            H5Error::Io(source) => io(source),
            H5Error::UnexpectedEof { .. } => BDataError::Truncated {
                path: path.to_path_buf(),
                expected: "at least a complete HDF5 superblock".into(),
                found: len,
            },
            other => BDataError::Corrupt {
                path: path.to_path_buf(),
                object: "/".into(),
                message: format!("cannot read the superblock: {other}"),
            },
        })?;
        // libhdf5 refuses such files too ("truncated file: eof = ..."); the pure-Rust reader reads
        // lazily and would only fail later, on whichever object lies past the end.
        let sb = file.superblock();
        if let Some(eof) = sb.base_address.checked_add(sb.eof_address)
            && sb.eof_address != u64::MAX
            && eof > len
        {
            return Err(BDataError::Truncated {
                path: path.to_path_buf(),
                expected: format!("the {eof} bytes its HDF5 superblock records"),
                found: len,
            });
        }
        Ok(Self {
            file,
            path: path.to_path_buf(),
        })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn corrupt(&self, object: &str, err: impl std::fmt::Display) -> BDataError {
        BDataError::Corrupt {
            path: self.path.clone(),
            object: object.to_string(),
            message: err.to_string(),
        }
    }

    /// The dataset `object` as an array read entry by entry along its first axis, or `None` when
    /// the file has no such dataset.
    pub fn array(&self, object: &str) -> Result<Option<H5Array>, BDataError> {
        let Ok(ds) = self.file.dataset(object) else {
            return Ok(None);
        };
        let shape = ds.shape().iter().map(|&d| d as usize).collect();
        Ok(Some(H5Array {
            ds,
            shape,
            path: self.path.clone(),
            object: object.to_string(),
        }))
    }

    /// The children of group `group` (e.g. `/metadata`), or `None` when there is no such group.
    pub fn members(&self, group: &str) -> Result<Option<Members>, BDataError> {
        let parts: Vec<&str> = group.split('/').filter(|p| !p.is_empty()).collect();
        let mut current = self.file.root_group().map_err(|e| self.corrupt("/", e))?;
        for (depth, part) in parts.iter().enumerate() {
            let parent = format!("/{}", parts[..depth].join("/"));
            let (groups, _) = current.member_names().map_err(|e| self.corrupt(&parent, e))?;
            if !groups.iter().any(|g| g == part) {
                return Ok(None);
            }
            current = current.group(part).map_err(|e| self.corrupt(group, e))?;
        }
        let (groups, datasets) = current.member_names().map_err(|e| self.corrupt(group, e))?;
        Ok(Some(Members { groups, datasets }))
    }

    fn dataset(&self, object: &str) -> Result<Dataset, BDataError> {
        self.file.dataset(object).map_err(|e| self.corrupt(object, e))
    }

    /// A numeric dataset of any integer or float type as `f64`, with its shape (row-major).
    pub fn read_numeric(&self, object: &str) -> Result<ArrayD<f64>, BDataError> {
        let ds = self.dataset(object)?;
        let read = |e: H5Error| self.corrupt(object, e);
        // The dataset as stored plus its f64 copy; declared shapes are checked before any read.
        let element = hdf5_reader::datatype_api::dtype_element_size(ds.dtype()).unwrap_or(8) as u64;
        let count = ds.shape().iter().try_fold(1u64, |acc, &side| acc.checked_mul(side));
        budget::check_bytes(count.and_then(|c| c.checked_mul(element + 8)), || {
            format!("an array of shape {:?}", ds.shape())
        })
        .map_err(|budget| BDataError::OverBudget {
            path: self.path.clone(),
            object: object.to_string(),
            budget,
        })?;
        match ds.dtype().clone() {
            Datatype::FloatingPoint { size: 8, .. } => ds.read_array::<f64>().map_err(read),
            Datatype::FloatingPoint { size: 4, .. } => Ok(ds.read_array::<f32>().map_err(read)?.mapv(f64::from)),
            Datatype::FixedPoint { size, signed, .. } => match (size, signed) {
                (1, true) => Ok(ds.read_array::<i8>().map_err(read)?.mapv(f64::from)),
                (1, false) => Ok(ds.read_array::<u8>().map_err(read)?.mapv(f64::from)),
                (2, true) => Ok(ds.read_array::<i16>().map_err(read)?.mapv(f64::from)),
                (2, false) => Ok(ds.read_array::<u16>().map_err(read)?.mapv(f64::from)),
                (4, true) => Ok(ds.read_array::<i32>().map_err(read)?.mapv(f64::from)),
                (4, false) => Ok(ds.read_array::<u32>().map_err(read)?.mapv(f64::from)),
                // 64-bit integers beyond 2^53 lose precision, as they do in numpy's float cast.
                (8, true) => Ok(ds.read_array::<i64>().map_err(read)?.mapv(|v| v as f64)),
                (8, false) => Ok(ds.read_array::<u64>().map_err(read)?.mapv(|v| v as f64)),
                _ => Err(self.wrong_type(object, "a numeric dataset", ds.dtype())),
            },
            other => Err(self.wrong_type(object, "a numeric dataset", &other)),
        }
    }

    /// A 2-D numeric dataset as an `f64` matrix.
    pub fn read_matrix(&self, object: &str) -> Result<Array2<f64>, BDataError> {
        let values = self.read_numeric(object)?;
        let shape = values.shape().to_vec();
        values.into_dimensionality::<Ix2>().map_err(|_| BDataError::Layout {
            path: self.path.clone(),
            object: object.to_string(),
            expected: "a 2-D array".into(),
            found: format!("{}-D array of shape {shape:?}", shape.len()),
        })
    }

    /// Every string of a string dataset (fixed-length or variable-length, any shape, row-major).
    pub fn read_strings(&self, object: &str) -> Result<Vec<String>, BDataError> {
        let ds = self.dataset(object)?;
        match ds.dtype() {
            Datatype::String { .. } | Datatype::VarLen { .. } => ds.read_strings().map_err(|e| self.corrupt(object, e)),
            other => Err(self.wrong_type(object, "a string dataset", other)),
        }
    }

    fn wrong_type(&self, object: &str, expected: &str, found: &Datatype) -> BDataError {
        BDataError::Layout {
            path: self.path.clone(),
            object: object.to_string(),
            expected: expected.to_string(),
            found: describe_type(found),
        }
    }
}

/// Where the superblock starts: byte 0, or 512, 1024, 2048... after a user block.
fn find_signature(raw: &mut File, len: u64) -> std::io::Result<Option<u64>> {
    let mut offset = 0u64;
    let mut buf = [0u8; 8];
    while offset.saturating_add(8) <= len {
        raw.seek(SeekFrom::Start(offset))?;
        raw.read_exact(&mut buf)?;
        if buf == SIGNATURE {
            return Ok(Some(offset));
        }
        offset = if offset == 0 { 512 } else { offset.saturating_mul(2) };
    }
    Ok(None)
}

/// The first bytes of a file, escaped, for the "not HDF5" message.
fn describe_start(raw: &mut File, len: u64) -> std::io::Result<String> {
    if len == 0 {
        return Ok("an empty file".into());
    }
    let mut buf = Vec::new();
    raw.seek(SeekFrom::Start(0))?;
    raw.take(8).read_to_end(&mut buf)?;
    Ok(format!("{:?} ({len} bytes)", String::from_utf8_lossy(&buf)))
}

fn describe_type(dtype: &Datatype) -> String {
    match dtype {
        Datatype::FixedPoint { size, signed, .. } => {
            format!("{}{}", if *signed { "int" } else { "uint" }, u32::from(*size) * 8)
        }
        Datatype::FloatingPoint { size, .. } => format!("float{}", u32::from(*size) * 8),
        Datatype::String { .. } => "a fixed-length string".into(),
        Datatype::VarLen { .. } => "a variable-length sequence".into(),
        Datatype::Compound { .. } => "a compound type".into(),
        Datatype::Array { .. } => "an array type".into(),
        Datatype::Enum { .. } => "an enum type".into(),
        Datatype::Opaque { .. } => "an opaque type".into(),
        Datatype::Reference { .. } => "a reference type".into(),
        Datatype::Bitfield { .. } => "a bitfield".into(),
    }
}

#[cfg(test)]
mod tests {
    //! Every fixture read back with the values h5py 3.16.0 (HDF5 2.0.0) reports for it:
    //! `.venv/bin/python tests/data/make_bdata_fixtures.py --dump` prints them. The mixed files
    //! hold `v[i, j] = 100 i + j + 0.5` (see `grid` in the generator), so the expected values are
    //! that formula rather than copied numbers.

    use super::super::test_support::fixture;
    use super::*;

    fn grid(rows: usize, cols: usize) -> Array2<f64> {
        Array2::from_shape_fn((rows, cols), |(i, j)| 100.0 * i as f64 + j as f64 + 0.5)
    }

    const MIXED: [&str; 3] = ["h5py_v0_mixed.h5", "h5py_v108_mixed.h5", "h5py_latest_mixed.h5"];

    #[test]
    fn a_dataset_over_the_memory_budget_is_refused_before_it_is_read() {
        let f = H5File::open(&fixture(MIXED[0])).unwrap();
        let object = "/floats/contiguous";
        let full = f.read_numeric(object).unwrap();
        // The budget is the thread's own: other tests are not affected.
        budget::set_memory_budget(full.len() as u64);
        let err = f.read_numeric(object).unwrap_err();
        budget::set_memory_budget(0);
        let text = err.to_string();
        assert!(matches!(err, BDataError::OverBudget { .. }), "{text}");
        assert!(text.contains(object) && text.contains("--max-memory"), "{text}");
        assert!(text.contains(&format!("{:?}", full.shape())), "{text}");
    }

    #[test]
    fn a_chunked_dataset_declared_far_larger_than_its_file_stops_at_the_budget() {
        // Found by fuzzing (fuzz/README.md): 49 KB whose chunked dataset reads as 4.7 GB.
        let f = H5File::open(&fixture("fuzz_chunked_4gb.h5")).unwrap();
        budget::set_memory_budget(64 << 20);
        let mut refused = 0;
        let mut groups = vec![String::from("/")];
        while let Some(group) = groups.pop() {
            let Ok(Some(members)) = f.members(&group) else { continue };
            for dataset in &members.datasets {
                let object = format!("{}/{dataset}", group.trim_end_matches('/'));
                refused += usize::from(matches!(f.read_numeric(&object), Err(BDataError::OverBudget { .. })));
            }
            if group.matches('/').count() < 3 {
                groups.extend(
                    members
                        .groups
                        .iter()
                        .map(|g| format!("{}/{g}", group.trim_end_matches('/'))),
                );
            }
        }
        budget::set_memory_budget(0);
        assert!(refused >= 1);
    }

    #[test]
    fn superblock_versions_are_the_ones_h5py_wrote() {
        for (name, version) in MIXED.iter().zip([0u8, 2, 3]) {
            let f = H5File::open(&fixture(name)).unwrap();
            assert_eq!(f.file.superblock().version, version, "{name}");
        }
    }

    #[test]
    fn float64_datasets_read_in_every_layout_and_superblock_version() {
        for name in MIXED {
            let f = H5File::open(&fixture(name)).unwrap();
            for (object, rows, cols) in [
                ("/floats/chunked_gzip", 13, 9),         // chunks 4×4 with partial edge chunks, gzip 4
                ("/floats/chunked_gzip_shuffle", 10, 6), // chunks 3×6, shuffle + gzip
                ("/floats/chunked_plain", 6, 5),         // chunks 4×2, no filter
                ("/floats/single_chunk", 3, 4),          // one chunk (single-chunk index in v3)
                ("/floats/resizable_rows", 7, 3),        // maxshape (None, 3): extensible array in v3
                ("/floats/resizable_both", 5, 5),        // maxshape (None, None): v2 B-tree in v3
            ] {
                assert_eq!(f.read_matrix(object).unwrap(), grid(rows, cols), "{name} {object}");
            }
            let contiguous = f.read_matrix("/floats/contiguous").unwrap();
            let mut expected = grid(5, 7);
            expected[[0, 1]] = f64::NAN;
            expected[[0, 2]] = f64::NEG_INFINITY;
            expected[[0, 3]] = -0.0;
            for (a, b) in contiguous.iter().zip(expected.iter()) {
                assert_eq!(
                    a.to_bits(),
                    b.to_bits(),
                    "{name}: NaN, -inf and -0.0 survive bit for bit"
                );
            }
            assert_eq!(f.read_matrix("/floats/float32").unwrap(), grid(2, 3));
            let vector = f.read_numeric("/floats/vector").unwrap();
            assert_eq!(vector.into_raw_vec_and_offset().0, vec![0.0, 1.5, 3.0, 4.5, 6.0, 7.5]);
            let scalar = f.read_numeric("/floats/scalar").unwrap();
            assert_eq!(
                (scalar.ndim(), scalar.iter().copied().collect::<Vec<_>>()),
                (0, vec![2.75])
            );
            assert_eq!(
                f.read_matrix("/ints/i32").unwrap().row(0).to_vec(),
                vec![-3.0, 0.0, 7.0]
            );
            let u8s = f.read_numeric("/ints/u8").unwrap();
            assert_eq!(u8s.iter().copied().collect::<Vec<_>>(), vec![0.0, 200.0, 255.0]);
        }
    }

    #[test]
    fn strings_read_fixed_and_variable_length() {
        for name in MIXED {
            let f = H5File::open(&fixture(name)).unwrap();
            // h5py: array([b'Data', b'Label', b'ROI_V1', b''], dtype='|S6')
            assert_eq!(
                f.read_strings("/strings/fixed").unwrap(),
                ["Data", "Label", "ROI_V1", ""]
            );
            // h5py: vlen str, ['ROI_V1', 'Bildmenge ä', '日本', '']
            assert_eq!(
                f.read_strings("/strings/vlen_utf8").unwrap(),
                ["ROI_V1", "Bildmenge \u{e4}", "\u{65e5}\u{672c}", ""]
            );
            assert_eq!(f.read_strings("/strings/vlen_ascii_scalar").unwrap(), ["label-01"]);
            assert_eq!(f.read_strings("/strings/fixed_scalar").unwrap(), ["n01518878_10042"]);
        }
    }

    #[test]
    fn groups_list_all_their_members() {
        for name in MIXED {
            let f = H5File::open(&fixture(name)).unwrap();
            let root = f.members("/").unwrap().unwrap();
            let mut groups = root.groups.clone();
            groups.sort();
            assert_eq!(groups, ["floats", "ints", "nested", "strings"], "{name}");
            // 40 links: several symbol-table nodes in v0, dense (fractal heap) storage in v2/v3.
            let many = f.members("/nested/many").unwrap().unwrap();
            assert_eq!(many.datasets.len(), 40, "{name}");
            assert!(many.datasets.iter().any(|d| d == "39.0"));
            assert_eq!(f.read_strings("/nested/many/17.0").unwrap(), ["label-17"]);
            assert!(f.members("/nested/none").unwrap().is_none());
            assert!(
                f.members("/strings/fixed/x").unwrap().is_none(),
                "a dataset is not a group"
            );
        }
    }

    #[test]
    fn wrong_types_are_named() {
        let f = H5File::open(&fixture("h5py_v0_mixed.h5")).unwrap();
        let err = f.read_matrix("/strings/fixed").unwrap_err().to_string();
        assert!(
            err.contains("`/strings/fixed` should be a numeric dataset, found a fixed-length string"),
            "{err}"
        );
        let err = f.read_matrix("/floats/vector").unwrap_err().to_string();
        assert!(
            err.contains("should be a 2-D array, found 1-D array of shape [6]"),
            "{err}"
        );
        let err = f.read_strings("/floats/vector").unwrap_err().to_string();
        assert!(err.contains("should be a string dataset, found float64"), "{err}");
        assert!(matches!(
            f.read_matrix("/floats/missing"),
            Err(BDataError::Corrupt { .. })
        ));
    }
}
