use std::ops::Range;

use ndarray::{Array2, concatenate, s};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::figure::{Drawing, render, titled};
use super::style::{MESH_BOLD, MESH_LIGHT, category_colour, tick_label};
use super::{Figure, PlotError, font};
use crate::eval::{EvalError, Pca};

/// Specification of a 2-D embedding scatter: true embeddings (filled markers) and, optionally,
/// the embeddings predicted from fMRI (hollow markers), projected on their first two principal
/// components and coloured by category; render it with [`embedding_scatter`].
///
/// ```
/// use brainclip::plot::{EmbeddingScatter, embedding_scatter};
/// use ndarray::Array2;
///
/// let labels: Vec<usize> = (0..30).map(|i| i % 3).collect();
/// let truth = Array2::from_shape_fn((30, 16), |(i, d)| ((labels[i] * 5 + d) % 7) as f32 + 0.1 * ((i * d) % 5) as f32);
/// let predicted = truth.mapv(|v| 0.6 * v + 0.5);
/// let mut spec = EmbeddingScatter::new("CLIP space", truth, labels);
/// spec.predicted = Some(predicted);
/// spec.category_names = vec!["goldfish".into(), "owl".into(), "iguana".into()];
/// let fig = embedding_scatter(&spec)?;
/// assert!(fig.svg().contains("PC1"));
/// # Ok::<(), brainclip::plot::PlotError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct EmbeddingScatter {
    /// Figure title.
    pub title: String,
    /// True embeddings (samples × D), drawn as filled markers.
    pub true_embeddings: Array2<f32>,
    /// Predicted embeddings (samples × D, same sample order), drawn as hollow markers.
    pub predicted: Option<Array2<f32>>,
    /// Category of each sample (an index into `category_names`).
    pub labels: Vec<usize>,
    /// Category names (empty: "category 0", "category 1", ...).
    pub category_names: Vec<String>,
    /// Legend text of the filled markers; default "true embedding".
    pub true_label: String,
    /// Legend text of the hollow markers; default "predicted from fMRI".
    pub predicted_label: String,
    /// Draw a faint line from each prediction to its true embedding; default false.
    pub connect: bool,
    /// Pixels; default 960.
    pub width: u32,
    /// Pixels; default 720.
    pub height: u32,
}

impl EmbeddingScatter {
    /// A 960×720 scatter of `true_embeddings` coloured by `labels`, without predictions.
    pub fn new(title: impl Into<String>, true_embeddings: Array2<f32>, labels: Vec<usize>) -> Self {
        Self {
            title: title.into(),
            true_embeddings,
            predicted: None,
            labels,
            category_names: Vec::new(),
            true_label: "true embedding".into(),
            predicted_label: "predicted from fMRI".into(),
            connect: false,
            width: 960,
            height: 720,
        }
    }
}

/// Renders the scatter. The PCA (see [`crate::eval::Pca`]) is fitted on the true and the
/// predicted embeddings together, so both are shown in the same plane; axes are labelled with
/// the variance each component explains. The legend (one entry per category, then the two
/// marker kinds) sits to the right of the plot; when the categories do not all fit, the last
/// line says how many are left out.
///
/// Fewer than 2 samples, a label count or predicted shape that differs from the true
/// embeddings, a label without a name, non-finite values or an invalid size are errors.
///
/// ```
/// use brainclip::plot::{EmbeddingScatter, PlotError, embedding_scatter};
/// use ndarray::Array2;
///
/// let spec = EmbeddingScatter::new("t", Array2::zeros((5, 3)), vec![0; 4]);
/// assert!(matches!(embedding_scatter(&spec), Err(PlotError::InvalidInput { .. })));
/// ```
pub fn embedding_scatter(spec: &EmbeddingScatter) -> Result<Figure, PlotError> {
    render(&spec.title, spec.width, spec.height, &Prepared::new(spec)?)
}

struct Prepared<'a> {
    spec: &'a EmbeddingScatter,
    /// Projected true points, then predicted ones (samples × 2 each).
    truth: Array2<f64>,
    predicted: Option<Array2<f64>>,
    names: Vec<String>,
    explained: [f64; 2],
    x: Range<f64>,
    y: Range<f64>,
}

impl<'a> Prepared<'a> {
    fn new(spec: &'a EmbeddingScatter) -> Result<Self, PlotError> {
        let invalid = |what: String| Err(PlotError::InvalidInput { what });
        let (n, d) = spec.true_embeddings.dim();
        if n < 2 || d < 2 {
            let what = format!(
                "embedding scatter `{}` needs at least 2 samples of 2 dimensions, got {n}×{d}",
                spec.title
            );
            return Err(PlotError::EmptyData { what });
        }
        if spec.labels.len() != n {
            return invalid(format!("{} labels for {n} samples", spec.labels.len()));
        }
        if let Some(p) = &spec.predicted
            && p.dim() != (n, d)
        {
            return invalid(format!("predicted embeddings are {:?}, true ones {n}×{d}", p.dim()));
        }
        let n_categories = spec.labels.iter().max().map_or(0, |m| m + 1);
        let names = if spec.category_names.is_empty() {
            (0..n_categories).map(|c| format!("category {c}")).collect()
        } else if spec.category_names.len() < n_categories {
            return invalid(format!(
                "label {} has no name ({} category names)",
                n_categories - 1,
                spec.category_names.len()
            ));
        } else {
            spec.category_names.clone()
        };
        let all = match &spec.predicted {
            Some(p) => concatenate![ndarray::Axis(0), spec.true_embeddings, *p],
            None => spec.true_embeddings.clone(),
        };
        let pca = Pca::fit(all.view(), 2).map_err(|e| match e {
            EvalError::NonFinite(what) => PlotError::NonFinite { what: what.to_owned() },
            other => PlotError::InvalidInput {
                what: other.to_string(),
            },
        })?;
        let projected = pca
            .transform(all.view())
            .map_err(|e| PlotError::InvalidInput { what: e.to_string() })?;
        let truth = projected.slice(s![..n, ..]).to_owned();
        let predicted = spec.predicted.as_ref().map(|_| projected.slice(s![n.., ..]).to_owned());
        let range = |col: usize| {
            let (lo, hi) = projected
                .column(col)
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
            let (lo, hi) = if hi - lo > 1e-12 {
                (lo, hi)
            } else {
                (lo - 1.0, hi + 1.0)
            };
            let pad = (hi - lo) * 0.06;
            lo - pad..hi + pad
        };
        let ratio = &pca.explained_variance_ratio;
        Ok(Self {
            spec,
            truth,
            predicted,
            names,
            explained: [ratio[0], ratio[1]],
            x: range(0),
            y: range(1),
        })
    }
}

impl Drawing for Prepared<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let spec = self.spec;
        let body = titled(root, &spec.title)?;
        let (w, _) = body.dim_in_pixel();
        let legend_font = font::text(font::LEGEND_PX);
        let used: Vec<usize> = {
            let mut seen = vec![false; self.names.len()];
            spec.labels.iter().for_each(|&l| seen[l] = true);
            (0..self.names.len()).filter(|&c| seen[c]).collect()
        };
        let mut texts: Vec<&str> = used.iter().map(|&c| self.names[c].as_str()).collect();
        texts.push(&spec.true_label);
        if self.predicted.is_some() {
            texts.push(&spec.predicted_label);
        }
        let text_w = texts.iter().try_fold(0, |m, t| {
            Ok::<_, PlotError>(m.max(root.estimate_text_size(t, &legend_font)?.0))
        })?;
        let legend_w = (text_w + 30 + 28).min(w * 2 / 5);
        let (main, legend) = body.split_horizontally(w - legend_w);

        let pct = |i: usize| format!("PC{} ({:.1} % of variance)", i + 1, 100.0 * self.explained[i]);
        let mut chart = ChartBuilder::on(&main)
            .margin(20)
            .margin_top(8)
            .x_label_area_size(62)
            .y_label_area_size(80)
            .build_cartesian_2d(self.x.clone(), self.y.clone())?;
        chart
            .configure_mesh()
            .x_desc(pct(0))
            .y_desc(pct(1))
            .axis_desc_style(font::text(font::LABEL_PX))
            .label_style(font::text(font::TICK_PX))
            .bold_line_style(MESH_BOLD)
            .light_line_style(MESH_LIGHT)
            .x_labels(8)
            .y_labels(8)
            .x_label_formatter(&tick_label)
            .y_label_formatter(&tick_label)
            .draw()?;
        let n_colours = self.names.len();
        let colour = |i: usize| category_colour(spec.labels[i], n_colours);
        let point = |m: &Array2<f64>, i: usize| (m[[i, 0]], m[[i, 1]]);
        if let (Some(pred), true) = (&self.predicted, spec.connect) {
            let lines = (0..self.truth.nrows())
                .map(|i| PathElement::new(vec![point(&self.truth, i), point(pred, i)], colour(i).mix(0.35)));
            chart.draw_series(lines)?;
        }
        let filled = (0..self.truth.nrows()).map(|i| Circle::new(point(&self.truth, i), 5, colour(i).filled()));
        chart.draw_series(filled)?;
        if let Some(pred) = &self.predicted {
            // A 2-px ring as two 1-px circles: plotters draws thick circle outlines unevenly.
            for r in [5, 4] {
                chart.draw_series((0..pred.nrows()).map(|i| Circle::new(point(pred, i), r, colour(i))))?;
            }
        }

        // Legend: categories, then the two marker kinds; cut short when the height runs out.
        let (lx, _) = legend.get_base_pixel();
        let (_, top) = chart.backend_coord(&(self.x.start, self.y.end));
        let (_, bottom) = chart.backend_coord(&(self.x.start, self.y.start));
        let row_h = font::LEGEND_PX as i32 + 8;
        let kinds = 1 + usize::from(self.predicted.is_some());
        let capacity = (((bottom - top) / row_h).max(0) as usize).saturating_sub(kinds + 1);
        let shown = if used.len() <= capacity {
            used.len()
        } else {
            capacity.saturating_sub(1)
        };
        let text = legend_font.pos(Pos::new(HPos::Left, VPos::Center));
        let (x, mut y) = (lx + 14, top + row_h / 2);
        for &c in &used[..shown] {
            root.draw(&Circle::new((x, y), 5, category_colour(c, n_colours).filled()))?;
            root.draw_text(&self.names[c], &text, (x + 14, y))?;
            y += row_h;
        }
        if shown < used.len() {
            root.draw_text(&format!("… {} more categories", used.len() - shown), &text, (x - 6, y))?;
            y += row_h;
        }
        y += row_h / 2;
        let grey = RGBColor(60, 60, 60);
        root.draw(&Circle::new((x, y), 5, grey.filled()))?;
        root.draw_text(&spec.true_label, &text, (x + 14, y))?;
        if self.predicted.is_some() {
            y += row_h;
            root.draw(&Circle::new((x, y), 5, grey))?;
            root.draw(&Circle::new((x, y), 4, grey))?;
            root.draw_text(&spec.predicted_label, &text, (x + 14, y))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::test_util::{category_names, check_png};

    /// `per` samples of each of `k` categories around distinct centres in 32 dimensions.
    fn clusters(k: usize, per: usize) -> (Array2<f32>, Array2<f32>, Vec<usize>) {
        let labels: Vec<usize> = (0..k * per).map(|i| i % k).collect();
        let centre = |c: usize, d: usize| ((c * 7 + d * 3) % 11) as f32 / 2.0;
        let noise = |i: usize, d: usize, a: usize| ((i * a + d * 13) % 17) as f32 / 17.0 - 0.5;
        let truth = Array2::from_shape_fn((k * per, 32), |(i, d)| centre(labels[i], d) + 0.8 * noise(i, d, 31));
        let pred = Array2::from_shape_fn((k * per, 32), |(i, d)| 0.7 * truth[[i, d]] + 0.8 + 1.2 * noise(i, d, 7));
        (truth, pred, labels)
    }

    #[test]
    fn predicted_vs_true_by_category() {
        let (truth, pred, labels) = clusters(6, 10);
        let mut spec = EmbeddingScatter::new("Predicted vs true CLIP image embeddings", truth, labels);
        spec.predicted = Some(pred);
        spec.category_names = category_names()[..6].to_vec();
        spec.connect = true;
        let fig = embedding_scatter(&spec).unwrap();
        assert_eq!((fig.width(), fig.height()), (960, 720));
        check_png(&fig, "scatter_pred_true");
        assert!(fig.svg().contains("predicted from fMRI") && fig.svg().contains("jellyfish"));
    }

    #[test]
    fn many_categories_truncate_the_legend() {
        let (truth, _, labels) = clusters(50, 2);
        let mut spec = EmbeddingScatter::new("50 categories", truth, labels);
        spec.category_names = category_names();
        let fig = embedding_scatter(&spec).unwrap();
        check_png(&fig, "scatter_50");
        assert!(fig.svg().contains("more categories"));
    }

    #[test]
    fn errors() {
        let (truth, pred, labels) = clusters(3, 4);
        let mut spec = EmbeddingScatter::new("e", truth.clone(), labels.clone());
        spec.predicted = Some(pred.slice(s![..5, ..]).to_owned());
        assert!(matches!(embedding_scatter(&spec), Err(PlotError::InvalidInput { .. })));
        spec.predicted = None;
        spec.category_names = vec!["a".into()];
        let err = embedding_scatter(&spec).unwrap_err().to_string();
        assert!(err.contains("label 2 has no name"), "{err}");
        spec.category_names.clear();
        spec.true_embeddings[[1, 1]] = f32::NAN;
        assert!(matches!(embedding_scatter(&spec), Err(PlotError::NonFinite { .. })));
        let one = EmbeddingScatter::new("one", Array2::zeros((1, 4)), vec![0]);
        assert!(matches!(embedding_scatter(&one), Err(PlotError::EmptyData { .. })));
    }
}
