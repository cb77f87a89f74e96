//! The image type of the reconstruction metrics: RGB, f32 in 0–1, height × width × 3.

use image::{ColorType, DynamicImage, RgbImage};
use ndarray::{Array3, ArrayView3};

use crate::eval::EvalError;

/// An RGB image with values in 0–1, stored height × width × 3 (channels last, the layout of
/// [`image::RgbImage`] and of scikit-image). Every value is finite and within 0–1 and both sides
/// are at least one pixel; the constructors check this, so the metrics never see a bad image.
///
/// From 8-bit images each value is `v as f32 / 255.0` (the correctly rounded quotient, as numpy's
/// `np.float32(v) / np.float32(255)`); 16-bit images are divided by 65535; float images are taken
/// as they are (and rejected if outside 0–1). Alpha is dropped, not composited.
///
/// ```
/// use brainclip::eval::recon::Image;
///
/// let rgb = image::RgbImage::from_fn(4, 2, |x, y| image::Rgb([x as u8 * 60, y as u8 * 255, 0]));
/// let img = Image::from(&rgb);
/// assert_eq!((img.height(), img.width()), (2, 4));
/// assert_eq!(img.pixel(1, 3), [180.0 / 255.0, 1.0, 0.0]);
///
/// // a 3 × H × W buffer (a tensor from a generator) gives the same image
/// let mut chw = Vec::new();
/// for c in 0..3 {
///     for y in 0..2 {
///         chw.extend((0..4).map(|x| img.pixel(y, x)[c]));
///     }
/// }
/// assert_eq!(Image::from_chw(2, 4, &chw)?, img);
/// assert!(Image::new(1, 1, vec![0.5, 1.5, 0.0]).is_err());
/// # Ok::<(), brainclip::eval::EvalError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Image {
    data: Array3<f32>,
}

impl Image {
    /// An image from a height × width × 3 buffer (row by row, R, G, B per pixel).
    ///
    /// Errors ([`EvalError::InvalidImage`]): a side of 0, a buffer whose length is not
    /// `height · width · 3`, a value that is not finite or lies outside 0–1.
    ///
    /// ```
    /// use brainclip::eval::recon::Image;
    ///
    /// let img = Image::new(1, 2, vec![0.0, 0.5, 1.0, 1.0, 0.5, 0.0])?;
    /// assert_eq!(img.pixel(0, 1), [1.0, 0.5, 0.0]);
    /// let err = Image::new(2, 2, vec![0.0; 6]).unwrap_err().to_string();
    /// assert_eq!(err, "image: a 2 × 2 RGB image needs 12 values, found 6");
    /// # Ok::<(), brainclip::eval::EvalError>(())
    /// ```
    pub fn new(height: usize, width: usize, data: Vec<f32>) -> Result<Self, EvalError> {
        let expected = expected_len(height, width)?;
        if data.len() != expected {
            return Err(invalid(format!(
                "a {height} × {width} RGB image needs {expected} values, found {}",
                data.len()
            )));
        }
        let data = Array3::from_shape_vec((height, width, 3), data)
            .map_err(|e| invalid(format!("cannot shape the buffer as {height} × {width} × 3: {e}")))?;
        check_values(&data)?;
        Ok(Self { data })
    }

    /// An image from a 3 × height × width buffer (channels first, the layout of a torch or burn
    /// image tensor).
    ///
    /// Errors: as [`Image::new`].
    ///
    /// ```
    /// use brainclip::eval::recon::Image;
    ///
    /// // one pixel: R plane, G plane, B plane
    /// let img = Image::from_chw(1, 1, &[0.25, 0.5, 0.75])?;
    /// assert_eq!(img.pixel(0, 0), [0.25, 0.5, 0.75]);
    /// # Ok::<(), brainclip::eval::EvalError>(())
    /// ```
    pub fn from_chw(height: usize, width: usize, data: &[f32]) -> Result<Self, EvalError> {
        let expected = expected_len(height, width)?;
        if data.len() != expected {
            return Err(invalid(format!(
                "a 3 × {height} × {width} image needs {expected} values, found {}",
                data.len()
            )));
        }
        let plane = height * width;
        let data = Array3::from_shape_fn((height, width, 3), |(y, x, c)| data[c * plane + y * width + x]);
        check_values(&data)?;
        Ok(Self { data })
    }

    /// An image from an 8-bit RGB image: each value `v as f32 / 255.0`. Also available as
    /// `Image::from(&rgb)`.
    ///
    /// ```
    /// use brainclip::eval::recon::Image;
    ///
    /// let rgb = image::RgbImage::from_pixel(3, 2, image::Rgb([255, 51, 0]));
    /// let img = Image::from_rgb8(&rgb);
    /// assert_eq!(img.pixel(1, 2), [1.0, 0.2, 0.0]);
    /// ```
    pub fn from_rgb8(rgb: &RgbImage) -> Self {
        let (w, h) = rgb.dimensions();
        let data = Array3::from_shape_fn((h as usize, w as usize, 3), |(y, x, c)| {
            f32::from(rgb.get_pixel(x as u32, y as u32).0[c]) / 255.0
        });
        Self { data }
    }

    /// An image from any decoded image: 8-bit (gray, gray-alpha, RGB, RGBA) through
    /// [`Image::from_rgb8`], 16-bit divided by 65535, 32-bit float as it is. Gray is replicated
    /// to RGB; alpha is dropped.
    ///
    /// Errors: a float image with values outside 0–1 or not finite; an image with a side of 0.
    ///
    /// ```
    /// use brainclip::eval::recon::Image;
    /// use image::{DynamicImage, GrayImage, Luma};
    ///
    /// let gray = DynamicImage::ImageLuma8(GrayImage::from_pixel(2, 2, Luma([51])));
    /// assert_eq!(Image::from_dynamic(&gray)?.pixel(0, 0), [0.2, 0.2, 0.2]);
    /// # Ok::<(), brainclip::eval::EvalError>(())
    /// ```
    pub fn from_dynamic(img: &DynamicImage) -> Result<Self, EvalError> {
        expected_len(img.height() as usize, img.width() as usize)?;
        match img.color() {
            ColorType::Rgb32F | ColorType::Rgba32F => {
                let rgb = img.to_rgb32f();
                let (w, h) = rgb.dimensions();
                Self::new(h as usize, w as usize, rgb.into_raw())
            }
            ColorType::L16 | ColorType::La16 | ColorType::Rgb16 | ColorType::Rgba16 => {
                let rgb = img.to_rgb16();
                let (w, h) = rgb.dimensions();
                let data = rgb.into_raw().into_iter().map(|v| f32::from(v) / 65535.0).collect();
                Self::new(h as usize, w as usize, data)
            }
            _ => Ok(Self::from_rgb8(&img.to_rgb8())),
        }
    }

    /// Number of rows.
    pub fn height(&self) -> usize {
        self.data.dim().0
    }

    /// Number of columns.
    pub fn width(&self) -> usize {
        self.data.dim().1
    }

    /// The R, G, B values at row `y`, column `x`.
    ///
    /// # Panics
    /// If `(y, x)` lies outside the image (an indexing error of the caller, as with slices).
    pub fn pixel(&self, y: usize, x: usize) -> [f32; 3] {
        [self.data[[y, x, 0]], self.data[[y, x, 1]], self.data[[y, x, 2]]]
    }

    /// The values as a height × width × 3 view.
    ///
    /// ```
    /// use brainclip::eval::recon::Image;
    ///
    /// let img = Image::new(2, 1, vec![0.0, 0.1, 0.2, 0.3, 0.4, 0.5])?;
    /// assert_eq!(img.view().dim(), (2, 1, 3));
    /// assert_eq!(img.view()[[1, 0, 2]], 0.5);
    /// # Ok::<(), brainclip::eval::EvalError>(())
    /// ```
    pub fn view(&self) -> ArrayView3<'_, f32> {
        self.data.view()
    }

    /// The values in f64, height × width × 3 (what the metrics compute with).
    pub(crate) fn to_f64(&self) -> Array3<f64> {
        self.data.mapv(f64::from)
    }

    /// "height × width", for messages.
    pub(crate) fn size_text(&self) -> String {
        format!("{} × {}", self.height(), self.width())
    }
}

impl From<&RgbImage> for Image {
    fn from(rgb: &RgbImage) -> Self {
        Self::from_rgb8(rgb)
    }
}

fn invalid(problem: String) -> EvalError {
    EvalError::InvalidImage {
        what: "image".into(),
        problem,
    }
}

fn expected_len(height: usize, width: usize) -> Result<usize, EvalError> {
    if height == 0 || width == 0 {
        return Err(invalid(format!("a {height} × {width} image has no pixels")));
    }
    height
        .checked_mul(width)
        .and_then(|n| n.checked_mul(3))
        .ok_or_else(|| invalid(format!("a {height} × {width} image is too large")))
}

fn check_values(data: &Array3<f32>) -> Result<(), EvalError> {
    match data.indexed_iter().find(|(_, v)| !(0.0..=1.0).contains(*v)) {
        Some(((y, x, c), v)) => Err(invalid(format!(
            "value {v} at row {y}, column {x}, channel {c} is not within 0–1"
        ))),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_agree() {
        let hwc: Vec<f32> = (0..24).map(|i| i as f32 / 23.0).collect();
        let img = Image::new(2, 4, hwc.clone()).unwrap();
        assert_eq!(img.pixel(1, 2), [hwc[18], hwc[19], hwc[20]]);
        let mut chw = vec![0.0; 24];
        for y in 0..2 {
            for x in 0..4 {
                for c in 0..3 {
                    chw[c * 8 + y * 4 + x] = hwc[(y * 4 + x) * 3 + c];
                }
            }
        }
        assert_eq!(Image::from_chw(2, 4, &chw).unwrap(), img);
    }

    #[test]
    fn bad_buffers_are_errors() {
        let msg = |e: EvalError| e.to_string();
        assert_eq!(
            msg(Image::new(0, 3, vec![]).unwrap_err()),
            "image: a 0 × 3 image has no pixels"
        );
        assert!(msg(Image::new(1, 1, vec![f32::NAN, 0.0, 0.0]).unwrap_err()).contains("NaN"));
        assert_eq!(
            msg(Image::new(1, 2, vec![0.0, 0.0, 0.0, 0.0, -0.1, 0.0]).unwrap_err()),
            "image: value -0.1 at row 0, column 1, channel 1 is not within 0–1"
        );
        assert!(Image::from_chw(2, 2, &[0.0; 11]).is_err());
        assert!(Image::new(usize::MAX, 2, vec![]).is_err());
    }

    #[test]
    fn dynamic_images() {
        let rgba = image::RgbaImage::from_pixel(2, 3, image::Rgba([255, 0, 51, 7]));
        let img = Image::from_dynamic(&DynamicImage::ImageRgba8(rgba)).unwrap();
        assert_eq!((img.height(), img.width()), (3, 2));
        assert_eq!(img.pixel(2, 1), [1.0, 0.0, 0.2]);
        let deep = image::ImageBuffer::<image::Rgb<u16>, _>::from_pixel(1, 1, image::Rgb([65535u16, 0, 13107]));
        let img = Image::from_dynamic(&DynamicImage::ImageRgb16(deep)).unwrap();
        assert_eq!(img.pixel(0, 0), [1.0, 0.0, 0.2]);
        let float = image::Rgb32FImage::from_pixel(1, 1, image::Rgb([0.5, 2.0, 0.0]));
        assert!(Image::from_dynamic(&DynamicImage::ImageRgb32F(float)).is_err());
        let empty = DynamicImage::ImageRgb8(RgbImage::new(0, 4));
        assert!(Image::from_dynamic(&empty).is_err());
    }
}
