use std::path::{Path, PathBuf};

use rhai::{Array, Dynamic, Map};

use super::{COMMON, embed_cached, row_ids, strings};
use crate::clip::preprocess::description;
use crate::data::embeddings::EmbeddingKind;
use crate::run::{EncodeProgress, RunContext};
use crate::script::fault::{OrFault, ScriptFault, ScriptResult};
use crate::ErrorKind;
use crate::script::options::Options;
use crate::script::registry::{FnDoc, Registry};
use crate::script::values::{ClipValue, EmbeddingsValue, ImageValue};

pub const DOC: FnDoc = FnDoc {
    name: "clip_images",
    area: "clip",
    signatures: &[
        "clip_images(clip: Clip, images: array) -> Embeddings",
        "clip_images(clip: Clip, folder: string) -> Embeddings",
        "clip_images(clip: Clip, images: array | string, options: map) -> Embeddings",
    ],
    summary: "CLIP image embeddings (L2-normalised, one row per image file) as an embedding cache of kind image.",
    details: "Images are PNG or JPEG files, given as an array of paths or a folder (its .png/.jpg/.jpeg files
in name order), or an array of Images already in memory (load_image, generate, world_synthetic). Preprocessing is CLIP's: shorter side resized to the model's input size with
Pillow's bicubic filter, centre crop, CLIP mean/std. Row ids are the file names without extension
(of the Images' paths)
unless `ids` is given. Options as clip_text: batch (32), ids, name (\"clip/image\"), cache.",
    example: r#"let clip = clip_load("tests/data/clip/tiny");
let e = clip_images(clip, ["tests/data/clip/photos/cat.png", "tests/data/clip/photos/tower.png"]);
let all = clip_images(clip, "tests/data/clip/photos", #{ batch: 3 });
let cat = load_image("tests/data/clip/photos/cat.png");
let in_memory = clip_images(clip, [cat]);
e.count == 2 && e.ids[0] == "cat" && e.kind == "image" && all.count == 4
    && in_memory.ids[0] == "cat" && in_memory.count == 1"#,
};

pub fn register(reg: &mut Registry) {
    reg.legacy(&DOC, |engine, run| {
        let (r1, r2) = (run.clone(), run.clone());
        engine.register_fn(
            DOC.name,
            move |clip: ClipValue, images: Array| -> ScriptResult<EmbeddingsValue> {
                embed(&r1, &clip, Dynamic::from(images), Options::empty(DOC.name))
            },
        );
        engine.register_fn(
            DOC.name,
            move |clip: ClipValue, folder: &str| -> ScriptResult<EmbeddingsValue> {
                embed(&r2, &clip, Dynamic::from(folder.to_string()), Options::empty(DOC.name))
            },
        );
        engine.register_fn(
            DOC.name,
            move |clip: ClipValue, images: Dynamic, options: Map| -> ScriptResult<EmbeddingsValue> {
                embed(&run, &clip, images, Options::new(DOC.name, options, COMMON)?)
            },
        );
    });
}

fn is_image(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| ["png", "jpg", "jpeg"].contains(&e.to_ascii_lowercase().as_str()))
}

/// The image files named by the argument, each checked against the read policy.
fn files(run: &RunContext, images: Dynamic) -> ScriptResult<Vec<PathBuf>> {
    let names: Vec<String> = if images.is_string() {
        let folder = images.into_string().unwrap_or_default();
        let entries = std::fs::read_dir(&folder).map_err(|e| {
            ScriptFault::new(
                ErrorKind::File,
                format!("clip_images: cannot list the folder {folder}: {e}"),
            )
        })?;
        let mut list: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| is_image(p))
            .collect();
        list.sort();
        list.into_iter().map(|p| p.display().to_string()).collect()
    } else if images.is_array() {
        strings(DOC.name, "images", &images.into_array().unwrap_or_default())?
    } else {
        return Err(ScriptFault::new(
            ErrorKind::WrongType,
            format!(
                "clip_images: images must be an array of paths or a folder, got {}",
                images.type_name()
            ),
        )
        .into());
    };
    if names.is_empty() {
        return Err(ScriptFault::new(ErrorKind::Data, "clip_images: no images (.png, .jpg, .jpeg) given").into());
    }
    names.iter().map(|n| run.read_data(n).or_fault(DOC.name)).collect()
}

/// Images in memory, when the argument is an array of them.
fn pictures(images: &Dynamic) -> Option<Vec<ImageValue>> {
    let list = images.clone().into_array().ok()?;
    if list.is_empty() || !list.iter().all(|v| v.is::<ImageValue>()) {
        return None;
    }
    Some(list.into_iter().filter_map(|v| v.try_cast::<ImageValue>()).collect())
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .map_or_else(String::new, |s| s.to_string_lossy().into_owned())
}

fn embed(run: &RunContext, clip: &ClipValue, images: Dynamic, opts: Options) -> ScriptResult<EmbeddingsValue> {
    let preprocessing = description(clip.0.config.vision.image_size);
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
    let ids = row_ids(DOC.name, &opts, stems)?;
    embed_cached(
        run,
        DOC.name,
        clip,
        &opts,
        (EmbeddingKind::Image, preprocessing, ids),
        |batch| {
            let mut progress = EncodeProgress::new(run, DOC.name);
            if paths.is_empty() {
                clip.0.embed_images(&rgb, batch, &mut progress)
            } else {
                clip.0.embed_image_files(&paths, batch, &mut progress)
            }
        },
    )
}
