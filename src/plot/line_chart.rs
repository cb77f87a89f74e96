use std::ops::Range;

use plotters::coord::Shift;
use plotters::coord::ranged1d::{AsRangedCoord, DefaultFormatting, KeyPointHint, Ranged, ValueFormatter};
use plotters::element::{DashedPathElement, MultiLineText};
use plotters::prelude::*;
use serde::{Deserialize, Serialize};

use super::figure::{Drawing, render, titled};
use super::style::{MESH_BOLD, MESH_LIGHT, PALETTE, REFERENCE, tick_label};
use super::{Figure, PlotError, font};

/// One named curve of a [`LineChart`].
///
/// ```
/// use brainclip::plot::Series;
///
/// let s = Series::new("val top-1", vec![(1.0, 0.12), (2.0, 0.19)]);
/// assert_eq!(s.points.len(), 2);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Series {
    /// Legend label.
    pub name: String,
    /// (x, y) points in drawing order; non-finite ones are skipped.
    pub points: Vec<(f64, f64)>,
}

impl Series {
    /// A series named `name` through `points` (drawn in the given order).
    pub fn new(name: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        Self {
            name: name.into(),
            points,
        }
    }
}

/// Specification of a line chart; render it with [`line_chart`].
///
/// ```
/// use brainclip::plot::{LineChart, Series, line_chart};
///
/// let mut spec = LineChart::new("Retrieval accuracy", "epoch", "top-1");
/// spec.series.push(Series::new("val", vec![(1.0, 0.05), (2.0, 0.11), (3.0, 0.16)]));
/// spec.reference_lines.push(("chance".into(), 0.02));
/// let fig = line_chart(&spec)?;
/// assert!(fig.png().starts_with(b"\x89PNG"));
/// # Ok::<(), brainclip::plot::PlotError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LineChart {
    /// Figure title.
    pub title: String,
    /// X-axis label.
    pub x_label: String,
    /// Y-axis label.
    pub y_label: String,
    /// The series, coloured in palette order.
    pub series: Vec<Series>,
    /// Pixels; default 960.
    pub width: u32,
    /// Pixels; default 600.
    pub height: u32,
    /// Logarithmic y axis (points with y ≤ 0 are then skipped).
    pub log_y: bool,
    /// Horizontal dashed lines with a legend entry, e.g. `("chance", 0.02)`.
    pub reference_lines: Vec<(String, f64)>,
    /// Dashed grey curves with a legend entry, for references that vary along x (e.g. the
    /// chance level k / N of a top-k curve); drawn beneath the series.
    #[serde(default)]
    pub reference_curves: Vec<Series>,
    /// Fixed y-axis limits (e.g. `(0.0, 1.0)` for accuracies); default: the data range plus 4 %.
    #[serde(default)]
    pub y_range: Option<(f64, f64)>,
}

impl LineChart {
    /// An empty 960×600 chart with linear axes.
    pub fn new(title: impl Into<String>, x_label: impl Into<String>, y_label: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            x_label: x_label.into(),
            y_label: y_label.into(),
            series: Vec::new(),
            width: 960,
            height: 600,
            log_y: false,
            reference_lines: Vec::new(),
            reference_curves: Vec::new(),
            y_range: None,
        }
    }
}

/// Renders a line chart: one coloured line per series (with markers when a series has fewer
/// than 30 points), dashed reference lines and curves, a boxed legend placed where the data
/// leaves room.
///
/// Non-finite points are skipped; a series or reference curve without any finite point, no
/// series at all, an invalid `y_range` or an invalid size is an error.
///
/// ```
/// use brainclip::plot::{LineChart, PlotError, Series, line_chart};
///
/// let mut spec = LineChart::new("Loss", "step", "loss");
/// spec.log_y = true;
/// spec.series.push(Series::new("train", (1..200).map(|i| (i as f64, 5.0 / i as f64)).collect()));
/// let fig = line_chart(&spec)?;
/// assert!(fig.svg().contains("Loss"));
///
/// spec.width = 10;
/// assert!(matches!(line_chart(&spec), Err(PlotError::InvalidSize { .. })));
/// # Ok::<(), PlotError>(())
/// ```
pub fn line_chart(spec: &LineChart) -> Result<Figure, PlotError> {
    render(&spec.title, spec.width, spec.height, &Prepared::new(spec)?)
}

const LEGEND_MARGIN: u32 = 10;
const LEGEND_KEY: u32 = 34;

/// Validated data: usable points per series and padded axis ranges.
struct Prepared<'a> {
    spec: &'a LineChart,
    series: Vec<Vec<(f64, f64)>>,
    curves: Vec<Vec<(f64, f64)>>,
    x: Range<f64>,
    y: Range<f64>,
}

impl<'a> Prepared<'a> {
    fn new(spec: &'a LineChart) -> Result<Self, PlotError> {
        if spec.series.is_empty() {
            let what = format!("line chart `{}` has no series", spec.title);
            return Err(PlotError::EmptyData { what });
        }
        let usable = |x: f64, y: f64| x.is_finite() && y.is_finite() && (!spec.log_y || y > 0.0);
        let usable_points = |all: &[Series]| -> Result<Vec<Vec<(f64, f64)>>, PlotError> {
            all.iter()
                .map(|s| {
                    let pts: Vec<_> = s.points.iter().copied().filter(|&(x, y)| usable(x, y)).collect();
                    if pts.is_empty() {
                        let need = if spec.log_y {
                            "finite point with y > 0 (log scale)"
                        } else {
                            "finite point"
                        };
                        return Err(PlotError::NonFinite {
                            what: format!("series `{}` has no {need}", s.name),
                        });
                    }
                    Ok(pts)
                })
                .collect()
        };
        let series = usable_points(&spec.series)?;
        let curves = usable_points(&spec.reference_curves)?;
        for (name, v) in &spec.reference_lines {
            if !usable(0.0, *v) {
                let what = format!("reference line `{name}` = {v} cannot be drawn on this axis");
                return Err(PlotError::InvalidInput { what });
            }
        }
        let all = series.iter().chain(&curves).flatten();
        let xs = all.clone().map(|p| p.0);
        let ys = all.map(|p| p.1).chain(spec.reference_lines.iter().map(|r| r.1));
        let x = padded(xs, false)?;
        let y = match spec.y_range {
            Some((lo, hi)) if lo.is_finite() && hi.is_finite() && lo < hi && (!spec.log_y || lo > 0.0) => lo..hi,
            Some((lo, hi)) => {
                let what = format!("y range {lo}..{hi} must be finite with min < max (and min > 0 on a log axis)");
                return Err(PlotError::InvalidInput { what });
            }
            None => padded(ys, spec.log_y)?,
        };
        Ok(Self {
            spec,
            series,
            curves,
            x,
            y,
        })
    }

    /// Legend corner overlapping the fewest data: counts line samples falling into the
    /// legend box (`size` px, in a `plot`-px area) at each corner, in plot fractions.
    fn legend_position(&self, plot: (u32, u32), size: (f64, f64)) -> SeriesLabelPosition {
        let ty = |v: f64| if self.spec.log_y { v.log10() } else { v };
        let (x, y) = (&self.x, (ty(self.y.start), ty(self.y.end)));
        let (pw, ph) = (plot.0 as f64, plot.1 as f64);
        // plotters puts the box 5 px from the plot edges; 4 px more keep lines off its border.
        let (w, h) = ((size.0 + 8.0) / pw, (size.1 + 8.0) / ph);
        let (mx, my) = (1.0 / pw, 1.0 / ph);
        let (left, right) = (mx..mx + w, 1.0 - mx - w..1.0 - mx);
        let (bottom, top) = (my..my + h, 1.0 - my - h..1.0 - my);
        let corners = [(&right, &top), (&right, &bottom), (&left, &top), (&left, &bottom)];
        let norm = |&(px, py): &(f64, f64)| ((px - x.start) / (x.end - x.start), (ty(py) - y.0) / (y.1 - y.0));
        let refs = self
            .spec
            .reference_lines
            .iter()
            .map(|r| vec![(x.start, r.1), (x.end, r.1)]);
        let mut hits = [0usize; 4];
        for line in self.series.iter().chain(&self.curves).cloned().chain(refs) {
            let uv: Vec<_> = line.iter().map(norm).collect();
            let lerp = |a: f64, b: f64, t: f64| a + (b - a) * t;
            // One sample per ~2 px of drawn line, so hits measure covered line length.
            let samples = uv.windows(2).flat_map(|s| {
                let px = ((s[1].0 - s[0].0) * pw).hypot((s[1].1 - s[0].1) * ph);
                let n = (px / 2.0).ceil().clamp(1.0, 1e4) as usize;
                (0..n)
                    .map(move |k| k as f64 / n as f64)
                    .map(move |t| (lerp(s[0].0, s[1].0, t), lerp(s[0].1, s[1].1, t)))
            });
            for (u, v) in samples.chain(uv.last().copied()) {
                for (n, (cu, cv)) in hits.iter_mut().zip(corners) {
                    *n += (cu.contains(&u) && cv.contains(&v)) as usize;
                }
            }
        }
        let best = (0..4).min_by_key(|&i| hits[i]).unwrap_or(0);
        use SeriesLabelPosition::*;
        [UpperRight, LowerRight, UpperLeft, LowerLeft][best].clone()
    }

    fn plot<DB, Y>(&self, root: &DrawingArea<DB, Shift>, y: Y) -> Result<(), PlotError>
    where
        DB: DrawingBackend,
        Y: AsRangedCoord<Value = f64>,
        Y::CoordDescType: Ranged<ValueType = f64> + ValueFormatter<f64>,
    {
        let body = titled(root, &self.spec.title)?;
        let mut chart = ChartBuilder::on(&body)
            .margin(20)
            .margin_top(8)
            .x_label_area_size(62)
            .y_label_area_size(80)
            .build_cartesian_2d(self.x.clone(), y)?;
        chart
            .configure_mesh()
            .x_desc(&self.spec.x_label)
            .y_desc(&self.spec.y_label)
            .axis_desc_style(font::text(font::LABEL_PX))
            .label_style(font::text(font::TICK_PX))
            .bold_line_style(MESH_BOLD)
            .light_line_style(MESH_LIGHT)
            .x_labels(10)
            .y_labels(8)
            .x_label_formatter(&tick_label)
            .y_label_formatter(&tick_label)
            .draw()?;

        let (x0, x1) = (self.x.start, self.x.end);
        for (i, (name, v)) in self.spec.reference_lines.iter().enumerate() {
            let style = REFERENCE[i % REFERENCE.len()].stroke_width(2);
            let dash = 10 - 3 * (i % 3) as i32;
            chart
                .draw_series(DashedLineSeries::new(vec![(x0, *v), (x1, *v)], dash, 6, style))?
                .label(name)
                .legend(move |(x, y)| DashedPathElement::new(vec![(x, y), (x + 24, y)], dash, 6, style));
        }
        let n_lines = self.spec.reference_lines.len();
        for (i, (pts, s)) in self.curves.iter().zip(&self.spec.reference_curves).enumerate() {
            let style = REFERENCE[(n_lines + i) % REFERENCE.len()].stroke_width(2);
            let dash = 10 - 3 * ((n_lines + i) % 3) as i32;
            chart
                .draw_series(DashedLineSeries::new(pts.iter().copied(), dash, 6, style))?
                .label(&s.name)
                .legend(move |(x, y)| DashedPathElement::new(vec![(x, y), (x + 24, y)], dash, 6, style));
        }
        for (i, (pts, s)) in self.series.iter().zip(&self.spec.series).enumerate() {
            let colour = PALETTE[i % PALETTE.len()];
            let style = colour.stroke_width(2);
            chart
                .draw_series(LineSeries::new(pts.iter().copied(), style))?
                .label(&s.name)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], style));
            if pts.len() < 30 {
                chart.draw_series(pts.iter().map(|&p| Circle::new(p, 4, colour.filled())))?;
            }
        }
        let legend_font = font::text(font::LEGEND_PX);
        // Measured like plotters lays the legend out: text block plus key area and padding.
        let mut text = MultiLineText::<_, &str>::new((0, 0), &legend_font);
        let names = self.spec.reference_lines.iter().map(|r| &r.0);
        names
            .chain(self.spec.reference_curves.iter().map(|s| &s.name))
            .chain(self.spec.series.iter().map(|s| &s.name))
            .for_each(|n| text.push_line(n.as_str()));
        let (tw, th) = text
            .estimate_dimension()
            .map_err(|e| PlotError::Render(e.to_string()))?;
        let pad = 2 * LEGEND_MARGIN as i32;
        let size = ((tw + LEGEND_KEY as i32 + pad) as f64, (th + pad) as f64);
        let position = self.legend_position(chart.plotting_area().dim_in_pixel(), size);
        chart
            .configure_series_labels()
            .position(position)
            .margin(LEGEND_MARGIN)
            .legend_area_size(LEGEND_KEY)
            .label_font(legend_font)
            .border_style(BLACK.mix(0.6))
            .background_style(WHITE.mix(0.9))
            .draw()?;
        Ok(())
    }
}

impl Drawing for Prepared<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        if self.spec.log_y {
            self.plot(root, LogAxis(self.y.clone()))
        } else {
            self.plot(root, self.y.clone())
        }
    }
}

/// Data range plus a 4 % margin (in log space for log axes); a zero-width range is widened.
fn padded(values: impl Iterator<Item = f64>, log: bool) -> Result<Range<f64>, PlotError> {
    let tf = |v: f64| if log { v.log10() } else { v };
    let (lo, hi) = values
        .map(tf)
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
    let (lo, hi) = if hi - lo > 1e-12 * hi.abs().max(lo.abs()) {
        (lo, hi)
    } else {
        let half = if log || lo == 0.0 { 0.5 } else { lo.abs() * 0.1 };
        (lo - half, hi + half)
    };
    let m = (hi - lo) * 0.04;
    let (lo, hi) = (lo - m, hi + m);
    let inv = |v: f64| if log { 10f64.powf(v) } else { v };
    let (lo, hi) = (inv(lo), inv(hi));
    if lo.is_finite() && hi.is_finite() && lo < hi {
        Ok(lo..hi)
    } else {
        Err(PlotError::InvalidInput {
            what: format!("axis range {lo}..{hi} is not representable"),
        })
    }
}

/// Base-10 log axis ticked at 1-2-5 (or 1..9) multiples, or every n-th decade when wide:
/// plotters' own log axis labels only powers of ten, i.e. nothing on a short range.
struct LogAxis(Range<f64>);

impl Ranged for LogAxis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, v: &f64, (p0, p1): (i32, i32)) -> i32 {
        let (a, b) = (self.0.start.log10(), self.0.end.log10());
        p0 + ((v.log10() - a) / (b - a) * (p1 - p0) as f64).round() as i32
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        let (lo, hi) = (self.0.start, self.0.end);
        let (k0, k1) = (lo.log10().floor() as i32, hi.log10().ceil() as i32);
        let ticks = |mantissas: &[f64], every: i32| -> Vec<f64> {
            let decades = (k0..=k1).filter(|k| k.rem_euclid(every) == 0);
            // Parsing "2e-5" gives the exact decimal value that m·10^k arithmetic would not.
            let scaled = decades.flat_map(|k| {
                mantissas
                    .iter()
                    .map(move |m| format!("{m}e{k}").parse().unwrap_or(f64::NAN))
            });
            scaled.filter(|v| (lo..=hi).contains(v)).collect()
        };
        let all: [f64; 9] = std::array::from_fn(|i| i as f64 + 1.0);
        let dense = [ticks(&all, 1), ticks(&[1.0, 2.0, 5.0], 1), ticks(&[1.0, 3.0], 1)];
        let sparse = [1, 2, 3, 5, 10, 20, 50, 100].map(|every| ticks(&[1.0], every));
        let mut candidates = dense.into_iter().chain(sparse);
        let max = hint.max_num_points().max(1);
        candidates.find(|t| t.len() <= max).unwrap_or_default()
    }

    fn range(&self) -> Range<f64> {
        self.0.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::test_util::check_png;

    fn curves() -> LineChart {
        let mut spec = LineChart::new("Training curves", "epoch", "InfoNCE loss");
        let f = |k: f64| {
            (0..100)
                .map(move |i| (i as f64, 4.0 * (-(i as f64) / k).exp() + 0.3))
                .collect()
        };
        spec.series.push(Series::new("train", f(15.0)));
        spec.series.push(Series::new("validation", f(25.0)));
        let mut sparse = Series::new(
            "test (every 10 epochs)",
            (0..10).map(|i| (i as f64 * 10.0, 3.0 / (1.0 + i as f64))).collect(),
        );
        sparse.points.push((f64::NAN, 1.0));
        spec.series.push(sparse);
        spec.reference_lines.push(("chance".into(), 3.9));
        spec
    }

    #[test]
    fn renders_curves_linear_and_log() {
        let mut spec = curves();
        let fig = line_chart(&spec).unwrap();
        check_png(&fig, "line_linear");
        assert_eq!((fig.width(), fig.height()), (960, 600));
        spec.log_y = true;
        spec.title = "Training curves (log)".into();
        spec.series[0].points.push((50.5, 0.0)); // skipped on a log axis
        check_png(&line_chart(&spec).unwrap(), "line_log");
    }

    #[test]
    fn rising_curves_and_custom_size() {
        let mut spec = LineChart::new("Retrieval top-1", "epoch", "accuracy");
        spec.series.push(Series::new(
            "top-1",
            (0..40)
                .map(|i| (i as f64, 0.6 * (1.0 - (-(i as f64) / 8.0).exp())))
                .collect(),
        ));
        spec.series.push(Series::new(
            "top-5",
            (0..40)
                .map(|i| (i as f64, 0.9 * (1.0 - (-(i as f64) / 6.0).exp())))
                .collect(),
        ));
        spec.reference_lines.push(("chance".into(), 0.02));
        (spec.width, spec.height) = (640, 480);
        let fig = line_chart(&spec).unwrap();
        assert_eq!((fig.width(), fig.height()), (640, 480));
        check_png(&fig, "line_rising");
    }

    #[test]
    fn degenerate_series_render() {
        for (name, pts) in [
            ("single", vec![(3.0, 0.5)]),
            ("flat", vec![(0.0, 2.0), (1.0, 2.0), (2.0, 2.0)]),
            ("zero", vec![(0.0, 0.0)]),
        ] {
            let mut spec = LineChart::new(format!("Degenerate {name}"), "x", "y");
            spec.series.push(Series::new(name, pts));
            check_png(&line_chart(&spec).unwrap(), &format!("line_{name}"));
        }
    }

    #[test]
    fn log_axis_ticks() {
        let ticks = |lo: f64, hi: f64| LogAxis(lo..hi).key_points(8);
        assert_eq!(ticks(0.28, 4.3), [0.5, 1.0, 2.0]);
        assert_eq!(ticks(0.9, 60.0), [1.0, 2.0, 5.0, 10.0, 20.0, 50.0]);
        assert_eq!(ticks(1e-9, 1e3), [1e-8, 1e-6, 1e-4, 1e-2, 1.0, 1e2]);
        assert_eq!(LogAxis(1.0..100.0).map(&10.0, (500, 100)), 300);
    }

    #[test]
    fn errors() {
        let mut spec = LineChart::new("t", "x", "y");
        assert!(matches!(line_chart(&spec), Err(PlotError::EmptyData { .. })));
        spec.series
            .push(Series::new("nan", vec![(0.0, f64::NAN), (f64::INFINITY, 1.0)]));
        assert!(matches!(line_chart(&spec), Err(PlotError::NonFinite { .. })));
        spec.series[0] = Series::new("neg", vec![(0.0, -1.0)]);
        spec.log_y = true;
        assert!(matches!(line_chart(&spec), Err(PlotError::NonFinite { .. })));
        spec.series[0] = Series::new("ok", vec![(0.0, 1.0)]);
        spec.reference_lines.push(("zero".into(), 0.0));
        assert!(matches!(line_chart(&spec), Err(PlotError::InvalidInput { .. })));
        spec.reference_lines.clear();
        spec.height = 9000;
        assert!(matches!(
            line_chart(&spec),
            Err(PlotError::InvalidSize { height: 9000, .. })
        ));
        spec = LineChart::new("t", "x", "y");
        spec.series
            .push(Series::new("huge", vec![(0.0, -f64::MAX), (1.0, f64::MAX)]));
        assert!(matches!(line_chart(&spec), Err(PlotError::InvalidInput { .. })));
    }
}
