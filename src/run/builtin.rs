//! The built-in data in a run: the picture world's stimuli rendered, embedded by a CLIP (with a
//! progress bar), the fMRI simulated and the recipe recorded in the manifest's data sources; the
//! synthetic GOD categories' prompts embedded by a CLIP.

use image::RgbImage;
use ndarray::Array2;

use super::{EncodeProgress, RunContext};
use crate::clip::encode::Silent;
use crate::clip::{Clip, ClipError};
use crate::data::god_catalog::GodCatalog;
use crate::data::world::{Stimulus, StimulusEmbeddings, World, WorldSettings, simulate};
use crate::data::{DataError, Dataset};
use crate::{Classified, ErrorKind, Hint};

/// Why built-in data could not be made.
#[derive(Debug, thiserror::Error)]
pub enum BuiltinDataError {
    /// The settings are out of range, or the simulation failed.
    #[error(transparent)]
    Data(#[from] DataError),
    /// The CLIP could not embed the stimuli.
    #[error(transparent)]
    Clip(#[from] ClipError),
}

impl Classified for BuiltinDataError {
    fn kind(&self) -> ErrorKind {
        match self {
            BuiltinDataError::Data(e) => e.kind(),
            BuiltinDataError::Clip(e) => e.kind(),
        }
    }
    fn hint(&self) -> Option<Hint> {
        match self {
            BuiltinDataError::Data(e) => e.hint(),
            BuiltinDataError::Clip(e) => e.hint(),
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
/// # fn demo(run: &brainclip::run::RunContext, clip: &brainclip::clip::Clip) -> Result<(), brainclip::run::BuiltinDataError> {
/// use brainclip::data::world::WorldSettings;
/// let world = brainclip::run::simulate_world(run, clip, &WorldSettings::default())?;
/// assert_eq!(world.train_images.len(), 1200);
/// # Ok(()) }
/// ```
pub fn simulate_world(
    run: &RunContext,
    clip: &Clip,
    settings: &WorldSettings,
) -> Result<SimulatedWorld, BuiltinDataError> {
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
    let named = |stimuli: &[Stimulus], pictures: Vec<RgbImage>| -> Vec<(String, RgbImage)> {
        let names = stimuli.iter().map(|s| format!("world/{}.png", s.id));
        names.zip(pictures).collect()
    };
    let mut train_pictures = pictures;
    let test_pictures = train_pictures.split_off(world.train.len());
    Ok(SimulatedWorld {
        train: fmri.train,
        test: fmri.test,
        train_images: named(&world.train, train_pictures),
        test_images: named(&world.test, test_pictures),
    })
}

/// CLIP class embeddings of every synthetic GOD category (training then test) through
/// `templates`, with a description of them for the manifest.
///
/// ```no_run
/// # fn demo(run: &brainclip::run::RunContext, clip: &brainclip::clip::Clip) -> Result<(), brainclip::run::BuiltinDataError> {
/// let (prompts, described) = brainclip::run::god_class_prompts(run, clip, &["an image of {}.".into()])?;
/// assert_eq!(prompts.nrows(), 200);
/// # Ok(()) }
/// ```
pub fn god_class_prompts(
    run: &RunContext,
    clip: &Clip,
    templates: &[String],
) -> Result<(Array2<f32>, String), BuiltinDataError> {
    let catalog = GodCatalog::embedded()?;
    let categories = catalog.train_categories.iter().chain(&catalog.test_categories);
    let names: Vec<String> = categories.map(|c| c.short_name().replace('_', " ")).collect();
    let templates: Vec<&str> = templates.iter().map(String::as_str).collect();
    let mut progress = EncodeProgress::new(run, "god_synthetic: CLIP class prompts");
    let prompts = clip.embed_classes(&names, &templates, 32, &mut progress)?;
    Ok((prompts, format!("{} ({} template(s))", clip.name, templates.len())))
}
