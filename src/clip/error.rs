use std::path::PathBuf;

use thiserror::Error;

/// Errors of loading and running CLIP.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum ClipError {
    /// A file could not be read.
    #[error("cannot read {path}: {message}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// A checkpoint folder lacks a file it needs.
    #[error("{folder} is not a CLIP checkpoint: {message}")]
    NotACheckpoint {
        /// The folder.
        folder: PathBuf,
        /// What is missing.
        message: String,
    },
    /// `config.json` is malformed or describes something we cannot build.
    #[error("CLIP config: {0}")]
    Config(String),
    /// The checkpoint's tensors do not fit the configured architecture.
    #[error("CLIP weights in {file} do not fit the config:\n{report}")]
    Weights {
        /// The safetensors file.
        file: PathBuf,
        /// Missing, unexpected and mis-shaped tensors, one per line.
        report: String,
    },
    /// The safetensors file itself is malformed.
    #[error("CLIP weights in {file}: {message}")]
    Safetensors {
        /// The file.
        file: PathBuf,
        /// The parser's complaint.
        message: String,
    },
    /// The BPE vocabulary file is malformed.
    #[error("tokenizer vocabulary: {0}")]
    Vocabulary(String),
    /// An image could not be decoded or has an unusable size.
    #[error("image {path}: {message}")]
    Image {
        /// The image file (or a description of the in-memory image).
        path: String,
        /// What went wrong.
        message: String,
    },
    /// An input has the wrong shape for the model.
    #[error("{what}: expected {expected}, found {found}")]
    Shape {
        /// What was checked.
        what: &'static str,
        /// What the model needs.
        expected: String,
        /// What was given.
        found: String,
    },
    /// The user interrupted the work.
    #[error("interrupted")]
    Interrupted,
}

impl ClipError {
    pub(crate) fn io(path: impl Into<PathBuf>, err: impl std::fmt::Display) -> Self {
        Self::Io {
            path: path.into(),
            message: err.to_string(),
        }
    }
}

impl From<crate::weights::WeightsError> for ClipError {
    fn from(e: crate::weights::WeightsError) -> Self {
        use crate::weights::WeightsError as W;
        match e {
            W::Io { path, message } => Self::Io { path, message },
            W::Safetensors { file, message } => Self::Safetensors { file, message },
            W::Mismatch { file, report } => Self::Weights { file, report },
        }
    }
}

impl crate::Classified for ClipError {
    fn kind(&self) -> crate::ErrorKind {
        use crate::ErrorKind as K;
        match self {
            ClipError::Io { .. }
            | ClipError::NotACheckpoint { .. }
            | ClipError::Safetensors { .. }
            | ClipError::Image { .. } => K::File,
            ClipError::Weights { .. } | ClipError::Config(_) | ClipError::Vocabulary(_) => K::Data,
            ClipError::Shape { .. } => K::DimensionMismatch,
            ClipError::Interrupted => K::Interrupted,
        }
    }
    fn hint(&self) -> Option<crate::Hint> {
        let hint = match self {
            ClipError::Io { .. } | ClipError::NotACheckpoint { .. } | ClipError::Safetensors { .. } => {
                "give the folder of a Hugging Face CLIPModel (config.json, model.safetensors, merges.txt)"
            }
            ClipError::Weights { .. } => {
                "config.json and model.safetensors come from different CLIP models, or the file is not a CLIPModel"
            }
            _ => return None,
        };
        Some(hint.into())
    }
}
