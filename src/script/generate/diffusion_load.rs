use std::path::Path;
use std::rc::Rc;

use crate::generate::DiffusionModel;
use crate::script::fault::{OrFault, ScriptResult};
use crate::script::registry::{FnDoc, Registry};
use crate::script::values::DiffusionValue;

pub const DOC: FnDoc = FnDoc {
    name: "diffusion_load",
    area: "generate",
    signatures: &["diffusion_load(path: string) -> Diffusion"],
    summary: "Load a pixel-space diffusion UNet (a diffusers UNet2DModel folder: config.json, diffusion_pytorch_model.safetensors).",
    details: "Block types DownBlock2D, AttnDownBlock2D, ResnetDownsampleBlock2D and their Up counterparts,
UNetMidBlock2D, time-embedding injection \"default\" or \"scale_shift\", 3 or 6 output channels (6:
learned variance, as OpenAI's ADM). OpenAI's guided-diffusion checkpoints (the BrainCLIP authors'
256x256_diffusion_uncond.pt) load after `brainclip convert-adm IN.pt OUT_FOLDER`. A checkpoint
whose tensors do not fit its config is an error listing the missing, unexpected and mis-shaped
tensors. The model runs on the session's device. \"builtin:world\" is the small UNet brainclip
trained on the picture world (32 × 32, ε-prediction, 1000 linear-schedule steps).",
    example: r#"let unet = diffusion_load("tests/data/generation/unet_adm");
unet.sample_size == 16 && unet.learns_sigma && unet.levels == 2
    && diffusion_load("builtin:world").sample_size == 32"#,
};

pub fn register(reg: &mut Registry) {
    reg.legacy(&DOC, |engine, run| {
        engine.register_fn(DOC.name, move |path: &str| -> ScriptResult<DiffusionValue> {
            if path.starts_with("builtin:") {
                let model = crate::assets::builtin_unet(path, &run.device().device).or_fault(DOC.name)?;
                return Ok(DiffusionValue(Rc::new(model)));
            }
            let mut folder = Path::new(path).to_path_buf();
            for file in ["config.json", crate::generate::unet::WEIGHTS_FILE] {
                let p = Path::new(path).join(file);
                if p.is_file() {
                    let resolved = run.read_data(&p.display().to_string()).or_fault(DOC.name)?;
                    if let Some(parent) = resolved.parent() {
                        folder = parent.to_path_buf();
                    }
                }
            }
            let model = DiffusionModel::load(&folder, &run.device().device).or_fault(DOC.name)?;
            Ok(DiffusionValue(Rc::new(model)))
        });
    });
}
