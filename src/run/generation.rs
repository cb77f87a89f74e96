//! Generation into the run directory: one image per target, with its frames and its guidance
//! losses, each written as soon as its target finishes, so an interrupt keeps every finished
//! image.

use std::path::PathBuf;

use image::RgbImage;

use super::{FileError, GenerateProgress, RunContext};
use crate::clip::Clip;
use crate::data::embeddings::Embeddings;
use crate::data::formats::images::png_bytes;
use crate::generate::{DiffusionModel, GenerateError, GenerationSettings, image_tensor};
use crate::{Classified, ErrorKind, Hint};

/// Why generating into the run directory stopped.
#[derive(Debug, thiserror::Error)]
pub enum GenerateRunError {
    /// The settings, the model or sampling failed.
    #[error(transparent)]
    Generate(#[from] GenerateError),
    /// The number of init images fits neither the targets nor the selected ids.
    #[error(transparent)]
    Init(GenerateError),
    /// The targets are not embeddings of the guiding CLIP.
    #[error("the targets have {targets} dimensions, the guide CLIP {clip} embeds into {dim}")]
    GuideWidth {
        /// The targets' width.
        targets: usize,
        /// The guide's name.
        clip: String,
        /// The guide's embedding width.
        dim: usize,
    },
    /// Stopped between steps; the images of earlier targets are on disk.
    #[error("interrupted at target {id}; {saved} images were saved in {folder}/")]
    Interrupted {
        /// The target being generated.
        id: String,
        /// How many images were finished.
        saved: usize,
        /// Where they are.
        folder: String,
    },
    /// Writing an output failed.
    #[error(transparent)]
    File(#[from] FileError),
}

impl Classified for GenerateRunError {
    fn kind(&self) -> ErrorKind {
        match self {
            GenerateRunError::Generate(e) | GenerateRunError::Init(e) => e.kind(),
            GenerateRunError::GuideWidth { .. } => ErrorKind::DimensionMismatch,
            GenerateRunError::Interrupted { .. } => ErrorKind::Interrupted,
            GenerateRunError::File(e) => e.kind(),
        }
    }
    fn hint(&self) -> Option<Hint> {
        match self {
            GenerateRunError::Generate(e) => e.hint(),
            GenerateRunError::Init(_) => {
                Some("give one init image per target, one per id in `ids`, or one for all".into())
            }
            GenerateRunError::GuideWidth { .. } => {
                Some("guide with the CLIP whose embeddings the mapping network was trained on".into())
            }
            GenerateRunError::Interrupted { .. } => None,
            GenerateRunError::File(e) => e.hint(),
        }
    }
}

/// A generated image and the file it was saved to.
#[derive(Clone, Debug)]
pub struct Generated {
    /// The image.
    pub picture: RgbImage,
    /// `FOLDER/ID.png` in the run directory.
    pub path: PathBuf,
}

/// Generate one image per target row of `targets` (all, or the settings' `ids`) with `unet`,
/// guided by `clip`, starting from `init` images when given (one for all, one per selected id or
/// one per target), on the run's device. Writes `FOLDER/ID.png`, the frames
/// `FOLDER/ID/step_NNNN.png` and the guidance losses `FOLDER/ID_losses.csv` as each target
/// finishes, with a progress bar per target.
///
/// ```no_run
/// # fn demo(run: &brainclip::run::RunContext, unet: &brainclip::generate::DiffusionModel,
/// #         clip: &brainclip::clip::Clip, targets: &brainclip::data::embeddings::Embeddings)
/// #         -> Result<(), brainclip::run::GenerateRunError> {
/// use brainclip::generate::GenerationSettings;
/// let settings = GenerationSettings { steps: "ddim50".into(), ..Default::default() };
/// let images = brainclip::run::generate_into(run, unet, clip, targets, &settings, &[], "generated")?;
/// assert_eq!(images.len(), targets.ids().len());
/// # Ok(()) }
/// ```
pub fn generate_into(
    run: &RunContext,
    unet: &DiffusionModel,
    clip: &Clip,
    targets: &Embeddings,
    settings: &GenerationSettings,
    init: &[&RgbImage],
    folder: &str,
) -> Result<Vec<Generated>, GenerateRunError> {
    let ids = targets.ids();
    let plan = settings.plan(&unet.config, ids)?;
    let dim = clip.config.projection_dim;
    if targets.dim() != dim {
        return Err(GenerateRunError::GuideWidth {
            targets: targets.dim(),
            clip: clip.name.clone(),
            dim,
        });
    }
    plan.check_init(init.len(), ids.len()).map_err(GenerateRunError::Init)?;
    let device = run.device().device;
    let mut out = Vec::with_capacity(plan.rows.len());
    for (n, &row) in plan.rows.iter().enumerate() {
        let id = &ids[row];
        let guide = plan.guide(clip, targets.matrix().view(), row, &device);
        let init_image = plan
            .init_index(init.len(), n)
            .map(|i| image_tensor(init[i], plan.config.image_size, &device));
        let mut progress = GenerateProgress::new(run, &format!("generate {}/{} {id}", n + 1, plan.rows.len()));
        let samples = match plan.sample(&unet.unet, &guide, init_image, row, &mut progress, &device) {
            Ok(samples) => samples,
            Err(GenerateError::Interrupted) => {
                return Err(GenerateRunError::Interrupted {
                    id: id.clone(),
                    saved: out.len(),
                    folder: folder.into(),
                });
            }
            Err(e) => return Err(e.into()),
        };
        for (step, frame) in samples.frame_pictures() {
            run.write_output(&format!("{folder}/{id}/step_{step:04}.png"), &png_bytes(&frame))?;
        }
        run.write_output(&format!("{folder}/{id}_losses.csv"), samples.losses_csv().as_bytes())?;
        let picture = samples.pictures().remove(0);
        let path = run.write_output(&format!("{folder}/{id}.png"), &png_bytes(&picture))?;
        out.push(Generated { picture, path });
    }
    Ok(out)
}
