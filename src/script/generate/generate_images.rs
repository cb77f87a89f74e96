use crate::script::prelude::*;

use crate::generate::{GenerationSettings, MAX_IMAGE_SIZE};
use crate::run::{RunContext, generate_into};

pub static SPEC: FnSpec = FnSpec::new("generate", Area::Generate)
    .params(&[param("model", "Diffusion"), param("clip", "Clip"), param("targets", "Embeddings")])
    .returns("array")
    .summary("Generate one image per target embedding by CLIP-guided diffusion (BrainCLIP's fMRI→image), saved in the run directory.")
    .details(
        "Each target (e.g. predict(model, data)) steers the sampler: at every step the model's predicted
x₀ is blended with x (fac = sqrt(1 − ᾱ)), cut into random square cutouts pooled to the CLIP
input size, and the gradient of clip_guidance_scale × mean spherical distance 2·asin(‖x̂ − ŷ‖/2)²
+ tv_scale × total variation + range_scale × out-of-range penalty is applied to the step (DDPM:
mean + variance·(−∇); DDIM: through the score). Images are written to NAME/ID.png as each
finishes, frames of the predicted x₀ to NAME/ID/step_NNNN.png, and each step's guidance losses
(mean spherical distance of the cutouts, scaled CLIP, TV and range terms) to NAME/ID_losses.csv;
returns the Images. The defaults are the authors'. Ctrl-C (or a notebook interrupt) stops between
steps; images already finished stay on disk.",
    )
    .settings(schema::<GenerationSettings>)
    .options(&[
        Opt::value("steps", "integer | string", "respacing of the diffusion process: 800, \"25,15\", \"ddim50\"")
            .computed("800"),
        Opt::choice(
            "variance",
            &["learned_range", "fixed_small", "fixed_large"],
            "learned_range",
            "DDPM variance",
        )
        .computed("\"learned_range\" when the model predicts it, else \"fixed_small\""),
        Opt::int("image_size", 0, "side in pixels")
            .range(1.0, MAX_IMAGE_SIZE as f64)
            .computed("the model's sample_size"),
        Opt::value(
            "init",
            "[Image]",
            "Images to start from (e.g. nearest_images): one per target, one per id in `ids`, or one for all",
        )
        .for_binding(),
        Opt::string("name", "generated", "output folder in the run directory").for_binding(),
    ])
    .example(
        r#"let unet = diffusion_load("tests/data/generation/unet_adm");
let clip = clip_load("tests/data/clip/tiny");
let target = clip_images(clip, ["tests/data/clip/photos/cat.png"]);
let pics = generate(unet, clip, target, #{ steps: 4, cutn: 2, cutn_batches: 1, save_every: 2, seed: 7 });
let again = generate(unet, clip, target, #{ steps: 4, cutn: 2, cutn_batches: 1, save_every: 0, seed: 7, name: "again" });
let two = clip_images(clip, ["tests/data/clip/photos/cat.png", "tests/data/clip/photos/tower.png"]);
let free = generate(unet, clip, two, #{ steps: 2, clip_guidance_scale: 0, tv_scale: 0, range_scale: 0,
    save_every: 0, noise: "per_target", name: "free" });
pics.len() == 1 && pics[0].width == 16 && pics[0].height == 16 && pics[0].path.ends_with("generated/cat.png")
    && again[0].path.ends_with("again/cat.png") && free.len() == 2 && free[1].path.ends_with("free/tower.png")
    && recon_metrics([free[0]], [free[1]], #{ size: () }).pixcorr < 0.99"#,
    );

fn generate(
    run: &RunContext,
    model: DiffusionValue,
    clip: ClipValue,
    targets: EmbeddingsValue,
    options: Opts,
) -> Result<Array, ScriptFault> {
    let settings: GenerationSettings = options.clone().seeded(run).parse()?;
    let init: Vec<ImageValue> = options
        .array_of("init", "Images (from load_image or nearest_images)")?
        .unwrap_or_default();
    let folder: String = options.get("name")?;
    let init: Vec<&image::RgbImage> = init.iter().map(|i| &*i.image).collect();
    let generated = generate_into(run, &model.0, &clip.0, &targets.0, &settings, &init, &folder)?;
    let images = generated
        .into_iter()
        .map(|g| ImageValue::new(g.picture, g.path.display().to_string()));
    Ok(images.map(Dynamic::from).collect())
}

pub fn register(reg: &mut Registry) {
    let run = reg.run();
    reg.function(
        &SPEC,
        move |model: DiffusionValue, clip: ClipValue, targets: EmbeddingsValue, options: Opts| {
            generate(&run, model, clip, targets, options)
        },
    );
}
