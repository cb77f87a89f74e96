//! Top-k accuracy from a score matrix, with ties broken fairly.

use ndarray::ArrayView2;
use serde::Serialize;

use super::EvalError;

/// A top-k accuracy with its chance level.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct TopK {
    /// k.
    pub k: usize,
    /// Fraction of samples whose target ranks in the top k.
    pub accuracy: f64,
    /// Accuracy of a random ranking: k / candidates.
    pub chance: f64,
}

/// Probability that each sample's target ranks within the top `k` of its row of `scores`
/// (samples × candidates), breaking ties uniformly at random: with `g` candidates scoring
/// strictly higher and `t` others tied with the target, that is `clamp((k − g) / (t + 1), 0, 1)`.
/// A constant score matrix therefore gets chance accuracy, not 100 %.
pub fn hit_probabilities(scores: ArrayView2<f32>, targets: &[usize], k: usize) -> Result<Vec<f64>, EvalError> {
    check(scores, targets, k)?;
    Ok(standings(scores, targets)
        .into_iter()
        .map(|(greater, ties)| ((k as f64 - greater) / (ties + 1.0)).clamp(0.0, 1.0))
        .collect())
}

/// For each sample: how many candidates score strictly higher than its target, and how many
/// others tie with it.
fn standings(scores: ArrayView2<f32>, targets: &[usize]) -> Vec<(f64, f64)> {
    scores
        .outer_iter()
        .zip(targets)
        .map(|(row, &t)| {
            let target = row[t];
            let greater = row.iter().filter(|&&s| s > target).count();
            let ties = row.iter().filter(|&&s| s == target).count() - 1;
            (greater as f64, ties as f64)
        })
        .collect()
}

/// 1-based rank of each sample's target (ties counted at their mean rank).
pub fn target_ranks(scores: ArrayView2<f32>, targets: &[usize]) -> Result<Vec<f64>, EvalError> {
    check(scores, targets, 1)?;
    Ok(standings(scores, targets)
        .into_iter()
        .map(|(greater, ties)| 1.0 + greater + ties / 2.0)
        .collect())
}

/// Top-k accuracy and its chance level.
///
/// ```
/// use ndarray::array;
/// use brainclip::eval::topk_accuracy;
/// let scores = array![[0.9f32, 0.1, 0.0], [0.2, 0.3, 0.5]];
/// let top1 = topk_accuracy(scores.view(), &[0, 0], 1).unwrap();
/// assert_eq!((top1.accuracy, top1.chance), (0.5, 1.0 / 3.0));
/// ```
pub fn topk_accuracy(scores: ArrayView2<f32>, targets: &[usize], k: usize) -> Result<TopK, EvalError> {
    let hits = hit_probabilities(scores, targets, k)?;
    Ok(TopK {
        k,
        accuracy: hits.iter().sum::<f64>() / hits.len() as f64,
        chance: k as f64 / scores.ncols() as f64,
    })
}

fn check(scores: ArrayView2<f32>, targets: &[usize], k: usize) -> Result<(), EvalError> {
    if scores.nrows() == 0 {
        return Err(EvalError::Empty("the evaluation set"));
    }
    if scores.ncols() == 0 {
        return Err(EvalError::Empty("the candidate set"));
    }
    if targets.len() != scores.nrows() {
        return Err(EvalError::ShapeMismatch {
            what: "number of targets",
            expected: scores.nrows(),
            found: targets.len(),
        });
    }
    if k == 0 || k > scores.ncols() {
        return Err(EvalError::InvalidK {
            k,
            candidates: scores.ncols(),
        });
    }
    if let Some((sample, &target)) = targets.iter().enumerate().find(|(_, t)| **t >= scores.ncols()) {
        return Err(EvalError::TargetOutOfRange {
            sample,
            target,
            candidates: scores.ncols(),
        });
    }
    if scores.iter().any(|s| !s.is_finite()) {
        return Err(EvalError::NonFinite("the score matrix"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array2, array};

    #[test]
    fn hand_computed_topk() {
        let scores = array![[0.9f32, 0.1, 0.0, 0.5], [0.2, 0.3, 0.5, 0.1], [0.0, 0.0, 1.0, 0.7]];
        let targets = [0, 0, 3];
        // ranks: sample 0 → 1, sample 1 → 3, sample 2 → 2
        assert_eq!(target_ranks(scores.view(), &targets).unwrap(), vec![1.0, 3.0, 2.0]);
        assert_eq!(topk_accuracy(scores.view(), &targets, 1).unwrap().accuracy, 1.0 / 3.0);
        assert_eq!(topk_accuracy(scores.view(), &targets, 2).unwrap().accuracy, 2.0 / 3.0);
        assert_eq!(topk_accuracy(scores.view(), &targets, 4).unwrap().accuracy, 1.0);
        assert_eq!(topk_accuracy(scores.view(), &targets, 2).unwrap().chance, 0.5);
    }

    #[test]
    fn ties_give_chance_not_perfect_accuracy() {
        let scores = Array2::<f32>::zeros((10, 5));
        let targets = vec![2; 10];
        let top1 = topk_accuracy(scores.view(), &targets, 1).unwrap();
        assert!((top1.accuracy - 0.2).abs() < 1e-12);
        // a two-way tie at the top: half a hit at k = 1, a full hit at k = 2
        let s = array![[1.0f32, 1.0, 0.0]];
        assert_eq!(hit_probabilities(s.view(), &[0], 1).unwrap(), vec![0.5]);
        assert_eq!(hit_probabilities(s.view(), &[0], 2).unwrap(), vec![1.0]);
        assert_eq!(target_ranks(s.view(), &[1]).unwrap(), vec![1.5]);
    }

    #[test]
    fn bad_k_and_targets_are_errors() {
        let s = array![[1.0f32, 0.0]];
        assert_eq!(
            topk_accuracy(s.view(), &[0], 3).unwrap_err().to_string(),
            "top-3 needs k between 1 and the number of candidates (2)"
        );
        assert!(topk_accuracy(s.view(), &[0], 0).is_err());
        assert!(topk_accuracy(s.view(), &[2], 1).is_err());
        assert!(topk_accuracy(Array2::<f32>::zeros((0, 2)).view(), &[], 1).is_err());
        assert!(topk_accuracy(array![[f32::NAN, 0.0]].view(), &[0], 1).is_err());
    }
}
