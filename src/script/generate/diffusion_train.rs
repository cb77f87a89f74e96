use std::rc::Rc;

use crate::script::prelude::*;

use crate::generate::train::DiffusionTrainSettings;
use crate::run::train_diffusion_into;

pub static SPEC: FnSpec = FnSpec::new("diffusion_train", Area::Generate)
    .params(&[param("images", "array")])
    .returns("Diffusion")
    .summary(
        "Train an unconditional pixel-space diffusion UNet (diffusers UNet2DModel) on pictures with the DDPM loss.",
    )
    .details(
        "For a random timestep t and noise ε, the UNet learns to predict ε from √ᾱ_t·x₀ + √(1−ᾱ_t)·ε
(Ho et al. 2020), with AdamW under warm-up and cosine decay. The architecture is a UNet2DModel
with one level per entry of `channels` (attention at the levels marked in `attention`). After
every epoch the model is saved to NAME.checkpoint/ in the run directory (a killed run keeps the
last epoch); at the end to NAME/ — a diffusers folder (config.json,
diffusion_pytorch_model.safetensors) with training.json (options, seed, loss history, SHA-256
of each file) — and the loaded model is returned (sample it with generate, variance
\"fixed_small\"). Epochs go to history.csv; Ctrl-C stops between steps.",
    )
    .settings(schema::<DiffusionTrainSettings>)
    .options(&[
        Opt::value(
            "attention",
            "[bool]",
            "self-attention at each level, one flag per level",
        )
        .computed("[false, ..., true]: the last level only"),
        Opt::string("name", "unet", "output folder in the run directory").for_binding(),
    ])
    .example(
        r#"let c = world_corpus(#{ images: 8, seed: 1 });
let unet = diffusion_train(c.images, #{ epochs: 1, batch_size: 4, image_size: 8, channels: [8, 8],
    attention: [false, false], norm_groups: 4 });
unet.sample_size == 8 && unet.levels == 2 && unet.channels == [8, 8] && !unet.learns_sigma
    && unet.path.ends_with("unet") && unet.name == "unet""#,
    );

pub fn register(reg: &mut Registry) {
    let run = reg.run();
    reg.function(&SPEC, move |images: Array, options: Opts| {
        let images: Vec<ImageValue> = cast_array(images, "Image")?;
        let pictures: Vec<image::RgbImage> = images.iter().map(|v| (*v.image).clone()).collect();
        let settings = options.clone().seeded(&run).parse()?;
        let unet = train_diffusion_into(&run, &pictures, &settings, &options.get::<String>("name")?)?;
        Ok(DiffusionValue(Rc::new(unet)))
    });
}
