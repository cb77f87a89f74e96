//! The nearest gallery images of target embeddings (the authors' init images): the gallery is an
//! embedding cache whose ids name image files, each read once through the run's read policy, or
//! whose rows are images the caller already holds.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use image::RgbImage;

use super::{FileError, RunContext};
use crate::data::embeddings::Embeddings;
use crate::data::formats::{FormatError, images};
use crate::eval::EvalError;
use crate::generate::nearest;
use crate::{Classified, ErrorKind, Hint};

/// Where a gallery's images are.
#[derive(Debug)]
pub enum GallerySource<'a, T> {
    /// Files named by the gallery ids, in this folder (or the ids are paths).
    Files(Option<&'a str>),
    /// The caller's images, one per gallery row in its order.
    Given(&'a [T]),
}

// Copy whatever `T` is: the source only borrows.
impl<T> Clone for GallerySource<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for GallerySource<'_, T> {}

/// A gallery image found for a target.
#[derive(Debug)]
pub enum GalleryPick<'a, T> {
    /// One of the images the caller gave.
    Given(&'a T),
    /// An image file read from the gallery folder.
    File {
        /// The pixels.
        image: Arc<RgbImage>,
        /// The file.
        path: PathBuf,
    },
}

/// Why gallery images could not be found.
#[derive(Debug, thiserror::Error)]
pub enum GalleryError {
    /// The targets and the gallery do not fit, or `k` is out of range.
    #[error(transparent)]
    Nearest(#[from] EvalError),
    /// The images given are not one per gallery row.
    #[error("{given} images for a gallery of {rows} rows")]
    Count {
        /// Images given.
        given: usize,
        /// Gallery rows.
        rows: usize,
    },
    /// No image file has the id's name.
    #[error("gallery id `{id}` names no readable image (tried {tried})")]
    Missing {
        /// The gallery id.
        id: String,
        /// The paths tried, comma-separated.
        tried: String,
        /// Whether a folder was given.
        in_folder: bool,
    },
    /// The read policy refused a file.
    #[error(transparent)]
    File(#[from] FileError),
    /// A file is not a readable image.
    #[error(transparent)]
    Format(#[from] FormatError),
}

impl Classified for GalleryError {
    fn kind(&self) -> ErrorKind {
        match self {
            GalleryError::Nearest(e) => e.kind(),
            GalleryError::Count { .. } => ErrorKind::DimensionMismatch,
            GalleryError::Missing { .. } => ErrorKind::File,
            GalleryError::File(e) => e.kind(),
            GalleryError::Format(e) => e.kind(),
        }
    }
    fn hint(&self) -> Option<Hint> {
        match self {
            GalleryError::Nearest(e) if e.kind() == ErrorKind::DimensionMismatch => {
                Some("embed the gallery with the CLIP the targets were predicted for".into())
            }
            GalleryError::Nearest(e) => e.hint(),
            GalleryError::Missing { in_folder: false, .. } => Some(
                "give the folder of the gallery images: nearest_images(targets, gallery, #{ folder: \"...\" })".into(),
            ),
            GalleryError::Missing { .. } => {
                Some("check the folder; gallery ids must be the images' file names (without extension)".into())
            }
            GalleryError::File(e) => e.hint(),
            GalleryError::Format(e) => e.hint(),
            GalleryError::Count { .. } => None,
        }
    }
}

/// The `k` gallery images most similar (cosine) to each target row, best first.
///
/// ```no_run
/// # fn demo(run: &brainclip::run::RunContext, targets: &brainclip::data::embeddings::Embeddings,
/// #         gallery: &brainclip::data::embeddings::Embeddings) -> Result<(), brainclip::run::GalleryError> {
/// use brainclip::run::{GallerySource, nearest_gallery_images};
/// let picks = nearest_gallery_images::<()>(run, targets, gallery, 2, GallerySource::Files(Some("photos")))?;
/// assert!(picks.iter().all(|p| p.len() == 2));
/// # Ok(()) }
/// ```
pub fn nearest_gallery_images<'a, T>(
    run: &RunContext,
    targets: &Embeddings,
    gallery: &Embeddings,
    k: usize,
    source: GallerySource<'a, T>,
) -> Result<Vec<Vec<GalleryPick<'a, T>>>, GalleryError> {
    let ids = gallery.ids();
    if let GallerySource::Given(given) = source
        && given.len() != ids.len()
    {
        return Err(GalleryError::Count {
            given: given.len(),
            rows: ids.len(),
        });
    }
    let picks = nearest(targets.matrix().view(), gallery.matrix().view(), k)?;
    let mut loaded: HashMap<usize, (Arc<RgbImage>, PathBuf)> = HashMap::new();
    let mut pick = |j: usize| -> Result<GalleryPick<'a, T>, GalleryError> {
        let folder = match source {
            GallerySource::Given(given) => return Ok(GalleryPick::Given(&given[j])),
            GallerySource::Files(folder) => folder,
        };
        let (image, path) = match loaded.entry(j) {
            Entry::Occupied(known) => known.into_mut(),
            Entry::Vacant(slot) => {
                let path = image_file(run, folder, &ids[j])?;
                slot.insert((Arc::new(images::read_rgb(&path)?), path))
            }
        };
        Ok(GalleryPick::File {
            image: Arc::clone(image),
            path: path.clone(),
        })
    };
    picks
        .into_iter()
        .map(|row| row.into_iter().map(&mut pick).collect())
        .collect()
}

/// The readable image file an id names.
fn image_file(run: &RunContext, folder: Option<&str>, id: &str) -> Result<PathBuf, GalleryError> {
    let base = match folder {
        Some(f) => Path::new(f).join(id),
        None => PathBuf::from(id),
    };
    let tried = images::candidates(&base);
    if let Some(found) = tried.iter().find(|c| c.is_file()) {
        return Ok(run.read_data(&found.display().to_string())?);
    }
    let tried: Vec<String> = tried.iter().map(|c| c.display().to_string()).collect();
    Err(GalleryError::Missing {
        id: id.to_string(),
        tried: tried.join(", "),
        in_folder: folder.is_some(),
    })
}
