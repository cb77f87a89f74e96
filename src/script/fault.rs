//! Script-facing errors: a domain error becomes a [`ScriptFault`] with a kind, a message and a
//! hint, carried inside Rhai's runtime error so the engine can stamp the call's position.

use std::fmt;

use rhai::{Dynamic, EvalAltResult, Position};

use crate::ErrorKind;
use crate::clip::ClipError;
use crate::data::DataError;
use crate::data::bdata::BDataError;
use crate::data::formats::FormatError;
use crate::data::nifti::NiftiError;
use crate::data::nsd::NsdError;
use crate::device::DeviceError;
use crate::eval::EvalError;
use crate::generate::GenerateError;
use crate::model::ModelError;
use crate::plot::PlotError;
use crate::run::{CatalogError, FileError};
use crate::train::{CheckpointError, TrainError};

/// An error raised by a brainclip script function.
#[derive(Clone, Debug, PartialEq)]
pub struct ScriptFault {
    /// Its category.
    pub kind: ErrorKind,
    /// What happened.
    pub message: String,
    /// How to fix it, when we can tell.
    pub hint: Option<String>,
}

impl ScriptFault {
    /// A fault without a hint.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            hint: None,
        }
    }

    /// Add a hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Add a hint, if there is one.
    pub fn with_optional_hint(mut self, hint: Option<impl Into<String>>) -> Self {
        self.hint = hint.map(Into::into);
        self
    }

    /// Prefix the message with the function that raised it, e.g. `train: ...`.
    pub fn in_function(mut self, name: &str) -> Self {
        if !self.message.contains(&format!("{name}()")) {
            self.message = format!("{name}: {}", self.message);
        }
        self
    }
}

impl fmt::Display for ScriptFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.message)
    }
}

impl From<ScriptFault> for Box<EvalAltResult> {
    fn from(fault: ScriptFault) -> Self {
        Box::new(EvalAltResult::ErrorRuntime(Dynamic::from(fault), Position::NONE))
    }
}

/// Result type of script function wrappers.
pub type ScriptResult<T> = Result<T, Box<EvalAltResult>>;

const DIMENSION_HINT: &str = "build the network from the data it will see, e.g. mapping_net(data.train, #{})";

impl From<DataError> for ScriptFault {
    fn from(e: DataError) -> Self {
        let kind = match &e {
            DataError::InvalidOption { .. } => ErrorKind::InvalidValue,
            DataError::ShapeMismatch { .. } => ErrorKind::DimensionMismatch,
            DataError::MissingField { .. }
            | DataError::Empty { .. }
            | DataError::Catalog(_)
            | DataError::IdMismatch { .. } => ErrorKind::Data,
        };
        ScriptFault::new(kind, e.to_string())
    }
}

impl From<ModelError> for ScriptFault {
    fn from(e: ModelError) -> Self {
        match e {
            ModelError::Data(d) => d.into(),
            ModelError::InvalidOption { .. } => ScriptFault::new(ErrorKind::InvalidValue, e.to_string()),
            ModelError::DimensionMismatch { .. } => {
                ScriptFault::new(ErrorKind::DimensionMismatch, e.to_string()).with_hint(DIMENSION_HINT)
            }
            ModelError::TooFewSamples(_) => ScriptFault::new(ErrorKind::Data, e.to_string()),
            ModelError::Numerical(_) => ScriptFault::new(ErrorKind::Numerical, e.to_string()),
        }
    }
}

impl From<TrainError> for ScriptFault {
    fn from(e: TrainError) -> Self {
        match e {
            TrainError::Model(m) => m.into(),
            TrainError::Dataset(d) => d.into(),
            TrainError::InvalidOption { .. } => ScriptFault::new(ErrorKind::InvalidValue, e.to_string()),
            TrainError::Data(_) => ScriptFault::new(ErrorKind::Data, e.to_string()),
            TrainError::Diverged { .. } => ScriptFault::new(ErrorKind::Numerical, e.to_string()),
        }
    }
}

impl From<EvalError> for ScriptFault {
    fn from(e: EvalError) -> Self {
        let kind = match &e {
            EvalError::ShapeMismatch { .. } => ErrorKind::DimensionMismatch,
            EvalError::InvalidK { .. } => ErrorKind::InvalidValue,
            EvalError::NonFinite(_) => ErrorKind::Numerical,
            EvalError::Empty(_)
            | EvalError::TargetOutOfRange { .. }
            | EvalError::EmptySplit(_)
            | EvalError::InvalidImage { .. } => ErrorKind::Data,
            EvalError::InvalidSetting { .. } | EvalError::UnknownSimilarity { .. } => ErrorKind::InvalidValue,
            EvalError::Numerical(_) => ErrorKind::Numerical,
        };
        ScriptFault::new(kind, e.to_string())
    }
}

impl From<ClipError> for ScriptFault {
    fn from(e: ClipError) -> Self {
        let (kind, hint) = match &e {
            ClipError::Io { .. } | ClipError::NotACheckpoint { .. } | ClipError::Safetensors { .. } => (
                ErrorKind::File,
                Some("give the folder of a Hugging Face CLIPModel (config.json, model.safetensors, merges.txt)"),
            ),
            ClipError::Image { .. } => (ErrorKind::File, None),
            ClipError::Weights { .. } => (
                ErrorKind::Data,
                Some(
                    "config.json and model.safetensors come from different CLIP models, or the file is not a CLIPModel",
                ),
            ),
            ClipError::Config(_) | ClipError::Vocabulary(_) => (ErrorKind::Data, None),
            ClipError::Shape { .. } => (ErrorKind::DimensionMismatch, None),
            ClipError::Interrupted => (ErrorKind::Interrupted, None),
        };
        ScriptFault::new(kind, e.to_string()).with_optional_hint(hint)
    }
}

impl From<PlotError> for ScriptFault {
    fn from(e: PlotError) -> Self {
        ScriptFault::new(ErrorKind::InvalidValue, e.to_string())
    }
}

impl From<FileError> for ScriptFault {
    fn from(e: FileError) -> Self {
        let hint = match &e {
            FileError::OutsideRunDir { .. } => Some("give a plain file name such as \"figure.png\""),
            FileError::NotReadable { .. } => {
                Some("allow the folder with --allow-read DIR, or name the file in --set or the data catalog")
            }
            FileError::NotFound(_) => Some("paths are relative to the working directory"),
            _ => None,
        };
        ScriptFault::new(ErrorKind::File, e.to_string()).with_optional_hint(hint)
    }
}

impl From<CatalogError> for ScriptFault {
    fn from(e: CatalogError) -> Self {
        let hint = match &e {
            CatalogError::Unknown { closest: Some(c), .. } => format!("did you mean `{c}`?"),
            CatalogError::Unknown { .. } | CatalogError::Io { .. } | CatalogError::Invalid { .. } => {
                "`brainclip catalog` shows the catalog in use and where it was read from".into()
            }
            CatalogError::OutsideDataset { .. } => "write \"DATASET:sub/folder/file.h5\"".into(),
        };
        ScriptFault::new(ErrorKind::Data, e.to_string()).with_hint(hint)
    }
}

impl From<BDataError> for ScriptFault {
    fn from(e: BDataError) -> Self {
        match e {
            BDataError::Dataset { ref source, .. } => {
                let kind = ScriptFault::from(source.clone()).kind;
                ScriptFault::new(kind, e.to_string())
            }
            BDataError::Io { .. } => ScriptFault::new(ErrorKind::File, e.to_string()),
            BDataError::OverBudget { .. } => ScriptFault::new(ErrorKind::Limit, e.to_string()),
            BDataError::BadExpression { .. } => ScriptFault::new(ErrorKind::InvalidValue, e.to_string()).with_hint(
                "keys combine with + or | (union), & (intersection) and - (difference), e.g. \"ROI_V1 + ROI_V2\"",
            ),
            BDataError::UnknownKey { ref closest, .. } => {
                let hint = closest.as_ref().map(|c| format!("did you mean `{c}`?"));
                ScriptFault::new(ErrorKind::Data, e.to_string()).with_optional_hint(hint)
            }
            _ => ScriptFault::new(ErrorKind::Data, e.to_string()),
        }
    }
}

impl From<NiftiError> for ScriptFault {
    fn from(e: NiftiError) -> Self {
        let kind = match &e {
            NiftiError::Io { .. } => ErrorKind::File,
            NiftiError::OverBudget { .. } => ErrorKind::Limit,
            NiftiError::InvalidArgument { .. } => ErrorKind::InvalidValue,
            NiftiError::ShapeMismatch { .. } => ErrorKind::DimensionMismatch,
            _ => ErrorKind::Data,
        };
        let hint = match &e {
            NiftiError::NonFinite { .. } => Some(
                "choose what to do with them: apply_mask(series, mask, #{ non_finite: \"zero\" }) or \"drop\" (drops those voxels)",
            ),
            NiftiError::TrialWindow { .. } => {
                Some("check the events' onsets against the series length and tr, or set `delay`/`window`")
            }
            _ => None,
        };
        ScriptFault::new(kind, e.to_string()).with_optional_hint(hint)
    }
}

impl From<FormatError> for ScriptFault {
    fn from(e: FormatError) -> Self {
        let kind = match &e {
            FormatError::Io { .. } => ErrorKind::File,
            FormatError::Invalid { .. } => ErrorKind::Data,
            FormatError::OverBudget { .. } => ErrorKind::Limit,
        };
        ScriptFault::new(kind, e.to_string())
    }
}

impl From<DeviceError> for ScriptFault {
    fn from(e: DeviceError) -> Self {
        let hint = e.hint();
        ScriptFault::new(ErrorKind::Device, e.to_string()).with_hint(hint)
    }
}

impl From<GenerateError> for ScriptFault {
    fn from(e: GenerateError) -> Self {
        let (kind, hint) = match &e {
            GenerateError::Clip(c) => return c.clone().into(),
            GenerateError::Io { .. } | GenerateError::NotAModel { .. } | GenerateError::Image { .. } => (
                ErrorKind::File,
                Some(
                    "give a diffusers UNet2DModel folder (config.json, diffusion_pytorch_model.safetensors); `brainclip convert-adm IN OUT` makes one from a guided-diffusion checkpoint",
                ),
            ),
            GenerateError::Checkpoint { .. } => (ErrorKind::File, None),
            GenerateError::Weights { .. } => (
                ErrorKind::Data,
                Some(
                    "config.json and the safetensors file come from different models, or the file is not a UNet2DModel",
                ),
            ),
            GenerateError::Config { .. } => (ErrorKind::Data, None),
            GenerateError::Option { .. } => (ErrorKind::InvalidValue, None),
            GenerateError::Shape { .. } => (ErrorKind::DimensionMismatch, None),
            GenerateError::Interrupted => (ErrorKind::Interrupted, None),
        };
        ScriptFault::new(kind, e.to_string()).with_optional_hint(hint)
    }
}

impl From<CheckpointError> for ScriptFault {
    fn from(e: CheckpointError) -> Self {
        match e {
            CheckpointError::Model(m) => m.into(),
            other => ScriptFault::new(ErrorKind::File, other.to_string())
                .with_hint("give the .json or .bpk file save_model wrote; both must be in the same folder"),
        }
    }
}

impl From<crate::sweep::SweepError> for ScriptFault {
    fn from(e: crate::sweep::SweepError) -> Self {
        use crate::sweep::SweepError as S;
        let kind = match &e {
            S::Grid { .. } | S::UnusedParameter { .. } | S::UnknownMetric { .. } => ErrorKind::InvalidValue,
            S::Exists { .. } | S::NotASweep(_) | S::Corrupt { .. } | S::ScriptChanged(_) | S::Io { .. } => {
                ErrorKind::File
            }
            S::StillRunning { .. } | S::Launch { .. } | S::Slurm { .. } => ErrorKind::Runtime,
            S::Plot(_) => ErrorKind::Data,
        };
        ScriptFault::new(kind, e.to_string())
    }
}

impl From<NsdError> for ScriptFault {
    fn from(e: NsdError) -> Self {
        let e = match e {
            NsdError::Nifti(n) => return n.into(),
            NsdError::Data(d) => return d.into(),
            other => other,
        };
        let kind = match &e {
            NsdError::Io { .. } | NsdError::Format { .. } | NsdError::OverBudget { .. } => ErrorKind::File,
            NsdError::SubjectNotInDesign { .. }
            | NsdError::SessionMismatch { .. }
            | NsdError::UnknownCaptionImage { .. }
            | NsdError::MissingCaption { .. } => ErrorKind::Data,
            NsdError::GridMismatch { .. } => ErrorKind::DimensionMismatch,
            NsdError::InvalidOption { .. } => ErrorKind::InvalidValue,
            NsdError::Interrupted { .. } => ErrorKind::Interrupted,
            NsdError::Nifti(_) | NsdError::Data(_) => ErrorKind::Internal,
        };
        ScriptFault::new(kind, e.to_string())
    }
}
