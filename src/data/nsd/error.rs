use std::path::PathBuf;

use thiserror::Error;

use crate::data::DataError;
use crate::data::formats::budget::OverBudget;
use crate::data::nifti::NiftiError;

/// What can go wrong reading the Natural Scenes Dataset; every variant names the file and, where
/// there is one, the fix.
///
/// ```
/// use brainclip::data::nsd::ExpDesign;
/// let err = ExpDesign::read(std::path::Path::new("no/nsd_expdesign.mat")).unwrap_err();
/// assert!(err.to_string().starts_with("cannot read no/nsd_expdesign.mat"));
/// ```
#[derive(Debug, Error)]
pub enum NsdError {
    /// A file is missing or unreadable.
    #[error("cannot read {}: {detail}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the system said, and where such a file lives in NSD.
        detail: String,
    },
    /// A file is not what NSD ships under that name.
    #[error("{}: {detail}", path.display())]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        detail: String,
    },
    /// The design has no row for the subject.
    #[error("{}: the design lists {subjects} subjects, not subject {subject}; NSD's subjects are 1 to 8", path.display())]
    SubjectNotInDesign {
        /// The design file.
        path: PathBuf,
        /// The subject asked for.
        subject: usize,
        /// Rows of `subjectim`.
        subjects: usize,
    },
    /// A betas file does not hold the trials the design gives its session.
    #[error("{}: {found} trials, but the design gives session {session} {expected} (trials_per_session); {hint}", path.display())]
    SessionMismatch {
        /// The betas file.
        path: PathBuf,
        /// Its session.
        session: usize,
        /// Trials the design gives it.
        expected: usize,
        /// Trials in the file.
        found: usize,
        /// The likely fix.
        hint: &'static str,
    },
    /// A caption is for an image the caption file does not list.
    #[error("{}: a caption is for image {image_id}, which the file's `images` does not list; give COCO's own captions_*2017.json", path.display())]
    UnknownCaptionImage {
        /// The caption file.
        path: PathBuf,
        /// The COCO image id.
        image_id: u64,
    },
    /// An NSD image has no caption in the caption files.
    #[error(
        "no caption for NSD image {nsd_id} (COCO image {coco_id}) in {files}; give the COCO 2017 caption files NSD ships in nsddata_stimuli/stimuli/nsd/annotations/, or load without captions"
    )]
    MissingCaption {
        /// The 0-based NSD id.
        nsd_id: usize,
        /// Its COCO id.
        coco_id: u64,
        /// The caption files read.
        files: String,
    },
    /// An ROI volume is on another grid than the betas.
    #[error("{}: ROI grid {roi:?}, but {} is on {betas:?}; use the ROI of the same subject and space (ppdata/subjNN/SPACE/roi/)", roi_path.display(), betas_path.display())]
    GridMismatch {
        /// The ROI file.
        roi_path: PathBuf,
        /// Its grid.
        roi: [usize; 3],
        /// The betas file.
        betas_path: PathBuf,
        /// Their grid.
        betas: [usize; 3],
    },
    /// An option is out of range.
    #[error("{option} must be {expected}, got {found}")]
    InvalidOption {
        /// The option.
        option: &'static str,
        /// What it may be.
        expected: &'static str,
        /// What it was.
        found: String,
    },
    /// A NIfTI file (betas or ROI) could not be read.
    #[error(transparent)]
    Nifti(#[from] NiftiError),
    /// A file is larger than the memory budget allows.
    #[error("{}: {budget}", path.display())]
    OverBudget {
        /// The file.
        path: PathBuf,
        /// The budget.
        budget: OverBudget,
    },
    /// The caller stopped the load (Ctrl-C).
    #[error("interrupted after {sessions} of the sessions; nothing was kept")]
    Interrupted {
        /// Sessions read.
        sessions: usize,
    },
    /// The loaded samples do not make a dataset.
    #[error(transparent)]
    Data(#[from] DataError),
}

impl crate::Classified for NsdError {
    fn kind(&self) -> crate::ErrorKind {
        use crate::ErrorKind as K;
        match self {
            NsdError::Nifti(n) => n.kind(),
            NsdError::Data(d) => d.kind(),
            NsdError::Io { .. } | NsdError::Format { .. } | NsdError::OverBudget { .. } => K::File,
            NsdError::SubjectNotInDesign { .. }
            | NsdError::SessionMismatch { .. }
            | NsdError::UnknownCaptionImage { .. }
            | NsdError::MissingCaption { .. } => K::Data,
            NsdError::GridMismatch { .. } => K::DimensionMismatch,
            NsdError::InvalidOption { .. } => K::InvalidValue,
            NsdError::Interrupted { .. } => K::Interrupted,
        }
    }
    fn hint(&self) -> Option<crate::Hint> {
        match self {
            NsdError::Nifti(n) => n.hint(),
            NsdError::Data(d) => d.hint(),
            _ => None,
        }
    }
}
