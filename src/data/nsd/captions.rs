//! COCO caption files (`captions_train2017.json`, `captions_val2017.json`): five captions per
//! image, which NSD's images inherit through their COCO ids.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use serde::Deserialize;

use super::NsdError;
use crate::data::formats::budget;

#[derive(Deserialize)]
struct CocoFile {
    images: Vec<CocoImageEntry>,
    annotations: Vec<Annotation>,
}

#[derive(Deserialize)]
struct CocoImageEntry {
    id: u64,
}

#[derive(Deserialize)]
struct Annotation {
    image_id: u64,
    id: u64,
    caption: String,
}

/// Captions by COCO image id, each image's in annotation-id order.
///
/// ```
/// use std::path::Path;
/// use brainclip::data::nsd::CocoCaptions;
/// let dir = Path::new("tests/data/nsd/nsddata_stimuli/stimuli/nsd/annotations");
/// let captions = CocoCaptions::read(&[dir.join("captions_train2017.json"), dir.join("captions_val2017.json")])?;
/// assert_eq!(captions.of(100049).unwrap()[0], "picture 7 caption 0");
/// assert_eq!(captions.of(100049).unwrap().len(), 5);
/// # Ok::<(), brainclip::data::nsd::NsdError>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct CocoCaptions {
    by_image: HashMap<u64, Vec<String>>,
    files: Vec<PathBuf>,
}

impl CocoCaptions {
    /// Reads and merges COCO caption files. A caption whose image its file does not list is an
    /// error: the file is damaged or not COCO's.
    pub fn read(paths: &[PathBuf]) -> Result<Self, NsdError> {
        let mut by_image: HashMap<u64, Vec<(u64, String)>> = HashMap::new();
        for path in paths {
            let io = |e: std::io::Error| NsdError::Io {
                path: path.clone(),
                detail: format!("{e} (NSD ships COCO's caption files in nsddata_stimuli/stimuli/nsd/annotations/)"),
            };
            let len = std::fs::metadata(path).map_err(io)?.len();
            budget::check_bytes(Some(len.saturating_mul(4)), || "a caption file".into()).map_err(|budget| {
                NsdError::OverBudget {
                    path: path.clone(),
                    budget,
                }
            })?;
            let text = std::fs::read(path).map_err(io)?;
            let file: CocoFile = serde_json::from_slice(&text).map_err(|e| NsdError::Format {
                path: path.clone(),
                detail: format!("not a COCO caption file ({e}); it needs `images` and `annotations`"),
            })?;
            let listed: HashSet<u64> = file.images.iter().map(|i| i.id).collect();
            for a in file.annotations {
                if !listed.contains(&a.image_id) {
                    return Err(NsdError::UnknownCaptionImage {
                        path: path.clone(),
                        image_id: a.image_id,
                    });
                }
                by_image
                    .entry(a.image_id)
                    .or_default()
                    .push((a.id, a.caption.trim().to_string()));
            }
        }
        let by_image = by_image
            .into_iter()
            .map(|(image, mut list)| {
                list.sort_by_key(|(id, _)| *id);
                (image, list.into_iter().map(|(_, c)| c).collect())
            })
            .collect();
        Ok(Self {
            by_image,
            files: paths.to_vec(),
        })
    }

    /// The captions of COCO image `coco_id`.
    pub fn of(&self, coco_id: u64) -> Option<&[String]> {
        self.by_image.get(&coco_id).map(Vec::as_slice)
    }

    /// The files read, for messages.
    pub fn describe_files(&self) -> String {
        self.files
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(" and ")
    }
}
