use std::rc::Rc;

use rhai::{Array, Map};

use crate::generate::train::{DiffusionTrainConfig, save_unet, train_diffusion};
use crate::generate::{BetaSchedule, DiffusionModel, UNetConfig};
use crate::run::TrainingProgress;
use crate::script::fault::{OrFault, ScriptFault, ScriptResult};
use crate::ErrorKind;
use crate::script::options::Options;
use crate::script::registry::{FnDoc, Registry};
use crate::script::train::ModelOutput;
use crate::script::values::{DiffusionValue, ImageValue, legacy_cast_array};

pub const DOC: FnDoc = FnDoc {
    name: "diffusion_train",
    area: "generate",
    signatures: &["diffusion_train(images: array, options: map) -> Diffusion"],
    summary: "Train an unconditional pixel-space diffusion UNet (diffusers UNet2DModel) on pictures with the DDPM loss.",
    details: "For a random timestep t and noise ε, the UNet learns to predict ε from √ᾱ_t·x₀ + √(1−ᾱ_t)·ε
(Ho et al. 2020), with AdamW under warm-up and cosine decay. The architecture is a UNet2DModel
with one level per entry of `channels` (attention at the levels marked in `attention`). After
every epoch the model is saved to NAME.checkpoint/ in the run directory (a killed run keeps the
last epoch); at the end to NAME/ — a diffusers folder (config.json,
diffusion_pytorch_model.safetensors) with training.json (options, seed, loss history, SHA-256
of each file) — and the loaded model is returned (sample it with generate, variance
\"fixed_small\"). Epochs go to history.csv; Ctrl-C stops between steps.

Options:
  epochs           integer  (40)       batch_size  integer (32)     lr  float (1e-3)
  warmup           float    share of steps warming up (0.05)
  seed             integer  initialisation, order, timesteps and noise (the session seed)
  image_size       integer  side the pictures are resized to (32)
  channels         array    channels per level ([32, 64, 64])
  attention        array    bools: self-attention at each level ([false, false, true])
  layers_per_block integer  residual blocks per level (1; at most 16)
  norm_groups      integer  GroupNorm groups (8)
  diffusion_steps  integer  steps of the process (1000)     schedule  string \"linear\" or \"cosine\"
  name             string   output folder in the run directory (\"unet\")",
    example: r#"let c = world_corpus(#{ images: 8, seed: 1 });
let unet = diffusion_train(c.images, #{ epochs: 1, batch_size: 4, image_size: 8, channels: [8, 8],
    attention: [false, false], norm_groups: 4 });
unet.sample_size == 8 && unet.levels == 2 && unet.path.ends_with("unet")"#,
};

const OPTIONS: &[&str] = &[
    "epochs",
    "batch_size",
    "lr",
    "warmup",
    "seed",
    "image_size",
    "channels",
    "attention",
    "layers_per_block",
    "norm_groups",
    "diffusion_steps",
    "schedule",
    "name",
];

/// diffusers' `config.json` of a UNet2DModel with these sizes.
fn unet_json(size: usize, channels: &[usize], attention: &[bool], layers: usize, groups: usize) -> serde_json::Value {
    let down: Vec<&str> = attention
        .iter()
        .map(|&a| if a { "AttnDownBlock2D" } else { "DownBlock2D" })
        .collect();
    let up: Vec<&str> = attention
        .iter()
        .rev()
        .map(|&a| if a { "AttnUpBlock2D" } else { "UpBlock2D" })
        .collect();
    serde_json::json!({
        "_class_name": "UNet2DModel",
        "sample_size": size,
        "in_channels": 3,
        "out_channels": 3,
        "center_input_sample": false,
        "time_embedding_type": "positional",
        "flip_sin_to_cos": true,
        "freq_shift": 0,
        "down_block_types": down,
        "up_block_types": up,
        "block_out_channels": channels,
        "layers_per_block": layers,
        "mid_block_scale_factor": 1,
        "downsample_padding": 1,
        "act_fn": "silu",
        "attention_head_dim": 8,
        "norm_num_groups": groups,
        "norm_eps": 1e-5,
        "resnet_time_scale_shift": "default",
        "add_attention": true,
    })
}

pub fn register(reg: &mut Registry) {
    reg.legacy(&DOC, |engine, run| {
        engine.register_fn(
            DOC.name,
            move |images: Array, options: Map| -> ScriptResult<DiffusionValue> {
                let name = DOC.name;
                let opts = Options::new(name, options, OPTIONS)?;
                let images: Vec<ImageValue> = legacy_cast_array(images, name, "Images")?;
                let channels = opts.usize_list("channels", &[32, 64, 64])?;
                let attention: Vec<bool> = match opts.array("attention")? {
                    Some(list) => legacy_cast_array(list, name, "booleans (attention per level)")?,
                    None => (0..channels.len()).map(|i| i + 1 == channels.len()).collect(),
                };
                let size = opts.usize("image_size", 32)?;
                if attention.len() != channels.len()
                    || channels.is_empty()
                    || channels.len() > 8
                    || channels.iter().any(|&c| c == 0 || c > 1024)
                    || size > 1024
                {
                    return Err(ScriptFault::new(
                        ErrorKind::InvalidValue,
                        "diffusion_train: give 1 to 8 levels: `channels` (each 1–1024, ADM-256's widest is 1024) and one `attention` flag per level; image_size ≤ 1024",
                    )
                    .into());
                }
                let layers = opts.usize("layers_per_block", 1)?.clamp(1, 16);
                let groups = opts.usize("norm_groups", 8)?;
                let config_json = unet_json(size, &channels, &attention, layers, groups);
                let config_text = serde_json::to_string_pretty(&config_json).unwrap_or_default();
                let unet_config = UNetConfig::from_json(&config_text, "diffusion_train options").or_fault(name)?;
                let d = DiffusionTrainConfig::default();
                let config = DiffusionTrainConfig {
                    epochs: opts.usize("epochs", d.epochs)?,
                    batch_size: opts.usize("batch_size", d.batch_size)?,
                    lr: opts.float("lr", d.lr)?,
                    warmup: opts.float("warmup", d.warmup)?,
                    diffusion_steps: opts.usize("diffusion_steps", d.diffusion_steps)?.clamp(2, 100_000),
                    schedule: BetaSchedule::parse(&opts.string("schedule", "linear")?).or_fault(name)?,
                    seed: opts.u64("seed", run.seed())?,
                };
                let output = ModelOutput::new(&run, name, &opts.string("name", "unet")?)?;
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
                let trained = result.or_fault(name)?;
                let record = serde_json::json!({
                    "kind": "unet",
                    "config": config_json,
                    "training": config,
                    "pictures": pictures.len(),
                    "history": trained.history,
                });
                output.finish(
                    &run,
                    name,
                    (trained.stop_reason, trained.history.len()),
                    |folder| save_unet(folder, &trained.unet, &trained.names, &config_text).or_fault(name),
                    record,
                )?;
                let model = DiffusionModel::load(&output.folder, &device.device).or_fault(name)?;
                Ok(DiffusionValue(Rc::new(model)))
            },
        );
    });
}
