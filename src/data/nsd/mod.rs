//! The Natural Scenes Dataset (Allen et al., 2022) as NSD distributes it: the design
//! (`nsd_expdesign.mat`), the stimulus table (`nsd_stim_info_merged.csv`), COCO's captions, ROI
//! volumes, single-trial betas (`betas_sessionNN.nii.gz` or `.hdf5`) and the stimulus brick
//! (`nsd_stimuli.hdf5`), read from NSD's own folder tree ([`NsdLayout`]).
//!
//! # Conventions
//! - Image ids are 0-based 73k ids (`nsdId` in the stimulus table, the first axis of
//!   `imgBrick`); the design's 1-based MATLAB indices are converted on reading.
//! - Betas are int16 = 300 × percent signal change; they are divided by 300 (`beta_scale`).
//! - A session is read volume by volume and masked as it is read ([`read_session`]), so a
//!   subject's betas never sit in memory unmasked; with the defaults the peak is one masked
//!   session plus the samples kept (see [`load_subject`]).
//! - Z-scoring is per voxel within each session, over its trials (NSD's and MindEye's practice),
//!   before repeats are averaged.
//! - The test set is the shared images ([`TestSet`]): all 1,000, or the 982 shown in the first
//!   37 sessions. Splitting is by image, so repeats never straddle it.
//!
//! ```
//! use brainclip::data::nsd::{NsdOptions, load_subject};
//! let options = NsdOptions { trials_per_session: 20, ..NsdOptions::default() };
//! let subject = load_subject(std::path::Path::new("tests/data/nsd"), &options, &mut |_, _| true)?;
//! assert_eq!(subject.report.voxels, subject.train.n_voxels());
//! # Ok::<(), brainclip::data::nsd::NsdError>(())
//! ```

mod betas;
mod captions;
mod design;
mod error;
mod stim_info;
mod stimuli;
mod subject;

pub use betas::{BetasFormat, read_session};
pub use captions::CocoCaptions;
pub use design::{ExpDesign, FIRST_RELEASE_SESSIONS};
pub use error::NsdError;
pub use stim_info::{CocoImage, StimInfo};
pub use stimuli::StimulusBrick;
pub use subject::{Average, FormatChoice, NsdLayout, NsdOptions, NsdReport, NsdSubject, TestSet, load_subject};
