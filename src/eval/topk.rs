//! Top-k accuracy from a score matrix, with ties broken fairly.

use ndarray::{Array2, ArrayView2};
use serde::Serialize;

use super::EvalError;

/// A top-k accuracy with its chance level.
///
/// ```
/// use brainclip::eval::TopK;
///
/// let t = TopK { k: 5, accuracy: 0.31, chance: 0.1 };
/// assert!(t.accuracy > t.chance);
/// ```
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
///
/// ```
/// use brainclip::eval::hit_probabilities;
/// use ndarray::array;
///
/// // target 0 ties with candidate 1 at the top: half a hit at k = 1
/// let p = hit_probabilities(array![[1.0f32, 1.0, 0.0]].view(), &[0], 1)?;
/// assert_eq!(p, vec![0.5]);
/// # Ok::<(), brainclip::eval::EvalError>(())
/// ```
pub fn hit_probabilities(scores: ArrayView2<f32>, targets: &[usize], k: usize) -> Result<Vec<f64>, EvalError> {
    check(scores, targets, k)?;
    Ok(standings(scores, targets)
        .into_iter()
        .map(|s| s.hit_probability(k))
        .collect())
}

/// Where a sample's target stands in its row of scores.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Standing {
    /// Candidates scoring strictly higher than the target.
    pub greater: usize,
    /// Other candidates scoring exactly as the target.
    pub ties: usize,
}

impl Standing {
    /// Probability of a top-`k` hit with ties broken uniformly at random.
    pub fn hit_probability(self, k: usize) -> f64 {
        ((k as f64 - self.greater as f64) / (self.ties as f64 + 1.0)).clamp(0.0, 1.0)
    }

    /// 1-based rank, ties at their mean rank.
    pub fn rank(self) -> f64 {
        1.0 + self.greater as f64 + self.ties as f64 / 2.0
    }
}

/// For each sample: how many candidates score strictly higher than its target, and how many
/// others tie with it (one pass over each row).
pub(crate) fn standings(scores: ArrayView2<f32>, targets: &[usize]) -> Vec<Standing> {
    scores
        .outer_iter()
        .zip(targets)
        .map(|(row, &t)| {
            let target = row[t];
            let (greater, equal) = match row.as_slice() {
                Some(slice) => brainclip_kernels::scan::greater_and_equal(slice, target),
                None => row.iter().fold((0, 0), |(g, e), &s| {
                    (g + usize::from(s > target), e + usize::from(s == target))
                }),
            };
            Standing {
                greater,
                ties: equal - 1,
            }
        })
        .collect()
}

/// Hit probability of every (sample, candidate) pair as if that candidate were the target
/// (samples × candidates): each row is sorted once and every candidate's standing found by
/// binary search. Used by permutation nulls, which re-pair samples and candidates.
pub(crate) fn hit_table(scores: ArrayView2<f32>, k: usize) -> Array2<f64> {
    let mut table = Array2::zeros(scores.dim());
    let mut sorted = Vec::with_capacity(scores.ncols());
    for (row, mut out) in scores.outer_iter().zip(table.outer_iter_mut()) {
        sorted.clear();
        sorted.extend(row.iter().copied());
        sorted.sort_by(|a, b| b.total_cmp(a));
        for (&s, o) in row.iter().zip(out.iter_mut()) {
            let greater = sorted.partition_point(|&v| v > s);
            let at_least = sorted.partition_point(|&v| v >= s);
            *o = Standing {
                greater,
                ties: at_least - greater - 1,
            }
            .hit_probability(k);
        }
    }
    table
}

/// 1-based rank of each sample's target (ties counted at their mean rank).
///
/// ```
/// use brainclip::eval::target_ranks;
/// use ndarray::array;
///
/// let ranks = target_ranks(array![[0.2f32, 0.9, 0.2], [0.5, 0.1, 0.0]].view(), &[0, 0])?;
/// assert_eq!(ranks, vec![2.5, 1.0]);
/// # Ok::<(), brainclip::eval::EvalError>(())
/// ```
pub fn target_ranks(scores: ArrayView2<f32>, targets: &[usize]) -> Result<Vec<f64>, EvalError> {
    check(scores, targets, 1)?;
    Ok(standings(scores, targets).into_iter().map(Standing::rank).collect())
}

/// Top-k accuracy for every k from 1 to `max_k` (the data of a top-k curve), from one pass over
/// the scores.
///
/// ```
/// use brainclip::eval::topk_curve;
/// use ndarray::array;
///
/// let scores = array![[0.9f32, 0.1, 0.0], [0.2, 0.3, 0.5]];
/// let curve = topk_curve(scores.view(), &[0, 0], 3)?;
/// assert_eq!(curve.iter().map(|t| t.accuracy).collect::<Vec<_>>(), [0.5, 0.5, 1.0]);
/// assert_eq!(curve[1].chance, 2.0 / 3.0);
/// # Ok::<(), brainclip::eval::EvalError>(())
/// ```
pub fn topk_curve(scores: ArrayView2<f32>, targets: &[usize], max_k: usize) -> Result<Vec<TopK>, EvalError> {
    check(scores, targets, max_k)?;
    let standings = standings(scores, targets);
    Ok((1..=max_k)
        .map(|k| TopK {
            k,
            accuracy: standings.iter().map(|s| s.hit_probability(k)).sum::<f64>() / standings.len() as f64,
            chance: k as f64 / scores.ncols() as f64,
        })
        .collect())
}

/// Top-k accuracy and its chance level (`k / candidates`).
///
/// `k` must lie in `1..=candidates`: a k larger than the candidate set is an error
/// ([`EvalError::InvalidK`]) rather than a trivial accuracy of 1.
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

pub(crate) fn check(scores: ArrayView2<f32>, targets: &[usize], k: usize) -> Result<(), EvalError> {
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
    fn hit_table_agrees_with_hit_probabilities() {
        let scores = array![[0.9f32, 0.1, 0.1, 0.5], [0.2, 0.2, 0.2, 0.2], [0.0, 0.3, 1.0, 0.3]];
        for k in 1..=4 {
            let table = hit_table(scores.view(), k);
            for c in 0..4 {
                let direct = hit_probabilities(scores.view(), &[c, c, c], k).unwrap();
                assert_eq!(table.column(c).to_vec(), direct, "k = {k}, candidate {c}");
            }
        }
    }

    #[test]
    fn curve_matches_single_k_and_rejects_large_k() {
        let scores = array![[0.9f32, 0.1, 0.0, 0.5], [0.2, 0.3, 0.5, 0.1], [0.0, 0.0, 1.0, 0.7]];
        let targets = [0, 0, 3];
        let curve = topk_curve(scores.view(), &targets, 4).unwrap();
        for t in &curve {
            assert_eq!(*t, topk_accuracy(scores.view(), &targets, t.k).unwrap());
        }
        assert_eq!(curve.last().map(|t| (t.accuracy, t.chance)), Some((1.0, 1.0)));
        assert_eq!(
            topk_curve(scores.view(), &targets, 5).unwrap_err(),
            EvalError::InvalidK { k: 5, candidates: 4 }
        );
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
