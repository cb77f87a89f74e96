use crate::script::prelude::*;

use crate::data::SyntheticConfig;
use crate::data::synthetic::generate;
use crate::run::god_class_prompts;
use crate::script::clip::templates;

pub static SPEC: FnSpec = FnSpec::new("god_synthetic", Area::Data)
    .returns("map")
    .summary("The built-in synthetic GOD-like dataset: #{ train: Dataset, test: Dataset }.")
    .details(
        "150 training categories × 8 images (one trial each) and 50 novel test categories × 1 image
(35 trials averaged), with GOD's real category names and image ids, CLIP-like image, caption and
prompt embeddings, and voxels in seven ROIs. The generative model is documented in
docs/synthetic_data.md. Deterministic for a seed.",
    )
    .settings(schema::<SyntheticConfig>)
    .options(&[
        Opt::int("dim", 512, "embedding width D")
            .range(8.0, 4096.0)
            .computed("512, or clip.dim with `clip`"),
        Opt::value(
            "clip",
            "Clip",
            "a CLIP model (clip_load): the 200 category names are embedded with its text encoder and become the categories' prompts and centres (D = clip.dim)",
        )
        .for_binding(),
        Opt::value(
            "templates",
            "string | array",
            "prompt templates for `clip` (as clip_classes; default \"brainclip\")",
        )
        .for_binding(),
    ])
    .example(
        r#"let god = god_synthetic(#{ voxels: 70, dim: 16 });
let other = god_synthetic(#{ voxels: 90, dim: 16, subject: 2 });
god.train.n_samples == 1200 && god.test.n_samples == 50 && god.train.n_voxels == 70 && god.test.dim == 16
    && god.train.n_categories == 150 && god.test.categories[0] == "goldfish"
    && other.train.n_voxels == 90 && other.train.ids == god.train.ids
    && other.train.image_embeddings.column_means == god.train.image_embeddings.column_means"#,
    );

pub fn register(reg: &mut Registry) {
    let run = reg.run();
    reg.function(&SPEC, move |options: Opts| {
        let clip = options.value_of::<ClipValue>("clip", "a Clip (clip_load)")?;
        let prompts = match clip {
            Some(clip) => Some(god_class_prompts(&run, &clip.0, &templates(&options)?)?),
            None => None,
        };
        let (prompts, clip_name) = prompts.unzip();
        let mut options = options.seeded(&run);
        if let Some(p) = &prompts {
            options = options.with_default("dim", p.ncols() as i64);
        }
        let config = SyntheticConfig {
            prompts,
            ..options.parse()?
        };
        let god = generate(&config)?;
        run.record_data(serde_json::json!({ "kind": "god_synthetic", "config": config, "clip_prompts": clip_name }));
        Ok(map_of([
            ("train", god.train.into_script()),
            ("test", god.test.into_script()),
        ]))
    });
}
