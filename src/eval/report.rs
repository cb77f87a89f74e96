//! One call for a whole evaluation: zero-shot decoding and retrieval in both directions for
//! each modality, with the settings that produced them, as a serialisable report and a table.

use std::fmt;

use ndarray::ArrayView2;
use serde::Serialize;

use super::EvalError;
use super::config::EvalConfig;
use super::retrieval::RetrievalReport;
use super::stats::{Interval, Significance};
use super::zero_shot::{ZeroShotReport, zero_shot_with};

/// Zero-shot decoding data: predicted embeddings, class embeddings and each sample's class.
///
/// ```
/// use brainclip::eval::ZeroShotInput;
/// use ndarray::Array2;
///
/// let classes = Array2::<f32>::eye(3);
/// let input = ZeroShotInput { predicted: classes.view(), class_embeddings: classes.view(), labels: &[0, 1, 2] };
/// assert_eq!(input.labels.len(), 3);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct ZeroShotInput<'a> {
    /// Predicted embeddings (samples × D), e.g. the text head's output.
    pub predicted: ArrayView2<'a, f32>,
    /// Class embeddings (classes × D), e.g. CLIP text embeddings of "an image of {name}.".
    pub class_embeddings: ArrayView2<'a, f32>,
    /// Each sample's class (a row of `class_embeddings`).
    pub labels: &'a [usize],
}

/// Retrieval data of one modality: sample `i`'s prediction should match embedding `i`.
///
/// ```
/// use brainclip::eval::RetrievalInput;
/// use ndarray::Array2;
///
/// let e = Array2::<f32>::eye(3);
/// let image = RetrievalInput { modality: "image", predicted: e.view(), embeddings: e.view() };
/// assert_eq!(image.modality, "image");
/// ```
#[derive(Clone, Copy, Debug)]
pub struct RetrievalInput<'a> {
    /// Name of the modality ("image", "text"), used in the direction names.
    pub modality: &'a str,
    /// Embeddings predicted from fMRI (samples × D).
    pub predicted: ArrayView2<'a, f32>,
    /// The true embeddings (samples × D), in the same sample order.
    pub embeddings: ArrayView2<'a, f32>,
}

/// Everything [`evaluate`] needs: the split's name, optional zero-shot data and any number of
/// retrieval modalities.
///
/// ```
/// use brainclip::eval::EvaluationInput;
///
/// let input = EvaluationInput { split: "test", ..Default::default() };
/// assert!(input.zero_shot.is_none() && input.retrieval.is_empty());
/// ```
#[derive(Clone, Debug, Default)]
pub struct EvaluationInput<'a> {
    /// The split evaluated, e.g. "test"; recorded in the report.
    pub split: &'a str,
    /// Zero-shot category decoding data.
    pub zero_shot: Option<ZeroShotInput<'a>>,
    /// Retrieval data, one entry per modality (each evaluated in both directions).
    pub retrieval: Vec<RetrievalInput<'a>>,
}

/// Retrieval in one direction.
///
/// ```
/// use brainclip::eval::{EvalConfig, EvaluationInput, RetrievalInput, evaluate};
/// use ndarray::Array2;
///
/// let e = Array2::<f32>::eye(3);
/// let input = EvaluationInput {
///     split: "test",
///     retrieval: vec![RetrievalInput { modality: "image", predicted: e.view(), embeddings: e.view() }],
///     ..Default::default()
/// };
/// let report = evaluate(&input, &EvalConfig::with_ks(&[1]))?;
/// assert_eq!(report.retrieval[0].direction, "fMRI→image");
/// assert_eq!(report.retrieval[0].report.accuracy(1), Some(1.0));
/// # Ok::<(), brainclip::eval::EvalError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DirectionReport {
    /// E.g. "fMRI→image" or "image→fMRI".
    pub direction: String,
    /// The metrics.
    #[serde(flatten)]
    pub report: RetrievalReport,
}

/// All metrics of one evaluation, with the settings (similarity, k, N-way N and repeats,
/// bootstrap resamples, permutations, seed) and the split that produced them. Serialises to
/// JSON for the run manifest; `Display` (or [`EvaluationReport::to_table`]) renders an aligned
/// text table.
///
/// ```
/// use brainclip::eval::{EvalConfig, EvaluationInput, ZeroShotInput, evaluate};
/// use ndarray::Array2;
///
/// let classes = Array2::<f32>::eye(5);
/// let input = EvaluationInput {
///     split: "test",
///     zero_shot: Some(ZeroShotInput { predicted: classes.view(), class_embeddings: classes.view(), labels: &[0, 1, 2, 3, 4] }),
///     ..Default::default()
/// };
/// let report = evaluate(&input, &EvalConfig::with_ks(&[1]))?;
/// assert_eq!(report.zero_shot.as_ref().map(|z| z.topk[0].accuracy), Some(1.0));
/// assert!(report.to_string().contains("zero-shot (5 classes, 5 samples)"));
/// # Ok::<(), brainclip::eval::EvalError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EvaluationReport {
    /// The split evaluated.
    pub split: String,
    /// The settings used for every metric.
    pub settings: EvalConfig,
    /// Zero-shot decoding, if its data was given.
    pub zero_shot: Option<ZeroShotReport>,
    /// Retrieval, two directions per modality (fMRI→modality, then modality→fMRI).
    pub retrieval: Vec<DirectionReport>,
}

/// Evaluates everything `input` holds with one configuration: zero-shot decoding (top-k,
/// chance, binomial p, bootstrap CI, permutation null, per-class accuracy, confusion) and, for
/// each modality, retrieval fMRI→modality and modality→fMRI (top-k over all candidates with
/// binomial p and bootstrap CI, median rank, MRR, N-way protocols, n-way identification).
/// Each similarity matrix is computed once and used for both directions.
///
/// Errors: no data at all; a split without samples ([`EvalError::EmptySplit`]); invalid settings
/// or any error of the individual metrics.
///
/// ```
/// use brainclip::eval::{EvalConfig, EvaluationInput, RetrievalInput, ZeroShotInput, evaluate};
/// use ndarray::Array2;
///
/// let truth = Array2::from_shape_fn((30, 8), |(i, d)| ((i * 7 + d * 3) % 10) as f32 - 4.5);
/// let pred = &truth + &Array2::from_shape_fn((30, 8), |(i, d)| ((i * d) % 4) as f32);
/// let classes = Array2::from_shape_fn((6, 8), |(c, d)| ((c * 5 + d) % 7) as f32);
/// let labels: Vec<usize> = (0..30).map(|i| i % 6).collect();
/// let input = EvaluationInput {
///     split: "test",
///     zero_shot: Some(ZeroShotInput { predicted: pred.view(), class_embeddings: classes.view(), labels: &labels }),
///     retrieval: vec![RetrievalInput { modality: "image", predicted: pred.view(), embeddings: truth.view() }],
/// };
/// let cfg = EvalConfig { n_way: vec![10], repeats: 5, ..Default::default() };
/// let report = evaluate(&input, &cfg)?;
/// assert_eq!(report.retrieval[1].direction, "image→fMRI");
/// let table = report.to_table();
/// assert!(table.contains("fMRI→image") && table.contains("10-way top-1"));
/// let json = serde_json::to_value(&report).unwrap();
/// assert_eq!(json["split"], "test");
/// assert_eq!(json["settings"]["n_way"][0], 10);
/// # Ok::<(), brainclip::eval::EvalError>(())
/// ```
pub fn evaluate(input: &EvaluationInput, config: &EvalConfig) -> Result<EvaluationReport, EvalError> {
    config.validate()?;
    if input.zero_shot.is_none() && input.retrieval.is_empty() {
        return Err(EvalError::Empty(
            "the evaluation input (neither zero-shot nor retrieval data)",
        ));
    }
    let sizes = input.zero_shot.iter().map(|z| z.predicted.nrows());
    if sizes
        .chain(input.retrieval.iter().map(|r| r.predicted.nrows()))
        .any(|n| n == 0)
    {
        return Err(EvalError::EmptySplit(input.split.to_owned()));
    }
    let zero_shot = input
        .zero_shot
        .map(|z| zero_shot_with(z.predicted, z.class_embeddings, z.labels, config))
        .transpose()?;
    let mut retrieval = Vec::with_capacity(2 * input.retrieval.len());
    for r in &input.retrieval {
        let (forward, backward) = super::summary::both_ways(r.predicted, r.embeddings, config)?;
        retrieval.push(DirectionReport {
            direction: format!("fMRI→{}", r.modality),
            report: forward,
        });
        retrieval.push(DirectionReport {
            direction: format!("{}→fMRI", r.modality),
            report: backward,
        });
    }
    Ok(EvaluationReport {
        split: input.split.to_owned(),
        settings: config.clone(),
        zero_shot,
        retrieval,
    })
}

impl EvaluationReport {
    /// An aligned text table: a header with the split and settings, then one row per metric with
    /// its value, chance level, 95 % interval and p-values (binomial, and permutation for
    /// zero-shot).
    ///
    /// ```
    /// use brainclip::eval::{EvalConfig, EvaluationInput, RetrievalInput, evaluate};
    /// use ndarray::Array2;
    ///
    /// let e = Array2::<f32>::eye(4);
    /// let input = EvaluationInput {
    ///     split: "test",
    ///     retrieval: vec![RetrievalInput { modality: "text", predicted: e.view(), embeddings: e.view() }],
    ///     ..Default::default()
    /// };
    /// let table = evaluate(&input, &EvalConfig::with_ks(&[1]))?.to_table();
    /// let row = table.lines().find(|l| l.starts_with("text→fMRI")).unwrap();
    /// assert!(row.contains("top-1") && row.contains("1.0000") && row.contains("0.2500"));
    /// # Ok::<(), brainclip::eval::EvalError>(())
    /// ```
    pub fn to_table(&self) -> String {
        let s = &self.settings;
        let list = |v: &[usize]| v.iter().map(usize::to_string).collect::<Vec<_>>().join(", ");
        let mut out = format!(
            "Evaluation of split `{}`: {} similarity, top-k for k = {}, seed {}\n",
            self.split,
            s.similarity,
            list(&s.ks),
            s.seed
        );
        let n_way = if s.n_way.is_empty() {
            "no N-way protocol".to_owned()
        } else {
            format!("N-way N = {} × {} repeats", list(&s.n_way), s.repeats)
        };
        out += &format!(
            "{} bootstrap resamples, {} permutations, {n_way}, identification n = {}\n\n",
            s.bootstrap,
            s.permutations,
            list(&s.identification)
        );
        let mut rows = vec![Row::header()];
        if let Some(z) = &self.zero_shot {
            let task = format!("zero-shot ({} classes, {} samples)", z.n_classes, z.n_samples);
            for (t, sig) in z.topk.iter().zip(&z.significance) {
                rows.push(Row::topk(&task, t.accuracy, t.chance, sig));
            }
            let chance_rank = (z.n_classes as f64 + 1.0) / 2.0;
            rows.push(Row::plain(
                &task,
                "mean rank",
                fixed(z.mean_rank, 2),
                fixed(chance_rank, 2),
            ));
        }
        for d in &self.retrieval {
            let r = &d.report;
            let task = format!("{} ({} candidates)", d.direction, r.n_candidates);
            for (t, sig) in r.topk.iter().zip(&r.significance) {
                rows.push(Row::topk(&task, t.accuracy, t.chance, sig));
            }
            let n = r.n_candidates as f64;
            rows.push(Row::plain(
                &task,
                "median rank",
                fixed(r.median_rank, 1),
                fixed((n + 1.0) / 2.0, 1),
            ));
            let harmonic: f64 = (1..=r.n_candidates).map(|i| 1.0 / i as f64).sum();
            rows.push(Row::plain(&task, "MRR", fixed(r.mrr, 4), fixed(harmonic / n, 4)));
            for w in &r.n_way {
                let mut row = Row::plain(
                    &task,
                    &format!("{}-way top-{}", w.n, w.k),
                    fixed(w.mean, 4),
                    fixed(w.chance, 4),
                );
                row.0[4] = interval(w.ci95);
                row.0[5] = p_value(w.p_value);
                rows.push(row);
            }
            for id in &r.identification {
                let mut row = Row::plain(
                    &task,
                    &format!("{}-way ident.", id.n),
                    fixed(id.accuracy, 4),
                    fixed(id.chance, 4),
                );
                row.0[5] = p_value(id.p_value);
                rows.push(row);
            }
        }
        let cells: Vec<&[String]> = rows.iter().map(|r| r.0.as_slice()).collect();
        out += &aligned_table(&cells, |c| c < 2);
        out
    }
}

impl fmt::Display for EvaluationReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_table())
    }
}

const COLUMNS: usize = 7;

/// Cells: task, metric, value, chance, 95 % CI, binomial p, permutation p.
struct Row([String; COLUMNS]);

impl Row {
    fn header() -> Self {
        Row([
            "task",
            "metric",
            "value",
            "chance",
            "95% CI",
            "p (binomial)",
            "p (permutation)",
        ]
        .map(String::from))
    }

    fn plain(task: &str, metric: &str, value: String, chance: String) -> Self {
        let dash = || "–".to_owned();
        Row([
            task.to_owned(),
            metric.to_owned(),
            value,
            chance,
            dash(),
            dash(),
            dash(),
        ])
    }

    fn topk(task: &str, accuracy: f64, chance: f64, sig: &Significance) -> Self {
        let mut row = Row::plain(task, &format!("top-{}", sig.k), fixed(accuracy, 4), fixed(chance, 4));
        if let Some(ci) = sig.ci95 {
            row.0[4] = interval(ci);
        }
        row.0[5] = p_value(sig.p_value);
        if let Some(null) = sig.null {
            row.0[6] = format!("{} (null {:.4} ± {:.4})", p_value(null.p_value), null.mean, null.sd);
        }
        row
    }
}

/// Rows of cells as aligned text columns two spaces apart: columns where `left(c)` holds are
/// left-aligned, the others right-aligned (numbers); trailing spaces trimmed.
pub(super) fn aligned_table(rows: &[&[String]], left: impl Fn(usize) -> bool) -> String {
    let columns = rows.iter().map(|r| r.len()).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(c, (cell, &w))| {
                let pad = " ".repeat(w - cell.chars().count());
                if left(c) {
                    format!("{cell}{pad}")
                } else {
                    format!("{pad}{cell}")
                }
            })
            .collect();
        out += cells.join("  ").trim_end();
        out.push('\n');
    }
    out
}

pub(super) fn fixed(v: f64, digits: usize) -> String {
    format!("{v:.digits$}")
}

pub(super) fn interval(ci: Interval) -> String {
    format!("[{:.4}, {:.4}]", ci.low, ci.high)
}

/// Four decimals, or scientific notation below 1e-4 (never a bare "0.0000").
pub(super) fn p_value(p: f64) -> String {
    if p >= 1e-4 {
        format!("{p:.4}")
    } else {
        format!("{p:.1e}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    fn data(n: usize) -> (Array2<f32>, Array2<f32>) {
        let truth = Array2::from_shape_fn((n, 16), |(i, d)| ((i * 37 + d * 11) % 17) as f32 - 8.0);
        let pred = &truth + &Array2::from_shape_fn((n, 16), |(i, d)| ((i * 5 + d * 13) % 9) as f32 - 4.0);
        (truth, pred)
    }

    #[test]
    fn full_report_table_and_json() {
        let (truth, pred) = data(60);
        let classes = Array2::from_shape_fn((12, 16), |(c, d)| ((c * 3 + d * 7) % 5) as f32);
        let labels: Vec<usize> = (0..60).map(|i| i % 12).collect();
        let input = EvaluationInput {
            split: "test",
            zero_shot: Some(ZeroShotInput {
                predicted: pred.view(),
                class_embeddings: classes.view(),
                labels: &labels,
            }),
            retrieval: vec![
                RetrievalInput {
                    modality: "image",
                    predicted: pred.view(),
                    embeddings: truth.view(),
                },
                RetrievalInput {
                    modality: "text",
                    predicted: truth.view(),
                    embeddings: pred.view(),
                },
            ],
        };
        let cfg = EvalConfig {
            n_way: vec![2, 20],
            repeats: 8,
            permutations: 100,
            bootstrap: 200,
            ..Default::default()
        };
        let report = evaluate(&input, &cfg).unwrap();
        let directions: Vec<_> = report.retrieval.iter().map(|d| d.direction.as_str()).collect();
        assert_eq!(directions, ["fMRI→image", "image→fMRI", "fMRI→text", "text→fMRI"]);
        // the text inputs are the image inputs swapped, so directions mirror each other
        assert_eq!(report.retrieval[0].report.topk, report.retrieval[3].report.topk);
        assert_eq!(report, evaluate(&input, &cfg).unwrap());

        let table = report.to_table();
        let lines: Vec<&str> = table.lines().collect();
        assert!(
            lines[0].contains("split `test`") && lines[0].contains("cosine"),
            "{table}"
        );
        assert!(lines[1].contains("N-way N = 2, 20 × 8 repeats"), "{table}");
        let header = lines[3];
        assert!(header.starts_with("task") && header.ends_with("p (permutation)"));
        // every row is as wide as the header's columns (aligned): the value column ends at one place
        let value_end = header.find("value").unwrap() + "value".len();
        for line in &lines[4..] {
            let before: String = line.chars().take(value_end).collect();
            assert!(
                before.ends_with(|c: char| c.is_ascii_digit()),
                "misaligned: {line}\n{table}"
            );
        }
        let zs_rows = lines.iter().filter(|l| l.starts_with("zero-shot")).count();
        assert_eq!(zs_rows, 3);
        assert!(table.contains("(null 0.08"), "{table}");
        assert_eq!(lines.iter().filter(|l| l.contains("20-way top-5")).count(), 4);
        assert_eq!(format!("{report}"), table);

        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["retrieval"][0]["direction"], "fMRI→image");
        assert!(json["retrieval"][0]["topk"][0]["accuracy"].is_f64());
        assert_eq!(json["zero_shot"]["significance"][0]["null"]["permutations"], 100);
    }

    #[test]
    fn empty_split_and_missing_data_are_errors() {
        let cfg = EvalConfig::default();
        let none = EvaluationInput {
            split: "test",
            ..Default::default()
        };
        assert!(matches!(evaluate(&none, &cfg), Err(EvalError::Empty(_))));
        let empty = Array2::<f32>::zeros((0, 4));
        let input = EvaluationInput {
            split: "validation",
            retrieval: vec![RetrievalInput {
                modality: "image",
                predicted: empty.view(),
                embeddings: empty.view(),
            }],
            ..Default::default()
        };
        assert_eq!(
            evaluate(&input, &cfg).unwrap_err().to_string(),
            "split `validation` has no samples to evaluate"
        );
        let (truth, pred) = data(10);
        let short = truth.slice(ndarray::s![..9, ..]);
        let input = EvaluationInput {
            split: "test",
            retrieval: vec![RetrievalInput {
                modality: "image",
                predicted: pred.view(),
                embeddings: short,
            }],
            ..Default::default()
        };
        assert!(matches!(evaluate(&input, &cfg), Err(EvalError::ShapeMismatch { .. })));
    }

    #[test]
    fn p_values_never_print_as_zero() {
        assert_eq!(p_value(0.5), "0.5000");
        assert_eq!(p_value(3.2e-9), "3.2e-9");
    }
}
