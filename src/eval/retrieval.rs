//! Retrieval: find each query's own item among all candidates (e.g. fMRI → image), over the
//! whole candidate set, in seeded N-way draws (MindEye's 300-way) and as exact n-way
//! identification (Brain-Diffuser's and Takagi & Nishimoto's 2-way).

use ndarray::{Array2, ArrayView2, Axis};
use serde::Serialize;

use super::config::EvalConfig;
use super::stats::{
    Interval, Significance, Stream, binomial_for_hits, bootstrap_intervals, ln_choose, mean_sd, percentile, seeded,
};
use super::topk::{Standing, TopK, check, standings};
use super::{EvalError, Similarity, similarity_matrix};
use rand::RngExt;

/// Retrieval results in one direction (e.g. fMRI → image), with the settings that produced them.
///
/// ```
/// use ndarray::Array2;
///
/// let images = Array2::<f32>::eye(4);
/// let r = brainclip::eval::retrieval(images.view(), images.view(), &[1, 2])?;
/// assert_eq!((r.n_candidates, r.median_rank, r.mrr), (4, 1.0, 1.0));
/// assert_eq!(r.topk[1].chance, 0.5);
/// assert_eq!(r.settings.similarity, brainclip::eval::Similarity::Cosine);
/// # Ok::<(), brainclip::eval::EvalError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RetrievalReport {
    /// Number of queries (= candidates).
    pub n_candidates: usize,
    /// Accuracy and chance for each requested k.
    pub topk: Vec<TopK>,
    /// Binomial p-value and bootstrap interval of each top-k accuracy (same order as `topk`;
    /// no permutation null in retrieval).
    pub significance: Vec<Significance>,
    /// Median 1-based rank of the true item.
    pub median_rank: f64,
    /// Mean reciprocal rank.
    pub mrr: f64,
    /// The N-way protocols, one entry per (N, k ≤ N).
    pub n_way: Vec<NWay>,
    /// The exact n-way identification tests.
    pub identification: Vec<Identification>,
    /// The settings: k, similarity, resamples, N-way protocols, repeats, seed.
    pub settings: EvalConfig,
    /// 1-based rank of each query's true item (ties at their mean rank).
    #[serde(skip)]
    pub ranks: Vec<f64>,
    /// Query × candidate similarities.
    #[serde(skip)]
    pub similarity: Array2<f32>,
}

impl RetrievalReport {
    /// The accuracy at `k`, if it was computed.
    ///
    /// ```
    /// use ndarray::Array2;
    /// let eye = Array2::<f32>::eye(3);
    /// let r = brainclip::eval::retrieval(eye.view(), eye.view(), &[1])?;
    /// assert_eq!((r.accuracy(1), r.accuracy(5)), (Some(1.0), None));
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

/// Top-k accuracy of an N-way protocol: N candidates drawn at random (the true one plus N − 1
/// distinct distractors), repeated, the accuracy of each repeat averaged over queries.
///
/// ```
/// use brainclip::eval::n_way;
/// use ndarray::Array2;
///
/// let scores = Array2::from_shape_fn((100, 100), |(i, j)| if i == j { 1.0f32 } else { ((i * j) % 7) as f32 / 7.0 });
/// let targets: Vec<usize> = (0..100).collect();
/// let r = n_way(scores.view(), &targets, 50, &[1], 10, 3)?;
/// assert_eq!((r[0].n, r[0].k, r[0].repeats, r[0].chance), (50, 1, 10, 0.02));
/// assert_eq!(r[0].mean, 1.0);
/// # Ok::<(), brainclip::eval::EvalError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct NWay {
    /// Candidates per draw, the true one included.
    pub n: usize,
    /// k of the top-k accuracy within each draw.
    pub k: usize,
    /// Number of draws per query.
    pub repeats: usize,
    /// The seed of the draws.
    pub seed: u64,
    /// `k / n`.
    pub chance: f64,
    /// Mean accuracy over repeats.
    pub mean: f64,
    /// Standard deviation of the repeat accuracies.
    pub sd: f64,
    /// 2.5th–97.5th percentile of the repeat accuracies (the spread due to the draws).
    pub ci95: Interval,
    /// Binomial p-value of the mean accuracy: `P(X ≥ round(mean · queries) | queries, k / n)`.
    pub p_value: f64,
}

/// Exact n-way identification: the probability that the true item beats `n − 1` distractors drawn
/// without replacement from all other candidates, averaged over every possible draw (fair ties:
/// a tie counts half in the 2-way case). For n = 2 it is the fraction of distractors less
/// similar than the true item.
///
/// ```
/// use brainclip::eval::identification;
/// use ndarray::array;
///
/// let scores = array![[0.9f32, 0.5, 0.95], [0.1, 0.3, 0.3], [0.0, 0.2, 0.1]];
/// let id = identification(scores.view(), &[0, 1, 2], 2)?;
/// assert_eq!(id.per_sample, [0.5, 0.75, 0.5]);
/// assert_eq!((id.accuracy, id.chance), (0.5833333333333334, 0.5));
/// # Ok::<(), brainclip::eval::EvalError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Identification {
    /// n of the n-way test (2 = pairwise).
    pub n: usize,
    /// Mean identification accuracy over samples.
    pub accuracy: f64,
    /// `1 / n`.
    pub chance: f64,
    /// Binomial p-value over samples: `P(X ≥ round(Σ per_sample) | samples, 1 / n)`.
    pub p_value: f64,
    /// Each sample's identification accuracy.
    #[serde(skip)]
    pub per_sample: Vec<f64>,
}

/// Query `i` (row of `queries`) should retrieve candidate `i`; report top-k for each k in `ks`
/// with the default settings ([`EvalConfig::default`] with these `ks`); see [`retrieval_with`].
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
    retrieval_with(queries, candidates, &EvalConfig::with_ks(ks))
}

/// Query `i` (row of `queries`, e.g. an fMRI-predicted embedding) should retrieve candidate `i`
/// (e.g. the CLIP embedding of the image seen): similarity (`config.similarity`) of every query
/// with every candidate, then everything [`retrieval_scores`] reports. For the reverse direction
/// (image → fMRI) swap the arguments.
///
/// ```
/// use brainclip::eval::{EvalConfig, retrieval_with};
/// use ndarray::Array2;
///
/// let c = Array2::from_shape_fn((60, 8), |(i, d)| ((i * 13 + d * 5) % 11) as f32 - 5.0);
/// let q = &c + &Array2::from_shape_fn((60, 8), |(i, d)| ((i + d) % 3) as f32);
/// let cfg = EvalConfig { n_way: vec![10], repeats: 5, ..Default::default() };
/// let r = retrieval_with(q.view(), c.view(), &cfg)?;
/// assert_eq!(r.n_way.len(), 2); // top-1 and top-5 within 10
/// assert!(r.identification[0].accuracy > 0.9);
/// # Ok::<(), brainclip::eval::EvalError>(())
/// ```
pub fn retrieval_with(
    queries: ArrayView2<f32>,
    candidates: ArrayView2<f32>,
    config: &EvalConfig,
) -> Result<RetrievalReport, EvalError> {
    if queries.nrows() != candidates.nrows() {
        return Err(EvalError::ShapeMismatch {
            what: "number of candidates (one per query)",
            expected: queries.nrows(),
            found: candidates.nrows(),
        });
    }
    config.validate()?;
    retrieval_scores(similarity_matrix(queries, candidates, config.similarity)?, config)
}

/// Retrieval metrics of a precomputed square score matrix (queries × candidates, the true item
/// of query `i` being candidate `i`): top-k accuracy for each k with fair ties and chance
/// `k / candidates`, each with the exact binomial p-value of its (rounded) expected hits and a
/// seeded bootstrap 95 % interval; median rank and MRR of the true item; each N-way protocol
/// of `config.n_way` ([`n_way`]) and each identification test of `config.identification`
/// ([`identification`]).
///
/// Errors: no queries, a non-square matrix, non-finite scores, a k, N or n larger than the
/// candidate count.
///
/// ```
/// use brainclip::eval::{EvalConfig, retrieval_scores};
/// use ndarray::array;
///
/// let s = array![[0.9f32, 0.1], [0.7, 0.3]];
/// let r = retrieval_scores(s, &EvalConfig::with_ks(&[1]))?;
/// assert_eq!((r.accuracy(1), r.median_rank, r.mrr), (Some(0.5), 1.5, 0.75));
/// assert_eq!(r.identification[0].accuracy, 0.5);
/// # Ok::<(), brainclip::eval::EvalError>(())
/// ```
pub fn retrieval_scores(similarity: Array2<f32>, config: &EvalConfig) -> Result<RetrievalReport, EvalError> {
    config.validate()?;
    let n = similarity.nrows();
    if similarity.ncols() != n {
        return Err(EvalError::ShapeMismatch {
            what: "number of candidates (one per query)",
            expected: n,
            found: similarity.ncols(),
        });
    }
    let targets: Vec<usize> = (0..n).collect();
    check(similarity.view(), &targets, 1)?;
    config.validate_for(n)?;
    let standings = standings(similarity.view(), &targets);
    let hits = Array2::from_shape_fn((n, config.ks.len()), |(i, j)| {
        standings[i].hit_probability(config.ks[j])
    });
    let accuracy = hits.mean_axis(Axis(0)).unwrap_or_default();
    let cis = (config.bootstrap > 0).then(|| bootstrap_intervals(hits.view(), config.bootstrap, config.seed));
    let mut topk = Vec::with_capacity(config.ks.len());
    let mut significance = Vec::with_capacity(config.ks.len());
    for (j, (&k, &accuracy)) in config.ks.iter().zip(&accuracy).enumerate() {
        let chance = k as f64 / n as f64;
        topk.push(TopK { k, accuracy, chance });
        significance.push(Significance {
            k,
            n,
            hits: accuracy * n as f64,
            p_value: binomial_for_hits(accuracy * n as f64, n, chance),
            ci95: cis.as_ref().map(|c| c[j]),
            null: None,
        });
    }
    let ranks: Vec<f64> = standings.iter().map(|s| s.rank()).collect();
    let mrr = ranks.iter().map(|r| 1.0 / r).sum::<f64>() / n as f64;
    let mut sorted = ranks.clone();
    sorted.sort_by(f64::total_cmp);
    let median_rank = percentile(&sorted, 0.5);
    let mut n_ways = Vec::new();
    for &ways in &config.n_way {
        let ks: Vec<usize> = config.ks.iter().copied().filter(|&k| k <= ways).collect();
        n_ways.extend(n_way(
            similarity.view(),
            &targets,
            ways,
            &ks,
            config.repeats,
            config.seed,
        )?);
    }
    let identification = config
        .identification
        .iter()
        .map(|&ways| identification(similarity.view(), &targets, ways))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(RetrievalReport {
        n_candidates: n,
        topk,
        significance,
        median_rank,
        mrr,
        n_way: n_ways,
        identification,
        settings: config.clone(),
        ranks,
        similarity,
    })
}

/// The N-way protocol (e.g. MindEye's 300-way): for each of `repeats` rounds and each query,
/// draw `n − 1` distinct distractors uniformly from the other candidates (ChaCha8 seeded with
/// `seed`, one stream per `n`, so the same seed gives the same draws) and score a top-k hit of
/// the true item among those `n` candidates, ties broken fairly. Reports, for each k in `ks`,
/// the mean over repeats, their spread and a binomial p-value.
///
/// Errors: as [`retrieval_scores`]; `n` outside `2..=candidates`, a k outside `1..=n`,
/// `repeats = 0`.
///
/// ```
/// use brainclip::eval::n_way;
/// use ndarray::Array2;
///
/// // every score tied: a 2-way draw is a coin flip, scored as half a hit
/// let flat = Array2::<f32>::zeros((20, 20));
/// let targets: Vec<usize> = (0..20).collect();
/// let r = n_way(flat.view(), &targets, 2, &[1], 5, 0)?;
/// assert_eq!((r[0].mean, r[0].chance), (0.5, 0.5));
/// assert!(n_way(flat.view(), &targets, 300, &[1], 30, 0).is_err());
/// # Ok::<(), brainclip::eval::EvalError>(())
/// ```
pub fn n_way(
    scores: ArrayView2<f32>,
    targets: &[usize],
    n: usize,
    ks: &[usize],
    repeats: usize,
    seed: u64,
) -> Result<Vec<NWay>, EvalError> {
    check(scores, targets, 1)?;
    let m = scores.ncols();
    check_ways("n_way", "N", n, m)?;
    if let Some(&k) = ks.iter().find(|&&k| k == 0 || k > n) {
        return Err(EvalError::InvalidK { k, candidates: n });
    }
    if repeats == 0 {
        return Err(EvalError::InvalidSetting {
            name: "repeats",
            expected: "at least 1 draw".into(),
            found: "0".into(),
        });
    }
    let mut rng = seeded(seed, Stream::NWay(n));
    let queries = scores.nrows();
    let mut acc = Array2::<f64>::zeros((ks.len(), repeats));
    // The distractor pool: indices 0..m − 1, mapped past the target. A partial Fisher–Yates
    // shuffle of its first n − 1 slots draws a uniform subset, whatever the pool's order.
    // Indices are drawn as u32 (half the random bytes of usize); rows are far shorter than 2³².
    let mut pool: Vec<u32> = (0..u32::try_from(m - 1).unwrap_or(u32::MAX)).collect();
    let last = pool.len() as u32;
    for r in 0..repeats {
        for (row, &t) in scores.outer_iter().zip(targets) {
            let target = row[t];
            let (mut greater, mut ties) = (0, 0);
            for i in 0..n - 1 {
                let j = rng.random_range(i as u32..last);
                pool.swap(i, j as usize);
                let c = pool[i] as usize + usize::from(pool[i] as usize >= t);
                greater += usize::from(row[c] > target);
                ties += usize::from(row[c] == target);
            }
            let standing = Standing { greater, ties };
            for (q, &k) in ks.iter().enumerate() {
                acc[[q, r]] += standing.hit_probability(k);
            }
        }
    }
    acc /= queries as f64;
    Ok(ks
        .iter()
        .zip(acc.outer_iter())
        .map(|(&k, per_repeat)| {
            let mut sorted = per_repeat.to_vec();
            let (mean, sd) = mean_sd(&sorted);
            sorted.sort_by(f64::total_cmp);
            let chance = k as f64 / n as f64;
            NWay {
                n,
                k,
                repeats,
                seed,
                chance,
                mean,
                sd,
                ci95: Interval {
                    low: percentile(&sorted, 0.025),
                    high: percentile(&sorted, 0.975),
                },
                p_value: binomial_for_hits(mean * queries as f64, queries, chance),
            }
        })
        .collect())
}

/// Exact n-way identification of each sample's target in `scores` (samples × candidates); see
/// [`Identification`]. With `g` candidates more similar than the target, `t` tied and `l` less
/// similar, and `d = n − 1` distractors, the hit probability is
/// `Σₐ C(t, a) C(l, d − a) / C(g + t + l, d) · 1 / (a + 1)` (no more-similar distractor drawn,
/// `a` tied ones, the tie broken fairly); for n = 2 that is `(l + t/2) / (candidates − 1)`.
///
/// Errors: as [`retrieval_scores`]; `n` outside `2..=candidates`.
///
/// ```
/// use brainclip::eval::identification;
/// use ndarray::array;
///
/// // the target (0.5) beats 2 of 3 distractors
/// let id = identification(array![[0.5f32, 0.9, 0.1, 0.2]].view(), &[0], 2)?;
/// assert!((id.accuracy - 2.0 / 3.0).abs() < 1e-12);
/// # Ok::<(), brainclip::eval::EvalError>(())
/// ```
pub fn identification(scores: ArrayView2<f32>, targets: &[usize], n: usize) -> Result<Identification, EvalError> {
    check(scores, targets, 1)?;
    let others = scores.ncols() - 1;
    check_ways("identification", "n", n, others + 1)?;
    let d = n - 1;
    let per_sample: Vec<f64> = standings(scores, targets)
        .into_iter()
        .map(|Standing { greater, ties }| {
            let lower = others - greater - ties;
            if d == 1 {
                return (lower as f64 + ties as f64 / 2.0) / others as f64;
            }
            let total = ln_choose(others, d);
            (0..=ties.min(d))
                .map(|a| (ln_choose(ties, a) + ln_choose(lower, d - a) - total).exp() / (a + 1) as f64)
                .sum::<f64>()
                .clamp(0.0, 1.0)
        })
        .collect();
    let hits: f64 = per_sample.iter().sum();
    let chance = 1.0 / n as f64;
    Ok(Identification {
        n,
        accuracy: hits / per_sample.len() as f64,
        chance,
        p_value: binomial_for_hits(hits, per_sample.len(), chance),
        per_sample,
    })
}

fn check_ways(name: &'static str, what: &str, n: usize, candidates: usize) -> Result<(), EvalError> {
    if (2..=candidates).contains(&n) {
        Ok(())
    } else {
        Err(EvalError::InvalidSetting {
            name,
            expected: format!("{what} between 2 and the number of candidates ({candidates})"),
            found: n.to_string(),
        })
    }
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
        assert_eq!(r.ranks, [1.0, 2.0, 3.0]);
        assert!((r.mrr - (1.0 + 0.5 + 1.0 / 3.0) / 3.0).abs() < 1e-12);
        // 2-way identification: 2/2, 1/2 and 0/2 distractors beaten
        assert_eq!(r.identification[0].per_sample, [1.0, 0.5, 0.0]);
    }

    #[test]
    fn counts_must_match() {
        let c = array![[1.0f32, 0.0]];
        let q = array![[1.0f32, 0.0], [0.0, 1.0]];
        assert!(retrieval(q.view(), c.view(), &[1]).is_err());
        let empty = Array2::<f32>::zeros((0, 2));
        assert_eq!(
            retrieval(empty.view(), empty.view(), &[1]).unwrap_err(),
            EvalError::Empty("the evaluation set")
        );
        assert_eq!(
            retrieval(q.view(), q.view(), &[3]).unwrap_err(),
            EvalError::InvalidK { k: 3, candidates: 2 }
        );
    }

    #[test]
    fn identification_with_ties_and_larger_n() {
        // target scores 0.5; others: one greater, two tied, three lower (7 candidates)
        let s = array![[0.5f32, 0.9, 0.5, 0.5, 0.1, 0.2, 0.3]];
        let id2 = identification(s.view(), &[0], 2).unwrap();
        assert_eq!(id2.per_sample, [(3.0 + 1.0) / 6.0]);
        // 3-way: draws of 2 of the 6 others (15); hit needs no greater one: C(5,2) = 10 draws;
        // among them 1 has two ties (½ → ⅓), 6 have one tie (½), 3 have none (1)
        let id3 = identification(s.view(), &[0], 3).unwrap();
        let want = (1.0 / 3.0 + 6.0 * 0.5 + 3.0) / 15.0;
        assert!((id3.per_sample[0] - want).abs() < 1e-12, "{:?}", id3.per_sample);
        // n = candidates: the full ranking, i.e. top-1 accuracy with fair ties
        let full = identification(s.view(), &[0], 7).unwrap();
        assert!(full.per_sample[0].abs() < 1e-12);
        let err = identification(s.view(), &[0], 8).unwrap_err().to_string();
        assert_eq!(
            err,
            "identification: expected n between 2 and the number of candidates (7), found 8"
        );
        assert!(identification(s.view(), &[0], 1).is_err());
    }

    #[test]
    fn identification_binomial_test() {
        // 20 samples, each target best among 10 candidates: accuracy 1, p = 0.5^20
        let s = Array2::from_shape_fn((20, 10), |(i, j)| if i % 10 == j { 1.0f32 } else { 0.0 });
        let targets: Vec<usize> = (0..20).map(|i| i % 10).collect();
        let id = identification(s.view(), &targets, 2).unwrap();
        assert_eq!(id.accuracy, 1.0);
        assert!((id.p_value - 0.5f64.powi(20)).abs() < 1e-18);
    }

    fn noisy(n: usize, signal: f32) -> Array2<f32> {
        Array2::from_shape_fn((n, n), |(i, j)| {
            let noise = ((i * 7919 + j * 104_729) % 1000) as f32 / 1000.0;
            noise + if i == j { signal } else { 0.0 }
        })
    }

    #[test]
    fn n_way_is_seeded_and_matches_exact_expectation() {
        let s = noisy(200, 0.3);
        let targets: Vec<usize> = (0..200).collect();
        let a = n_way(s.view(), &targets, 10, &[1, 3], 50, 5).unwrap();
        assert_eq!(a, n_way(s.view(), &targets, 10, &[1, 3], 50, 5).unwrap());
        let b = n_way(s.view(), &targets, 10, &[1, 3], 50, 6).unwrap();
        assert_ne!(a[0].mean, b[0].mean);
        // the mean over many draws approaches the exact n-way identification accuracy
        let exact = identification(s.view(), &targets, 10).unwrap().accuracy;
        assert!((a[0].mean - exact).abs() < 0.01, "{} vs {exact}", a[0].mean);
        assert!(a[0].ci95.contains(a[0].mean) && a[0].sd > 0.0);
        assert!(a[1].mean > a[0].mean && a[1].chance == 0.3);
        // N = all candidates: every draw is the whole set, so it equals top-k accuracy
        let all = n_way(s.view(), &targets, 200, &[1], 3, 0).unwrap();
        let top1 = super::super::topk_accuracy(s.view(), &targets, 1).unwrap().accuracy;
        assert!((all[0].mean - top1).abs() < 1e-12 && all[0].sd < 1e-12);
    }

    #[test]
    fn n_way_ties_count_half_and_errors() {
        let flat = Array2::<f32>::zeros((30, 30));
        let targets: Vec<usize> = (0..30).collect();
        let r = n_way(flat.view(), &targets, 2, &[1], 4, 0).unwrap();
        assert_eq!(r[0].mean, 0.5);
        let err = n_way(flat.view(), &targets, 300, &[1], 30, 0).unwrap_err().to_string();
        assert_eq!(
            err,
            "n_way: expected N between 2 and the number of candidates (30), found 300"
        );
        assert!(n_way(flat.view(), &targets, 5, &[6], 1, 0).is_err());
        assert!(n_way(flat.view(), &targets, 5, &[1], 0, 0).is_err());
    }

    #[test]
    fn report_records_settings_and_is_seeded() {
        let s = noisy(120, 0.2);
        let cfg = EvalConfig {
            n_way: vec![2, 50],
            repeats: 10,
            identification: vec![2, 50],
            seed: 9,
            ..Default::default()
        };
        let r = retrieval_scores(s.clone(), &cfg).unwrap();
        assert_eq!(r, retrieval_scores(s.clone(), &cfg).unwrap());
        assert_eq!(r.n_way.len(), 3); // 2-way top-1, 50-way top-1 and top-5
        assert_eq!(r.identification.len(), 2);
        // 2-way by draws approximates the exact 2-way identification
        assert!((r.n_way[0].mean - r.identification[0].accuracy).abs() < 0.02);
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["settings"]["n_way"], serde_json::json!([2, 50]));
        assert_eq!(json["settings"]["seed"], 9);
        assert_eq!(json["n_way"][1]["n"], 50);
        let too_big = EvalConfig {
            n_way: vec![300],
            ..Default::default()
        };
        assert!(retrieval_scores(s, &too_big).is_err());
    }
}
