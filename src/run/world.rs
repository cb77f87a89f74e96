//! The built-in picture world in a run: its stimuli rendered, embedded by a CLIP (with a progress
//! bar), the fMRI simulated, and the whole recipe recorded in the manifest's data sources.

use image::RgbImage;

use super::{EncodeProgress, RunContext};
use crate::clip::encode::Silent;
use crate::clip::{Clip, ClipError};
use crate::data::world::{Stimulus, StimulusEmbeddings, World, WorldSettings, simulate};
use crate::data::{DataError, Dataset};
use crate::{Classified, ErrorKind, Hint};

/// Why the world could not be simulated.
#[derive(Debug, thiserror::Error)]
pub enum WorldRunError {
    /// The settings are out of range, or the simulation failed.
    #[error(transparent)]
    Data(#[from] DataError),
    /// The CLIP could not embed the stimuli.
    #[error(transparent)]
    Clip(#[from] ClipError),
}

impl Classified for WorldRunError {
    fn kind(&self) -> ErrorKind {
        match self {
            WorldRunError::Data(e) => e.kind(),
            WorldRunError::Clip(e) => e.kind(),
        }
    }
    fn hint(&self) -> Option<Hint> {
        match self {
            WorldRunError::Data(e) => e.hint(),
            WorldRunError::Clip(e) => e.hint(),
        }
    }
}

/// The simulated experiment and its stimuli, each named `world/ID.png` (a name, not a file).
pub struct SimulatedWorld {
    /// The training samples (one trial per image).
    pub train: Dataset,
    /// The test samples (trials averaged).
    pub test: Dataset,
    /// The training stimuli in the datasets' order, with their names.
    pub train_images: Vec<(String, RgbImage)>,
    /// The test stimuli, likewise.
    pub test_images: Vec<(String, RgbImage)>,
}

/// Render the world of `settings`, embed its images, captions and prompts with `clip`, and
/// simulate the fMRI.
///
/// ```no_run
/// # fn demo(run: &brainclip::run::RunContext, clip: &brainclip::clip::Clip) -> Result<(), brainclip::run::WorldRunError> {
/// use brainclip::data::world::WorldSettings;
/// let world = brainclip::run::simulate_world(run, clip, &WorldSettings::default())?;
/// assert_eq!(world.train_images.len(), 1200);
/// # Ok(()) }
/// ```
pub fn simulate_world(
    run: &RunContext,
    clip: &Clip,
    settings: &WorldSettings,
) -> Result<SimulatedWorld, WorldRunError> {
    let (world_config, fmri_config) = (settings.world(), settings.fmri());
    let world = World::new(&world_config)?;
    let pictures = world.render_all(&world.stimuli());
    let embeddings = StimulusEmbeddings::compute(
        &world,
        &pictures,
        |pictures| {
            clip.embed_images(
                pictures,
                64,
                &mut EncodeProgress::new(run, "world_synthetic: CLIP images"),
            )
        },
        |texts| clip.embed_texts(texts, 64, &mut Silent),
    )?;
    let fmri = simulate(&world, &pictures, &embeddings, &fmri_config)?;
    run.record_data(serde_json::json!({
        "kind": "world_synthetic",
        "world": world.config,
        "fmri": fmri_config,
        "clip": clip.name,
    }));
    let named = |stimuli: &[Stimulus], pictures: &[RgbImage]| -> Vec<(String, RgbImage)> {
        let names = stimuli.iter().map(|s| format!("world/{}.png", s.id));
        names.zip(pictures.iter().cloned()).collect()
    };
    let n_train = world.train.len();
    Ok(SimulatedWorld {
        train: fmri.train,
        test: fmri.test,
        train_images: named(&world.train, &pictures[..n_train]),
        test_images: named(&world.test, &pictures[n_train..]),
    })
}
