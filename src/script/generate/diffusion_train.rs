use std::rc::Rc;

use crate::script::prelude::*;

use crate::generate::DiffusionModel;
use crate::generate::schedule::MAX_TRAIN_STEPS;
use crate::generate::train::{
    DiffusionTrainConfig, MAX_LAYERS_PER_BLOCK, MAX_TRAIN_SIZE, UNetShape, save_unet, train_diffusion,
};
use crate::run::TrainingProgress;
use crate::script::train::ModelOutput;

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
    .options(&[
        Opt::int("epochs", 40, "passes over the pictures").min(1.0),
        Opt::int("batch_size", 32, "pictures per step").min(1.0),
        Opt::float("lr", 1e-3, "peak learning rate").min(0.0),
        Opt::float("warmup", 0.05, "share of the steps warming up").range(0.0, 1.0),
        Opt::seed("initialisation, order, timesteps and noise"),
        Opt::int("image_size", 32, "side the pictures are resized to").range(1.0, MAX_TRAIN_SIZE as f64),
        Opt::ints(
            "channels",
            &[32, 64, 64],
            "channels per level (1 to 8 levels, each 1–1024)",
        )
        .min(1.0),
        Opt::value(
            "attention",
            "[bool]",
            "self-attention at each level, one flag per level",
        )
        .computed("[false, ..., true]: the last level only")
        .for_binding(),
        Opt::int("layers_per_block", 1, "residual blocks per level").range(1.0, MAX_LAYERS_PER_BLOCK as f64),
        Opt::int("norm_groups", 8, "GroupNorm groups (dividing every level's channels)").min(1.0),
        Opt::int("diffusion_steps", 1000, "steps of the process").range(2.0, MAX_TRAIN_STEPS as f64),
        Opt::choice("schedule", &["linear", "cosine"], "linear", "the beta schedule"),
        Opt::string("name", "unet", "output folder in the run directory").for_binding(),
    ])
    .domain_defaults(train_defaults)
    .example(
        r#"let c = world_corpus(#{ images: 8, seed: 1 });
let unet = diffusion_train(c.images, #{ epochs: 1, batch_size: 4, image_size: 8, channels: [8, 8],
    attention: [false, false], norm_groups: 4 });
unet.sample_size == 8 && unet.levels == 2 && unet.channels == [8, 8] && !unet.learns_sigma
    && unet.path.ends_with("unet") && unet.name == "unet""#,
    );

/// The settings the options fill: the training's and the architecture's.
fn train_defaults() -> serde_json::Value {
    let mut defaults = serde_json::to_value(DiffusionTrainConfig::default()).unwrap_or_default();
    if let (Some(all), serde_json::Value::Object(shape)) = (
        defaults.as_object_mut(),
        serde_json::to_value(UNetShape::default()).unwrap_or_default(),
    ) {
        all.extend(shape);
    }
    defaults
}

pub fn register(reg: &mut Registry) {
    let run = reg.run();
    reg.function(&SPEC, move |images: Array, options: Opts| {
        let images: Vec<ImageValue> = cast_array(images, "Image")?;
        let mut shape: UNetShape = options.parse()?;
        shape.attention = options.given("attention")?;
        let (unet_config, config_text) = shape.config()?;
        let config: DiffusionTrainConfig = options.clone().seeded(&run).parse()?;
        let name: String = options.get("name")?;
        let output = ModelOutput::new(&run, &name)?;
        let pictures: Vec<image::RgbImage> = images.iter().map(|v| (*v.image).clone()).collect();
        let mut progress = TrainingProgress::new(&run, &output.name);
        let device = run.device();
        let result = train_diffusion(
            &pictures,
            &unet_config,
            &config,
            &device.device,
            &mut progress,
            &mut |unet, names, _| save_unet(&output.checkpoint, unet, names, &config_text),
        );
        drop(progress);
        let trained = result?;
        let record = serde_json::json!({
            "kind": "unet",
            "config": shape.config_json()?,
            "training": config,
            "pictures": pictures.len(),
            "history": trained.history,
        });
        output.finish(
            &run,
            (trained.stop_reason, trained.history.len()),
            |folder| Ok(save_unet(folder, &trained.unet, &trained.names, &config_text)?),
            record,
        )?;
        Ok(DiffusionValue(Rc::new(DiffusionModel::load(
            &output.folder,
            &device.device,
        )?)))
    });
}
