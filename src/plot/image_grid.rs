use image::RgbImage;
use image::imageops::{FilterType, resize};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::figure::{Drawing, Raster, TITLE_BAND, render, titled};
use super::{Figure, PlotError, font};

/// Specification of an image grid (e.g. each row: the stimulus, then the images retrieved or
/// generated from the fMRI), with a caption under each image; render it with [`image_grid`].
///
/// ```
/// use brainclip::plot::{ImageGrid, image_grid};
/// use image::{Rgb, RgbImage};
///
/// let images: Vec<RgbImage> = (0..6).map(|i| RgbImage::from_fn(64, 48, |x, y| Rgb([(x * 4) as u8, (y * 5) as u8, 40 * i]))).collect();
/// let captions = ["stimulus", "top-1 (0.81)", "top-2 (0.77)"].repeat(2).into_iter().map(String::from).collect();
/// let mut spec = ImageGrid::new("fMRI → image retrieval", images, 3);
/// spec.captions = captions;
/// let fig = image_grid(&spec)?;
/// assert_eq!(fig.width(), 3 * (160 + 12) + 12);
/// # Ok::<(), brainclip::plot::PlotError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ImageGrid {
    /// Figure title.
    pub title: String,
    /// The images, filled row by row.
    pub images: Vec<RgbImage>,
    /// One caption per image (up to two lines are drawn, wrapped at spaces, then shortened
    /// with "…"), or empty for none.
    pub captions: Vec<String>,
    /// Images per row.
    pub columns: usize,
    /// Side of the square cell each image is fitted into (aspect ratio kept), px; default 160.
    pub cell: u32,
}

impl ImageGrid {
    /// A grid of `images` in `columns` columns with 160 px cells and no captions.
    pub fn new(title: impl Into<String>, images: Vec<RgbImage>, columns: usize) -> Self {
        Self {
            title: title.into(),
            images,
            captions: Vec::new(),
            columns,
            cell: 160,
        }
    }
}

const GAP: u32 = 12;
const CAPTION_PX: u32 = 14;
const CAPTION_LINES: u32 = 2;

/// Renders the grid: each image scaled (Catmull–Rom) to fit its cell and centred in it, with a
/// thin frame and its caption below. The figure's size follows from the columns, rows and cell
/// size (widened, with the grid centred, when the title needs more room; at least 320 px).
///
/// No images, zero columns, a cell outside 16..=1024 px, a caption count that is neither 0 nor
/// the image count, an empty image, or a resulting size beyond 8000 px are errors.
///
/// ```
/// use brainclip::plot::{ImageGrid, PlotError, image_grid};
///
/// let spec = ImageGrid::new("none", Vec::new(), 4);
/// assert!(matches!(image_grid(&spec), Err(PlotError::EmptyData { .. })));
/// ```
pub fn image_grid(spec: &ImageGrid) -> Result<Figure, PlotError> {
    let prepared = Prepared::new(spec)?;
    render(&spec.title, prepared.width, prepared.height, &prepared)
}

struct Prepared<'a> {
    spec: &'a ImageGrid,
    width: u32,
    height: u32,
    /// Left edge of the grid (centred in a figure widened for the title).
    left: u32,
    caption_h: u32,
    rasters: Vec<Raster>,
}

impl<'a> Prepared<'a> {
    fn new(spec: &'a ImageGrid) -> Result<Self, PlotError> {
        let invalid = |what: String| Err(PlotError::InvalidInput { what });
        let n = spec.images.len();
        if n == 0 {
            let what = format!("image grid `{}` has no images", spec.title);
            return Err(PlotError::EmptyData { what });
        }
        if spec.columns == 0 {
            return invalid("an image grid needs at least 1 column".into());
        }
        if !(16..=1024).contains(&spec.cell) {
            return invalid(format!("cell size {} px is outside 16..=1024", spec.cell));
        }
        if !spec.captions.is_empty() && spec.captions.len() != n {
            return invalid(format!("{} captions for {n} images", spec.captions.len()));
        }
        if let Some(i) = spec.images.iter().position(|im| im.width() == 0 || im.height() == 0) {
            return invalid(format!("image {i} is empty"));
        }
        let cols = spec.columns.min(n) as u32;
        let rows = n.div_ceil(spec.columns) as u32;
        let caption_h = if spec.captions.is_empty() {
            0
        } else {
            CAPTION_LINES * (CAPTION_PX + 3) + 6
        };
        let grid_w = cols * (spec.cell + GAP) + GAP;
        font::ensure_registered()?;
        let title_w = font::title()
            .font
            .box_size(&spec.title)
            .map_err(|e| PlotError::Render(format!("measuring the title: {e:?}")))?
            .0;
        let width = grid_w.max(title_w + 40).max(320);
        let height = TITLE_BAND + rows * (spec.cell + caption_h + GAP) + GAP;
        if width > 8000 || height > 8000 {
            return Err(PlotError::InvalidSize {
                width,
                height,
                min: 100,
                max: 8000,
            });
        }
        let left = (width - grid_w) / 2;
        let rasters = spec
            .images
            .iter()
            .enumerate()
            .map(|(i, im)| {
                let scale = spec.cell as f64 / im.width().max(im.height()) as f64;
                let (w, h) = (
                    ((im.width() as f64 * scale).round() as u32).clamp(1, spec.cell),
                    ((im.height() as f64 * scale).round() as u32).clamp(1, spec.cell),
                );
                let (x, y) = cell_origin(i, spec.columns, spec.cell, caption_h, left);
                Raster {
                    x: x + (spec.cell - w) / 2,
                    y: y + (spec.cell - h) / 2,
                    image: resize(im, w, h, FilterType::CatmullRom),
                }
            })
            .collect();
        Ok(Self {
            spec,
            width,
            height,
            left,
            caption_h,
            rasters,
        })
    }
}

/// Top-left pixel of cell `i`.
fn cell_origin(i: usize, columns: usize, cell: u32, caption_h: u32, left: u32) -> (u32, u32) {
    let (r, c) = ((i / columns) as u32, (i % columns) as u32);
    (
        left + GAP + c * (cell + GAP),
        TITLE_BAND + GAP + r * (cell + caption_h + GAP),
    )
}

/// Splits `text` into at most `lines` lines no wider than `max_w` px, breaking at spaces
/// (inside words when a word alone is too wide) and ending with "…" when text is left over.
fn wrap<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    text: &str,
    style: &TextStyle,
    max_w: u32,
    lines: usize,
) -> Result<Vec<String>, PlotError> {
    let fits = |s: &str| -> Result<bool, PlotError> { Ok(root.estimate_text_size(s, style)?.0 <= max_w) };
    let mut out: Vec<String> = Vec::new();
    let mut rest: Vec<char> = text.trim().chars().collect();
    while !rest.is_empty() && out.len() < lines {
        // the longest prefix that fits, preferring to end at a space
        let mut end = rest.len();
        while end > 1 && !fits(&rest[..end].iter().collect::<String>())? {
            end -= 1;
        }
        if end < rest.len()
            && let Some(space) = rest[..end].iter().rposition(|&c| c == ' ')
            && space > 0
        {
            end = space;
        }
        out.push(rest[..end].iter().collect::<String>().trim().to_owned());
        rest = rest[end..].iter().copied().skip_while(|&c| c == ' ').collect();
    }
    if !rest.is_empty()
        && let Some(last) = out.last_mut()
    {
        let mut chars: Vec<char> = last.chars().collect();
        loop {
            let candidate: String = chars.iter().chain(['…'].iter()).collect();
            if chars.is_empty() || fits(&candidate)? {
                *last = candidate;
                break;
            }
            chars.pop();
        }
    }
    Ok(out)
}

impl Drawing for Prepared<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let spec = self.spec;
        titled(root, &spec.title)?;
        let style = font::text(CAPTION_PX);
        let frame = RGBColor(200, 200, 200);
        for i in 0..spec.images.len() {
            let (x, y) = cell_origin(i, spec.columns, spec.cell, self.caption_h, self.left);
            let (x, y, c) = (x as i32, y as i32, spec.cell as i32);
            root.draw(&Rectangle::new([(x - 1, y - 1), (x + c, y + c)], frame))?;
            if let Some(caption) = spec.captions.get(i) {
                let centred = style.pos(Pos::new(HPos::Center, VPos::Top));
                let lines = wrap(root, caption, &style, spec.cell + GAP - 4, CAPTION_LINES as usize)?;
                for (l, line) in lines.iter().enumerate() {
                    let ly = y + c + 5 + l as i32 * (CAPTION_PX as i32 + 3);
                    root.draw_text(line, &centred, (x + c / 2, ly))?;
                }
            }
        }
        Ok(())
    }

    fn rasters(&self) -> &[Raster] {
        &self.rasters
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::test_util::check_png;
    use image::Rgb;

    /// A synthetic "photo": a coloured disc on a gradient, `w × h` px.
    fn photo(seed: u32, w: u32, h: u32) -> RgbImage {
        let (cx, cy, r) = (w as f32 * 0.5, h as f32 * 0.55, w.min(h) as f32 * 0.3);
        RgbImage::from_fn(w, h, |x, y| {
            let inside = (x as f32 - cx).hypot(y as f32 - cy) < r;
            if inside {
                Rgb([(seed * 70 % 256) as u8, (seed * 130 % 256) as u8, 200])
            } else {
                Rgb([(x * 255 / w) as u8, 180, (y * 255 / h) as u8])
            }
        })
    }

    #[test]
    fn stimulus_and_retrieved_rows() {
        let names = ["goldfish", "owl", "iguana"];
        let mut images = Vec::new();
        let mut captions = Vec::new();
        for (row, name) in names.iter().enumerate() {
            images.push(photo(row as u32, 500, 375));
            captions.push(format!("stimulus: {name}"));
            for k in 1..=4 {
                images.push(photo(row as u32 * 4 + k, 300 + 40 * k, 300));
                captions.push(format!("top-{k}: a retrieved image with a long caption #{k}"));
            }
        }
        let mut spec = ImageGrid::new("Stimulus vs retrieved images (fMRI → image)", images, 5);
        spec.captions = captions;
        let fig = image_grid(&spec).unwrap();
        assert_eq!(
            (fig.width(), fig.height()),
            (5 * 172 + 12, TITLE_BAND + 3 * (160 + 40 + 12) + 12)
        );
        check_png(&fig, "image_grid");
        assert_eq!(fig.svg().matches("<image ").count(), 15);
        assert!(fig.svg().contains("stimulus: owl"));
        // the images are in the PNG: the first stimulus' disc colour is at its cell's centre
        let png = image::load_from_memory(fig.png()).unwrap().to_rgb8();
        let (x, y) = cell_origin(0, 5, 160, 40, 0);
        assert_eq!(png.get_pixel(x + 80, y + 85).0, [0, 0, 200]);
    }

    #[test]
    fn single_image_without_captions_and_errors() {
        let spec = ImageGrid::new("One", vec![photo(1, 40, 90)], 3);
        let fig = image_grid(&spec).unwrap();
        assert_eq!(fig.width(), 320);
        check_png(&fig, "image_grid_one");
        let mut spec = ImageGrid::new(
            "Stimulus and the image generated from fMRI",
            vec![photo(1, 64, 64); 2],
            2,
        );
        spec.captions = vec!["stimulus".into(), "generated".into()];
        let fig = image_grid(&spec).unwrap();
        assert!(
            fig.width() > 2 * 172 + 12 + 150,
            "widened for the title: {}",
            fig.width()
        );
        check_png(&fig, "image_grid_title");
        let mut bad = ImageGrid::new("bad", vec![photo(1, 10, 10); 2], 0);
        assert!(matches!(image_grid(&bad), Err(PlotError::InvalidInput { .. })));
        bad.columns = 2;
        bad.captions = vec!["only one".into()];
        assert!(matches!(image_grid(&bad), Err(PlotError::InvalidInput { .. })));
        bad.captions.clear();
        bad.images[1] = RgbImage::new(0, 5);
        assert!(matches!(image_grid(&bad), Err(PlotError::InvalidInput { .. })));
        let huge = ImageGrid::new("huge", vec![photo(1, 10, 10); 60], 60);
        assert!(matches!(image_grid(&huge), Err(PlotError::InvalidSize { .. })));
    }
}
