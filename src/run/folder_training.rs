//! Training of the models that are saved as folders (a CLIP, a diffusion UNet) inside a run: under
//! a progress bar, checkpointed to `NAME.checkpoint/` after every epoch, then saved to `NAME/`
//! with `training.json` and loaded back from there, so what a script gets is what a later run
//! would load.

use image::RgbImage;

use super::{FileError, ModelOutput, OutputError, RunContext, TrainingProgress};
use crate::clip::train::{ClipTrainSettings, data_sha256, save_clip, train_clip};
use crate::clip::{Clip, ClipError};
use crate::generate::train::{DiffusionTrainSettings, save_unet, train_diffusion};
use crate::generate::{DiffusionModel, GenerateError};
use crate::{Classified, ErrorKind, Hint};

/// Why training a folder-saved model in a run failed.
#[derive(Debug, thiserror::Error)]
pub enum FolderTrainError {
    /// The CLIP's sizes are beyond what a script may ask for.
    #[error("sizes out of range ({})", ClipTrainSettings::LIMITS)]
    Limits,
    /// Training, saving or loading the CLIP failed.
    #[error(transparent)]
    Clip(#[from] ClipError),
    /// Training, saving or loading the UNet failed.
    #[error(transparent)]
    Diffusion(#[from] GenerateError),
    /// The run directory refused the output folder.
    #[error(transparent)]
    File(#[from] FileError),
    /// The trained CLIP could not be finished (or the run was interrupted).
    #[error(transparent)]
    ClipOutput(#[from] OutputError<ClipError>),
    /// The trained UNet could not be finished (or the run was interrupted).
    #[error(transparent)]
    DiffusionOutput(#[from] OutputError<GenerateError>),
}

impl Classified for FolderTrainError {
    fn kind(&self) -> ErrorKind {
        match self {
            FolderTrainError::Limits => ErrorKind::InvalidValue,
            FolderTrainError::Clip(e) => e.kind(),
            FolderTrainError::Diffusion(e) => e.kind(),
            FolderTrainError::File(e) => e.kind(),
            FolderTrainError::ClipOutput(e) => e.kind(),
            FolderTrainError::DiffusionOutput(e) => e.kind(),
        }
    }
    fn hint(&self) -> Option<Hint> {
        match self {
            FolderTrainError::Limits => None,
            FolderTrainError::Clip(e) => e.hint(),
            FolderTrainError::Diffusion(e) => e.hint(),
            FolderTrainError::File(e) => e.hint(),
            FolderTrainError::ClipOutput(e) => e.hint(),
            FolderTrainError::DiffusionOutput(e) => e.hint(),
        }
    }
}

/// Train a CLIP on captioned `pictures` (pairs with the same label are positives) into the run's
/// folder `name`, and load it back.
///
/// ```no_run
/// # fn demo(run: &brainclip::run::RunContext, pictures: &[image::RgbImage], captions: &[String])
/// #     -> Result<(), brainclip::run::FolderTrainError> {
/// use brainclip::clip::train::ClipTrainSettings;
/// let clip = brainclip::run::train_clip_into(run, pictures, captions, None, &ClipTrainSettings::default(), "clip")?;
/// assert!(clip.config.projection_dim > 0);
/// # Ok(()) }
/// ```
pub fn train_clip_into(
    run: &RunContext,
    pictures: &[RgbImage],
    captions: &[String],
    labels: Option<&[usize]>,
    settings: &ClipTrainSettings,
    name: &str,
) -> Result<Clip, FolderTrainError> {
    if !settings.within_limits() {
        return Err(FolderTrainError::Limits);
    }
    let (shape, config) = (settings.shape(), &settings.training);
    let output = ModelOutput::new(run, name)?;
    let device = run.device().device;
    let mut progress = TrainingProgress::new(run, &output.name);
    let result = train_clip(
        pictures,
        captions,
        labels,
        &shape,
        config,
        &device,
        &mut progress,
        &mut |s| save_clip(&output.checkpoint, s.model, s.names, s.config_json, s.merges),
    );
    drop(progress);
    let trained = result?;
    let record = serde_json::json!({
        "kind": "clip",
        "shape": shape,
        "training": config,
        "pairs": pictures.len(),
        "data_sha256": data_sha256(pictures, captions),
        "history": trained.history,
    });
    let save = |folder: &std::path::Path| {
        save_clip(
            folder,
            &trained.model,
            &trained.names,
            &trained.config_json,
            &trained.merges,
        )
    };
    output.finish(run, (trained.stop_reason, trained.history.len()), save, record)?;
    Ok(Clip::load(&output.folder, &device)?)
}

/// Train a diffusion UNet on `pictures` into the run's folder `name`, and load it back.
///
/// ```no_run
/// # fn demo(run: &brainclip::run::RunContext, pictures: &[image::RgbImage])
/// #     -> Result<(), brainclip::run::FolderTrainError> {
/// use brainclip::generate::train::DiffusionTrainSettings;
/// let unet = brainclip::run::train_diffusion_into(run, pictures, &DiffusionTrainSettings::default(), "unet")?;
/// assert!(unet.config.sample_size > 0);
/// # Ok(()) }
/// ```
pub fn train_diffusion_into(
    run: &RunContext,
    pictures: &[RgbImage],
    settings: &DiffusionTrainSettings,
    name: &str,
) -> Result<DiffusionModel, FolderTrainError> {
    let DiffusionTrainSettings { training, shape } = settings;
    let (unet_config, config_text) = shape.config()?;
    let output = ModelOutput::new(run, name)?;
    let device = run.device().device;
    let mut progress = TrainingProgress::new(run, &output.name);
    let result = train_diffusion(
        pictures,
        &unet_config,
        training,
        &device,
        &mut progress,
        &mut |unet, names, _| save_unet(&output.checkpoint, unet, names, &config_text),
    );
    drop(progress);
    let trained = result?;
    let record = serde_json::json!({
        "kind": "unet",
        "config": shape.config_json()?,
        "training": training,
        "pictures": pictures.len(),
        "history": trained.history,
    });
    let save = |folder: &std::path::Path| save_unet(folder, &trained.unet, &trained.names, &config_text);
    output.finish(run, (trained.stop_reason, trained.history.len()), save, record)?;
    Ok(DiffusionModel::load(&output.folder, &device)?)
}
