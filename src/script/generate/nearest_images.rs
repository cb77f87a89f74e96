use std::collections::hash_map::Entry;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rhai::{Array, Dynamic, Map};

use crate::data::formats::images;
use crate::eval::cosine_similarity;
use crate::run::RunContext;
use crate::script::fault::{OrFault, ScriptFault, ScriptResult};
use crate::ErrorKind;
use crate::script::options::Options;
use crate::script::registry::{FnDoc, Registry};
use crate::script::values::{EmbeddingsValue, ImageValue};

pub const DOC: FnDoc = FnDoc {
    name: "nearest_images",
    area: "generate",
    signatures: &[
        "nearest_images(targets: Embeddings, gallery: Embeddings) -> array",
        "nearest_images(targets: Embeddings, gallery: Embeddings, options: map) -> array",
    ],
    summary: "For each target row, the gallery image whose embedding is most similar (cosine): the authors' init images.",
    details: "The gallery is an embedding cache whose ids name image files (as clip_images writes them:
file names without extension). Returns one Image per target (with k > 1, an array of the k
nearest per target, best first); each Image's path names the file.

Options:
  folder  string   where the gallery images are: FOLDER/ID.png|.jpg|.jpeg|.JPEG (default: ids are paths)
  images  array    the gallery's Images themselves, one per gallery row in its order (instead of
                   files; e.g. world.train_images)
  k       integer  how many neighbours per target (default 1)",
    example: r#"let clip = clip_load("tests/data/clip/tiny");
let gallery = clip_images(clip, "tests/data/clip/photos");
let found = nearest_images(gallery, gallery, #{ folder: "tests/data/clip/photos" });
found.len() == 4 && found[0].path.ends_with("cat.png") && found[0].width == 320"#,
};

const EXTENSIONS: &[&str] = &["", ".png", ".jpg", ".jpeg", ".JPEG", ".PNG", ".JPG"];

/// The readable image file an id names.
fn image_file(run: &RunContext, folder: Option<&str>, id: &str) -> ScriptResult<PathBuf> {
    let base = match folder {
        Some(f) => Path::new(f).join(id),
        None => PathBuf::from(id),
    };
    let tried: Vec<String> = EXTENSIONS.iter().map(|e| format!("{}{e}", base.display())).collect();
    for candidate in &tried {
        if Path::new(candidate).is_file() {
            return run.read_data(candidate).or_fault(DOC.name);
        }
    }
    let hint = if folder.is_none() {
        "give the folder of the gallery images: nearest_images(targets, gallery, #{ folder: \"...\" })"
    } else {
        "check the folder; gallery ids must be the images' file names (without extension)"
    };
    Err(ScriptFault::new(
        ErrorKind::File,
        format!(
            "nearest_images: gallery id `{id}` names no readable image (tried {})",
            tried.join(", ")
        ),
    )
    .with_hint(hint)
    .into())
}

fn nearest(
    run: &RunContext,
    targets: &EmbeddingsValue,
    gallery: &EmbeddingsValue,
    opts: Options,
) -> ScriptResult<Array> {
    let folder = opts.string("folder", "")?;
    let given: Option<Vec<ImageValue>> = match opts.array("images")? {
        Some(list) => Some(crate::script::values::legacy_cast_array(list, DOC.name, "gallery Images")?),
        None => None,
    };
    if let Some(list) = given.as_ref().filter(|l| l.len() != gallery.0.ids().len()) {
        return Err(ScriptFault::new(
            ErrorKind::DimensionMismatch,
            format!(
                "nearest_images: {} images for a gallery of {} rows",
                list.len(),
                gallery.0.ids().len()
            ),
        )
        .into());
    }
    let folder = (!folder.is_empty()).then_some(folder.as_str());
    let k = opts.usize("k", 1)?;
    let (t, g) = (targets.0.matrix(), gallery.0.matrix());
    if t.ncols() != g.ncols() {
        return Err(ScriptFault::new(
            ErrorKind::DimensionMismatch,
            format!(
                "nearest_images: targets have {} dimensions, the gallery {}",
                t.ncols(),
                g.ncols()
            ),
        )
        .with_hint("embed the gallery with the CLIP the targets were predicted for")
        .into());
    }
    if k == 0 || k > g.nrows() {
        return Err(ScriptFault::new(
            ErrorKind::InvalidValue,
            format!("nearest_images: k = {k}, the gallery has {} images", g.nrows()),
        )
        .into());
    }
    let sim = cosine_similarity(t.view(), g.view()).or_fault(DOC.name)?;
    let ids = gallery.0.ids();
    let mut cache: std::collections::HashMap<usize, ImageValue> = std::collections::HashMap::new();
    let mut out = Array::new();
    for row in sim.rows() {
        let mut order: Vec<usize> = (0..row.len()).collect();
        order.sort_by(|&a, &b| row[b].total_cmp(&row[a]).then(a.cmp(&b)));
        let mut picks = Array::new();
        for &j in order.iter().take(k) {
            if let Some(list) = &given {
                picks.push(Dynamic::from(list[j].clone()));
                continue;
            }
            let value = match cache.entry(j) {
                Entry::Occupied(found) => found.get().clone(),
                Entry::Vacant(slot) => {
                    let file = image_file(run, folder, &ids[j])?;
                    let image = images::read_rgb(&file).or_fault(DOC.name)?;
                    slot.insert(ImageValue {
                        image: Arc::new(image),
                        path: file.display().to_string(),
                    })
                    .clone()
                }
            };
            picks.push(Dynamic::from(value));
        }
        if k == 1 {
            out.extend(picks);
        } else {
            out.push(Dynamic::from(picks));
        }
    }
    Ok(out)
}

pub fn register(reg: &mut Registry) {
    reg.legacy(&DOC, |engine, run| {
        let r = run.clone();
        engine.register_fn(
            DOC.name,
            move |targets: EmbeddingsValue, gallery: EmbeddingsValue| -> ScriptResult<Array> {
                nearest(&r, &targets, &gallery, Options::empty(DOC.name))
            },
        );
        engine.register_fn(
            DOC.name,
            move |targets: EmbeddingsValue, gallery: EmbeddingsValue, options: Map| -> ScriptResult<Array> {
                nearest(
                    &run,
                    &targets,
                    &gallery,
                    Options::new(DOC.name, options, &["folder", "k", "images"])?,
                )
            },
        );
    });
}
