use ndarray::Array2;
use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::figure::{Drawing, render, titled};
use super::style::{nice_step, nice_ticks, tick_label, viridis};
use super::{Figure, PlotError, font};

/// Specification of a heatmap; render it with [`heatmap`].
///
/// ```
/// use brainclip::plot::{Heatmap, heatmap};
/// use ndarray::Array2;
///
/// let sim = Array2::from_shape_fn((8, 8), |(i, j)| if i == j { 1.0 } else { 0.1 * (i + j) as f32 / 14.0 });
/// let mut spec = Heatmap::new("Brain–image similarity", "image", "fMRI trial", sim);
/// spec.colour_bar_label = "cosine similarity".into();
/// spec.range = Some((-1.0, 1.0));
/// let fig = heatmap(&spec)?;
/// assert!(fig.png().starts_with(b"\x89PNG"));
/// # Ok::<(), brainclip::plot::PlotError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Heatmap {
    /// Figure title.
    pub title: String,
    /// X-axis (column) label.
    pub x_label: String,
    /// Y-axis (row) label.
    pub y_label: String,
    /// One cell per entry: rows drawn top to bottom, columns left to right.
    pub values: Array2<f32>,
    /// Pixels; default 900.
    pub width: u32,
    /// Pixels; default 800.
    pub height: u32,
    /// Label of the colour bar, e.g. "cosine similarity"; default empty.
    pub colour_bar_label: String,
    /// Colour scale limits (values outside are clamped); default: data min..max.
    pub range: Option<(f32, f32)>,
    /// Row labels (empty: row indices). Index labels are thinned to round steps (at most ~25);
    /// names are all drawn when they fit (down to 9 px), else every n-th.
    pub row_ticks: Vec<String>,
    /// Column labels (empty: column indices). Index labels are thinned to round steps (at most
    /// ~25); names are all drawn when they fit — turned vertical and down to 9 px if need be —
    /// else every n-th; names longer than 30 % of the height are shortened with "…".
    pub col_ticks: Vec<String>,
    /// Write each cell's value in it (e.g. the counts of a confusion matrix) where cells are
    /// large enough for the text; default false.
    pub annotate: bool,
}

impl Heatmap {
    /// A 900×800 heatmap of `values` with the default colour range and index tick labels.
    pub fn new(
        title: impl Into<String>,
        x_label: impl Into<String>,
        y_label: impl Into<String>,
        values: Array2<f32>,
    ) -> Self {
        Self {
            title: title.into(),
            x_label: x_label.into(),
            y_label: y_label.into(),
            values,
            width: 900,
            height: 800,
            colour_bar_label: String::new(),
            range: None,
            row_ticks: Vec::new(),
            col_ticks: Vec::new(),
            annotate: false,
        }
    }
}

/// Renders a heatmap with the viridis colour map, a labelled colour bar on the right,
/// tick labels on both axes, axis labels and a title.
///
/// An empty matrix, non-finite values, an invalid range or tick-label count, or an invalid
/// size is an error; a constant matrix is drawn in the middle colour of a widened range.
///
/// ```
/// use brainclip::plot::{Heatmap, PlotError, heatmap};
/// use ndarray::Array2;
///
/// let spec = Heatmap::new("Empty", "x", "y", Array2::zeros((0, 3)));
/// assert!(matches!(heatmap(&spec), Err(PlotError::EmptyData { .. })));
/// ```
pub fn heatmap(spec: &Heatmap) -> Result<Figure, PlotError> {
    render(&spec.title, spec.width, spec.height, &Prepared::new(spec)?)
}

struct Prepared<'a> {
    spec: &'a Heatmap,
    lo: f64,
    hi: f64,
    row_ticks: Vec<String>,
    col_ticks: Vec<String>,
}

impl<'a> Prepared<'a> {
    fn new(spec: &'a Heatmap) -> Result<Self, PlotError> {
        let (rows, cols) = spec.values.dim();
        if rows == 0 || cols == 0 {
            let what = format!("heatmap `{}` has a {rows}×{cols} matrix", spec.title);
            return Err(PlotError::EmptyData { what });
        }
        if let Some(((r, c), v)) = spec.values.indexed_iter().find(|(_, v)| !v.is_finite()) {
            let what = format!("heatmap `{}` has {v} at row {r}, column {c}", spec.title);
            return Err(PlotError::NonFinite { what });
        }
        let (lo, hi) = match spec.range {
            Some((lo, hi)) if lo.is_finite() && hi.is_finite() && lo < hi => (lo as f64, hi as f64),
            Some((lo, hi)) => {
                let what = format!("colour range {lo}..{hi} must be finite with min < max");
                return Err(PlotError::InvalidInput { what });
            }
            None => {
                let lo = spec.values.fold(f32::INFINITY, |a, &v| a.min(v)) as f64;
                let hi = spec.values.fold(f32::NEG_INFINITY, |a, &v| a.max(v)) as f64;
                if hi > lo {
                    (lo, hi)
                } else {
                    let half = if lo == 0.0 { 0.5 } else { lo.abs() * 0.1 };
                    (lo - half, hi + half)
                }
            }
        };
        let ticks = |given: &[String], n: usize, axis: &str| match given.len() {
            0 => Ok((0..n).map(|i| i.to_string()).collect()),
            len if len == n => Ok(given.to_vec()),
            len => {
                let what = format!("{len} {axis} tick labels for {n} {axis}s");
                Err(PlotError::InvalidInput { what })
            }
        };
        let row_ticks = ticks(&spec.row_ticks, rows, "row")?;
        let col_ticks = ticks(&spec.col_ticks, cols, "column")?;
        Ok(Self {
            spec,
            lo,
            hi,
            row_ticks,
            col_ticks,
        })
    }

    /// Writes every value in its cell (integers as such, others with up to 2 decimals), white on
    /// dark cells and black on light ones; skipped when the widest text does not fit a cell.
    fn annotate<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        chart: &ChartContext<DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    ) -> Result<(), PlotError> {
        let values = &self.spec.values;
        let (rows, cols) = values.dim();
        let (plot_w, plot_h) = chart.plotting_area().dim_in_pixel();
        let (cell_w, cell_h) = (plot_w / cols as u32, plot_h / rows as u32);
        let px = (cell_h * 2 / 5).min(font::TICK_PX);
        if px < MIN_TICK_PX {
            return Ok(());
        }
        let integers = values.iter().all(|v| v.fract() == 0.0 && v.abs() < 1e7);
        let text = |v: f32| {
            if integers {
                format!("{v:.0}")
            } else {
                tick_label(&((v as f64 * 100.0).round() / 100.0))
            }
        };
        let style = font::text(px).pos(Pos::new(HPos::Center, VPos::Center));
        let widest = values.iter().try_fold(0, |m, &v| {
            Ok::<_, PlotError>(m.max(root.estimate_text_size(&text(v), &style)?.0))
        })?;
        if widest + 4 > cell_w {
            return Ok(());
        }
        let nr = rows as f64;
        for ((r, c), &v) in values.indexed_iter() {
            let RGBColor(red, green, blue) = viridis((v as f64 - self.lo) / (self.hi - self.lo));
            let light = 0.299 * red as f64 + 0.587 * green as f64 + 0.114 * blue as f64 > 140.0;
            let colour = if light { BLACK } else { WHITE };
            let at = chart.backend_coord(&(c as f64 + 0.5, nr - r as f64 - 0.5));
            root.draw_text(&text(v), &style.color(&colour), at)?;
        }
        Ok(())
    }
}

/// Smallest tick font used to fit many named rows or columns.
const MIN_TICK_PX: u32 = 9;

/// How one axis's tick labels are drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
struct TickLayout {
    /// Font size in pixels.
    px: u32,
    /// Every `step`-th label is drawn.
    step: usize,
    /// Column labels turned 90° (reading upwards), for names too wide to sit side by side.
    rotated: bool,
}

impl TickLayout {
    /// Layout of `n` labels along `extent` px whose widest is `widest` px at the default size
    /// (`widest_at(px)` at other sizes). Index labels (`named = false`) keep the default size and
    /// are thinned to round steps; names shrink (down to [`MIN_TICK_PX`]) so that all of them
    /// show when possible, columns turning vertical when they do not fit side by side.
    fn new(n: usize, extent: u32, widest: u32, named: bool, column: bool) -> Self {
        let pitch = extent as f64 / n as f64;
        let default = font::TICK_PX;
        let across = |px: u32| {
            if column {
                widest as f64 * px as f64 / default as f64 + 8.0
            } else {
                px as f64 + 4.0
            }
        };
        if pitch >= across(default) {
            return Self {
                px: default,
                step: 1,
                rotated: false,
            };
        }
        if !named {
            let fit = (extent as f64 / (across(default) + 4.0)).clamp(1.0, 25.0) as usize;
            return Self {
                px: default,
                step: nice_step(n, fit),
                rotated: false,
            };
        }
        // Stacked labels (rows, or rotated columns) need about their font size plus 2 px each.
        let px = ((pitch - 2.0).floor() as u32).clamp(MIN_TICK_PX, default);
        let step = if pitch >= px as f64 + 2.0 {
            1
        } else {
            nice_step(n, (extent as f64 / (px as f64 + 3.0)).max(1.0) as usize)
        };
        Self {
            px,
            step,
            rotated: column,
        }
    }
}

/// `text`, shortened with an ellipsis until it is at most `max_w` px wide in `style`.
pub(crate) fn fit_text<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    text: &str,
    style: &TextStyle,
    max_w: u32,
) -> Result<String, PlotError> {
    if root.estimate_text_size(text, style)?.0 <= max_w {
        return Ok(text.to_owned());
    }
    let chars: Vec<char> = text.chars().collect();
    for keep in (0..chars.len()).rev() {
        let short: String = chars[..keep].iter().chain(['…'].iter()).collect();
        if root.estimate_text_size(&short, style)?.0 <= max_w {
            return Ok(short);
        }
    }
    Ok("…".to_owned())
}

impl Drawing for Prepared<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let spec = self.spec;
        let (rows, cols) = spec.values.dim();
        let (nr, nc) = (rows as f64, cols as f64);
        let width_of = |labels: &[String], px: u32| -> Result<u32, PlotError> {
            let style = font::text(px);
            labels
                .iter()
                .try_fold(0, |m, s| Ok(m.max(root.estimate_text_size(s, &style)?.0)))
        };

        let body = titled(root, &spec.title)?;
        let (w, h) = body.dim_in_pixel();
        let bar_values = nice_ticks(self.lo, self.hi, 10);
        let bar_labels: Vec<_> = bar_values.iter().map(tick_label).collect();
        let bar_ticks_w = width_of(&bar_labels, font::TICK_PX)?;
        const BAR: u32 = 30;
        let bar_w = (4 + BAR + 10 + bar_ticks_w + 14 + font::LABEL_PX + 12).min(w / 3);
        let (main, bar) = body.split_horizontally(w - bar_w);

        // Tick layouts are decided on estimated plot extents: columns first, assuming row labels
        // at full size (rows only shrink, so the estimate is conservative), then rows.
        let max_row_w = (w / 4).max(20);
        let max_col_h = (h * 3 / 10).max(20);
        let row_w_full = width_of(&self.row_ticks, font::TICK_PX)?.min(max_row_w);
        let plot_w_est = (w - bar_w).saturating_sub(32 + row_w_full + font::LABEL_PX + 28).max(1);
        let col_w_full = width_of(&self.col_ticks, font::TICK_PX)?;
        let col_layout = TickLayout::new(cols, plot_w_est, col_w_full, !spec.col_ticks.is_empty(), true);
        let col_style = font::text(col_layout.px);
        let col_labels: Vec<String> = if col_layout.rotated {
            let labels = self.col_ticks.iter().map(|t| fit_text(root, t, &col_style, max_col_h));
            labels.collect::<Result<_, _>>()?
        } else {
            self.col_ticks.clone()
        };
        let col_extent = if col_layout.rotated {
            width_of(&col_labels, col_layout.px)?
        } else {
            col_layout.px
        };
        let x_area = col_extent + 8 + font::LABEL_PX + 26;
        let plot_h_est = h.saturating_sub(8 + 16 + x_area).max(1);
        let row_layout = TickLayout::new(rows, plot_h_est, 0, !spec.row_ticks.is_empty(), false);
        let row_style = font::text(row_layout.px);
        let row_labels = self.row_ticks.iter().map(|t| fit_text(root, t, &row_style, max_row_w));
        let row_labels: Vec<String> = row_labels.collect::<Result<_, _>>()?;
        let row_w = width_of(&row_labels, row_layout.px)?;

        let mut chart = ChartBuilder::on(&main)
            .margin(16)
            .margin_top(8)
            .x_label_area_size(x_area)
            .y_label_area_size(row_w + font::LABEL_PX + 28)
            .build_cartesian_2d(0.0..nc, 0.0..nr)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(0)
            .y_labels(0)
            .x_desc(&spec.x_label)
            .y_desc(&spec.y_label)
            .axis_desc_style(font::text(font::LABEL_PX))
            .draw()?;
        let cells = spec.values.indexed_iter().map(|((r, c), &v)| {
            let colour = viridis((v as f64 - self.lo) / (self.hi - self.lo));
            let (x, y) = (c as f64, nr - r as f64);
            Rectangle::new([(x, y), (x + 1.0, y - 1.0)], colour.filled())
        });
        chart.draw_series(cells)?;
        if spec.annotate {
            self.annotate(root, &chart)?;
        }

        // Tick labels sit at cell centres, which plotters' automatic key points cannot do.
        let col_pos = if col_layout.rotated {
            Pos::new(HPos::Right, VPos::Center)
        } else {
            Pos::new(HPos::Center, VPos::Top)
        };
        let col_style = if col_layout.rotated {
            col_style.transform(FontTransform::Rotate270)
        } else {
            col_style
        };
        let col_style = col_style.pos(col_pos);
        for c in (0..cols).step_by(col_layout.step) {
            let (px, py) = chart.backend_coord(&(c as f64 + 0.5, 0.0));
            root.draw(&PathElement::new(vec![(px, py), (px, py + 5)], BLACK))?;
            root.draw_text(&col_labels[c], &col_style, (px, py + 8))?;
        }
        let row_style = row_style.pos(Pos::new(HPos::Right, VPos::Center));
        for r in (0..rows).step_by(row_layout.step) {
            let (px, py) = chart.backend_coord(&(0.0, nr - r as f64 - 0.5));
            root.draw(&PathElement::new(vec![(px - 5, py), (px, py)], BLACK))?;
            root.draw_text(&row_labels[r], &row_style, (px - 8, py))?;
        }

        // The colour bar shares the heatmap's vertical extent (same top margin and bottom area).
        let cbar = ChartBuilder::on(&bar)
            .margin_top(8)
            .margin_bottom(16)
            .margin_left(4)
            .margin_right(bar_w.saturating_sub(4 + BAR))
            .x_label_area_size(x_area)
            .build_cartesian_2d(0.0..1.0, self.lo..self.hi)?;
        let area = cbar.plotting_area();
        const STEPS: usize = 256;
        let dv = (self.hi - self.lo) / STEPS as f64;
        for i in 0..STEPS {
            let (v0, colour) = (self.lo + i as f64 * dv, viridis((i as f64 + 0.5) / STEPS as f64));
            area.draw(&Rectangle::new([(0.0, v0), (1.0, v0 + dv)], colour.filled()))?;
        }
        area.draw(&Rectangle::new([(0.0, self.lo), (1.0, self.hi)], BLACK))?;
        let tick_style = font::text(font::TICK_PX).pos(Pos::new(HPos::Left, VPos::Center));
        for (v, label) in bar_values.iter().zip(&bar_labels) {
            let (px, py) = cbar.backend_coord(&(1.0, *v));
            root.draw(&PathElement::new(vec![(px, py), (px + 6, py)], BLACK))?;
            root.draw_text(label, &tick_style, (px + 10, py))?;
        }
        let (top, bottom) = (cbar.backend_coord(&(1.0, self.hi)), cbar.backend_coord(&(1.0, self.lo)));
        let label_style = font::text(font::LABEL_PX)
            .transform(FontTransform::Rotate270)
            .pos(Pos::new(HPos::Center, VPos::Top));
        let label_x = top.0 + 10 + bar_ticks_w as i32 + 14;
        root.draw_text(&spec.colour_bar_label, &label_style, (label_x, (top.1 + bottom.1) / 2))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::test_util::check_png;

    fn similarity(n: usize) -> Array2<f32> {
        Array2::from_shape_fn((n, n), |(i, j)| {
            let d = (i as f32 - j as f32).abs();
            (-d / 6.0).exp() * 0.9 - 0.2 + 0.05 * ((i * 7 + j * 3) % 5) as f32 / 5.0
        })
    }

    #[test]
    fn renders_50x50_with_labels() {
        let mut spec = Heatmap::new("Brain–image similarity", "image", "fMRI trial", similarity(50));
        spec.colour_bar_label = "cosine similarity".into();
        let fig = heatmap(&spec).unwrap();
        assert_eq!((fig.width(), fig.height()), (900, 800));
        check_png(&fig, "heat_50");

        spec.title = "Named ticks".into();
        spec.row_ticks = (0..50).map(|i| format!("trial {i}")).collect();
        spec.col_ticks = (0..50).map(|i| format!("stimulus_{i}")).collect();
        spec.range = Some((-1.0, 1.0));
        check_png(&heatmap(&spec).unwrap(), "heat_named");
    }

    #[test]
    fn named_categories_are_all_labelled() {
        let mut spec = Heatmap::new(
            "Predicted vs true image embeddings",
            "true image embedding",
            "predicted from fMRI",
            similarity(50),
        );
        spec.colour_bar_label = "cosine similarity".into();
        spec.row_ticks = crate::plot::test_util::category_names();
        spec.col_ticks = crate::plot::test_util::category_names();
        let prepared = Prepared::new(&spec).unwrap();
        assert_eq!(prepared.col_ticks.len(), 50);
        check_png(&heatmap(&spec).unwrap(), "heat_categories");
        // all 50 labels of each axis are in the SVG
        let svg = heatmap(&spec).unwrap().svg().to_owned();
        assert_eq!(svg.matches("\nzucchini\n").count(), 2, "row and column label");
        assert_eq!(
            svg.matches("rotate(270").count(),
            50 + 2,
            "column labels, y-axis and colour bar labels"
        );
    }

    #[test]
    fn layouts() {
        // wide index labels: thinned, horizontal
        let l = TickLayout::new(50, 600, 16, false, true);
        assert_eq!((l.px, l.step, l.rotated), (14, 5, false));
        // names that do not fit side by side turn vertical and all show
        let l = TickLayout::new(50, 600, 80, true, true);
        assert_eq!((l.px, l.step, l.rotated), (10, 1, true));
        // 200 names in 600 px: smallest font, every other
        let l = TickLayout::new(200, 600, 80, true, false);
        assert_eq!((l.px, l.step, l.rotated), (9, 5, false));
        let l = TickLayout::new(5, 600, 80, true, true);
        assert_eq!((l.px, l.step, l.rotated), (14, 1, false));
    }

    #[test]
    fn annotated_confusion_matrix() {
        let confusion = Array2::from_shape_fn((10, 10), |(i, j)| {
            if i == j {
                6.0 + (i % 3) as f32
            } else {
                ((i * 3 + j) % 4 == 0) as u8 as f32
            }
        });
        let mut spec = Heatmap::new("Confusion matrix", "predicted class", "true class", confusion);
        spec.colour_bar_label = "samples".into();
        spec.annotate = true;
        spec.row_ticks = crate::plot::test_util::category_names()[..10].to_vec();
        spec.col_ticks = crate::plot::test_util::category_names()[..10].to_vec();
        let fig = heatmap(&spec).unwrap();
        check_png(&fig, "heat_confusion");
        assert!(fig.svg().contains("\n8\n"));
    }

    #[test]
    fn degenerate_matrices_render() {
        let mut one = Heatmap::new("One cell", "x", "y", Array2::from_elem((1, 1), 0.3));
        (one.width, one.height) = (400, 360);
        check_png(&heatmap(&one).unwrap(), "heat_1x1");
        let mut constant = Heatmap::new("Constant", "x", "y", Array2::from_elem((6, 9), 1.0));
        constant.colour_bar_label = "value".into();
        check_png(&heatmap(&constant).unwrap(), "heat_const");
        let zero = Heatmap::new("Zeros", "x", "y", Array2::zeros((3, 3)));
        check_png(&heatmap(&zero).unwrap(), "heat_zero");
    }

    #[test]
    fn errors() {
        let empty = Heatmap::new("e", "x", "y", Array2::zeros((3, 0)));
        assert!(matches!(heatmap(&empty), Err(PlotError::EmptyData { .. })));
        let mut spec = Heatmap::new("n", "x", "y", similarity(4));
        spec.values[(2, 1)] = f32::NAN;
        let err = heatmap(&spec).unwrap_err();
        assert!(
            matches!(&err, PlotError::NonFinite { what } if what.contains("row 2, column 1")),
            "{err}"
        );
        spec.values[(2, 1)] = 0.0;
        spec.range = Some((1.0, 1.0));
        assert!(matches!(heatmap(&spec), Err(PlotError::InvalidInput { .. })));
        spec.range = None;
        spec.col_ticks = vec!["a".into()];
        assert!(matches!(heatmap(&spec), Err(PlotError::InvalidInput { .. })));
        spec.col_ticks.clear();
        spec.width = 50;
        assert!(matches!(heatmap(&spec), Err(PlotError::InvalidSize { width: 50, .. })));
    }
}
