//! Script functions of the clip area: load a CLIP checkpoint, embed texts, class names and images
//! into embedding caches (`Embeddings`).

mod clip_classes;
mod clip_images;
mod clip_load;
mod clip_text;
mod clip_train;

use std::path::Path;
use std::sync::Arc;

use ndarray::Array2;
use rhai::{Array, Dynamic};

use super::fault::{OrFault, ScriptFault, ScriptResult};
use crate::ErrorKind;
use super::options::Options;
use super::registry::Registry;
use super::values::{ClipValue, EmbeddingsValue};
use crate::clip::{ClipError, prompts};
use crate::data::embeddings::{EmbeddingKind, EmbeddingMeta, Embeddings};
use crate::run::{RunContext, now};

/// Register the clip functions.
pub fn register(reg: &mut Registry) {
    clip_load::register(reg);
    clip_text::register(reg);
    clip_classes::register(reg);
    clip_images::register(reg);
    clip_train::register(reg);
}

/// A CLIP that ships with brainclip (`builtin:world`), on the session's device.
pub(crate) fn builtin_clip(run: &RunContext, name: &str) -> Result<ClipValue, ClipError> {
    Ok(ClipValue(std::rc::Rc::new(crate::assets::builtin_clip(
        name,
        &run.device().device,
    )?)))
}

/// Options every embedding function takes.
const COMMON: &[&str] = &["batch", "ids", "name", "cache"];

/// A string array argument.
fn strings(function: &'static str, what: &str, items: &Array) -> ScriptResult<Vec<String>> {
    items
        .iter()
        .map(|v| {
            v.clone().into_string().map_err(|t| {
                ScriptFault::new(
                    ErrorKind::WrongType,
                    format!("{function}: {what} must be strings, got {t}"),
                )
                .into()
            })
        })
        .collect()
}

/// The row ids: `options.ids` if given (one per row), else `default`.
fn row_ids(function: &'static str, opts: &Options, default: Vec<String>) -> ScriptResult<Vec<String>> {
    match opts.array("ids")? {
        Some(ids) => {
            let ids = strings(function, "ids", &ids)?;
            if ids.len() != default.len() {
                return Err(ScriptFault::new(
                    ErrorKind::DimensionMismatch,
                    format!("{function}: {} ids for {} inputs", ids.len(), default.len()),
                )
                .into());
            }
            Ok(ids)
        }
        None => Ok(default),
    }
}

/// Compute embeddings, or reuse the cache named by the `cache` option when it holds the same
/// model's embeddings of the same ids; a computed result is saved under that name in the run.
fn embed_cached(
    run: &RunContext,
    function: &'static str,
    clip: &ClipValue,
    opts: &Options,
    (kind, preprocessing, ids): (EmbeddingKind, String, Vec<String>),
    compute: impl FnOnce(usize) -> Result<Array2<f32>, ClipError>,
) -> ScriptResult<EmbeddingsValue> {
    let cache = opts.string("cache", "")?;
    if !cache.is_empty() {
        let sidecar = Path::new(&cache).with_extension("json");
        if let Ok(path) = run.read_data(&sidecar.display().to_string()) {
            let found = Embeddings::load(&path).or_fault(function)?;
            let meta = found.meta();
            if meta.model == clip.0.name && meta.kind == kind && found.ids() == ids.as_slice() {
                return Ok(EmbeddingsValue(Arc::new(found)));
            }
        }
    }
    let batch = opts.usize("batch", 32)?.max(1);
    let matrix = compute(batch).or_fault(function)?;
    let meta = EmbeddingMeta {
        model: clip.0.name.clone(),
        preprocessing,
        kind,
    };
    let name = opts.string("name", &format!("clip/{}", kind.name()))?;
    let emb = Embeddings::new(name, ids, matrix, meta).or_fault(function)?;
    if !cache.is_empty() {
        let stem = Path::new(&cache).with_extension("");
        let stem = stem
            .file_name()
            .map_or_else(|| cache.clone(), |s| s.to_string_lossy().into_owned());
        let files = emb.to_files(&stem, &now()).map_err(|e| {
            ScriptFault::new(
                ErrorKind::File,
                format!("{function}: cannot write the cache {stem}: {e}"),
            )
        })?;
        for (file, bytes) in files {
            run.write_output(&file, &bytes).or_fault(function)?;
        }
    }
    Ok(EmbeddingsValue(Arc::new(emb)))
}

/// The prompt templates named or listed by a `templates` option (default: BrainCLIP's single one).
pub(crate) fn template_list(function: &'static str, value: Option<Dynamic>) -> ScriptResult<Vec<String>> {
    let Some(value) = value.filter(|v| !v.is_unit()) else {
        return Ok(prompts::BRAINCLIP.iter().map(|s| s.to_string()).collect());
    };
    if let Ok(name) = value.clone().into_string() {
        return prompts::named(&name)
            .map(|t| t.iter().map(|s| s.to_string()).collect())
            .ok_or_else(|| {
                ScriptFault::new(
                    ErrorKind::InvalidValue,
                    format!("{function}: templates `{name}` is not a set (brainclip, imagenet) nor an array"),
                )
                .into()
            });
    }
    let list = value.into_array().map_err(|t| {
        ScriptFault::new(
            ErrorKind::WrongType,
            format!("{function}: templates must be a name or an array, got {t}"),
        )
    })?;
    let list = strings(function, "templates", &list)?;
    if list.is_empty() || list.iter().any(|t| t.matches("{}").count() != 1) {
        return Err(ScriptFault::new(
            ErrorKind::InvalidValue,
            format!("{function}: templates must be a non-empty array of strings each containing {{}} once"),
        )
        .into());
    }
    Ok(list)
}
