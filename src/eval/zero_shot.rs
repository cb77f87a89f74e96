//! Zero-shot category decoding: which class embedding is closest to each predicted embedding.

use ndarray::{Array2, ArrayView2};
use serde::Serialize;

use super::topk::{TopK, target_ranks, topk_accuracy};
use super::{EvalError, cosine_similarity};

/// Zero-shot decoding results.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ZeroShotReport {
    /// Samples evaluated.
    pub n_samples: usize,
    /// Candidate classes.
    pub n_classes: usize,
    /// Accuracy and chance for each requested k.
    pub topk: Vec<TopK>,
    /// Mean 1-based rank of the true class.
    pub mean_rank: f64,
    /// The best-scoring class of each sample.
    pub predicted: Vec<usize>,
    /// Cosine similarity of each sample with each class (samples × classes).
    #[serde(skip)]
    pub similarity: Array2<f32>,
}

impl ZeroShotReport {
    /// The accuracy at `k`, if it was computed.
    pub fn accuracy(&self, k: usize) -> Option<f64> {
        self.topk.iter().find(|t| t.k == k).map(|t| t.accuracy)
    }
}

/// Decode categories zero-shot: cosine similarity of predicted embeddings (samples × D) with
/// class embeddings (classes × D, e.g. CLIP text embeddings of "an image of {name}."), top-k
/// accuracy against `labels` for each k in `ks` (ties broken fairly, see
/// [`super::topk::hit_probabilities`]).
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
    if ks.is_empty() {
        return Err(EvalError::Empty("the list of k"));
    }
    let similarity = cosine_similarity(predicted, class_embeddings)?;
    let topk = ks
        .iter()
        .map(|&k| topk_accuracy(similarity.view(), labels, k))
        .collect::<Result<Vec<_>, _>>()?;
    let ranks = target_ranks(similarity.view(), labels)?;
    let predicted = similarity
        .rows()
        .into_iter()
        .map(|row| {
            row.iter()
                .enumerate()
                .fold((0, f32::NEG_INFINITY), |b, (i, &s)| if s > b.1 { (i, s) } else { b })
                .0
        })
        .collect();
    Ok(ZeroShotReport {
        n_samples: similarity.nrows(),
        n_classes: similarity.ncols(),
        topk,
        mean_rank: ranks.iter().sum::<f64>() / ranks.len() as f64,
        predicted,
        similarity,
    })
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
        let wrong = zero_shot(classes.view(), classes.view(), &[1, 2, 3, 0], &[1]).unwrap();
        assert_eq!(wrong.accuracy(1), Some(0.0));
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
    }
}
