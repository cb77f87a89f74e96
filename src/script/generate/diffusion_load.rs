use std::rc::Rc;

use crate::script::prelude::*;

use crate::generate::DiffusionModel;
use crate::generate::unet::WEIGHTS_FILE;

pub static SPEC: FnSpec = FnSpec::new("diffusion_load", Area::Generate)
    .params(&[param("path", "string")])
    .returns("Diffusion")
    .summary("Load a pixel-space diffusion UNet (a diffusers UNet2DModel folder: config.json, diffusion_pytorch_model.safetensors).")
    .details(
        "Block types DownBlock2D, AttnDownBlock2D, ResnetDownsampleBlock2D and their Up counterparts,
UNetMidBlock2D, time-embedding injection \"default\" or \"scale_shift\", 3 or 6 output channels (6:
learned variance, as OpenAI's ADM). OpenAI's guided-diffusion checkpoints (the BrainCLIP authors'
256x256_diffusion_uncond.pt) load after `brainclip convert-adm IN.pt OUT_FOLDER`. A checkpoint
whose tensors do not fit its config is an error listing the missing, unexpected and mis-shaped
tensors. The model runs on the session's device. \"builtin:world\" is the small UNet brainclip
trained on the picture world (32 × 32, ε-prediction, 1000 linear-schedule steps).",
    )
    .example(
        r#"let unet = diffusion_load("tests/data/generation/unet_adm");
let world = diffusion_load("builtin:world");
unet.sample_size == 16 && unet.learns_sigma && unet.levels == 2 && unet.channels == [16, 32]
    && unet.path.ends_with("unet_adm") && world.sample_size == 32 && world.channels == [32, 64, 64]
    && !world.learns_sigma"#,
    );

pub fn register(reg: &mut Registry) {
    let run = reg.run();
    reg.plain(&SPEC, move |path: ImmutableString| {
        let device = run.device().device;
        if path.starts_with("builtin:") {
            return Ok(DiffusionValue(Rc::new(crate::assets::builtin_unet(&path, &device)?)));
        }
        // Reading the files checks that the session may; the model loads from where they are.
        let folder = run.read_model_folder(&path, &["config.json", WEIGHTS_FILE])?;
        Ok(DiffusionValue(Rc::new(DiffusionModel::load(&folder, &device)?)))
    });
}
