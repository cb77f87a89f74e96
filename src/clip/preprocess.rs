//! CLIP's image preprocessing, as Hugging Face's `CLIPImageProcessor` does it: RGB, resize the
//! shorter side to the model's input size (Pillow bicubic), centre-crop, scale to [0, 1],
//! normalise with CLIP's mean and standard deviation.

use std::path::Path;

use image::RgbImage;

use super::ClipError;
use super::resample::resize_bicubic;

/// CLIP's per-channel mean (RGB).
pub const MEAN: [f32; 3] = [0.481_454_66, 0.457_827_5, 0.408_210_73];
/// CLIP's per-channel standard deviation (RGB).
pub const STD: [f32; 3] = [0.268_629_54, 0.261_302_6, 0.275_777_1];

/// The description recorded in embedding caches.
pub fn description(size: usize) -> String {
    format!(
        "CLIP preprocessing: resize shorter side to {size} (Pillow bicubic), centre crop {size}×{size}, CLIP mean/std"
    )
}

/// Resize the shorter side to `size` (the longer one to ⌊size·long/short⌋) and centre-crop a
/// `size`×`size` square; the result is 8-bit like Pillow's.
pub fn resize_and_crop(img: &RgbImage, size: u32) -> Result<RgbImage, ClipError> {
    let (w, h) = img.dimensions();
    if w == 0 || h == 0 || size == 0 {
        return Err(ClipError::Image {
            path: format!("{w}×{h} image"),
            message: "empty image".into(),
        });
    }
    let (short, long) = (w.min(h), w.max(h));
    let new_long = (u64::from(size) * u64::from(long) / u64::from(short)) as u32;
    let (nw, nh) = if w <= h { (size, new_long) } else { (new_long, size) };
    let resized = resize_bicubic(img, nw, nh);
    let (left, top) = ((nw - size) / 2, (nh - size) / 2);
    Ok(image::imageops::crop_imm(&resized, left, top, size, size).to_image())
}

/// Channel-first normalised pixels (3 × size × size) of an 8-bit square image.
pub fn normalise(img: &RgbImage) -> Vec<f32> {
    let (w, h) = img.dimensions();
    let plane = (w * h) as usize;
    let mut out = vec![0.0; 3 * plane];
    for (i, p) in img.pixels().enumerate() {
        for (c, (v, (mean, std))) in p.0.iter().zip(MEAN.iter().zip(STD)).enumerate() {
            out[c * plane + i] = (f32::from(*v) / 255.0 - mean) / std;
        }
    }
    out
}

/// Preprocess one image in memory.
pub fn preprocess(img: &RgbImage, size: u32) -> Result<Vec<f32>, ClipError> {
    Ok(normalise(&resize_and_crop(img, size)?))
}

/// Read an image file (PNG or JPEG) as 8-bit RGB.
pub fn read_rgb(path: &Path) -> Result<RgbImage, ClipError> {
    let img = image::open(path).map_err(|e| ClipError::Image {
        path: path.display().to_string(),
        message: e.to_string(),
    })?;
    Ok(img.to_rgb8())
}
