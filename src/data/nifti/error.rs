//! The one error type of the NIfTI module. Every message names the file (or the in-memory source)
//! and says what was expected and what was found, because these errors end up in front of people
//! running scripts on data they did not write.

use thiserror::Error;

/// Everything that can go wrong while reading NIfTI images, masks and BIDS events, or while turning
/// them into matrices.
///
/// `source` fields hold the path of the file involved, or `<bytes>` for
/// [`read_image_bytes`](super::read_image_bytes).
///
/// ```
/// use brainclip::data::nifti::{read_image_bytes, NiftiError};
///
/// let err = read_image_bytes(b"not a nifti file at all", false).unwrap_err();
/// assert!(matches!(err, NiftiError::NotNifti { .. }));
/// assert!(err.to_string().contains("<bytes>"));
/// ```
#[derive(Debug, Error)]
pub enum NiftiError {
    /// The file could not be opened or read.
    #[error("cannot read {source_name}: {error}")]
    Io {
        /// The file.
        source_name: String,
        /// What the operating system said.
        #[source]
        error: std::io::Error,
    },
    /// A `.nii.gz` whose gzip stream is corrupt or cut short.
    #[error(
        "{source_name}: expected a complete gzip stream (.nii.gz), found corrupt or truncated gzip data \
         after {decompressed} decompressed bytes: {detail}"
    )]
    Gzip {
        /// The file.
        source_name: String,
        /// How many bytes were decompressed before the stream broke.
        decompressed: u64,
        /// What the decoder said.
        detail: String,
    },
    /// The file ends before the end of its header.
    #[error("{source_name}: expected a {expected}-byte NIfTI header, found only {found} bytes")]
    TruncatedHeader {
        /// The file.
        source_name: String,
        /// Header size for the detected format (348 if the format could not be detected).
        expected: usize,
        /// Bytes actually available.
        found: usize,
    },
    /// The file does not start like a single-file NIfTI-1 or NIfTI-2 image.
    #[error(
        "{source_name}: not a NIfTI image: expected sizeof_hdr 348 with magic \"n+1\" (NIfTI-1) or 540 with \
         magic \"n+2\" (NIfTI-2), found {found}"
    )]
    NotNifti {
        /// The file.
        source_name: String,
        /// What the first bytes hold instead.
        found: String,
    },
    /// A header field holds a value that makes the file unreadable.
    #[error("{source_name}: header field {field}: expected {expected}, found {found}")]
    CorruptHeader {
        /// The file.
        source_name: String,
        /// Header field name, as in the NIfTI standard.
        field: &'static str,
        /// What a readable file holds there.
        expected: String,
        /// What this file holds.
        found: String,
    },
    /// The header's dimensions and datatype call for more voxel bytes than the file holds.
    #[error(
        "{source_name}: header declares shape {shape:?} of {datatype} = {expected} bytes of voxel data after \
         offset {offset}, but the file holds only {found}"
    )]
    DataSize {
        /// The file.
        source_name: String,
        /// Shape from the header.
        shape: Vec<usize>,
        /// Datatype name from the header.
        datatype: String,
        /// Where the voxel data starts.
        offset: usize,
        /// Bytes of voxel data the header calls for.
        expected: usize,
        /// Bytes of voxel data present.
        found: usize,
    },
    /// A datatype code this reader does not convert (or that is not a NIfTI code at all).
    #[error(
        "{source_name}: datatype code {code} ({name}) is not supported; expected one of uint8 (2), int8 (256), \
         int16 (4), uint16 (512), int32 (8), float32 (16), float64 (64)"
    )]
    UnsupportedDatatype {
        /// The file.
        source_name: String,
        /// The header's datatype code.
        code: i32,
        /// Its NIfTI name, or "not a NIfTI datatype code".
        name: String,
    },
    /// NaN or infinite voxels were found where the policy is to refuse them.
    #[error(
        "{source_name}: expected finite voxel values, found {count} NaN/Inf values in {voxels} voxels; first at \
         (i, j, k, t) {first:?}; zero them or drop their voxels (non-finite policy \"zero\" or \"drop\") to go on"
    )]
    NonFinite {
        /// The file.
        source_name: String,
        /// Number of non-finite values.
        count: usize,
        /// Number of distinct voxels holding at least one.
        voxels: usize,
        /// Coordinates `[i, j, k, t]` of the first few.
        first: Vec<[usize; 4]>,
    },
    /// A mask and a series (or two images that must line up) differ in spatial shape.
    #[error("mask {mask_source} has spatial shape {mask_shape:?} but series {series_source} has {series_shape:?}")]
    ShapeMismatch {
        /// The mask's file.
        mask_source: String,
        /// The mask's shape.
        mask_shape: Vec<usize>,
        /// The series' file.
        series_source: String,
        /// The series' full shape.
        series_shape: Vec<usize>,
    },
    /// An image of the wrong dimensionality was given (e.g. a 5-D image as a series).
    #[error("{source_name}: expected {expected}, found shape {shape:?}")]
    WrongDimensionality {
        /// The file.
        source_name: String,
        /// What kind of image was needed.
        expected: &'static str,
        /// Its shape.
        shape: Vec<usize>,
    },
    /// A mask that selects no voxel, or atlas labels that are not in the atlas.
    #[error("{source_name}: expected {expected}, found {found}")]
    EmptyMask {
        /// The mask or atlas file.
        source_name: String,
        /// What was asked for.
        expected: String,
        /// What the image holds.
        found: String,
    },
    /// The events file lacks a column.
    #[error("{source_name}: expected a column named \"{column}\", found columns {present:?}")]
    EventsMissingColumn {
        /// The events file.
        source_name: String,
        /// The missing column.
        column: String,
        /// The columns the header row has.
        present: Vec<String>,
    },
    /// A cell of the events file cannot be used.
    #[error("{source_name}, line {line}, column \"{column}\": expected {expected}, found \"{found}\"")]
    EventsValue {
        /// The events file.
        source_name: String,
        /// 1-based line number (the header row is line 1).
        line: u64,
        /// Column name.
        column: String,
        /// What the column must hold.
        expected: &'static str,
        /// The cell's text.
        found: String,
    },
    /// The events file is not a well-formed tab-separated table.
    #[error("{source_name}, line {line}: expected a tab-separated table with a header row, found {detail}")]
    EventsFormat {
        /// The events file.
        source_name: String,
        /// 1-based line number where the problem was seen.
        line: u64,
        /// What was wrong.
        detail: String,
    },
    /// An event whose averaging window holds no volume or runs past the series.
    #[error("event {row} (onset {onset} s, label \"{label}\"): {detail}")]
    TrialWindow {
        /// 0-based index of the event.
        row: usize,
        /// Its onset in seconds.
        onset: f64,
        /// Its label.
        label: String,
        /// Window, series length and what went wrong.
        detail: String,
    },
    /// The image would take more memory than the budget allows (`--max-memory`).
    #[error("{source_name}: {budget}")]
    OverBudget {
        /// The file.
        source_name: String,
        /// What it asked for.
        budget: super::budget::OverBudget,
    },
    /// An argument outside the range a function accepts.
    #[error("{what}: expected {expected}, found {found}")]
    InvalidArgument {
        /// Which argument.
        what: &'static str,
        /// Accepted range.
        expected: &'static str,
        /// The value given.
        found: String,
    },
}

impl crate::Classified for NiftiError {
    fn kind(&self) -> crate::ErrorKind {
        use crate::ErrorKind as K;
        match self {
            NiftiError::Io { .. } => K::File,
            NiftiError::OverBudget { .. } => K::Limit,
            NiftiError::InvalidArgument { .. } => K::InvalidValue,
            NiftiError::ShapeMismatch { .. } => K::DimensionMismatch,
            _ => K::Data,
        }
    }
    fn hint(&self) -> Option<crate::Hint> {
        match self {
            NiftiError::NonFinite { .. } => Some(crate::Hint::Remedy(crate::Remedy::ChooseNonFinite)),
            NiftiError::TrialWindow { .. } => {
                Some("check the events' onsets against the series length and tr, or set `delay`/`window`".into())
            }
            _ => None,
        }
    }
}
