use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::data::DataError;

/// Everything that can go wrong reading a BData file or loading GOD from one.
///
/// Every variant names the file and says what was expected and what was found, so a message can
/// be shown to a user as it is.
///
/// ```
/// use brainclip::data::bdata::BData;
/// let err = BData::open(std::path::Path::new("no/such/file.h5")).unwrap_err();
/// assert!(err.to_string().contains("no/such/file.h5"));
/// ```
#[derive(Debug, Error)]
pub enum BDataError {
    /// The file cannot be read at all (missing, permissions, I/O error).
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A dataset would take more memory than the budget allows (`--max-memory`).
    #[error("{}: dataset `{object}`: {budget}", path.display())]
    OverBudget {
        /// The file.
        path: PathBuf,
        /// The dataset.
        object: String,
        /// What it asked for.
        budget: crate::data::formats::budget::OverBudget,
    },
    /// The file does not start with the HDF5 signature.
    #[error(
        "{} is not an HDF5 file: expected the HDF5 signature (\\x89HDF\\r\\n\\x1a\\n) at byte 0 or after a \
         user block, found {found}",
        path.display()
    )]
    NotHdf5 {
        /// The file.
        path: PathBuf,
        /// What the file starts with, e.g. `"PK\x03\x04" (4 bytes)`.
        found: String,
    },
    /// The file is shorter than its HDF5 superblock says: a partial download or copy.
    #[error(
        "{} is truncated: expected {expected}, found {found} bytes (an interrupted download or copy?)",
        path.display()
    )]
    Truncated {
        /// The file.
        path: PathBuf,
        /// What the file should hold, e.g. `the 67008 bytes its HDF5 superblock records`.
        expected: String,
        /// Size on disk.
        found: u64,
    },
    /// The HDF5 structures are damaged or use a feature the reader does not support.
    #[error("{}: cannot read HDF5 object `{object}`: {message}", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// The HDF5 object being read (`/` for the file itself).
        object: String,
        /// The reader's message.
        message: String,
    },
    /// A valid HDF5 file that lacks an object every BData file has.
    #[error("{} is HDF5 but not a BData file: expected {expected}, found {found}", path.display())]
    NotBData {
        /// The file.
        path: PathBuf,
        /// The missing object, e.g. `a dataset /metadata/key`.
        expected: String,
        /// What is there instead, e.g. the members of the group.
        found: String,
    },
    /// An object exists but has the wrong type or shape.
    #[error("{}: `{object}` should be {expected}, found {found}", path.display())]
    Layout {
        /// The file.
        path: PathBuf,
        /// The HDF5 object.
        object: String,
        /// What BData requires.
        expected: String,
        /// What the file holds.
        found: String,
    },
    /// `/metadata/value` does not have one column per dataset column.
    #[error(
        "{}: /metadata/value has {found} columns, expected {expected} (one per column of /dataset)",
        path.display()
    )]
    MetadataWidth {
        /// The file.
        path: PathBuf,
        /// Number of columns of `/dataset`.
        expected: usize,
        /// Number of columns of `/metadata/value`.
        found: usize,
    },
    /// A metadata key that the file does not have.
    #[error("{}", unknown_key_message(path, key, closest.as_deref(), available))]
    UnknownKey {
        /// The file.
        path: PathBuf,
        /// The key asked for (for a wildcard, the pattern).
        key: String,
        /// The existing key nearest to it, if any.
        closest: Option<String>,
        /// Every key the file has, in file order.
        available: Vec<String>,
    },
    /// A ROI selection expression that does not parse.
    #[error(
        "{}: bad selection expression at position {position}: {message}\n    {expression}\n    {}^",
        path.display(),
        " ".repeat(*position)
    )]
    BadExpression {
        /// The file the expression was applied to.
        path: PathBuf,
        /// The expression.
        expression: String,
        /// Character offset (0-based) of the problem.
        position: usize,
        /// What was expected there and what was found.
        message: String,
    },
    /// The file has no value-label map for a key.
    #[error(
        "{}: no value-label map (vmap) for `{key}`: expected a group /vmap/{key}, found vmaps for [{}]",
        path.display(),
        available.join(", ")
    )]
    NoVmap {
        /// The file.
        path: PathBuf,
        /// The key asked for.
        key: String,
        /// Keys that do have a vmap.
        available: Vec<String>,
    },
    /// The data is BData but not usable as GOD data (missing splits, unreadable labels...).
    #[error("{}: not usable as GOD data: expected {expected}, found {found}", path.display())]
    God {
        /// The file.
        path: PathBuf,
        /// What the GOD loader needs.
        expected: String,
        /// What the file holds.
        found: String,
    },
    /// Building a [`crate::data::Dataset`] from the file's data failed.
    #[error("{}: {source}", path.display())]
    Dataset {
        /// The file.
        path: PathBuf,
        /// The dataset error.
        source: DataError,
    },
}

/// How many keys an [`BDataError::UnknownKey`] message lists before it says "and N more".
const MAX_LISTED_KEYS: usize = 40;

fn unknown_key_message(path: &Path, key: &str, closest: Option<&str>, available: &[String]) -> String {
    let mut msg = format!("{}: no metadata key matches `{key}`", path.display());
    if let Some(c) = closest {
        let _ = write!(msg, " (closest: `{c}`)");
    }
    let shown: Vec<&str> = available.iter().take(MAX_LISTED_KEYS).map(String::as_str).collect();
    let _ = write!(msg, "; the file has {} keys: {}", available.len(), shown.join(", "));
    if available.len() > MAX_LISTED_KEYS {
        let _ = write!(msg, ", … and {} more", available.len() - MAX_LISTED_KEYS);
    }
    msg
}

/// The existing key closest to `key` (ignoring case), for "did you mean".
pub(crate) fn closest_key(key: &str, available: &[String]) -> Option<String> {
    crate::suggest::nearest_ignoring_case(key, available.iter().map(String::as_str)).map(str::to_string)
}

impl crate::Classified for BDataError {
    fn kind(&self) -> crate::ErrorKind {
        use crate::ErrorKind as K;
        match self {
            BDataError::Dataset { source, .. } => source.kind(),
            BDataError::Io { .. } => K::File,
            BDataError::OverBudget { .. } => K::Limit,
            BDataError::BadExpression { .. } => K::InvalidValue,
            _ => K::Data,
        }
    }
    fn hint(&self) -> Option<crate::Hint> {
        match self {
            BDataError::BadExpression { .. } => Some(
                "keys combine with + or | (union), & (intersection) and - (difference), e.g. \"ROI_V1 + ROI_V2\""
                    .into(),
            ),
            BDataError::UnknownKey { closest, .. } => closest.as_ref().map(|c| format!("did you mean `{c}`?").into()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_key_prefers_small_edits_and_ignores_case() {
        let keys: Vec<String> = ["ROI_V1", "ROI_V2", "ROI_LOC", "DataType"].map(String::from).to_vec();
        assert_eq!(closest_key("roi_v1", &keys).as_deref(), Some("ROI_V1"));
        assert_eq!(closest_key("ROI_V5", &keys).as_deref(), Some("ROI_V1"));
        assert_eq!(closest_key("Datatype", &keys).as_deref(), Some("DataType"));
        assert_eq!(closest_key("x", &[]), None);
    }

    #[test]
    fn unknown_key_lists_keys_and_caps_the_list() {
        let many: Vec<String> = (0..50).map(|i| format!("k{i}")).collect();
        let msg = unknown_key_message(Path::new("f.h5"), "x", Some("k1"), &many);
        assert!(msg.starts_with("f.h5: no metadata key matches `x` (closest: `k1`); the file has 50 keys: k0, k1"));
        assert!(msg.ends_with("k39, … and 10 more"), "{msg}");
    }

    #[test]
    fn bad_expression_points_at_the_position() {
        let err = BDataError::BadExpression {
            path: PathBuf::from("f.h5"),
            expression: "ROI_V1 +".into(),
            position: 8,
            message: "expected a key or `(`, found the end".into(),
        };
        assert_eq!(
            err.to_string(),
            "f.h5: bad selection expression at position 8: expected a key or `(`, found the end\n    ROI_V1 +\n            ^"
        );
    }
}
