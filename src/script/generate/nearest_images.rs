use crate::script::prelude::*;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::data::formats::images;
use crate::generate::nearest;
use crate::run::RunContext;

pub static SPEC: FnSpec = FnSpec::new("nearest_images", Area::Generate)
    .params(&[param("targets", "Embeddings"), param("gallery", "Embeddings")])
    .returns("array")
    .summary("For each target row, the gallery image whose embedding is most similar (cosine): the authors' init images.")
    .details(
        "The gallery is an embedding cache whose ids name image files (as clip_images writes them:
file names without extension). Returns one Image per target (with k > 1, an array of the k
nearest per target, best first); each Image's path names the file.",
    )
    .options(&[
        Opt::string("folder", "", "where the gallery images are: FOLDER/ID.png|.jpg|.jpeg|.JPEG; () for ids that are paths")
            .none_by_default(),
        Opt::value(
            "images",
            "[Image]",
            "the gallery's Images themselves, one per gallery row in its order (instead of files; e.g. world.train_images)",
        ),
        Opt::int("k", 1, "how many neighbours per target").min(1.0),
    ])
    .example(
        r#"let clip = clip_load("tests/data/clip/tiny");
let gallery = clip_images(clip, "tests/data/clip/photos");
let found = nearest_images(gallery, gallery, #{ folder: "tests/data/clip/photos" });
let two = nearest_images(gallery, gallery, #{ images: [found[1], found[0], found[3], found[2]], k: 2 });
found.len() == 4 && found[0].path.ends_with("cat.png") && found[0].width == 320
    && two.len() == 4 && two[0].len() == 2 && two[0][0].path == found[1].path"#,
    );

/// The readable image file an id names.
fn image_file(run: &RunContext, folder: Option<&str>, id: &str) -> Result<PathBuf, ScriptFault> {
    let base = match folder {
        Some(f) => Path::new(f).join(id),
        None => PathBuf::from(id),
    };
    let tried = images::candidates(&base);
    if let Some(found) = tried.iter().find(|c| c.is_file()) {
        return Ok(run.read_data(&found.display().to_string())?);
    }
    let tried: Vec<String> = tried.iter().map(|c| c.display().to_string()).collect();
    let hint = if folder.is_none() {
        "give the folder of the gallery images: nearest_images(targets, gallery, #{ folder: \"...\" })"
    } else {
        "check the folder; gallery ids must be the images' file names (without extension)"
    };
    Err(ScriptFault::new(
        ErrorKind::File,
        format!("gallery id `{id}` names no readable image (tried {})", tried.join(", ")),
    )
    .with_hint(hint))
}

/// The gallery's Images given in the `images` option, one per gallery row.
fn given_images(options: &Opts, rows: usize) -> Result<Option<Vec<ImageValue>>, ScriptFault> {
    let Some(list) = options.array_of::<ImageValue>("images", "gallery Images")? else {
        return Ok(None);
    };
    if list.len() != rows {
        return Err(ScriptFault::new(
            ErrorKind::DimensionMismatch,
            format!("{} images for a gallery of {rows} rows", list.len()),
        ));
    }
    Ok(Some(list))
}

fn nearest_images(
    run: &RunContext,
    targets: EmbeddingsValue,
    gallery: EmbeddingsValue,
    options: Opts,
) -> Result<Array, ScriptFault> {
    let ids = gallery.0.ids();
    let given = given_images(&options, ids.len())?;
    let folder = options.get::<Option<String>>("folder")?.filter(|f| !f.is_empty());
    let k: usize = options.get("k")?;
    let picks = nearest(targets.0.matrix().view(), gallery.0.matrix().view(), k).map_err(|e| {
        let fault = ScriptFault::from(e);
        match fault.kind {
            ErrorKind::DimensionMismatch => {
                fault.with_hint("embed the gallery with the CLIP the targets were predicted for")
            }
            _ => fault,
        }
    })?;
    let mut loaded: HashMap<usize, ImageValue> = HashMap::new();
    let mut image = |j: usize| -> Result<ImageValue, ScriptFault> {
        if let Some(list) = &given {
            return Ok(list[j].clone());
        }
        if let Some(found) = loaded.get(&j) {
            return Ok(found.clone());
        }
        let file = image_file(run, folder.as_deref(), &ids[j])?;
        let value = ImageValue {
            image: Arc::new(images::read_rgb(&file)?),
            path: file.display().to_string(),
        };
        loaded.insert(j, value.clone());
        Ok(value)
    };
    let mut out = Array::new();
    for row in picks {
        let mut found = row
            .into_iter()
            .map(|j| image(j).map(Dynamic::from))
            .collect::<Result<Array, _>>()?;
        if k == 1 {
            out.append(&mut found);
        } else {
            out.push(Dynamic::from(found));
        }
    }
    Ok(out)
}

pub fn register(reg: &mut Registry) {
    let run = reg.run();
    reg.function(
        &SPEC,
        move |targets: EmbeddingsValue, gallery: EmbeddingsValue, options: Opts| {
            nearest_images(&run, targets, gallery, options)
        },
    );
}
