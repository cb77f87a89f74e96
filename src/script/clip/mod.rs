//! Script functions of the clip area: load a CLIP checkpoint, embed texts, class names and images
//! into embedding caches (`Embeddings`).

functions! {
    clip_load,
    clip_text,
    clip_classes,
    clip_images,
    clip_train,
}

use crate::script::prelude::*;

use ndarray::Array2;

use crate::clip::cache::EmbeddingRequest;
use crate::clip::{ClipError, prompts};
use crate::run::{RunContext, cached_embeddings};

/// A CLIP that ships with brainclip (`builtin:world`), on the session's device.
pub(crate) fn builtin_clip(run: &RunContext, name: &str) -> Result<ClipValue, ClipError> {
    Ok(ClipValue(std::rc::Rc::new(crate::assets::builtin_clip(
        name,
        &run.device().device,
    )?)))
}

// The options every embedding function takes (`ids` and `name` differ in their defaults).
const BATCH: Opt = Opt::int("batch", 32, "inputs per forward pass").min(1.0);
const CACHE: Opt = Opt::string(
    "cache",
    "",
    "a sidecar path: reused when it holds this model's embeddings of the same ids, prepared the same way; otherwise written into the run directory under that file name",
)
.none_by_default();

/// The options of an embedding function: `batch`, `ids` (whose default is `ids`), `name`
/// (defaulting to `name`) and `cache`.
const fn cache_options(ids: &'static str, name: &'static str) -> [Opt; 4] {
    [
        BATCH,
        Opt::strings("ids", &[], "one id per row").computed(ids),
        Opt::string("name", name, "the cache's name"),
        CACHE,
    ]
}

/// The strings of an array argument called `what`.
fn strings(what: &str, items: &Array) -> Result<Vec<String>, ScriptFault> {
    items
        .iter()
        .map(|v| {
            v.clone()
                .into_string()
                .map_err(|t| ScriptFault::new(ErrorKind::WrongType, format!("{what} must be strings, got {t}")))
        })
        .collect()
}

/// The row ids: the `ids` option if given (one per row), else `default`.
fn row_ids(options: &Opts, default: Vec<String>) -> Result<Vec<String>, ScriptFault> {
    match options.given::<Vec<String>>("ids")? {
        Some(ids) if ids.len() != default.len() => Err(ScriptFault::new(
            ErrorKind::DimensionMismatch,
            format!("{} ids for {} inputs", ids.len(), default.len()),
        )),
        Some(ids) => Ok(ids),
        None => Ok(default),
    }
}

/// The embeddings `request` asks for: from the cache named by the `cache` option when it may
/// stand in, else computed in batches of the `batch` option and saved under that name in the run.
fn embed_cached(
    run: &RunContext,
    options: &Opts,
    request: EmbeddingRequest,
    compute: impl FnOnce(usize) -> Result<Array2<f32>, ClipError>,
) -> Result<EmbeddingsValue, ScriptFault> {
    let cache = options.get::<Option<String>>("cache")?;
    let name: String = options.get("name")?;
    let embeddings = cached_embeddings(run, cache.as_deref(), &name, options.get("batch")?, request, compute)?;
    Ok(EmbeddingsValue(Arc::new(embeddings)))
}

/// The prompt templates of the `templates` option (default: BrainCLIP's single one).
pub(crate) fn templates(options: &Opts) -> Result<Vec<String>, ScriptFault> {
    Ok(prompts::resolve(
        options.given::<Option<prompts::Templates>>("templates")?.flatten(),
    )?)
}
