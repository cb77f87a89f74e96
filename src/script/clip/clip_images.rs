use std::path::{Path, PathBuf};

use crate::script::prelude::*;

use super::{cache_options, embed_cached, row_ids, strings};
use crate::clip::cache::EmbeddingRequest;
use crate::clip::preprocess::description;
use crate::data::embeddings::EmbeddingKind;
use crate::data::formats::images;
use crate::run::{EncodeProgress, RunContext};

pub static SPEC: FnSpec = FnSpec::new("clip_images", Area::Clip)
    .params(&[param("clip", "Clip"), param("images", "array | string")])
    .returns("Embeddings")
    .summary("CLIP image embeddings (L2-normalised, one row per image file) as an embedding cache of kind image.")
    .details(
        "Images are PNG or JPEG files, given as an array of paths or a folder (its .png/.jpg/.jpeg files
in name order), or an array of Images already in memory (load_image, generate, world_synthetic).
Preprocessing is CLIP's: shorter side resized to the model's input size with Pillow's bicubic
filter, centre crop, CLIP mean/std.",
    )
    .options(&cache_options(
        "the file names (or Images' paths) without extension",
        "clip/image",
    ))
    .example(
        r#"let clip = clip_load("tests/data/clip/tiny");
let e = clip_images(clip, ["tests/data/clip/photos/cat.png", "tests/data/clip/photos/tower.png"]);
let all = clip_images(clip, "tests/data/clip/photos", #{ batch: 3 });
let cat = load_image("tests/data/clip/photos/cat.png");
let in_memory = clip_images(clip, [cat], #{ ids: ["kitty"], name: "mine" });
e.count == 2 && e.ids == ["cat", "tower"] && e.kind == "image" && e.name == "clip/image" && e.dim == 32
    && all.ids == ["cat", "cat_224", "tower", "tower_224"]
    && in_memory.ids == ["kitty"] && in_memory.name == "mine" && in_memory.count == 1
    && e.preprocessing.contains("centre crop 32×32")"#,
    );

/// What to embed: pictures in memory or image files.
enum Input {
    Pictures(Vec<image::RgbImage>),
    Files(Vec<PathBuf>),
}

pub fn register(reg: &mut Registry) {
    let run = reg.run();
    let r = run.clone();
    reg.function(&SPEC, move |clip: ClipValue, images: Array, options: Opts| {
        if !images.is_empty() && images.iter().all(|v| v.is::<ImageValue>()) {
            let list: Vec<ImageValue> = cast_array(images, "Images")?;
            let stems = list.iter().map(|v| stem(Path::new(&v.path))).collect();
            let pictures = list.iter().map(|v| (*v.image).clone()).collect();
            return embed(&r, &clip, (stems, Input::Pictures(pictures)), &options);
        }
        embed(&r, &clip, files(&r, strings("images", &images)?)?, &options)
    });
    reg.function(&SPEC, move |clip: ClipValue, folder: ImmutableString, options: Opts| {
        let found = images::images_in(&run.readable(&folder)?)?;
        let names = found.iter().map(|p| p.display().to_string()).collect();
        embed(&run, &clip, files(&run, names)?, &options)
    });
}

/// The image files named, each checked against the read policy, with the stems that name their
/// rows by default.
fn files(run: &RunContext, names: Vec<String>) -> Result<(Vec<String>, Input), ScriptFault> {
    if names.is_empty() {
        return Err(ScriptFault::new(ErrorKind::Data, "no images (.png, .jpg, .jpeg) given"));
    }
    let paths = names.iter().map(|n| run.read_data(n)).collect::<Result<Vec<_>, _>>()?;
    Ok((paths.iter().map(|p| stem(p)).collect(), Input::Files(paths)))
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .map_or_else(String::new, |s| s.to_string_lossy().into_owned())
}

fn embed(
    run: &RunContext,
    clip: &ClipValue,
    (stems, input): (Vec<String>, Input),
    options: &Opts,
) -> Result<EmbeddingsValue, ScriptFault> {
    let ids = row_ids(options, stems)?;
    let preprocessing = description(clip.0.config.vision.image_size);
    let request = EmbeddingRequest::new(clip.0.name.clone(), EmbeddingKind::Image, preprocessing, ids);
    embed_cached(run, options, request, |batch| {
        let mut progress = EncodeProgress::new(run, SPEC.name);
        match &input {
            Input::Pictures(pictures) => clip.0.embed_images(pictures, batch, &mut progress),
            Input::Files(paths) => clip.0.embed_image_files(paths, batch, &mut progress),
        }
    })
}
