//! `nsd_stim_info_merged.csv`: for every one of the 73k images its COCO id and split.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::NsdError;

/// The COCO identity of NSD's images, by 0-based `nsdId`.
///
/// ```
/// use std::path::Path;
/// use brainclip::data::nsd::StimInfo;
/// let info = StimInfo::read(Path::new("tests/data/nsd/nsddata/experiments/nsd/nsd_stim_info_merged.csv"))?;
/// assert_eq!(info.len(), 40);
/// assert_eq!(info.coco(7).map(|c| (c.id, c.split.as_str())), Some((100049, "train2017")));
/// # Ok::<(), brainclip::data::nsd::NsdError>(())
/// ```
#[derive(Clone, Debug)]
pub struct StimInfo {
    coco: HashMap<usize, CocoImage>,
    path: PathBuf,
}

/// An image's COCO id and split (`train2017` or `val2017`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CocoImage {
    /// COCO's image id.
    pub id: u64,
    /// `train2017` or `val2017`.
    pub split: String,
}

impl StimInfo {
    /// Reads the table; it needs the columns `nsdId`, `cocoId` and `cocoSplit`.
    pub fn read(path: &Path) -> Result<Self, NsdError> {
        let format = |detail: String| NsdError::Format {
            path: path.to_path_buf(),
            detail,
        };
        let mut reader = csv::Reader::from_path(path).map_err(|e| NsdError::Io {
            path: path.to_path_buf(),
            detail: format!("{e} (NSD has it at nsddata/experiments/nsd/nsd_stim_info_merged.csv)"),
        })?;
        let headers = reader.headers().map_err(|e| format(e.to_string()))?.clone();
        let column = |name: &str| {
            headers
                .iter()
                .position(|h| h == name)
                .ok_or_else(|| format(format!("no column `{name}`; is this nsd_stim_info_merged.csv?")))
        };
        let (nsd, coco, split) = (column("nsdId")?, column("cocoId")?, column("cocoSplit")?);
        let mut map = HashMap::new();
        for (line, record) in reader.records().enumerate() {
            let record = record.map_err(|e| format(e.to_string()))?;
            let field = |i: usize| record.get(i).unwrap_or_default();
            let number = |i: usize, name: &str| {
                field(i)
                    .trim()
                    .parse::<u64>()
                    .map_err(|_| format(format!("row {}: `{name}` is `{}`, not an id", line + 2, field(i))))
            };
            let nsd_id = number(nsd, "nsdId")? as usize;
            let image = CocoImage {
                id: number(coco, "cocoId")?,
                split: field(split).trim().to_string(),
            };
            if map.insert(nsd_id, image).is_some() {
                return Err(format(format!("row {}: nsdId {nsd_id} appears twice", line + 2)));
            }
        }
        Ok(Self {
            coco: map,
            path: path.to_path_buf(),
        })
    }

    /// The COCO image of NSD image `nsd_id` (0-based).
    pub fn coco(&self, nsd_id: usize) -> Option<&CocoImage> {
        self.coco.get(&nsd_id)
    }

    /// Images listed.
    pub fn len(&self) -> usize {
        self.coco.len()
    }

    /// Whether no image is listed.
    pub fn is_empty(&self) -> bool {
        self.coco.is_empty()
    }

    /// The file it was read from.
    pub fn path(&self) -> &Path {
        &self.path
    }
}
