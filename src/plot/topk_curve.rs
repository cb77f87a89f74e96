use serde::{Deserialize, Serialize};

use super::{Figure, LineChart, PlotError, Series, line_chart};

/// Specification of a top-k accuracy curve (accuracy against k = 1..K, one line per condition,
/// with the chance line k / N); render it with [`topk_curve`].
///
/// ```
/// use brainclip::plot::{Series, TopKCurve, topk_curve};
///
/// let acc = |a: f64| (1..=50).map(|k| (k as f64, 1.0 - (1.0 - a) * (-(k as f64 - 1.0) / 8.0).exp())).collect();
/// let mut spec = TopKCurve::new("Zero-shot decoding, 50 novel categories", 50);
/// spec.curves.push(Series::new("image + text loss", acc(0.12)));
/// spec.curves.push(Series::new("image loss only", acc(0.06)));
/// let fig = topk_curve(&spec)?;
/// assert!(fig.svg().contains("chance"));
/// # Ok::<(), brainclip::plot::PlotError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopKCurve {
    /// Figure title.
    pub title: String,
    /// X-axis label; default "k".
    pub x_label: String,
    /// Y-axis label; default "top-k accuracy".
    pub y_label: String,
    /// One curve per condition: points (k, accuracy), e.g. from `eval::topk_curve`.
    pub curves: Vec<Series>,
    /// Number of candidates N; the chance line is k / N.
    pub n_candidates: usize,
    /// Pixels; default 960.
    pub width: u32,
    /// Pixels; default 600.
    pub height: u32,
}

impl TopKCurve {
    /// An empty 960×600 top-k curve over `n_candidates` candidates.
    pub fn new(title: impl Into<String>, n_candidates: usize) -> Self {
        Self {
            title: title.into(),
            x_label: "k".into(),
            y_label: "top-k accuracy".into(),
            curves: Vec::new(),
            n_candidates,
            width: 960,
            height: 600,
        }
    }
}

/// Renders top-k accuracy curves on a fixed 0–1 accuracy axis with the dashed chance line
/// `k / N` over the k range of the curves (capped at N).
///
/// No curves, `n_candidates = 0`, curves without finite points or an invalid size are errors.
///
/// ```
/// use brainclip::plot::{PlotError, TopKCurve, topk_curve};
///
/// let spec = TopKCurve::new("Nothing", 50);
/// assert!(matches!(topk_curve(&spec), Err(PlotError::EmptyData { .. })));
/// ```
pub fn topk_curve(spec: &TopKCurve) -> Result<Figure, PlotError> {
    if spec.curves.is_empty() {
        let what = format!("top-k curve `{}` has no curves", spec.title);
        return Err(PlotError::EmptyData { what });
    }
    if spec.n_candidates == 0 {
        let what = "a top-k curve needs at least one candidate (n_candidates = 0)".to_owned();
        return Err(PlotError::InvalidInput { what });
    }
    let finite_k = spec
        .curves
        .iter()
        .flat_map(|s| &s.points)
        .map(|p| p.0)
        .filter(|k| k.is_finite());
    let max_k = finite_k.fold(1.0f64, f64::max).min(spec.n_candidates as f64).max(1.0) as usize;
    let n = spec.n_candidates as f64;
    let chance = (1..=max_k).map(|k| (k as f64, k as f64 / n)).collect();
    let mut chart = LineChart::new(&spec.title, &spec.x_label, &spec.y_label);
    chart.series = spec.curves.clone();
    chart.reference_curves = vec![Series::new(format!("chance (k / {})", spec.n_candidates), chance)];
    chart.y_range = Some((0.0, 1.02));
    (chart.width, chart.height) = (spec.width, spec.height);
    line_chart(&chart)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::test_util::check_png;

    #[test]
    fn renders_curves_with_chance() {
        let curve = |top1: f64, rate: f64| {
            (1..=50)
                .map(|k| (k as f64, 1.0 - (1.0 - top1) * (-(k as f64 - 1.0) / rate).exp()))
                .collect()
        };
        let mut spec = TopKCurve::new("Zero-shot decoding (50 categories)", 50);
        spec.curves.push(Series::new("image + text", curve(0.14, 9.0)));
        spec.curves.push(Series::new("text only", curve(0.10, 12.0)));
        spec.curves.push(Series::new("image only", curve(0.07, 15.0)));
        let fig = topk_curve(&spec).unwrap();
        assert_eq!((fig.width(), fig.height()), (960, 600));
        check_png(&fig, "topk_curve");
        assert!(fig.svg().contains("chance (k / 50)"));
    }

    #[test]
    fn errors() {
        let mut spec = TopKCurve::new("t", 0);
        assert!(matches!(topk_curve(&spec), Err(PlotError::EmptyData { .. })));
        spec.curves.push(Series::new("a", vec![(1.0, 0.5)]));
        assert!(matches!(topk_curve(&spec), Err(PlotError::InvalidInput { .. })));
        spec.n_candidates = 10;
        spec.curves[0].points = vec![(f64::NAN, 0.5)];
        assert!(matches!(topk_curve(&spec), Err(PlotError::NonFinite { .. })));
    }
}
