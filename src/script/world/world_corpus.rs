use crate::script::prelude::*;

use crate::data::world::CorpusConfig;

pub static SPEC: FnSpec = FnSpec::new("world_corpus", Area::World)
    .returns("map")
    .summary(
        "Captioned world pictures of random attribute combinations: #{ images, captions, labels } to train models on.",
    )
    .details(
        "What the world's CLIP and diffusion model learn from, as real CLIP learned from the web rather
than from an experiment's stimuli: each picture is a random one of the 200 attribute
combinations with its own placement, size, rotation and shading, and one caption. labels are the
combination indices (0–199; same label, same category). Deterministic for a seed. A corpus holds
at most 1 GiB of pixels.",
    )
    .settings(schema::<CorpusConfig>)
    .options(&[Opt::int("images", 0, "how many pictures, 1 to 200000").computed("none: required")])
    .example(
        r#"let c = world_corpus(#{ images: 6, seed: 1 });
let again = world_corpus(#{ images: 6, seed: 1, size: 16 });
c.images.len() == 6 && c.captions.len() == 6 && c.labels.len() == 6
    && c.labels.all(|l| l >= 0 && l < 200) && c.images[0].width == 32 && c.images[0].height == 32
    && again.captions == c.captions && again.labels == c.labels && again.images[5].width == 16"#,
    );

pub fn register(reg: &mut Registry) {
    let run = reg.run();
    reg.function(&SPEC, move |options: Opts| {
        let config: CorpusConfig = options.seeded(&run).parse()?;
        config.validate()?;
        let (mut images, mut captions, mut labels) = (Array::new(), Array::new(), Array::new());
        for (i, (picture, caption, attributes)) in config.generate().into_iter().enumerate() {
            images.push(Dynamic::from(ImageValue::new(picture, format!("world/corpus_{i}.png"))));
            captions.push(Dynamic::from(caption));
            labels.push(Dynamic::from(attributes.index() as i64));
        }
        Ok(map_of([
            ("images", images.into()),
            ("captions", captions.into()),
            ("labels", labels.into()),
        ]))
    });
}
