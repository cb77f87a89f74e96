use crate::script::prelude::*;

use crate::clip::encode::Silent;
use crate::data::world::{Stimulus, StimulusEmbeddings, World, WorldSettings, simulate};
use crate::run::{EncodeProgress, RunContext};

pub static SPEC: FnSpec = FnSpec::new("world_synthetic", Area::World)
    .returns("map")
    .summary("The built-in picture world with simulated fMRI: #{ train, test, train_images, test_images, clip }.")
    .details(
        "Rendered stimuli whose categories combine shape × colour × pattern × background (200), split as
GOD: 150 training categories × 8 images (one trial each) and 50 novel test categories × 1 image
(35 trials averaged); every image has a human-like caption and every category a prompt
(\"a red striped circle on grey\"). The datasets carry the CLIP image embeddings of the stimuli,
the caption embeddings and the prompt embeddings of `clip` (the built-in world CLIP by default),
and voxels in seven ROIs: early ROIs tuned to pixels (receptive fields over luminance, colour
opponency and edges), higher ROIs to the CLIP embedding and the attributes (docs/world.md).
train_images and test_images are the stimuli as Images (in memory; their paths world/ID.png are
names, not files). Deterministic for a seed.",
    )
    .settings(schema::<WorldSettings>)
    .options(&[
        Opt::value("clip", "Clip", "the CLIP whose embeddings the datasets carry")
            .computed("clip_load(\"builtin:world\")")
            .for_binding(),
    ])
    .example(
        r#"let world = world_synthetic(#{ voxels: 70 });
world.train.n_samples == 1200 && world.test.n_samples == 50 && world.train.n_voxels == 70
    && world.train.dim == 64 && world.train.categories.len() == 150 && world.test.categories.len() == 50
    && world.test_images.len() == 50 && world.train_images[0].width == 32
    && world.train_images[0].path == `world/${world.train.ids[0]}.png` && world.clip.name == "builtin:world""#,
    );

/// The CLIP of the `clip` option, or the built-in world CLIP.
fn chosen_clip(run: &RunContext, options: &Opts) -> Result<ClipValue, ScriptFault> {
    match options.value_of::<ClipValue>("clip", "a Clip (clip_load)")? {
        Some(clip) => Ok(clip),
        None => Ok(crate::script::clip::builtin_clip(run, "builtin:world")?),
    }
}

/// Rendered stimuli as script Images named world/ID.png.
fn image_values(stimuli: &[Stimulus], pictures: &[image::RgbImage]) -> Array {
    stimuli
        .iter()
        .zip(pictures)
        .map(|(s, picture)| {
            Dynamic::from(ImageValue {
                image: Arc::new(picture.clone()),
                path: format!("world/{}.png", s.id),
            })
        })
        .collect()
}

fn run_world(run: &RunContext, options: Opts) -> Result<Map, ScriptFault> {
    let clip = chosen_clip(run, &options)?;
    let settings: WorldSettings = options.seeded(run).parse()?;
    let (world_config, fmri_config) = (settings.world(), settings.fmri());
    let world = World::new(&world_config)?;
    let pictures = world.render_all(&world.stimuli());
    let c = &clip.0;
    let embeddings = StimulusEmbeddings::compute(
        &world,
        &pictures,
        |pictures| {
            c.embed_images(
                pictures,
                64,
                &mut EncodeProgress::new(run, "world_synthetic: CLIP images"),
            )
        },
        |texts| c.embed_texts(texts, 64, &mut Silent),
    )?;
    let fmri = simulate(&world, &pictures, &embeddings, &fmri_config)?;
    run.record_data(serde_json::json!({
        "kind": "world_synthetic",
        "world": world.config,
        "fmri": fmri_config,
        "clip": c.name,
    }));
    let n_train = world.train.len();
    let mut out = Map::new();
    out.insert("train".into(), Dynamic::from(DatasetValue(Arc::new(fmri.train))));
    out.insert("test".into(), Dynamic::from(DatasetValue(Arc::new(fmri.test))));
    out.insert(
        "train_images".into(),
        Dynamic::from(image_values(&world.train, &pictures[..n_train])),
    );
    out.insert(
        "test_images".into(),
        Dynamic::from(image_values(&world.test, &pictures[n_train..])),
    );
    out.insert("clip".into(), Dynamic::from(clip));
    Ok(out)
}

pub fn register(reg: &mut Registry) {
    let run = reg.run();
    reg.function(&SPEC, move |options: Opts| run_world(&run, options));
}
