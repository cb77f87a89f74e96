//! Embedding caches in a run: a cache named by the script is reused when it holds the same
//! model's embeddings of the same ids prepared the same way, and otherwise computed and written
//! into the run directory under that name (safetensors + JSON sidecar).

use std::path::Path;

use ndarray::Array2;

use super::{FileError, RunContext, now};
use crate::clip::ClipError;
use crate::clip::cache::EmbeddingRequest;
use crate::data::DataError;
use crate::data::embeddings::Embeddings;
use crate::data::formats::FormatError;
use crate::{Classified, ErrorKind, Hint};

/// Why embeddings could not be reused or computed and cached.
#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    /// The model failed.
    #[error(transparent)]
    Clip(#[from] ClipError),
    /// The named cache could not be read.
    #[error(transparent)]
    Format(#[from] FormatError),
    /// The embeddings do not fit their ids.
    #[error(transparent)]
    Data(#[from] DataError),
    /// The cache could not be written into the run directory.
    #[error(transparent)]
    File(#[from] FileError),
    /// The cache's files could not be made.
    #[error("cannot write the cache {stem}: {message}")]
    Write {
        /// The cache's file name without extension.
        stem: String,
        /// Why.
        message: String,
    },
}

impl Classified for EmbedError {
    fn kind(&self) -> ErrorKind {
        match self {
            EmbedError::Clip(e) => e.kind(),
            EmbedError::Format(e) => e.kind(),
            EmbedError::Data(e) => e.kind(),
            EmbedError::File(e) => e.kind(),
            EmbedError::Write { .. } => ErrorKind::File,
        }
    }
    fn hint(&self) -> Option<Hint> {
        match self {
            EmbedError::Clip(e) => e.hint(),
            EmbedError::Format(e) => e.hint(),
            EmbedError::Data(e) => e.hint(),
            EmbedError::File(e) => e.hint(),
            EmbedError::Write { .. } => None,
        }
    }
}

/// Answer `request` from the cache at `cache` (a sidecar path, readable by the run) when it may
/// stand in ([`EmbeddingRequest::is_answered_by`]); else compute the embeddings (`compute` gets
/// the batch size), name them `name` and, when `cache` is given, write them into the run
/// directory under its file name.
///
/// ```no_run
/// # fn demo(run: &brainclip::run::RunContext, request: brainclip::clip::cache::EmbeddingRequest)
/// #         -> Result<(), brainclip::run::EmbedError> {
/// // The second call with the same request reads captions.json instead of computing.
/// let e = brainclip::run::cached_embeddings(run, Some("captions.json"), "clip/text", 32, request, |_batch| {
///     Ok(ndarray::Array2::zeros((1, 512)))
/// })?;
/// assert_eq!(e.dim(), 512);
/// # Ok(()) }
/// ```
pub fn cached_embeddings(
    run: &RunContext,
    cache: Option<&str>,
    name: &str,
    batch: usize,
    request: EmbeddingRequest,
    compute: impl FnOnce(usize) -> Result<Array2<f32>, ClipError>,
) -> Result<Embeddings, EmbedError> {
    let cache = cache.filter(|c| !c.is_empty());
    if let Some(cache) = cache {
        let sidecar = Path::new(cache).with_extension("json");
        if let Ok(path) = run.read_data(&sidecar.display().to_string()) {
            let found = Embeddings::load(&path)?;
            if request.is_answered_by(&found) {
                return Ok(found);
            }
        }
    }
    let embeddings = request.answer(name, compute(batch)?)?;
    if let Some(cache) = cache {
        let stem = Path::new(cache).with_extension("");
        let stem = stem
            .file_name()
            .map_or_else(|| cache.to_string(), |s| s.to_string_lossy().into_owned());
        let files = embeddings.to_files(&stem, &now()).map_err(|e| EmbedError::Write {
            stem: stem.clone(),
            message: e.to_string(),
        })?;
        for (file, bytes) in files {
            run.write_output(&file, &bytes)?;
        }
    }
    Ok(embeddings)
}
