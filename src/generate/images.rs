//! Images in and out of the sampler: generated tensors ([−1, 1]) to RGB pictures, pictures (an
//! init image) to model-sized tensors, and the gallery pictures nearest to the targets.

use std::path::Path;

use burn::tensor::{Device, Tensor, TensorData};
use image::{RgbImage, imageops::FilterType};
use ndarray::ArrayView2;

use super::GenerateError;
use crate::eval::{EvalError, cosine_similarity};

/// Pictures from a batch in [−1, 1] (batch × 3 × h × w, row-major host values), as torchvision's
/// `to_pil_image(x.add(1).div(2).clamp(0, 1))` makes them (×255, truncated).
///
/// ```
/// use brainclip::generate::to_images;
/// let pics = to_images(&[-1.0, 0.0, 1.0, 1.0, -1.0, 0.0, 0.0, 0.5, 1.0, 1.0, 1.0, 1.0], [1, 3, 2, 2]);
/// assert_eq!(pics[0].get_pixel(0, 0).0, [0, 0, 255]);
/// assert_eq!(pics[0].get_pixel(1, 1).0, [255, 191, 255]); // 0.75 × 255 = 191.25, truncated
/// ```
pub fn to_images(values: &[f32], shape: [usize; 4]) -> Vec<RgbImage> {
    let [b, c, h, w] = shape;
    (0..b)
        .map(|n| {
            RgbImage::from_fn(w as u32, h as u32, |x, y| {
                let px = |ch: usize| {
                    let v = values[((n * c + ch.min(c - 1)) * h + y as usize) * w + x as usize];
                    (((v + 1.0) / 2.0).clamp(0.0, 1.0) * 255.0) as u8
                };
                image::Rgb([px(0), px(1), px(2)])
            })
        })
        .collect()
}

/// A picture as a 1 × 3 × side × side tensor in [−1, 1], resized with a Lanczos filter (the
/// authors resize their init image with PIL's LANCZOS).
pub fn image_tensor(picture: &RgbImage, side: usize, device: &Device) -> Tensor<4> {
    let resized = if picture.width() as usize == side && picture.height() as usize == side {
        picture.clone()
    } else {
        image::imageops::resize(picture, side as u32, side as u32, FilterType::Lanczos3)
    };
    let mut values = vec![0f32; 3 * side * side];
    for (x, y, p) in resized.enumerate_pixels() {
        for ch in 0..3 {
            values[(ch * side + y as usize) * side + x as usize] = p.0[ch] as f32 / 255.0 * 2.0 - 1.0;
        }
    }
    Tensor::from_data(TensorData::new(values, [1, 3, side, side]), device)
}

/// Read a picture file as RGB.
pub fn read_picture(path: &Path) -> Result<RgbImage, GenerateError> {
    image::open(path)
        .map(|i| i.to_rgb8())
        .map_err(|e| GenerateError::Image {
            path: path.to_path_buf(),
            message: e.to_string(),
        })
}

/// For each target row, the `k` gallery rows of highest cosine similarity, best first (ties by
/// gallery order): the authors pick the nearest gallery image as a generation's init image.
///
/// ```
/// use brainclip::generate::nearest;
/// use ndarray::array;
/// let gallery = array![[1.0f32, 0.0], [0.0, 1.0], [1.0, 1.0]];
/// let targets = array![[0.1f32, 1.0], [2.0, 0.1]];
/// assert_eq!(nearest(targets.view(), gallery.view(), 2)?, [[1, 2], [0, 2]]);
/// assert!(nearest(targets.view(), gallery.view(), 4).is_err());
/// # Ok::<(), brainclip::eval::EvalError>(())
/// ```
pub fn nearest(targets: ArrayView2<f32>, gallery: ArrayView2<f32>, k: usize) -> Result<Vec<Vec<usize>>, EvalError> {
    if targets.ncols() != gallery.ncols() {
        return Err(EvalError::ShapeMismatch {
            what: "embedding width of the gallery (the targets')",
            expected: targets.ncols(),
            found: gallery.ncols(),
        });
    }
    if k == 0 || k > gallery.nrows() {
        return Err(EvalError::InvalidSetting {
            name: "k",
            expected: format!("1 to {} neighbours (the gallery's images)", gallery.nrows()),
            found: k.to_string(),
        });
    }
    let similarity = cosine_similarity(targets, gallery)?;
    Ok(similarity
        .rows()
        .into_iter()
        .map(|row| {
            let mut order: Vec<usize> = (0..row.len()).collect();
            order.sort_by(|&a, &b| row[b].total_cmp(&row[a]).then(a.cmp(&b)));
            order.truncate(k);
            order
        })
        .collect())
}
