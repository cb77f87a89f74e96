//! `nsd_stimuli.hdf5`: the 73k stimulus images (`imgBrick`, image × row × column × RGB, uint8),
//! read one image at a time; the 37 GB brick is never loaded.

use std::path::{Path, PathBuf};

use image::RgbImage;

use super::NsdError;
use crate::data::bdata::hdf5::{H5Array, H5File};

/// The open stimulus brick.
///
/// ```
/// use std::path::Path;
/// use brainclip::data::nsd::StimulusBrick;
/// let brick = StimulusBrick::open(Path::new("tests/data/nsd/nsddata_stimuli/stimuli/nsd/nsd_stimuli.hdf5"))?;
/// assert_eq!(brick.len(), 40);
/// let image = brick.image(7)?;
/// assert_eq!((image.width(), image.get_pixel(0, 0).0), (32, [7, 248, 7]));
/// # Ok::<(), brainclip::data::nsd::NsdError>(())
/// ```
pub struct StimulusBrick {
    array: H5Array,
    path: PathBuf,
}

impl StimulusBrick {
    /// Opens the file and checks `imgBrick`'s shape.
    pub fn open(path: &Path) -> Result<Self, NsdError> {
        let format = |detail: String| NsdError::Format {
            path: path.to_path_buf(),
            detail,
        };
        let h5 = H5File::open(path).map_err(|e| format(e.to_string()))?;
        let array = h5
            .array("imgBrick")
            .map_err(|e| format(e.to_string()))?
            .ok_or_else(|| format("no dataset `imgBrick`; is this nsd_stimuli.hdf5?".into()))?;
        match array.shape() {
            [_, h, w, 3] if *h > 0 && *w > 0 => {}
            shape => {
                return Err(format(format!(
                    "`imgBrick` is {shape:?}, not images × rows × columns × 3"
                )));
            }
        }
        Ok(Self {
            array,
            path: path.to_path_buf(),
        })
    }

    /// Images in the brick (73,000 in NSD).
    pub fn len(&self) -> usize {
        self.array.shape()[0]
    }

    /// Whether the brick holds no image.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Image `nsd_id` (0-based), read alone.
    pub fn image(&self, nsd_id: usize) -> Result<RgbImage, NsdError> {
        if nsd_id >= self.len() {
            return Err(NsdError::InvalidOption {
                option: "NSD image id",
                expected: "below the brick's image count",
                found: format!("{nsd_id} (the brick holds {})", self.len()),
            });
        }
        let (h, w) = (self.array.shape()[1], self.array.shape()[2]);
        let pixels: Vec<u8> = self.array.read_entry(nsd_id).map_err(|e| NsdError::Format {
            path: self.path.clone(),
            detail: e.to_string(),
        })?;
        RgbImage::from_raw(w as u32, h as u32, pixels).ok_or_else(|| NsdError::Format {
            path: self.path.clone(),
            detail: format!("image {nsd_id} does not fill {w} × {h} × 3"),
        })
    }

    /// Chunks decoded so far (each of NSD's chunks holds part of one image).
    pub fn chunks_decoded(&self) -> u64 {
        self.array.chunks_decoded()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_image_decodes_one_chunk_of_the_brick() {
        let brick = StimulusBrick::open(Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/nsd/nsddata_stimuli/stimuli/nsd/nsd_stimuli.hdf5"
        )))
        .unwrap();
        assert_eq!(brick.chunks_decoded(), 0);
        for id in [7, 31] {
            let image = brick.image(id).unwrap();
            assert_eq!(image.get_pixel(0, 0).0, [id as u8, 255 - id as u8, 7]);
        }
        // 2 of the brick's 40 chunks: the reads never touched the rest.
        assert_eq!(brick.chunks_decoded(), 2);
        let err = brick.image(40).unwrap_err().to_string();
        assert!(err.contains("40 (the brick holds 40)"), "{err}");
    }
}
