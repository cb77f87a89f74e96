//! Retrieval: find each query's own item among all candidates (e.g. fMRI → image).

use ndarray::{Array2, ArrayView2};
use serde::Serialize;

use super::topk::{TopK, target_ranks, topk_accuracy};
use super::{EvalError, cosine_similarity};

/// Retrieval results over the whole candidate set.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RetrievalReport {
    /// Number of queries (= candidates).
    pub n_candidates: usize,
    /// Accuracy and chance for each requested k.
    pub topk: Vec<TopK>,
    /// Median 1-based rank of the true item.
    pub median_rank: f64,
    /// Mean reciprocal rank.
    pub mrr: f64,
    /// Query × candidate cosine similarities.
    #[serde(skip)]
    pub similarity: Array2<f32>,
}

impl RetrievalReport {
    /// The accuracy at `k`, if it was computed.
    pub fn accuracy(&self, k: usize) -> Option<f64> {
        self.topk.iter().find(|t| t.k == k).map(|t| t.accuracy)
    }
}

/// Query `i` (row of `queries`) should retrieve candidate `i`; report top-k for each k in `ks`.
///
/// ```
/// use ndarray::array;
/// let q = array![[1.0f32, 0.2], [0.9, 0.1]];
/// let c = array![[1.0f32, 0.0], [0.0, 1.0]];
/// let r = brainclip::eval::retrieval(q.view(), c.view(), &[1]).unwrap();
/// assert_eq!(r.accuracy(1), Some(0.5));
/// ```
pub fn retrieval(
    queries: ArrayView2<f32>,
    candidates: ArrayView2<f32>,
    ks: &[usize],
) -> Result<RetrievalReport, EvalError> {
    if queries.nrows() != candidates.nrows() {
        return Err(EvalError::ShapeMismatch {
            what: "number of candidates (one per query)",
            expected: queries.nrows(),
            found: candidates.nrows(),
        });
    }
    if ks.is_empty() {
        return Err(EvalError::Empty("the list of k"));
    }
    let similarity = cosine_similarity(queries, candidates)?;
    let targets: Vec<usize> = (0..queries.nrows()).collect();
    let topk = ks
        .iter()
        .map(|&k| topk_accuracy(similarity.view(), &targets, k))
        .collect::<Result<Vec<_>, _>>()?;
    let mut ranks = target_ranks(similarity.view(), &targets)?;
    let mrr = ranks.iter().map(|r| 1.0 / r).sum::<f64>() / ranks.len() as f64;
    ranks.sort_by(f64::total_cmp);
    let mid = ranks.len() / 2;
    let median_rank = if ranks.len() % 2 == 1 {
        ranks[mid]
    } else {
        (ranks[mid - 1] + ranks[mid]) / 2.0
    };
    Ok(RetrievalReport {
        n_candidates: queries.nrows(),
        topk,
        median_rank,
        mrr,
        similarity,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn hand_computed_ranks() {
        // query 0 ranks its item 1st, query 1 ranks its item 2nd, query 2 ranks its item 3rd
        let c = array![[1.0f32, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];
        let q = array![[1.0f32, 0.0, 0.0], [0.9, 0.5, 0.0], [0.6, 0.5, 0.1]];
        let r = retrieval(q.view(), c.view(), &[1, 2]).unwrap();
        assert_eq!(r.accuracy(1), Some(1.0 / 3.0));
        assert_eq!(r.accuracy(2), Some(2.0 / 3.0));
        assert_eq!(r.median_rank, 2.0);
        assert!((r.mrr - (1.0 + 0.5 + 1.0 / 3.0) / 3.0).abs() < 1e-12);
    }

    #[test]
    fn counts_must_match() {
        let c = array![[1.0f32, 0.0]];
        let q = array![[1.0f32, 0.0], [0.0, 1.0]];
        assert!(retrieval(q.view(), c.view(), &[1]).is_err());
    }
}
