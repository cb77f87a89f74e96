use std::path::Path;
use std::rc::Rc;

use crate::clip::Clip;
use crate::script::fault::{OrFault, ScriptResult};
use crate::script::registry::{FnDoc, Registry};
use crate::script::values::ClipValue;

pub const DOC: FnDoc = FnDoc {
    name: "clip_load",
    area: "clip",
    signatures: &["clip_load(path: string) -> Clip"],
    summary: "Load a CLIP checkpoint folder (Hugging Face CLIPModel, or OpenCLIP ViT and ResNet models such as RN50/RN101).",
    details: "The layout of openai/clip-vit-base-patch32, -patch16 and clip-vit-large-patch14 as saved by
transformers (config.json, model.safetensors, merges.txt), or OpenCLIP's open_clip_config.json +
open_clip_model.safetensors: ViT models, and OpenAI's modified ResNets (RN50, RN101, RN50x4, ...:
convolutional stem, anti-aliased bottleneck stages, BatchNorm with running statistics,
attention pooling), e.g. the OpenAI RN50/RN101 weights converted by OpenCLIP. OpenAI's
bpe_simple_vocab_16e6.txt.gz may replace merges.txt. The model runs on the session's device.
A checkpoint whose tensors do not fit its config is an error listing the missing, unexpected
and mis-shaped tensors. `clip.image_tower` says \"vit\" or \"resnet\".
\"builtin:world\" is the small CLIP brainclip trained on the picture world (world_synthetic).",
    example: r#"let clip = clip_load("tests/data/clip/tiny");
let rn = clip_load("tests/data/clip/tiny_resnet");
clip.dim == 32 && clip.image_size == 32 && clip_load("tests/data/clip/tiny").name == clip.name
    && clip.image_tower == "vit" && rn.image_tower == "resnet" && rn.image_size == 64
    && clip_load("builtin:world").image_size == 32"#,
};

pub fn register(reg: &mut Registry) {
    reg.legacy(&DOC, |engine, run| {
        engine.register_fn(DOC.name, move |path: &str| -> ScriptResult<ClipValue> {
            if path.starts_with("builtin:") {
                return super::builtin_clip(&run, path).or_fault(DOC.name);
            }
            // Every file read passes the read policy and is recorded in the manifest; a folder
            // without config.json is reported by the loader.
            let mut folder = Path::new(path).to_path_buf();
            for file in [
                "config.json",
                "model.safetensors",
                "open_clip_config.json",
                "open_clip_model.safetensors",
                "merges.txt",
                "bpe_simple_vocab_16e6.txt.gz",
            ] {
                let p = Path::new(path).join(file);
                if p.is_file() {
                    let resolved = run.read_data(&p.display().to_string()).or_fault(DOC.name)?;
                    if let Some(parent) = resolved.parent() {
                        folder = parent.to_path_buf();
                    }
                }
            }
            let clip = Clip::load(&folder, &run.device().device).or_fault(DOC.name)?;
            Ok(ClipValue(Rc::new(clip)))
        });
    });
}
