use std::rc::Rc;

use crate::script::prelude::*;

use crate::clip::Clip;

pub static SPEC: FnSpec = FnSpec::new("clip_load", Area::Clip)
    .params(&[param("path", "string")])
    .returns("Clip")
    .summary(
        "Load a CLIP checkpoint folder (Hugging Face CLIPModel, or OpenCLIP ViT and ResNet models such as RN50/RN101).",
    )
    .details(
        "The layout of openai/clip-vit-base-patch32, -patch16 and clip-vit-large-patch14 as saved by
transformers (config.json, model.safetensors, merges.txt), or OpenCLIP's open_clip_config.json +
open_clip_model.safetensors: ViT models, and OpenAI's modified ResNets (RN50, RN101, RN50x4, ...:
convolutional stem, anti-aliased bottleneck stages, BatchNorm with running statistics,
attention pooling), e.g. the OpenAI RN50/RN101 weights converted by OpenCLIP. OpenAI's
bpe_simple_vocab_16e6.txt.gz may replace merges.txt. The model runs on the session's device.
A checkpoint whose tensors do not fit its config is an error listing the missing, unexpected
and mis-shaped tensors. `clip.image_tower` says \"vit\" or \"resnet\".
\"builtin:world\" is the small CLIP brainclip trained on the picture world (world_synthetic).",
    )
    .example(
        r#"let clip = clip_load("tests/data/clip/tiny");
let rn = clip_load("tests/data/clip/tiny_resnet");
let world = clip_load("builtin:world");
clip.dim == 32 && clip.image_size == 32 && clip.patch_size == 8 && clip.name == "tiny"
    && clip.image_tower == "vit" && rn.image_tower == "resnet" && rn.image_size == 64
    && world.name == "builtin:world" && world.image_size == 32 && world.dim == 64"#,
    );

/// The files of a checkpoint folder that are read when present.
const FILES: [&str; 6] = [
    "config.json",
    "model.safetensors",
    "open_clip_config.json",
    "open_clip_model.safetensors",
    "merges.txt",
    "bpe_simple_vocab_16e6.txt.gz",
];

pub fn register(reg: &mut Registry) {
    let run = reg.run();
    reg.plain(&SPEC, move |path: ImmutableString| {
        if path.starts_with("builtin:") {
            return Ok(super::builtin_clip(&run, &path)?);
        }
        // Every file read passes the read policy and is recorded in the manifest.
        let folder = run.read_model_folder(&path, &FILES)?;
        let clip = Clip::load(&folder, &run.device().device)?;
        Ok(ClipValue(Rc::new(clip)))
    });
}
