use crate::script::prelude::*;

use crate::data::world::WorldSettings;
use crate::run::simulate_world;

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

pub fn register(reg: &mut Registry) {
    let run = reg.run();
    reg.function(&SPEC, move |options: Opts| {
        let clip = match options.value_of::<ClipValue>("clip", "a Clip (clip_load)")? {
            Some(clip) => clip,
            None => crate::script::clip::builtin_clip(&run, "builtin:world")?,
        };
        let world = simulate_world(&run, &clip.0, &options.seeded(&run).parse()?)?;
        let images = |list: Vec<(String, image::RgbImage)>| {
            let images = list.into_iter().map(|(path, image)| ImageValue::new(image, path));
            images.collect::<Vec<_>>().into_script()
        };
        Ok(map_of([
            ("train", world.train.into_script()),
            ("test", world.test.into_script()),
            ("train_images", images(world.train_images)),
            ("test_images", images(world.test_images)),
            ("clip", Dynamic::from(clip)),
        ]))
    });
}
