//! Reports in the flat shape scripts and tables read: one key per metric (`top1`,
//! `chance_top1`, `p_top1`, `ci_top1`, `null_top1`, ...), the per-sample hit probabilities that
//! pooled statistics need, and retrieval in both directions from one similarity matrix.

use std::collections::BTreeMap;

use ndarray::ArrayView2;
use serde::Serialize;
use serde_json::{Value, json};

use super::{
    EvalConfig, EvalError, Identification, NWay, RetrievalReport, Significance, Similarity, TopK, ZeroShotReport,
    hit_probabilities, retrieval_scores, similarity_matrix,
};

/// `top{k}` and `chance_top{k}` for every k, and where computed `p_top{k}` (binomial),
/// `ci_top{k}` (`[low, high]`, bootstrap) and `null_top{k}` (`{mean, sd, p_value}`).
///
/// ```
/// use brainclip::eval::{TopK, summary::topk_metrics};
/// let m = topk_metrics(&[TopK { k: 1, accuracy: 0.5, chance: 0.25 }], &[]);
/// assert_eq!((m["top1"].as_f64(), m["chance_top1"].as_f64()), (Some(0.5), Some(0.25)));
/// ```
pub fn topk_metrics(topk: &[TopK], significance: &[Significance]) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for t in topk {
        out.insert(format!("top{}", t.k), json!(t.accuracy));
        out.insert(format!("chance_top{}", t.k), json!(t.chance));
    }
    for s in significance {
        out.insert(format!("p_top{}", s.k), json!(s.p_value));
        if let Some(ci) = &s.ci95 {
            out.insert(format!("ci_top{}", s.k), json!([ci.low, ci.high]));
        }
        if let Some(permutation) = &s.null {
            out.insert(format!("null_top{}", s.k), json!(permutation));
        }
    }
    out
}

/// Per-sample hit probabilities (`top{k}` → one value per sample, fair under ties).
fn hits(
    similarity: ArrayView2<f32>,
    targets: &[usize],
    topk: &[TopK],
) -> Result<BTreeMap<String, Vec<f64>>, EvalError> {
    topk.iter()
        .map(|t| Ok((format!("top{}", t.k), hit_probabilities(similarity, targets, t.k)?)))
        .collect()
}

/// A zero-shot report as scripts see it.
#[derive(Clone, Debug, Serialize)]
pub struct ZeroShotSummary {
    /// `"zero_shot"`.
    pub task: &'static str,
    /// The decoder's label.
    pub model: String,
    /// The head compared with the class embeddings (`text` or `image`).
    pub head: String,
    /// The similarity measure.
    pub similarity: Similarity,
    /// Samples evaluated.
    pub n_samples: usize,
    /// Candidate classes.
    pub n_classes: usize,
    /// The per-k metrics.
    #[serde(flatten)]
    pub topk: BTreeMap<String, Value>,
    /// Mean 1-based rank of the true class.
    pub mean_rank: f64,
    /// One row per class with samples: `category`, `n_samples`, `top{k}`.
    pub per_class: Vec<BTreeMap<String, Value>>,
    /// Per-sample hit probabilities.
    pub hits: BTreeMap<String, Vec<f64>>,
    /// The settings.
    pub settings: EvalConfig,
}

impl ZeroShotSummary {
    /// The summary of `report`, whose samples have class `labels`; `category` names class `c`.
    ///
    /// ```
    /// use brainclip::eval::{EvalConfig, summary::ZeroShotSummary, zero_shot_with};
    /// let e = ndarray::Array2::<f32>::eye(3);
    /// let report = zero_shot_with(e.view(), e.view(), &[0, 1, 2], &EvalConfig::with_ks(&[1]))?;
    /// let s = ZeroShotSummary::new(&report, &[0, 1, 2], "ridge", "text", |c| format!("class {c}"))?;
    /// assert_eq!(s.topk["top1"].as_f64(), Some(1.0));
    /// assert_eq!(s.per_class[2]["category"], "class 2");
    /// assert_eq!(s.hits["top1"], [1.0, 1.0, 1.0]);
    /// # Ok::<(), brainclip::eval::EvalError>(())
    /// ```
    pub fn new(
        report: &ZeroShotReport,
        labels: &[usize],
        model: &str,
        head: &str,
        category: impl Fn(usize) -> String,
    ) -> Result<Self, EvalError> {
        let per_class = report
            .per_class
            .iter()
            .map(|c| {
                let mut row = BTreeMap::new();
                row.insert("category".to_string(), json!(category(c.class)));
                row.insert("n_samples".to_string(), json!(c.n_samples));
                for (t, accuracy) in report.topk.iter().zip(&c.topk) {
                    row.insert(format!("top{}", t.k), json!(accuracy));
                }
                row
            })
            .collect();
        Ok(Self {
            task: "zero_shot",
            model: model.to_string(),
            head: head.to_string(),
            similarity: report.settings.similarity,
            n_samples: report.n_samples,
            n_classes: report.n_classes,
            topk: topk_metrics(&report.topk, &report.significance),
            mean_rank: report.mean_rank,
            per_class,
            hits: hits(report.similarity.view(), labels, &report.topk)?,
            settings: report.settings.clone(),
        })
    }
}

/// One retrieval direction as scripts see it.
#[derive(Clone, Debug, Serialize)]
pub struct DirectionSummary {
    /// The per-k metrics.
    #[serde(flatten)]
    pub topk: BTreeMap<String, Value>,
    /// Median 1-based rank of the true item.
    pub median_rank: f64,
    /// Mean reciprocal rank.
    pub mrr: f64,
    /// The N-way protocols.
    pub n_way: Vec<NWay>,
    /// The n-way identification tests.
    pub identification: Vec<Identification>,
    /// Per-sample hit probabilities.
    pub hits: BTreeMap<String, Vec<f64>>,
}

impl DirectionSummary {
    /// The summary of one direction (query `i`'s true item is candidate `i`).
    pub fn new(report: &RetrievalReport) -> Result<Self, EvalError> {
        let targets: Vec<usize> = (0..report.n_candidates).collect();
        Ok(Self {
            topk: topk_metrics(&report.topk, &report.significance),
            median_rank: report.median_rank,
            mrr: report.mrr,
            n_way: report.n_way.clone(),
            identification: report.identification.clone(),
            hits: hits(report.similarity.view(), &targets, &report.topk)?,
        })
    }
}

/// Retrieval between predictions and the true embeddings in both directions, from one
/// similarity matrix: (prediction → embedding, embedding → prediction).
///
/// ```
/// use brainclip::eval::{EvalConfig, summary::both_ways};
/// let e = ndarray::Array2::<f32>::eye(4);
/// let (forward, backward) = both_ways(e.view(), e.view(), &EvalConfig::with_ks(&[1]))?;
/// assert_eq!((forward.accuracy(1), backward.accuracy(1)), (Some(1.0), Some(1.0)));
/// # Ok::<(), brainclip::eval::EvalError>(())
/// ```
pub fn both_ways(
    predicted: ArrayView2<f32>,
    truth: ArrayView2<f32>,
    config: &EvalConfig,
) -> Result<(RetrievalReport, RetrievalReport), EvalError> {
    if predicted.nrows() != truth.nrows() {
        return Err(EvalError::ShapeMismatch {
            what: "number of true embeddings (one per prediction)",
            expected: predicted.nrows(),
            found: truth.nrows(),
        });
    }
    let scores = similarity_matrix(predicted, truth, config.similarity)?;
    let reverse = scores.t().to_owned();
    Ok((retrieval_scores(scores, config)?, retrieval_scores(reverse, config)?))
}

/// Retrieval for images and captions as scripts see it.
#[derive(Clone, Debug, Serialize)]
pub struct RetrievalSummary {
    /// `"retrieval"`.
    pub task: &'static str,
    /// The decoder's label.
    pub model: String,
    /// The similarity measure.
    pub similarity: Similarity,
    /// Candidates per query.
    pub n_candidates: usize,
    /// fMRI → image (`None` without image embeddings).
    pub image: Option<DirectionSummary>,
    /// image → fMRI.
    pub image_to_fmri: Option<DirectionSummary>,
    /// fMRI → caption (`None` without caption embeddings).
    pub text: Option<DirectionSummary>,
    /// caption → fMRI.
    pub text_to_fmri: Option<DirectionSummary>,
    /// The settings.
    pub settings: EvalConfig,
}

impl RetrievalSummary {
    /// Retrieval of the image head's predictions among `images` and the text head's among
    /// `texts` (each a `(predicted, true)` pair, either may be missing), both ways. Retrieval has
    /// no labels to permute, so no permutation null is drawn.
    pub fn new(
        model: &str,
        images: Option<(ArrayView2<f32>, ArrayView2<f32>)>,
        texts: Option<(ArrayView2<f32>, ArrayView2<f32>)>,
        config: &EvalConfig,
    ) -> Result<Self, EvalError> {
        let config = EvalConfig {
            permutations: 0,
            ..config.clone()
        };
        let directions = |pair: Option<(ArrayView2<f32>, ArrayView2<f32>)>| -> Result<_, EvalError> {
            let Some((predicted, truth)) = pair else {
                return Ok((None, None, None));
            };
            let (to, from) = both_ways(predicted, truth, &config)?;
            Ok((
                Some(to.n_candidates),
                Some(DirectionSummary::new(&to)?),
                Some(DirectionSummary::new(&from)?),
            ))
        };
        let (n_images, image, image_to_fmri) = directions(images)?;
        let (n_texts, text, text_to_fmri) = directions(texts)?;
        let n_candidates = n_images
            .or(n_texts)
            .ok_or(EvalError::Empty("retrieval needs image or caption embeddings"))?;
        Ok(Self {
            task: "retrieval",
            model: model.to_string(),
            similarity: config.similarity,
            n_candidates,
            image,
            image_to_fmri,
            text,
            text_to_fmri,
            settings: config,
        })
    }
}
