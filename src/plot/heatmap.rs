use ndarray::Array2;
use plotters::coord::Shift;
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
    /// Row labels (empty: row indices); at most ~25 evenly spaced ones are drawn.
    pub row_ticks: Vec<String>,
    /// Column labels (empty: column indices); as many as fit, at most ~25, are drawn.
    pub col_ticks: Vec<String>,
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
}

impl Drawing for Prepared<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let spec = self.spec;
        let (rows, cols) = spec.values.dim();
        let (nr, nc) = (rows as f64, cols as f64);
        let tick_style = font::text(font::TICK_PX);
        let width_of = |labels: &[String]| -> Result<u32, PlotError> {
            labels
                .iter()
                .try_fold(0, |m, s| Ok(m.max(root.estimate_text_size(s, &tick_style)?.0)))
        };
        let (row_w, col_w) = (width_of(&self.row_ticks)?, width_of(&self.col_ticks)?);

        let body = titled(root, &spec.title)?;
        let (w, _) = body.dim_in_pixel();
        let bar_values = nice_ticks(self.lo, self.hi, 10);
        let bar_labels: Vec<_> = bar_values.iter().map(tick_label).collect();
        let bar_ticks_w = width_of(&bar_labels)?;
        const BAR: u32 = 30;
        let bar_w = (4 + BAR + 10 + bar_ticks_w + 14 + font::LABEL_PX + 12).min(w / 3);
        let (main, bar) = body.split_horizontally(w - bar_w);
        let x_area = font::TICK_PX + font::LABEL_PX + 34;
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

        // Tick labels sit at cell centres, which plotters' automatic key points cannot do.
        let (plot_w, plot_h) = chart.plotting_area().dim_in_pixel();
        let col_fit = (plot_w / (col_w + 12)).clamp(1, 25) as usize;
        let row_fit = (plot_h / (font::TICK_PX + 8)).clamp(1, 25) as usize;
        let col_style = tick_style.pos(Pos::new(HPos::Center, VPos::Top));
        for c in (0..cols).step_by(nice_step(cols, col_fit)) {
            let (px, py) = chart.backend_coord(&(c as f64 + 0.5, 0.0));
            root.draw(&PathElement::new(vec![(px, py), (px, py + 5)], BLACK))?;
            root.draw_text(&self.col_ticks[c], &col_style, (px, py + 8))?;
        }
        let row_style = tick_style.pos(Pos::new(HPos::Right, VPos::Center));
        for r in (0..rows).step_by(nice_step(rows, row_fit)) {
            let (px, py) = chart.backend_coord(&(0.0, nr - r as f64 - 0.5));
            root.draw(&PathElement::new(vec![(px - 5, py), (px, py)], BLACK))?;
            root.draw_text(&self.row_ticks[r], &row_style, (px - 8, py))?;
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
        let tick_style = tick_style.pos(Pos::new(HPos::Left, VPos::Center));
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
