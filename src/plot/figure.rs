use std::fmt;

use image::{ExtendedColorType, ImageEncoder, codecs::png::PngEncoder};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{PlotError, font};

const MIN_SIDE: u32 = 100;
const MAX_SIDE: u32 = 8000;

/// A rendered figure: PNG bytes and an SVG document of the same drawing, plus its title and size.
///
/// ```
/// use brainclip::plot::{LineChart, Series, line_chart};
///
/// let mut spec = LineChart::new("Training curves", "epoch", "loss");
/// spec.series.push(Series::new("train", vec![(0.0, 1.0), (1.0, 0.5)]));
/// let fig = line_chart(&spec)?;
/// assert_eq!((fig.width(), fig.height()), (960, 600));
/// assert!(fig.svg().contains("<svg"));
/// assert_eq!(fig.to_string(), "Figure `Training curves` (960×600 px)");
/// # Ok::<(), brainclip::plot::PlotError>(())
/// ```
#[derive(Clone)]
pub struct Figure {
    title: String,
    width: u32,
    height: u32,
    png: Vec<u8>,
    svg: String,
}

impl Figure {
    /// The figure's title.
    pub fn title(&self) -> &str {
        &self.title
    }
    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }
    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }
    /// The bytes of a PNG file (8-bit RGB).
    pub fn png(&self) -> &[u8] {
        &self.png
    }
    /// A standalone SVG document of the same drawing.
    pub fn svg(&self) -> &str {
        &self.svg
    }

    /// The files that saving the figure as `name` writes, as (file name, bytes), the main one
    /// last: `name.svg` and `name.png`, or only the one `name` names when it ends in `.png` or
    /// `.svg`.
    ///
    /// ```
    /// use brainclip::plot::{LineChart, Series, line_chart};
    ///
    /// let mut spec = LineChart::new("Curves", "epoch", "loss");
    /// spec.series.push(Series::new("train", vec![(0.0, 1.0), (1.0, 0.5)]));
    /// let fig = line_chart(&spec)?;
    /// let names = |name| fig.files(name).into_iter().map(|(file, _)| file).collect::<Vec<_>>();
    /// assert_eq!(names("figures/curves"), ["figures/curves.svg", "figures/curves.png"]);
    /// assert_eq!(names("curves.svg"), ["curves.svg"]);
    /// assert_eq!(fig.files("curves.png"), [("curves.png".to_string(), fig.png())]);
    /// # Ok::<(), brainclip::plot::PlotError>(())
    /// ```
    pub fn files(&self, name: &str) -> Vec<(String, &[u8])> {
        let svg = self.svg.as_bytes();
        if name.ends_with(".svg") {
            vec![(name.to_string(), svg)]
        } else if name.ends_with(".png") {
            vec![(name.to_string(), self.png())]
        } else {
            vec![(format!("{name}.svg"), svg), (format!("{name}.png"), self.png())]
        }
    }
}

impl fmt::Debug for Figure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Figure")
            .field("title", &self.title)
            .field("width", &self.width)
            .field("height", &self.height)
            .field("png_bytes", &self.png.len())
            .field("svg_bytes", &self.svg.len())
            .finish()
    }
}

impl fmt::Display for Figure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Figure `{}` ({}×{} px)", self.title, self.width, self.height)
    }
}

/// A chart's drawing code, written once and run on both the bitmap and the SVG backend.
pub(crate) trait Drawing {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError>;

    /// Raster images placed on top of the drawing: copied into the PNG's pixels and embedded in
    /// the SVG as PNG `<image>` elements (plotters' SVG backend would write one rectangle per pixel).
    fn rasters(&self) -> &[Raster] {
        &[]
    }
}

/// An RGB image at a pixel position of the figure.
pub(crate) struct Raster {
    /// Left edge in pixels.
    pub x: u32,
    /// Top edge in pixels.
    pub y: u32,
    /// The pixels.
    pub image: image::RgbImage,
}

/// Height of the band [`titled`] reserves for the title.
pub(crate) const TITLE_BAND: u32 = 14 + font::TITLE_PX + 8;

/// Renders `drawing` to PNG and SVG after validating the size.
pub(crate) fn render(title: &str, width: u32, height: u32, drawing: &impl Drawing) -> Result<Figure, PlotError> {
    let sides = MIN_SIDE..=MAX_SIDE;
    if !sides.contains(&width) || !sides.contains(&height) {
        return Err(PlotError::InvalidSize {
            width,
            height,
            min: MIN_SIDE,
            max: MAX_SIDE,
        });
    }
    font::ensure_registered()?;
    let mut rgb = vec![0u8; width as usize * height as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (width, height)).into_drawing_area();
        drawing.draw(&root)?;
        root.present()?;
    }
    for r in drawing.rasters() {
        blit(&mut rgb, width, height, r);
    }
    let mut png = Vec::new();
    PngEncoder::new(&mut png)
        .write_image(&rgb, width, height, ExtendedColorType::Rgb8)
        .map_err(|e| PlotError::Render(format!("PNG encoding: {e}")))?;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        drawing.draw(&root)?;
        root.present()?;
    }
    if !drawing.rasters().is_empty() {
        let images = drawing.rasters().iter().map(svg_image).collect::<Result<String, _>>()?;
        let end = svg.rfind("</svg>").unwrap_or(svg.len());
        svg.insert_str(end, &images);
    }
    Ok(Figure {
        title: title.to_owned(),
        width,
        height,
        png,
        svg,
    })
}

/// Copies `r` into a `width × height` RGB buffer, clipped to the buffer.
fn blit(rgb: &mut [u8], width: u32, height: u32, r: &Raster) {
    let (iw, ih) = r.image.dimensions();
    let w = iw.min(width.saturating_sub(r.x)) as usize;
    for row in 0..ih.min(height.saturating_sub(r.y)) {
        let src = &r.image.as_raw()[(row * iw) as usize * 3..][..w * 3];
        let start = ((r.y + row) * width + r.x) as usize * 3;
        rgb[start..start + w * 3].copy_from_slice(src);
    }
}

/// An SVG `<image>` element holding `r` as a base64 PNG.
fn svg_image(r: &Raster) -> Result<String, PlotError> {
    let (w, h) = r.image.dimensions();
    let mut png = Vec::new();
    PngEncoder::new(&mut png)
        .write_image(r.image.as_raw(), w, h, ExtendedColorType::Rgb8)
        .map_err(|e| PlotError::Render(format!("PNG encoding: {e}")))?;
    Ok(format!(
        "<image x=\"{}\" y=\"{}\" width=\"{w}\" height=\"{h}\" href=\"data:image/png;base64,{}\"/>\n",
        r.x,
        r.y,
        base64(&png)
    ))
}

/// Standard base64 with padding.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Clears the canvas, draws the centred title and returns the area below it.
pub(crate) fn titled<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
) -> Result<DrawingArea<DB, Shift>, PlotError> {
    root.fill(&WHITE)?;
    let (w, _) = root.dim_in_pixel();
    let style = font::title().pos(Pos::new(HPos::Center, VPos::Top));
    root.draw_text(title, &style, (w as i32 / 2, 14))?;
    Ok(root.margin(TITLE_BAND as i32, 0, 0, 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Blank;
    impl Drawing for Blank {
        fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
            titled(root, "blank").map(|_| ())
        }
    }

    #[test]
    fn rejects_bad_sizes() {
        for (w, h) in [(0, 600), (99, 600), (960, 8001), (u32::MAX, u32::MAX)] {
            let err = render("t", w, h, &Blank).unwrap_err();
            assert!(matches!(err, PlotError::InvalidSize { width, height, .. } if (width, height) == (w, h)));
        }
        assert!(render("t", 100, 8000, &Blank).is_ok());
    }

    #[test]
    fn base64_matches_rfc4648() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, encoded) in cases {
            assert_eq!(base64(plain.as_bytes()), encoded);
        }
    }

    #[test]
    fn rasters_are_clipped_into_the_png() {
        let image = image::RgbImage::from_pixel(30, 20, image::Rgb([255, 0, 0]));
        let r = Raster { x: 190, y: 95, image };
        let mut rgb = vec![0u8; 200 * 100 * 3];
        blit(&mut rgb, 200, 100, &r);
        let red = rgb.chunks(3).filter(|p| p == &[255, 0, 0]).count();
        assert_eq!(red, 10 * 5);
        assert!(
            svg_image(&r)
                .unwrap()
                .starts_with("<image x=\"190\" y=\"95\" width=\"30\"")
        );
    }

    #[test]
    fn debug_hides_bytes() {
        let fig = render("blank", 200, 100, &Blank).unwrap();
        let dbg = format!("{fig:?}");
        assert!(dbg.contains("png_bytes") && dbg.len() < 200, "{dbg}");
        assert_eq!(fig.to_string(), "Figure `blank` (200×100 px)");
    }
}
