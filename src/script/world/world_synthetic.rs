use std::sync::Arc;

use rhai::{Array, Dynamic, Map};

use crate::clip::encode::Silent;
use crate::data::world::simulate::StimulusEmbeddings;
use crate::data::world::{Stimulus, World, WorldConfig, WorldFmriConfig, prompt, simulate};
use crate::run::{EncodeProgress, RunContext};
use crate::script::fault::{OrFault, ScriptFault, ScriptResult};
use crate::ErrorKind;
use crate::script::options::Options;
use crate::script::registry::{FnDoc, Registry};
use crate::script::values::{ClipValue, DatasetValue, ImageValue};

pub const DOC: FnDoc = FnDoc {
    name: "world_synthetic",
    area: "world",
    signatures: &["world_synthetic() -> map", "world_synthetic(options: map) -> map"],
    summary: "The built-in picture world with simulated fMRI: #{ train, test, train_images, test_images, clip }.",
    details: "Rendered stimuli whose categories combine shape × colour × pattern × background (200), split as
GOD: 150 training categories × 8 images (one trial each) and 50 novel test categories × 1 image
(35 trials averaged); every image has a human-like caption and every category a prompt
(\"a red striped circle on grey\"). The datasets carry the CLIP image embeddings of the stimuli,
the caption embeddings and the prompt embeddings of `clip` (the built-in world CLIP by default),
and voxels in seven ROIs: early ROIs tuned to pixels (receptive fields over luminance, colour
opponency and edges), higher ROIs to the CLIP embedding and the attributes (docs/world.md).
train_images and test_images are the stimuli as Images (in memory; their paths world/ID.png are
names, not files). Deterministic for a seed.

Options:
  seed          integer  image variation, tuning and noise (default: the session seed)
  voxels        integer  number of voxels (4500)
  snr           float    single-trial signal-to-noise variance ratio (0.01; at god_synthetic's 0.1
                         every decoder is at ceiling on the world)
  test_repeats  integer  trials averaged per test image (35)
  size          integer  image side in pixels (32, what the world models were trained on)
  clip          Clip     the CLIP whose embeddings the datasets carry (clip_load(\"builtin:world\"))",
    example: r#"let world = world_synthetic(#{ voxels: 70 });
world.train.n_samples == 1200 && world.test.n_samples == 50 && world.test_images.len() == 50
    && world.train_images[0].width == 32 && world.train.categories.len() == 150"#,
};

const OPTIONS: &[&str] = &["seed", "voxels", "snr", "test_repeats", "size", "clip"];

/// The CLIP of the `clip` option, or the built-in world CLIP.
fn chosen_clip(run: &RunContext, options: &Options) -> ScriptResult<ClipValue> {
    match options.raw("clip").filter(|v| !v.is_unit()) {
        Some(v) => v.try_cast::<ClipValue>().ok_or_else(|| {
            ScriptFault::new(
                ErrorKind::WrongType,
                "world_synthetic: option `clip` must be a Clip (clip_load)",
            )
            .into()
        }),
        None => crate::script::clip::builtin_clip(run, "builtin:world").or_fault(DOC.name),
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

fn run_world(run: &RunContext, options: Options) -> ScriptResult<Map> {
    let name = DOC.name;
    let clip = chosen_clip(run, &options)?;
    let seed = options.u64("seed", run.seed())?;
    let world = World::new(&WorldConfig {
        seed,
        size: options.usize("size", WorldConfig::default().size)?,
    })
    .or_fault(name)?;
    let d = WorldFmriConfig::default();
    let fmri_config = WorldFmriConfig {
        seed,
        n_voxels: options.usize("voxels", d.n_voxels)?,
        snr: options.float("snr", d.snr)?,
        test_repeats: options.usize("test_repeats", d.test_repeats)?,
    };
    let stimuli: Vec<Stimulus> = world.train.iter().chain(&world.test).cloned().collect();
    let pictures = world.render_all(&stimuli);
    let captions: Vec<String> = stimuli.iter().map(|s| s.caption.clone()).collect();
    let prompts = |list: &[crate::data::world::Attributes]| list.iter().map(|a| prompt(*a)).collect::<Vec<_>>();
    let c = &clip.0;
    let embeddings = StimulusEmbeddings {
        images: c
            .embed_images(
                &pictures,
                64,
                &mut EncodeProgress::new(run, "world_synthetic: CLIP images"),
            )
            .or_fault(name)?,
        captions: c.embed_texts(&captions, 64, &mut Silent).or_fault(name)?,
        train_prompts: c
            .embed_texts(&prompts(&world.train_categories), 64, &mut Silent)
            .or_fault(name)?,
        test_prompts: c
            .embed_texts(&prompts(&world.test_categories), 64, &mut Silent)
            .or_fault(name)?,
    };
    let fmri = simulate(&world, &pictures, &embeddings, &fmri_config).or_fault(name)?;
    run.record_data(serde_json::json!({
        "kind": "world_synthetic",
        "world": world.config,
        "fmri": fmri_config,
        "clip": c.name,
    }));
    let mut out = Map::new();
    out.insert("train".into(), Dynamic::from(DatasetValue(Arc::new(fmri.train))));
    out.insert("test".into(), Dynamic::from(DatasetValue(Arc::new(fmri.test))));
    let n_train = world.train.len();
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
    reg.legacy(&DOC, |engine, run| {
        let r = run.clone();
        engine.register_fn(DOC.name, move || run_world(&r, Options::empty(DOC.name)));
        engine.register_fn(DOC.name, move |options: Map| {
            run_world(&run, Options::new(DOC.name, options, OPTIONS)?)
        });
    });
}
