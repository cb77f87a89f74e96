use std::ops::Range;

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use serde::{Deserialize, Serialize};

use super::figure::{Drawing, render, titled};
use super::style::{MESH_BOLD, MESH_LIGHT, PALETTE, REFERENCE, tick_label};
use super::{Figure, PlotError, font};

/// One condition of a [`BarChart`]: a value per group, optionally with a confidence interval.
///
/// ```
/// use brainclip::plot::BarSeries;
///
/// let s = BarSeries::new("image + text", vec![0.14, 0.11]).with_ci(vec![(0.09, 0.19), (0.07, 0.15)]);
/// assert_eq!(s.ci.len(), 2);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BarSeries {
    /// Legend label.
    pub name: String,
    /// One value per group; a non-finite value leaves its bar out.
    pub values: Vec<f64>,
    /// Error bars: (low, high) per group, or empty for none.
    #[serde(default)]
    pub ci: Vec<(f64, f64)>,
}

impl BarSeries {
    /// A series without error bars.
    pub fn new(name: impl Into<String>, values: Vec<f64>) -> Self {
        Self {
            name: name.into(),
            values,
            ci: Vec::new(),
        }
    }

    /// The same series with error bars (one (low, high) pair per group).
    pub fn with_ci(mut self, ci: Vec<(f64, f64)>) -> Self {
        self.ci = ci;
        self
    }
}

/// Specification of a (grouped) bar chart with error bars, e.g. accuracy per subject (groups)
/// and loss (series); render it with [`bar_chart`].
///
/// ```
/// use brainclip::plot::{BarChart, BarSeries, bar_chart};
///
/// let mut spec = BarChart::new("Zero-shot top-1 by loss", "subject", "top-1 accuracy");
/// spec.groups = vec!["S1".into(), "S2".into(), "S3".into()];
/// spec.series.push(BarSeries::new("image", vec![0.08, 0.06, 0.07]).with_ci(vec![(0.04, 0.12); 3]));
/// spec.series.push(BarSeries::new("image + text", vec![0.14, 0.11, 0.12]).with_ci(vec![(0.09, 0.19); 3]));
/// spec.reference_lines.push(("chance".into(), 0.02));
/// let fig = bar_chart(&spec)?;
/// assert!(fig.png().starts_with(b"\x89PNG"));
/// # Ok::<(), brainclip::plot::PlotError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BarChart {
    /// Figure title.
    pub title: String,
    /// X-axis label (what the groups are).
    pub x_label: String,
    /// Y-axis label.
    pub y_label: String,
    /// Group names along x (e.g. subjects); with a single series each group is one bar.
    pub groups: Vec<String>,
    /// The conditions, coloured in palette order and side by side within each group.
    pub series: Vec<BarSeries>,
    /// Horizontal dashed lines with a legend entry, e.g. `("chance", 0.02)`.
    #[serde(default)]
    pub reference_lines: Vec<(String, f64)>,
    /// Fixed y-axis limits; default: from min(0, data) to the largest bar or interval plus 8 %.
    #[serde(default)]
    pub y_range: Option<(f64, f64)>,
    /// Pixels; default 960.
    pub width: u32,
    /// Pixels; default 600.
    pub height: u32,
}

impl BarChart {
    /// An empty 960×600 bar chart.
    pub fn new(title: impl Into<String>, x_label: impl Into<String>, y_label: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            x_label: x_label.into(),
            y_label: y_label.into(),
            groups: Vec::new(),
            series: Vec::new(),
            reference_lines: Vec::new(),
            y_range: None,
            width: 960,
            height: 600,
        }
    }
}

/// One bar of a [`BarChart`] given by name: its group (x position), its series (colour and
/// legend entry), its height and optionally its (low, high) interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bar {
    /// The group it stands in.
    pub group: String,
    /// The series it belongs to.
    pub series: String,
    /// Its height.
    pub value: f64,
    /// Its error bar, if any.
    #[serde(default)]
    pub interval: Option<(f64, f64)>,
}

impl BarChart {
    /// Set the groups and series from bars given by name: groups and series in the order they
    /// first appear, one value per group in each series (a group a series has no bar in is left
    /// empty; of two bars with the same group and series the later counts). When any bar has an
    /// interval every series gets error bars, none where a bar has no interval.
    ///
    /// ```
    /// use brainclip::plot::{Bar, BarChart};
    ///
    /// let bar = |group: &str, series: &str, value, interval| Bar { group: group.into(), series: series.into(), value, interval };
    /// let mut spec = BarChart::new("Loss ablation", "metric", "accuracy");
    /// spec.set_bars(&[
    ///     bar("top-1", "image", 0.1, Some((0.05, 0.15))),
    ///     bar("top-1", "image + text", 0.3, None),
    ///     bar("top-5", "image + text", 0.5, None),
    /// ]);
    /// assert_eq!(spec.groups, ["top-1", "top-5"]);
    /// assert_eq!(spec.series[0].name, "image");
    /// assert_eq!(spec.series[0].values[0], 0.1);
    /// assert!(spec.series[0].values[1].is_nan());
    /// assert_eq!(spec.series[0].ci[0], (0.05, 0.15));
    /// assert_eq!(spec.series[1].values, [0.3, 0.5]);
    /// ```
    pub fn set_bars(&mut self, bars: &[Bar]) {
        let mut groups: Vec<&str> = Vec::new();
        let mut series: Vec<&str> = Vec::new();
        let mut placed = Vec::with_capacity(bars.len());
        for bar in bars {
            let g = index_of(&mut groups, &bar.group);
            let s = index_of(&mut series, &bar.series);
            placed.push((g, s, bar));
        }
        let with_ci = bars.iter().any(|b| b.interval.is_some());
        self.groups = groups.iter().map(|g| g.to_string()).collect();
        self.series = series
            .iter()
            .enumerate()
            .map(|(s, name)| {
                let mut values = vec![f64::NAN; groups.len()];
                let mut ci = vec![(f64::NAN, f64::NAN); groups.len()];
                for &(g, _, bar) in placed.iter().filter(|p| p.1 == s) {
                    values[g] = bar.value;
                    if let Some(interval) = bar.interval {
                        ci[g] = interval;
                    }
                }
                let series = BarSeries::new(*name, values);
                if with_ci { series.with_ci(ci) } else { series }
            })
            .collect();
    }
}

/// Where each part of a bar stands in a record (a row of named values, such as a results
/// table's rows), and the chart's labels: one bar per record, groups and series in the order of
/// the records.
///
/// ```
/// use brainclip::plot::BarRecords;
/// let rows = serde_json::json!([
///     { "group": "top-1", "series": "image", "mean": 0.1, "low": 0.05, "high": 0.15 },
///     { "group": "top-1", "series": "image + text", "mean": 0.3 },
/// ]);
/// let chart = BarRecords { chance: Some(0.02), ..BarRecords::default() }.chart(rows.as_array().unwrap())?;
/// assert_eq!((chart.groups.len(), chart.series.len(), chart.x_label.as_str()), (1, 2, "group"));
/// assert_eq!(chart.series[0].ci, [(0.05, 0.15)]);
/// assert_eq!(chart.reference_lines, [("chance".to_string(), 0.02)]);
/// let err = BarRecords::default().chart(&[serde_json::json!({ "group": "a" })]).unwrap_err();
/// assert_eq!(err.to_string(), "row 0: has no key `series` (it has group)");
/// # Ok::<(), brainclip::plot::PlotError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct BarRecords {
    /// Key of the group name in each row.
    pub group: String,
    /// Key of the series name.
    pub series: String,
    /// Key of the bar height.
    pub value: String,
    /// Key of the interval's lower end (rows without it get no error bar).
    pub low: String,
    /// Key of the interval's upper end.
    pub high: String,
    /// Figure title.
    pub title: String,
    /// Label of the x axis; none: the group key.
    pub x_label: Option<String>,
    /// Label of the y axis.
    pub y_label: String,
    /// Draw a dashed chance line at this value.
    pub chance: Option<f64>,
}

impl Default for BarRecords {
    fn default() -> Self {
        Self {
            group: "group".into(),
            series: "series".into(),
            value: "mean".into(),
            low: "low".into(),
            high: "high".into(),
            title: "Accuracy by condition".into(),
            x_label: None,
            y_label: "accuracy".into(),
            chance: None,
        }
    }
}

impl BarRecords {
    /// The chart of one bar per record; a record that is not a map, lacks the group, series or
    /// value key, or holds a non-number as value or interval end is an error naming its row.
    pub fn chart(&self, records: &[serde_json::Value]) -> Result<BarChart, PlotError> {
        let bars = records
            .iter()
            .enumerate()
            .map(|(row, record)| self.bar(row, record))
            .collect::<Result<Vec<_>, _>>()?;
        let x_label = self.x_label.clone().unwrap_or_else(|| self.group.clone());
        let mut chart = BarChart::new(&self.title, x_label, &self.y_label);
        chart.set_bars(&bars);
        chart
            .reference_lines
            .extend(self.chance.map(|c| ("chance".to_string(), c)));
        Ok(chart)
    }

    fn bar(&self, row: usize, record: &serde_json::Value) -> Result<Bar, PlotError> {
        use serde_json::Value;
        let problem = |problem: String| PlotError::Record { row, problem };
        let kind = |v: &Value| match v {
            Value::Null => "()",
            Value::Bool(_) => "a bool",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "an array",
            Value::Object(_) => "a map",
        };
        let fields = record
            .as_object()
            .ok_or_else(|| problem(format!("must be a map, found {}", kind(record))))?;
        let field = |key: &str| {
            fields.get(key).ok_or_else(|| {
                let present: Vec<&str> = fields.keys().map(String::as_str).collect();
                problem(format!("has no key `{key}` (it has {})", present.join(", ")))
            })
        };
        let number = |key: &str, v: &Value| {
            v.as_f64()
                .ok_or_else(|| problem(format!("`{key}` must be a number, found {}", kind(v))))
        };
        let name = |v: &Value| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let interval = match (fields.get(&self.low), fields.get(&self.high)) {
            (Some(low), Some(high)) => Some((number(&self.low, low)?, number(&self.high, high)?)),
            _ => None,
        };
        Ok(Bar {
            group: name(field(&self.group)?),
            series: name(field(&self.series)?),
            value: number(&self.value, field(&self.value)?)?,
            interval,
        })
    }
}

/// The position of `name` in `names`, appending it when new.
fn index_of<'a>(names: &mut Vec<&'a str>, name: &'a str) -> usize {
    names.iter().position(|n| *n == name).unwrap_or_else(|| {
        names.push(name);
        names.len() - 1
    })
}

/// Renders grouped bars with error bars (a vertical line with caps from low to high), dashed
/// reference lines, group names under the axis (turned vertical when they do not fit side by
/// side) and a legend to the right of the plot, where it cannot cover a bar.
///
/// No groups or series, a series or interval list whose length differs from the groups, an
/// interval with low > high, no finite value at all, an invalid `y_range` or size is an error.
///
/// ```
/// use brainclip::plot::{BarChart, BarSeries, PlotError, bar_chart};
///
/// let mut spec = BarChart::new("t", "x", "y");
/// spec.groups = vec!["a".into(), "b".into()];
/// spec.series.push(BarSeries::new("s", vec![1.0]));
/// assert!(matches!(bar_chart(&spec), Err(PlotError::InvalidInput { .. })));
/// ```
pub fn bar_chart(spec: &BarChart) -> Result<Figure, PlotError> {
    render(&spec.title, spec.width, spec.height, &Prepared::new(spec)?)
}

struct Prepared<'a> {
    spec: &'a BarChart,
    y: Range<f64>,
}

impl<'a> Prepared<'a> {
    fn new(spec: &'a BarChart) -> Result<Self, PlotError> {
        let invalid = |what: String| Err(PlotError::InvalidInput { what });
        if spec.groups.is_empty() || spec.series.is_empty() {
            let what = format!("bar chart `{}` needs at least one group and one series", spec.title);
            return Err(PlotError::EmptyData { what });
        }
        let g = spec.groups.len();
        for s in &spec.series {
            if s.values.len() != g {
                return invalid(format!(
                    "series `{}` has {} values for {g} groups",
                    s.name,
                    s.values.len()
                ));
            }
            if !s.ci.is_empty() && s.ci.len() != g {
                return invalid(format!(
                    "series `{}` has {} intervals for {g} groups",
                    s.name,
                    s.ci.len()
                ));
            }
            if let Some((lo, hi)) =
                s.ci.iter()
                    .find(|(lo, hi)| lo > hi || !lo.is_finite() || !hi.is_finite())
            {
                return invalid(format!("series `{}` has the interval {lo}..{hi}", s.name));
            }
        }
        if let Some((name, v)) = spec.reference_lines.iter().find(|r| !r.1.is_finite()) {
            return invalid(format!("reference line `{name}` = {v} is not finite"));
        }
        let values = spec
            .series
            .iter()
            .flat_map(|s| s.values.iter().copied())
            .filter(|v| v.is_finite());
        let ends = spec
            .series
            .iter()
            .flat_map(|s| s.ci.iter().flat_map(|&(lo, hi)| [lo, hi]));
        let refs = spec.reference_lines.iter().map(|r| r.1);
        if values.clone().next().is_none() {
            let what = format!("bar chart `{}` has no finite value", spec.title);
            return Err(PlotError::NonFinite { what });
        }
        let y = match spec.y_range {
            Some((lo, hi)) if lo.is_finite() && hi.is_finite() && lo < hi => lo..hi,
            Some((lo, hi)) => return invalid(format!("y range {lo}..{hi} must be finite with min < max")),
            None => {
                let (lo, hi) = values
                    .chain(ends)
                    .chain(refs)
                    .fold((0.0f64, 0.0f64), |(a, b), v| (a.min(v), b.max(v)));
                let (lo, hi) = if hi > lo { (lo, hi) } else { (lo, lo + 1.0) };
                let pad = (hi - lo) * 0.08;
                (if lo < 0.0 { lo - pad } else { lo })..(if hi > 0.0 { hi + pad } else { hi })
            }
        };
        Ok(Self { spec, y })
    }
}

impl Drawing for Prepared<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let spec = self.spec;
        let (g, s) = (spec.groups.len(), spec.series.len());
        let body = titled(root, &spec.title)?;
        let (w, h) = body.dim_in_pixel();
        let tick = font::text(font::TICK_PX);
        let legend_font = font::text(font::LEGEND_PX);
        let width_of = |texts: &[&String], style: &TextStyle| -> Result<u32, PlotError> {
            texts
                .iter()
                .try_fold(0, |m, t| Ok(m.max(root.estimate_text_size(t, style)?.0)))
        };

        // Legend column to the right of the plot (none for a single unreferenced series).
        let entries: Vec<&String> = spec
            .series
            .iter()
            .map(|s| &s.name)
            .chain(spec.reference_lines.iter().map(|r| &r.0))
            .collect();
        let show_legend = s > 1 || !spec.reference_lines.is_empty();
        let legend_w = if show_legend {
            (width_of(&entries, &legend_font)? + 34 + 24).min(w / 3)
        } else {
            0
        };
        let (main, legend) = body.split_horizontally(w - legend_w);

        // Group labels: side by side if they fit, else vertical (shortened to 30 % of the height).
        let plot_w_est = (w - legend_w).saturating_sub(20 + 80) as f64;
        let label_w = width_of(&spec.groups.iter().collect::<Vec<_>>(), &tick)?;
        let rotated = label_w as f64 + 10.0 > plot_w_est / g as f64;
        let max_label_h = (h * 3 / 10).max(20);
        let labels: Vec<String> = if rotated {
            let fit = spec
                .groups
                .iter()
                .map(|t| super::heatmap::fit_text(root, t, &tick, max_label_h));
            fit.collect::<Result<_, _>>()?
        } else {
            spec.groups.clone()
        };
        let extent = if rotated {
            width_of(&labels.iter().collect::<Vec<_>>(), &tick)?
        } else {
            font::TICK_PX
        };

        let mut chart = ChartBuilder::on(&main)
            .margin(20)
            .margin_top(8)
            .x_label_area_size(extent + 10 + font::LABEL_PX + 26)
            .y_label_area_size(80)
            .build_cartesian_2d(0.0..g as f64, self.y.clone())?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(0)
            .y_labels(8)
            .x_desc(&spec.x_label)
            .y_desc(&spec.y_label)
            .axis_desc_style(font::text(font::LABEL_PX))
            .label_style(tick.clone())
            .bold_line_style(MESH_BOLD)
            .light_line_style(MESH_LIGHT)
            .y_label_formatter(&tick_label)
            .draw()?;

        // Bars fill 80 % of each group's slot; error-bar caps are 40 % of a bar.
        let bar_w = 0.8 / s as f64;
        let base = 0.0f64.clamp(self.y.start, self.y.end);
        for (j, series) in spec.series.iter().enumerate() {
            let colour = PALETTE[j % PALETTE.len()];
            for (i, &v) in series.values.iter().enumerate() {
                if !v.is_finite() {
                    continue;
                }
                let x0 = i as f64 + 0.1 + j as f64 * bar_w;
                chart.draw_series([Rectangle::new([(x0, base), (x0 + bar_w, v)], colour.filled())])?;
                chart.draw_series([Rectangle::new([(x0, base), (x0 + bar_w, v)], BLACK.mix(0.5))])?;
                if let Some(&(lo, hi)) = series.ci.get(i) {
                    let (xm, cap) = (x0 + bar_w / 2.0, bar_w * 0.2);
                    let style = BLACK.stroke_width(2);
                    let lines = [
                        vec![(xm, lo), (xm, hi)],
                        vec![(xm - cap, lo), (xm + cap, lo)],
                        vec![(xm - cap, hi), (xm + cap, hi)],
                    ];
                    chart.draw_series(lines.into_iter().map(|l| PathElement::new(l, style)))?;
                }
            }
        }
        for (i, (_, v)) in spec.reference_lines.iter().enumerate() {
            let style = REFERENCE[i % REFERENCE.len()].stroke_width(2);
            let dash = 10 - 3 * (i % 3) as i32;
            chart.draw_series(DashedLineSeries::new(vec![(0.0, *v), (g as f64, *v)], dash, 6, style))?;
        }

        // Group names centred under each group.
        let pos = if rotated {
            Pos::new(HPos::Right, VPos::Center)
        } else {
            Pos::new(HPos::Center, VPos::Top)
        };
        let style = if rotated {
            tick.transform(FontTransform::Rotate270)
        } else {
            tick
        };
        let style = style.pos(pos);
        for (i, label) in labels.iter().enumerate() {
            let (px, py) = chart.backend_coord(&(i as f64 + 0.5, self.y.start));
            root.draw(&PathElement::new(vec![(px, py), (px, py + 5)], BLACK))?;
            root.draw_text(label, &style, (px, py + 8))?;
        }

        if show_legend {
            let (_, top) = chart.backend_coord(&(0.0, self.y.end));
            let (lx, _) = legend.get_base_pixel();
            let (x, mut y) = (lx + 8, top.max(0) + 4);
            let text = legend_font.pos(Pos::new(HPos::Left, VPos::Center));
            let row_h = font::LEGEND_PX as i32 + 10;
            for (j, series) in spec.series.iter().enumerate() {
                let colour = PALETTE[j % PALETTE.len()];
                root.draw(&Rectangle::new([(x, y), (x + 22, y + 14)], colour.filled()))?;
                root.draw(&Rectangle::new([(x, y), (x + 22, y + 14)], BLACK.mix(0.5)))?;
                root.draw_text(&series.name, &text, (x + 30, y + 7))?;
                y += row_h;
            }
            for (i, (name, _)) in spec.reference_lines.iter().enumerate() {
                let style = REFERENCE[i % REFERENCE.len()].stroke_width(2);
                let dash = 10 - 3 * (i % 3) as i32;
                root.draw(&DashedPathElement::new(
                    vec![(x, y + 7), (x + 22, y + 7)],
                    dash,
                    6,
                    style,
                ))?;
                root.draw_text(name, &text, (x + 30, y + 7))?;
                y += row_h;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::test_util::check_png;

    fn conditions() -> BarChart {
        let mut spec = BarChart::new("Zero-shot top-1 accuracy by training loss", "subject", "top-1 accuracy");
        spec.groups = (1..=5).map(|i| format!("Subject {i}")).collect();
        let acc = |base: f64| -> Vec<f64> { (0..5).map(|i| base + 0.01 * (i % 3) as f64).collect() };
        let ci = |v: &[f64]| v.iter().map(|a| (a - 0.045, a + 0.05)).collect();
        for (name, base) in [("image only", 0.07), ("text only", 0.09), ("image + text", 0.13)] {
            let values = acc(base);
            let intervals = ci(&values);
            spec.series.push(BarSeries::new(name, values).with_ci(intervals));
        }
        spec.reference_lines.push(("chance (1/50)".into(), 0.02));
        spec
    }

    #[test]
    fn bars_by_name_without_intervals_and_repeated() {
        let bar = |group: &str, series: &str, value| Bar {
            group: group.into(),
            series: series.into(),
            value,
            interval: None,
        };
        let mut spec = BarChart::new("t", "x", "y");
        spec.set_bars(&[bar("a", "s", 1.0), bar("b", "t", 2.0), bar("a", "s", 3.0)]);
        assert_eq!(spec.groups, ["a", "b"]);
        assert_eq!(spec.series.len(), 2);
        assert_eq!(spec.series[0].values[0], 3.0, "the later bar counts");
        assert!(spec.series[0].values[1].is_nan() && spec.series[1].values[0].is_nan());
        assert!(spec.series.iter().all(|s| s.ci.is_empty()));
        assert!(bar_chart(&spec).is_ok());
    }

    #[test]
    fn grouped_bars_with_error_bars() {
        let spec = conditions();
        let fig = bar_chart(&spec).unwrap();
        assert_eq!((fig.width(), fig.height()), (960, 600));
        check_png(&fig, "bars_grouped");
        assert!(fig.svg().contains("image + text") && fig.svg().contains("Subject 5"));
    }

    #[test]
    fn single_series_many_long_groups_and_negative_values() {
        let mut spec = BarChart::new("Per-category accuracy", "category", "top-5 accuracy − chance");
        spec.groups = crate::plot::test_util::category_names()[..24].to_vec();
        let values: Vec<f64> = (0..24).map(|i| ((i * 7) % 11) as f64 / 20.0 - 0.15).collect();
        spec.series.push(BarSeries::new("top-5", values));
        let fig = bar_chart(&spec).unwrap();
        check_png(&fig, "bars_categories");
        assert!(fig.svg().contains("rotate(270"));
    }

    #[test]
    fn errors() {
        let mut spec = BarChart::new("e", "x", "y");
        assert!(matches!(bar_chart(&spec), Err(PlotError::EmptyData { .. })));
        spec = conditions();
        spec.series[1].ci.pop();
        assert!(matches!(bar_chart(&spec), Err(PlotError::InvalidInput { .. })));
        spec = conditions();
        spec.series[0].ci[0] = (0.3, 0.1);
        assert!(matches!(bar_chart(&spec), Err(PlotError::InvalidInput { .. })));
        spec = conditions();
        spec.series.iter_mut().for_each(|s| s.values.fill(f64::NAN));
        assert!(matches!(bar_chart(&spec), Err(PlotError::NonFinite { .. })));
        spec = conditions();
        spec.series[0].values[0] = f64::NAN; // a missing bar is fine
        check_png(&bar_chart(&spec).unwrap(), "bars_missing");
        spec.y_range = Some((1.0, 0.0));
        assert!(matches!(bar_chart(&spec), Err(PlotError::InvalidInput { .. })));
    }
}
