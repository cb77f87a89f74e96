use std::path::PathBuf;

use thiserror::Error;

/// A file that cannot be read as the format it should be.
#[derive(Debug, Error)]
pub enum FormatError {
    /// The operating system could not read the file.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The content is not what the format (or brainclip) expects.
    #[error("{path}: expected {expected}, found {found}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What was expected.
        expected: String,
        /// What was found.
        found: String,
    },
    /// Reading it would take more memory than the budget allows (`--max-memory`).
    #[error("{path}: {source}")]
    OverBudget {
        /// The file.
        path: PathBuf,
        /// What it asked for.
        #[source]
        source: super::budget::OverBudget,
    },
}

impl FormatError {
    /// An [`FormatError::Invalid`] for `path`.
    pub fn invalid(path: &std::path::Path, expected: impl Into<String>, found: impl Into<String>) -> Self {
        FormatError::Invalid {
            path: path.to_path_buf(),
            expected: expected.into(),
            found: found.into(),
        }
    }

    /// An [`FormatError::Io`] for `path`.
    pub fn io(path: &std::path::Path, source: std::io::Error) -> Self {
        FormatError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    /// An [`FormatError::OverBudget`] for `path`.
    pub fn over_budget(path: &std::path::Path, source: super::budget::OverBudget) -> Self {
        FormatError::OverBudget {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// Read a whole file, naming it in the error; a file larger than the memory budget is refused
/// before it is read.
pub(crate) fn read_bytes(path: &std::path::Path) -> Result<Vec<u8>, FormatError> {
    let len = std::fs::metadata(path).map_err(|e| FormatError::io(path, e))?.len();
    super::budget::check_bytes(Some(len), || format!("reading the whole file ({len} bytes)"))
        .map_err(|e| FormatError::over_budget(path, e))?;
    std::fs::read(path).map_err(|e| FormatError::io(path, e))
}

impl crate::Classified for FormatError {
    fn kind(&self) -> crate::ErrorKind {
        use crate::ErrorKind as K;
        match self {
            FormatError::Io { .. } => K::File,
            FormatError::Invalid { .. } => K::Data,
            FormatError::OverBudget { .. } => K::Limit,
        }
    }
}
