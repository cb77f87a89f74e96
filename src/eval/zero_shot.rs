//! Zero-shot category decoding: which class embedding is closest to each predicted embedding.

use ndarray::{Array2, ArrayView2, Axis};
use serde::{Serialize, Serializer};

use super::config::EvalConfig;
use super::stats::{Significance, binomial_for_hits, bootstrap_intervals, permutation_nulls};
use super::topk::{TopK, check, hit_table, standings};
use super::{EvalError, Similarity, similarity_matrix};

/// Zero-shot decoding results, with the settings that produced them.
///
/// ```
/// use ndarray::Array2;
///
/// let classes = Array2::<f32>::eye(4);
/// let r = brainclip::eval::zero_shot(classes.view(), classes.view(), &[0, 1, 2, 3], &[1])?;
/// assert_eq!((r.n_samples, r.n_classes, r.mean_rank), (4, 4, 1.0));
/// assert_eq!(r.per_class.len(), 4);
/// assert_eq!(r.confusion.diag().sum(), 4.0);
/// # Ok::<(), brainclip::eval::EvalError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ZeroShotReport {
    /// Samples evaluated.
    pub n_samples: usize,
    /// Candidate classes.
    pub n_classes: usize,
    /// Accuracy and chance for each requested k.
    pub topk: Vec<TopK>,
    /// Binomial p-value, bootstrap interval and permutation null of each top-k accuracy (same
    /// order as `topk`).
    pub significance: Vec<Significance>,
    /// Mean 1-based rank of the true class.
    pub mean_rank: f64,
    /// The best-scoring class of each sample (the first one when several tie).
    pub predicted: Vec<usize>,
    /// Top-k accuracy of each class that has samples, in class order.
    pub per_class: Vec<ClassAccuracy>,
    /// Confusion matrix (true class × predicted class): each sample adds 1 to the cell of its
    /// top-scoring class, or `1/m` to each of `m` tied top classes; rows sum to class counts.
    #[serde(serialize_with = "serialize_rows")]
    pub confusion: Array2<f64>,
    /// The settings: k, similarity, resamples, permutations, seed.
    pub settings: EvalConfig,
    /// Similarity of each sample with each class (samples × classes).
    #[serde(skip)]
    pub similarity: Array2<f32>,
}

/// The accuracy of one class in a [`ZeroShotReport`].
///
/// ```
/// use brainclip::eval::ClassAccuracy;
///
/// let c = ClassAccuracy { class: 3, n_samples: 8, topk: vec![0.25, 0.75] };
/// assert_eq!(c.topk.len(), 2);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClassAccuracy {
    /// Class index (column of the class embeddings).
    pub class: usize,
    /// Samples of this class.
    pub n_samples: usize,
    /// Accuracy for each k of the report, in the same order.
    pub topk: Vec<f64>,
}

impl ZeroShotReport {
    /// The accuracy at `k`, if it was computed.
    ///
    /// ```
    /// use ndarray::Array2;
    /// let eye = Array2::<f32>::eye(3);
    /// let r = brainclip::eval::zero_shot(eye.view(), eye.view(), &[0, 1, 2], &[1])?;
    /// assert_eq!((r.accuracy(1), r.accuracy(2)), (Some(1.0), None));
    /// # Ok::<(), brainclip::eval::EvalError>(())
    /// ```
    pub fn accuracy(&self, k: usize) -> Option<f64> {
        self.topk.iter().find(|t| t.k == k).map(|t| t.accuracy)
    }

    /// The similarity measure used.
    pub fn measure(&self) -> Similarity {
        self.settings.similarity
    }
}

/// Decode categories zero-shot with the default settings ([`EvalConfig::default`] with these
/// `ks`: cosine similarity, 1000 bootstrap resamples, 1000 permutations, seed 0); see
/// [`zero_shot_with`].
///
/// ```
/// use ndarray::array;
/// let pred = array![[1.0f32, 0.1], [0.0, 1.0]];
/// let classes = array![[1.0f32, 0.0], [0.0, 1.0], [-1.0, 0.0]];
/// let r = brainclip::eval::zero_shot(pred.view(), classes.view(), &[0, 2], &[1, 2]).unwrap();
/// assert_eq!(r.accuracy(1), Some(0.5));
/// assert_eq!(r.predicted, vec![0, 1]);
/// ```
pub fn zero_shot(
    predicted: ArrayView2<f32>,
    class_embeddings: ArrayView2<f32>,
    labels: &[usize],
    ks: &[usize],
) -> Result<ZeroShotReport, EvalError> {
    zero_shot_with(predicted, class_embeddings, labels, &EvalConfig::with_ks(ks))
}

/// Decode categories zero-shot: similarity (`config.similarity`) of predicted embeddings
/// (samples × D) with class embeddings (classes × D, e.g. CLIP text embeddings of
/// "an image of {name}."), then everything [`zero_shot_scores`] reports.
///
/// ```
/// use brainclip::eval::{EvalConfig, Similarity, zero_shot_with};
/// use ndarray::Array2;
///
/// let classes = Array2::from_shape_fn((10, 6), |(c, d)| ((c * 7 + d * 3) % 5) as f32 - 2.0);
/// let labels: Vec<usize> = (0..40).map(|i| i % 10).collect();
/// let pred = Array2::from_shape_fn((40, 6), |(i, d)| classes[[labels[i], d]] + 0.3 * ((i * d) % 3) as f32);
/// let cfg = EvalConfig { similarity: Similarity::Pearson, permutations: 200, ..Default::default() };
/// let r = zero_shot_with(pred.view(), classes.view(), &labels, &cfg)?;
/// assert_eq!(r.topk[0].chance, 0.1);
/// assert!(r.significance[0].null.is_some_and(|n| (n.mean - 0.1).abs() < 0.05));
/// # Ok::<(), brainclip::eval::EvalError>(())
/// ```
pub fn zero_shot_with(
    predicted: ArrayView2<f32>,
    class_embeddings: ArrayView2<f32>,
    labels: &[usize],
    config: &EvalConfig,
) -> Result<ZeroShotReport, EvalError> {
    config.validate()?;
    let similarity = similarity_matrix(predicted, class_embeddings, config.similarity)?;
    zero_shot_scores(similarity, labels, config)
}

/// Zero-shot metrics of a precomputed score matrix (samples × classes; larger = more similar):
/// top-k accuracy for each k of `config.ks` with ties broken fairly (see
/// [`super::hit_probabilities`]) and its analytic chance `k / classes`; for each k the exact
/// binomial p-value of the (rounded) expected hits, a seeded bootstrap 95 % interval and a
/// seeded permutation null (labels shuffled across samples); mean rank of the true class;
/// per-class accuracies and the confusion matrix.
///
/// Errors: no samples or classes, a label per sample missing or out of range, a k larger than
/// the class count, non-finite scores. (The N-way and identification settings are ignored.)
///
/// ```
/// use brainclip::eval::{EvalConfig, zero_shot_scores};
/// use ndarray::array;
///
/// let scores = array![[0.9f32, 0.1], [0.5, 0.5], [0.2, 0.8]];
/// let r = zero_shot_scores(scores, &[0, 1, 0], &EvalConfig::with_ks(&[1]))?;
/// assert_eq!(r.accuracy(1), Some(0.5)); // 1 + ½ (tie) + 0 hits of 3
/// assert_eq!(r.confusion, array![[1.0, 1.0], [0.5, 0.5]]);
/// assert_eq!(r.per_class[0].topk, [0.5]);
/// # Ok::<(), brainclip::eval::EvalError>(())
/// ```
pub fn zero_shot_scores(
    similarity: Array2<f32>,
    labels: &[usize],
    config: &EvalConfig,
) -> Result<ZeroShotReport, EvalError> {
    config.validate()?;
    check(similarity.view(), labels, 1)?;
    let (n_samples, n_classes) = similarity.dim();
    config.validate_ks(n_classes)?;
    let standings = standings(similarity.view(), labels);
    // hits[[i, j]]: probability that sample i's class is in its top ks[j].
    let hits = Array2::from_shape_fn((n_samples, config.ks.len()), |(i, j)| {
        standings[i].hit_probability(config.ks[j])
    });
    let accuracy = hits.mean_axis(Axis(0)).unwrap_or_default();
    let topk: Vec<TopK> = config
        .ks
        .iter()
        .zip(&accuracy)
        .map(|(&k, &accuracy)| TopK {
            k,
            accuracy,
            chance: k as f64 / n_classes as f64,
        })
        .collect();
    let cis = (config.bootstrap > 0).then(|| bootstrap_intervals(hits.view(), config.bootstrap, config.seed));
    let nulls = (config.permutations > 0).then(|| {
        let tables: Vec<_> = config.ks.iter().map(|&k| hit_table(similarity.view(), k)).collect();
        let observed = accuracy.to_vec();
        permutation_nulls(&tables, labels, &observed, config.permutations, config.seed)
    });
    let significance = topk
        .iter()
        .enumerate()
        .map(|(j, t)| {
            let expected_hits = t.accuracy * n_samples as f64;
            Significance {
                k: t.k,
                n: n_samples,
                hits: expected_hits,
                p_value: binomial_for_hits(expected_hits, n_samples, t.chance),
                ci95: cis.as_ref().map(|c| c[j]),
                null: nulls.as_ref().map(|n| n[j]),
            }
        })
        .collect();

    let mut confusion = Array2::<f64>::zeros((n_classes, n_classes));
    let mut predicted = Vec::with_capacity(n_samples);
    for (row, &label) in similarity.outer_iter().zip(labels) {
        let best = row.fold(f32::NEG_INFINITY, |m, &s| m.max(s));
        let tied = row.iter().filter(|&&s| s == best).count() as f64;
        let first = row.iter().position(|&s| s == best).unwrap_or(0);
        predicted.push(first);
        for (c, _) in row.iter().enumerate().filter(|&(_, &s)| s == best) {
            confusion[[label, c]] += 1.0 / tied;
        }
    }

    let mut counts = vec![0usize; n_classes];
    let mut sums = Array2::<f64>::zeros((n_classes, config.ks.len()));
    for (&label, h) in labels.iter().zip(hits.outer_iter()) {
        counts[label] += 1;
        let mut acc = sums.row_mut(label);
        acc += &h;
    }
    let per_class = counts
        .iter()
        .enumerate()
        .filter(|&(_, &n)| n > 0)
        .map(|(class, &n)| ClassAccuracy {
            class,
            n_samples: n,
            topk: sums.row(class).iter().map(|s| s / n as f64).collect(),
        })
        .collect();

    Ok(ZeroShotReport {
        n_samples,
        n_classes,
        topk,
        significance,
        mean_rank: standings.iter().map(|s| s.rank()).sum::<f64>() / n_samples as f64,
        predicted,
        per_class,
        confusion,
        settings: config.clone(),
        similarity,
    })
}

/// Serialises a matrix as a list of rows (ndarray's own serde support is not enabled).
pub(crate) fn serialize_rows<S: Serializer, T: Serialize + Clone>(m: &Array2<T>, s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(m.outer_iter().map(|r| r.to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn perfect_and_chance_predictions() {
        let classes = Array2::<f32>::eye(4);
        let perfect = zero_shot(classes.view(), classes.view(), &[0, 1, 2, 3], &[1, 2]).unwrap();
        assert_eq!(perfect.accuracy(1), Some(1.0));
        assert_eq!(perfect.mean_rank, 1.0);
        assert_eq!(perfect.topk[1].chance, 0.5);
        assert_eq!(perfect.confusion, Array2::<f64>::eye(4));
        let wrong = zero_shot(classes.view(), classes.view(), &[1, 2, 3, 0], &[1]).unwrap();
        assert_eq!(wrong.accuracy(1), Some(0.0));
        assert_eq!(wrong.significance[0].p_value, 1.0);
    }

    #[test]
    fn errors_are_clear() {
        let classes = array![[1.0f32, 0.0]];
        assert!(zero_shot(classes.view(), classes.view(), &[0], &[2]).is_err());
        assert!(zero_shot(classes.view(), classes.view(), &[0], &[]).is_err());
        let empty = Array2::<f32>::zeros((0, 2));
        assert_eq!(
            zero_shot(empty.view(), classes.view(), &[], &[1])
                .unwrap_err()
                .to_string(),
            "the evaluation set is empty"
        );
        assert_eq!(
            zero_shot(classes.view(), classes.view(), &[0, 0], &[1]).unwrap_err(),
            EvalError::ShapeMismatch {
                what: "number of targets",
                expected: 1,
                found: 2
            }
        );
        let no_classes = Array2::<f32>::zeros((0, 2));
        assert_eq!(
            zero_shot(classes.view(), no_classes.view(), &[0], &[1]).unwrap_err(),
            EvalError::Empty("the candidate set")
        );
    }

    #[test]
    fn per_class_confusion_and_ties() {
        // 3 classes; samples: 0 → class 0 (right), 1 → tie of classes 0 and 1 (label 1),
        // 2 → class 2 (label 1, wrong), 3 → class 2 (right)
        let scores = array![[0.9f32, 0.1, 0.0], [0.5, 0.5, 0.1], [0.1, 0.2, 0.7], [0.0, 0.1, 0.3]];
        let labels = [0, 1, 1, 2];
        let r = zero_shot_scores(scores, &labels, &EvalConfig::with_ks(&[1, 2])).unwrap();
        assert_eq!(r.accuracy(1), Some(2.5 / 4.0));
        assert_eq!(r.accuracy(2), Some(4.0 / 4.0));
        let expected = array![[1.0, 0.0, 0.0], [0.5, 0.5, 1.0], [0.0, 0.0, 1.0]];
        assert_eq!(r.confusion, expected);
        let per: Vec<_> = r
            .per_class
            .iter()
            .map(|c| (c.class, c.n_samples, c.topk.clone()))
            .collect();
        assert_eq!(
            per,
            [(0, 1, vec![1.0, 1.0]), (1, 2, vec![0.25, 1.0]), (2, 1, vec![1.0, 1.0])]
        );
        assert_eq!(r.predicted, [0, 0, 2, 2]);
        // 2.5 expected hits round to 3 (round half away from zero): P(X ≥ 3 | 4, 1/3)
        let p = r.significance[0].p_value;
        let want = 4.0 * (1.0f64 / 3.0).powi(3) * (2.0 / 3.0) + (1.0f64 / 3.0).powi(4);
        assert!((p - want).abs() < 1e-12, "{p} vs {want}");
        assert_eq!(r.significance[0].hits, 2.5);
    }

    #[test]
    fn permutation_null_is_near_chance_and_seeded() {
        // 200 samples, 20 classes, informative scores
        let labels: Vec<usize> = (0..200).map(|i| (i * 7) % 20).collect();
        let scores = Array2::from_shape_fn((200, 20), |(i, c)| {
            let noise = ((i * 31 + c * 17) % 23) as f32 / 23.0;
            noise + if labels[i] == c { 0.4 } else { 0.0 }
        });
        let cfg = EvalConfig {
            ks: vec![1, 5],
            permutations: 500,
            seed: 11,
            ..Default::default()
        };
        let r = zero_shot_scores(scores.clone(), &labels, &cfg).unwrap();
        for (t, s) in r.topk.iter().zip(&r.significance) {
            let null = s.null.unwrap();
            assert!((null.mean - t.chance).abs() < 0.01, "k = {}: {null:?}", t.k);
            assert!(null.sd > 0.0 && null.sd < 0.05);
            assert!(t.accuracy > 2.0 * t.chance);
            assert_eq!(null.p_value, 1.0 / 501.0);
            let ci = s.ci95.unwrap();
            assert!(ci.contains(t.accuracy) && ci.high - ci.low > 0.02, "{ci:?}");
        }
        let again = zero_shot_scores(scores.clone(), &labels, &cfg).unwrap();
        assert_eq!(r, again);
        let other = EvalConfig {
            seed: 12,
            ..cfg.clone()
        };
        let r12 = zero_shot_scores(scores.clone(), &labels, &other).unwrap();
        assert_ne!(r.significance, r12.significance);
        // uninformative scores: p-values are not small
        let flat = Array2::from_shape_fn((200, 20), |(i, c)| ((i * 31 + c * 17) % 23) as f32);
        let r = zero_shot_scores(flat, &labels, &cfg).unwrap();
        assert!(r.significance[0].null.unwrap().p_value > 0.05);
        let off = EvalConfig {
            bootstrap: 0,
            permutations: 0,
            ..cfg
        };
        let r = zero_shot_scores(scores, &labels, &off).unwrap();
        assert_eq!((r.significance[0].ci95, r.significance[0].null), (None, None));
    }

    #[test]
    fn serialises_confusion_as_rows() {
        let eye = Array2::<f32>::eye(2);
        let r = zero_shot(eye.view(), eye.view(), &[0, 1], &[1]).unwrap();
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["confusion"], serde_json::json!([[1.0, 0.0], [0.0, 1.0]]));
        assert_eq!(json["settings"]["similarity"], "cosine");
        assert!(json.get("similarity").is_none());
    }
}
