use std::rc::Rc;

use crate::script::prelude::*;

use crate::clip::train::ClipTrainSettings;
use crate::run::train_clip_into;

pub static SPEC: FnSpec = FnSpec::new("clip_train", Area::Clip)
    .params(&[param("images", "array"), param("captions", "array")])
    .returns("Clip")
    .summary(
        "Train a small CLIP (ViT image tower, text transformer, own BPE vocabulary) from scratch on captioned pictures.",
    )
    .details(
        "The symmetric contrastive loss of CLIP over batches of image–caption pairs (pairs with the same
label count as positives when `labels` is given), AdamW with warm-up and cosine decay, the logit
scale learned and clamped at 100. The BPE vocabulary is learned from the captions. After every
epoch the model is saved to NAME.checkpoint/ in the run directory (a killed run keeps the last
epoch); at the end to NAME/ — a Hugging Face CLIPModel folder (config.json, model.safetensors,
merges.txt) with training.json (options, seed, data hash, loss history, SHA-256 of each file)
— and the loaded model is returned. Epochs go to history.csv; Ctrl-C stops between steps.
Sizes are limited so that a typo cannot exhaust memory: width and dim ≤ 1024, layers ≤ 24,
image_size ≤ 1024, context 3–512, max_merges ≤ 100000.",
    )
    .settings(schema::<ClipTrainSettings>)
    .options(&[
        Opt::ints("labels", &[], "one integer per picture (e.g. world_corpus().labels)")
            .none_by_default()
            .for_binding(),
        Opt::string("name", "clip", "output folder in the run directory").for_binding(),
    ])
    .example(
        r#"let c = world_corpus(#{ images: 16, seed: 1 });
let clip = clip_train(c.images, c.captions, #{ labels: c.labels, epochs: 1, batch_size: 8,
    width: 16, heads: 2, vision_layers: 1, text_layers: 1, dim: 8, context: 16, name: "tiny_clip" });
clip.dim == 8 && clip.image_size == 32 && clip.patch_size == 8 && clip.image_tower == "vit"
    && clip.name == "brainclip-trained" && clip.path == `${run_dir()}/tiny_clip`"#,
    );

pub fn register(reg: &mut Registry) {
    let run = reg.run();
    reg.function(&SPEC, move |images: Array, captions: Array, options: Opts| {
        let images: Vec<ImageValue> = cast_array(images, "Images")?;
        let captions: Vec<String> = cast_array(captions, "caption strings")?;
        let labels: Option<Vec<usize>> = options.get("labels")?;
        let pictures: Vec<image::RgbImage> = images.iter().map(|v| (*v.image).clone()).collect();
        let settings = options.clone().seeded(&run).parse()?;
        let clip = train_clip_into(
            &run,
            &pictures,
            &captions,
            labels.as_deref(),
            &settings,
            &options.get::<String>("name")?,
        )?;
        Ok(ClipValue(Rc::new(clip)))
    });
}
