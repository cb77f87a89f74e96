//! NIfTI images, masks and BIDS events, turned into the trial × voxel matrices decoding needs.
//!
//! # Reading
//! [`read_image`] reads `.nii` and `.nii.gz` files, NIfTI-1 and NIfTI-2, little- and big-endian,
//! with datatypes uint8, int8, int16, uint16, int32, float32 and float64 (others are refused with
//! [`NiftiError::UnsupportedDatatype`], naming the code). Values are returned as `f32` after
//! `value * scl_slope + scl_inter` (computed in `f64`, as nibabel does), where a slope of 0 or a
//! non-finite slope means "no scaling", as in the standard and nibabel. [`read_header`] reads the
//! header alone; its [`NiftiHeaderInfo`] is what `brainclip inspect --json` prints.
//!
//! # From series to samples
//! 1. A [`Mask`] comes from a binary volume ([`mask_from_volume`]: non-zero voxels) or an atlas
//!    ([`mask_from_atlas`]: voxels whose label is listed).
//! 2. [`apply_mask`] turns a 4-D series into a time × voxels matrix (a 3-D image gives one row).
//!    NaN/Inf values under the mask are an error by default; [`apply_mask_with`] takes a
//!    [`NonFinitePolicy`] to zero them or drop their voxels, and reports how many there were and
//!    where.
//! 3. [`read_events`] reads a BIDS `events.tsv`, and [`trial_samples`] averages the volumes of each
//!    event into one row.
//!
//! # Trial-averaging convention
//! Volume `i` of a series is taken to be acquired at `t = i * TR` seconds (slice timing is
//! ignored), with event onsets measured from the same origin, as in BIDS. Each event gives the mean
//! of the volumes with
//!
//! `onset + delay <= i * TR < onset + delay + window`
//!
//! where `delay` is the haemodynamic delay (default **4 s**, the rise of the BOLD response) and
//! `window` is the event's duration unless [`TrialOptions::window`] is set. Edges are compared
//! with a 1 µs slack so that decimal onsets and TRs land on the intended side. An event whose
//! window holds no volume (e.g. a 0 s duration with no window set), starts before `t = 0`, or
//! ends after the series does (`n_volumes * TR`) is an error naming the event rather than a
//! silently shorter average.
//!
//! ```
//! use std::path::Path;
//! use brainclip::data::nifti::*;
//!
//! let series = read_image(Path::new("tests/data/nifti/nitime_fmri1.nii.gz"))?;
//! let tr = series.header.tr.unwrap_or(1.35);
//! let first = series.data.index_axis(ndarray::Axis(3), 0).mapv(|v| (v > 500.0) as u8 as f32);
//! let mask = mask_from_volume(&NiftiImage { data: first.into_dyn(), ..series.clone() })?;
//! let x = apply_mask(&series, &mask)?; // 40 volumes × voxels
//! let events = Events { onset: vec![0.0, 20.0], duration: vec![8.0, 8.0], label: vec!["a".into(), "b".into()] };
//! let (samples, labels) = trial_samples(&x, tr, &events, &TrialOptions::default())?;
//! assert_eq!(samples.dim(), (2, mask.len()));
//! assert_eq!(labels, vec!["a", "b"]);
//! # Ok::<(), NiftiError>(())
//! ```

mod affine;
mod datatype;
mod error;
mod events;
mod header;
mod inflate;
mod input;
mod mask;
mod nifti2;
mod stream;
mod trials;
mod volume;

// The memory budget lives with the other readers (the fuzz crate compiles both folders alone).
use super::formats::budget;

pub use error::NiftiError;
pub use events::{Events, read_events};
pub use header::{NiftiFormat, NiftiHeaderInfo, read_header};
pub use mask::{
    Mask, MaskedSeries, NonFinitePolicy, NonFiniteReport, apply_mask, apply_mask_with, mask_from_atlas,
    mask_from_volume,
};
pub use stream::VolumeStream;
pub use trials::{TrialOptions, trial_samples};
pub use volume::{NiftiImage, Stats, read_image, read_image_bytes, stats};
