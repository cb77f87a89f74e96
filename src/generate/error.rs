use std::path::PathBuf;

use thiserror::Error;

use crate::clip::ClipError;

/// Errors of loading diffusion models, converting checkpoints and generating images.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum GenerateError {
    /// A file could not be read or written.
    #[error("cannot access {path}: {message}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// A folder is not a diffusers UNet folder.
    #[error("{folder} is not a diffusers UNet2DModel folder: {message}")]
    NotAModel {
        /// The folder.
        folder: PathBuf,
        /// What is missing.
        message: String,
    },
    /// `config.json` describes something brainclip cannot build.
    #[error("UNet config {file}: {message}")]
    Config {
        /// The config file (or a description of the config).
        file: String,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// The checkpoint's tensors do not fit the config.
    #[error("UNet weights in {file} do not fit the config:\n{report}")]
    Weights {
        /// The weights file.
        file: PathBuf,
        /// Missing, unexpected and mis-shaped tensors, one per line.
        report: String,
    },
    /// A checkpoint file is malformed or not of a layout the converter knows.
    #[error("checkpoint {file}: {message}")]
    Checkpoint {
        /// The file.
        file: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// An option has a value that cannot be used.
    #[error("option `{option}`: {message}")]
    Option {
        /// The option's name as scripts spell it.
        option: &'static str,
        /// What is wrong and the valid values.
        message: String,
    },
    /// An input has the wrong shape.
    #[error("{what}: expected {expected}, found {found}")]
    Shape {
        /// What was checked.
        what: &'static str,
        /// What is needed.
        expected: String,
        /// What was given.
        found: String,
    },
    /// The guide CLIP failed.
    #[error(transparent)]
    Clip(#[from] ClipError),
    /// An image could not be read or decoded.
    #[error("image {path}: {message}")]
    Image {
        /// The image file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// The user interrupted the work.
    #[error("interrupted")]
    Interrupted,
}

impl GenerateError {
    pub(crate) fn io(path: impl Into<PathBuf>, err: impl std::fmt::Display) -> Self {
        Self::Io {
            path: path.into(),
            message: err.to_string(),
        }
    }

    pub(crate) fn option(option: &'static str, message: impl Into<String>) -> Self {
        Self::Option {
            option,
            message: message.into(),
        }
    }
}

impl From<crate::weights::WeightsError> for GenerateError {
    fn from(e: crate::weights::WeightsError) -> Self {
        use crate::weights::WeightsError as W;
        match e {
            W::Io { path, message } => Self::Io { path, message },
            W::Safetensors { file, message } => Self::Checkpoint { file, message },
            W::Mismatch { file, report } => Self::Weights { file, report },
        }
    }
}

impl crate::Classified for GenerateError {
    fn kind(&self) -> crate::ErrorKind {
        use crate::ErrorKind as K;
        match self {
            GenerateError::Clip(c) => c.kind(),
            GenerateError::Io { .. }
            | GenerateError::NotAModel { .. }
            | GenerateError::Image { .. }
            | GenerateError::Checkpoint { .. } => K::File,
            GenerateError::Weights { .. } | GenerateError::Config { .. } => K::Data,
            GenerateError::Option { .. } => K::InvalidValue,
            GenerateError::Shape { .. } => K::DimensionMismatch,
            GenerateError::Interrupted => K::Interrupted,
        }
    }
    fn hint(&self) -> Option<crate::Hint> {
        let hint = match self {
            GenerateError::Clip(c) => return c.hint(),
            GenerateError::Io { .. } | GenerateError::NotAModel { .. } | GenerateError::Image { .. } => {
                "give a diffusers UNet2DModel folder (config.json, diffusion_pytorch_model.safetensors); `brainclip convert-adm IN OUT` makes one from a guided-diffusion checkpoint"
            }
            GenerateError::Weights { .. } => {
                "config.json and the safetensors file come from different models, or the file is not a UNet2DModel"
            }
            _ => return None,
        };
        Some(hint.into())
    }
}
