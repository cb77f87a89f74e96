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

/// Where the images come from: a folder, or an array of paths or Images.
enum Source {
    Folder(String),
    List(Array),
}

pub fn register(reg: &mut Registry) {
    let run = reg.run();
    let r = run.clone();
    reg.function(&SPEC, move |clip: ClipValue, images: Array, options: Opts| {
        embed(&r, &clip, Source::List(images), &options)
    });
    reg.function(&SPEC, move |clip: ClipValue, folder: ImmutableString, options: Opts| {
        embed(&run, &clip, Source::Folder(folder.to_string()), &options)
    });
}

/// The image files named by the argument, each checked against the read policy.
fn files(run: &RunContext, images: Source) -> Result<Vec<PathBuf>, ScriptFault> {
    let names: Vec<String> = match images {
        Source::Folder(folder) => images::images_in(&run.readable(&folder)?)?
            .iter()
            .map(|p| p.display().to_string())
            .collect(),
        Source::List(items) => strings("images", &items)?,
    };
    if names.is_empty() {
        return Err(ScriptFault::new(ErrorKind::Data, "no images (.png, .jpg, .jpeg) given"));
    }
    names.iter().map(|n| Ok(run.read_data(n)?)).collect()
}

/// Images in memory, when the argument is an array of them.
fn pictures(images: &Source) -> Option<Vec<ImageValue>> {
    let Source::List(list) = images else {
        return None;
    };
    if list.is_empty() || !list.iter().all(|v| v.is::<ImageValue>()) {
        return None;
    }
    Some(list.iter().filter_map(|v| v.clone().try_cast::<ImageValue>()).collect())
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .map_or_else(String::new, |s| s.to_string_lossy().into_owned())
}

fn embed(run: &RunContext, clip: &ClipValue, images: Source, options: &Opts) -> Result<EmbeddingsValue, ScriptFault> {
    // Pictures in memory or files, with the stems that name their rows by default.
    let (rgb, paths, stems) = match pictures(&images) {
        Some(list) => {
            let stems = list.iter().map(|v| stem(Path::new(&v.path))).collect();
            let rgb: Vec<image::RgbImage> = list.iter().map(|v| (*v.image).clone()).collect();
            (rgb, Vec::new(), stems)
        }
        None => {
            let paths = files(run, images)?;
            let stems = paths.iter().map(|p| stem(p)).collect();
            (Vec::new(), paths, stems)
        }
    };
    let ids = row_ids(options, stems)?;
    let preprocessing = description(clip.0.config.vision.image_size);
    let request = EmbeddingRequest::new(clip.0.name.clone(), EmbeddingKind::Image, preprocessing, ids);
    embed_cached(run, options, request, |batch| {
        let mut progress = EncodeProgress::new(run, SPEC.name);
        if paths.is_empty() {
            clip.0.embed_images(&rgb, batch, &mut progress)
        } else {
            clip.0.embed_image_files(&paths, batch, &mut progress)
        }
    })
}
