//! PNG and JPEG stimulus images (image crate).

use std::path::{Path, PathBuf};

use image::{ImageEncoder, RgbImage};
use serde::Serialize;

use super::{FormatError, read_bytes};

/// Size and pixel format of an image file.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ImageSummary {
    /// `png` or `jpeg`.
    pub format: String,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Pixel layout as stored, e.g. `Rgb8`, `L8`.
    pub color: String,
}

fn decode(path: &Path) -> Result<(image::DynamicImage, image::ImageFormat), FormatError> {
    let bytes = read_bytes(path)?;
    let format =
        image::guess_format(&bytes).map_err(|e| FormatError::invalid(path, "a PNG or JPEG image", e.to_string()))?;
    if !matches!(format, image::ImageFormat::Png | image::ImageFormat::Jpeg) {
        return Err(FormatError::invalid(path, "a PNG or JPEG image", format!("{format:?}")));
    }
    let img = image::load_from_memory_with_format(&bytes, format)
        .map_err(|e| FormatError::invalid(path, format!("a readable {format:?} image"), e.to_string()))?;
    Ok((img, format))
}

/// PNG bytes of an RGB image (what `save_figure`, `generate` and notebooks write and show).
///
/// ```
/// let png = brainclip::data::formats::images::png_bytes(&image::RgbImage::new(2, 2));
/// assert!(png.starts_with(b"\x89PNG"));
/// ```
pub fn png_bytes(image: &RgbImage) -> Vec<u8> {
    let mut bytes = Vec::new();
    // Encoding an in-memory RGB8 buffer into a Vec cannot fail (no I/O, a supported colour type).
    image::codecs::png::PngEncoder::new(&mut bytes)
        .write_image(
            image.as_raw(),
            image.width(),
            image.height(),
            image::ExtendedColorType::Rgb8,
        )
        .unwrap_or_else(|e| unreachable!("PNG encoding of an RGB8 buffer: {e}"));
    bytes
}

/// The file extensions read as images (any case).
pub const EXTENSIONS: [&str; 3] = ["png", "jpg", "jpeg"];

/// Whether `path` has an image extension (.png, .jpg or .jpeg, any case).
///
/// ```
/// use brainclip::data::formats::images::is_image;
/// assert!(is_image("a/cat.JPG".as_ref()) && !is_image("notes.txt".as_ref()));
/// ```
pub fn is_image(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// The image files of `folder`, in name order.
///
/// ```
/// # let dir = tempfile::tempdir().unwrap();
/// for name in ["b.png", "a.jpeg", "notes.txt"] { std::fs::write(dir.path().join(name), b"").unwrap(); }
/// let files = brainclip::data::formats::images::images_in(dir.path()).unwrap();
/// assert_eq!(files, [dir.path().join("a.jpeg"), dir.path().join("b.png")]);
/// ```
pub fn images_in(folder: &Path) -> Result<Vec<PathBuf>, FormatError> {
    let entries = std::fs::read_dir(folder).map_err(|e| FormatError::io(folder, e))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| is_image(p))
        .collect();
    files.sort();
    Ok(files)
}

/// The files an image id may name, in the order they are tried: `base` itself, then `base` with
/// each image extension in lower and upper case (`cat` → `cat`, `cat.png`, ..., `cat.JPEG`).
///
/// ```
/// let tried = brainclip::data::formats::images::candidates("gallery/cat".as_ref());
/// assert_eq!(tried.len(), 7);
/// assert_eq!((tried[0].to_str(), tried[1].to_str()), (Some("gallery/cat"), Some("gallery/cat.png")));
/// ```
pub fn candidates(base: &Path) -> Vec<PathBuf> {
    let with = |ext: String| PathBuf::from(format!("{}.{ext}", base.display()));
    std::iter::once(base.to_path_buf())
        .chain(EXTENSIONS.iter().map(|e| with(e.to_string())))
        .chain(EXTENSIONS.iter().map(|e| with(e.to_uppercase())))
        .collect()
}

/// Read an image as 8-bit RGB (grey and alpha are converted).
pub fn read_rgb(path: &Path) -> Result<RgbImage, FormatError> {
    Ok(decode(path)?.0.to_rgb8())
}

/// Size and pixel format of an image.
///
/// ```
/// # let dir = tempfile::tempdir().unwrap();
/// # let path = dir.path().join("a.png");
/// image::RgbImage::new(4, 3).save(&path).unwrap();
/// let s = brainclip::data::formats::images::image_summary(&path).unwrap();
/// assert_eq!((s.format.as_str(), s.width, s.height), ("png", 4, 3));
/// ```
pub fn image_summary(path: &Path) -> Result<ImageSummary, FormatError> {
    let (img, format) = decode(path)?;
    Ok(ImageSummary {
        format: format!("{format:?}").to_lowercase(),
        width: img.width(),
        height: img.height(),
        color: format!("{:?}", img.color()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grey_jpeg_becomes_rgb_and_garbage_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("g.jpg");
        image::GrayImage::from_pixel(8, 6, image::Luma([200])).save(&p).unwrap();
        let rgb = read_rgb(&p).unwrap();
        assert_eq!(rgb.dimensions(), (8, 6));
        assert!(rgb.get_pixel(3, 3).0.iter().all(|&v| (195..=205).contains(&v)));
        let bad = dir.path().join("b.png");
        std::fs::write(&bad, b"\x89PNG\r\n\x1a\nbroken").unwrap();
        assert!(read_rgb(&bad).unwrap_err().to_string().contains("b.png"));
    }

    #[test]
    fn a_png_declaring_a_huge_canvas_is_an_error_not_an_allocation() {
        // A valid signature and IHDR chunk (CRC included) for 100000 × 100000 RGB, and no data.
        let mut ihdr = b"IHDR".to_vec();
        ihdr.extend(100_000u32.to_be_bytes());
        ihdr.extend(100_000u32.to_be_bytes());
        ihdr.extend([8, 2, 0, 0, 0]);
        let mut crc = flate2::Crc::new();
        crc.update(&ihdr);
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        png.extend(13u32.to_be_bytes());
        png.extend(&ihdr);
        png.extend(crc.sum().to_be_bytes());
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("huge.png");
        std::fs::write(&p, &png).unwrap();
        let err = read_rgb(&p).unwrap_err().to_string();
        assert!(err.contains("huge.png"), "{err}");
    }
}
