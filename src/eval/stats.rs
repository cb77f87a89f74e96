//! Significance and uncertainty of accuracies: exact binomial tail, seeded bootstrap confidence
//! intervals and seeded permutation nulls.

use ndarray::{Array2, ArrayView2};
use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::EvalError;

/// A two-sided interval, e.g. a 95 % confidence interval.
///
/// ```
/// use brainclip::eval::Interval;
///
/// let ci = Interval { low: 0.1, high: 0.3 };
/// assert!(ci.contains(0.2));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    /// Lower end.
    pub low: f64,
    /// Upper end.
    pub high: f64,
}

impl Interval {
    /// Whether `v` lies in `low..=high`.
    pub fn contains(&self, v: f64) -> bool {
        (self.low..=self.high).contains(&v)
    }
}

/// The distribution of an accuracy when the pairing of samples and targets is shuffled.
///
/// ```
/// use brainclip::eval::permutation_test;
/// use ndarray::Array2;
///
/// let scores = Array2::from_shape_fn((40, 4), |(i, c)| if i % 4 == c { 1.0f32 } else { 0.0 });
/// let labels: Vec<usize> = (0..40).map(|i| i % 4).collect();
/// let null = permutation_test(scores.view(), &labels, 1, 200, 7)?;
/// assert!((null.mean - 0.25).abs() < 0.05);
/// assert!(null.p_value < 0.01);
/// # Ok::<(), brainclip::eval::EvalError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct PermutationNull {
    /// Number of label permutations.
    pub permutations: usize,
    /// Mean accuracy under the null.
    pub mean: f64,
    /// Standard deviation of the null accuracies.
    pub sd: f64,
    /// `(1 + #{null ≥ observed}) / (1 + permutations)`.
    pub p_value: f64,
}

/// Significance and uncertainty of one top-k accuracy.
///
/// ```
/// use brainclip::eval::zero_shot;
/// use ndarray::Array2;
///
/// let classes = Array2::<f32>::eye(5);
/// let labels: Vec<usize> = (0..20).map(|i| i % 5).collect();
/// let pred = Array2::from_shape_fn((20, 5), |(i, c)| if labels[i] == c { 1.0 } else { 0.1 });
/// let r = zero_shot(pred.view(), classes.view(), &labels, &[1])?;
/// let s = &r.significance[0];
/// assert_eq!((s.k, s.n, s.hits), (1, 20, 20.0));
/// assert!(s.p_value < 1e-10);
/// assert_eq!(s.ci95.map(|c| c.low), Some(1.0));
/// # Ok::<(), brainclip::eval::EvalError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Significance {
    /// k of the top-k accuracy.
    pub k: usize,
    /// Number of trials (samples).
    pub n: usize,
    /// Expected number of hits (fair ties make it fractional).
    pub hits: f64,
    /// One-sided exact binomial p-value, `P(X ≥ round(hits) | n, chance)`.
    pub p_value: f64,
    /// Bootstrap percentile 95 % interval of the accuracy (none when no resamples were asked).
    pub ci95: Option<Interval>,
    /// Permutation null (zero-shot decoding only; none when no permutations were asked).
    pub null: Option<PermutationNull>,
}

/// Independent random streams derived from one seed, so that e.g. asking for more bootstrap
/// resamples does not change the permutation null.
#[derive(Clone, Copy)]
pub(crate) enum Stream {
    Bootstrap,
    Permutation,
    /// The draws of an N-way protocol with this N.
    NWay(usize),
}

/// A ChaCha8 generator seeded with `seed` on the given stream.
pub(crate) fn seeded(seed: u64, stream: Stream) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(match stream {
        Stream::Bootstrap => 0,
        Stream::Permutation => 1,
        Stream::NWay(n) => 2 + n as u64,
    });
    rng
}

/// One-sided exact binomial p-value `P(X ≥ hits)` for `X ~ Binomial(n, chance)`, summed in log
/// space (stable for n up to millions). `hits` above `n` gives 0; `hits = 0` gives 1.
///
/// Accuracies computed with fair tie handling have fractional expected hits; callers round
/// them to the nearest integer before testing.
///
/// ```
/// use brainclip::eval::binomial_p_value;
///
/// assert!((binomial_p_value(3, 3, 0.5) - 0.125).abs() < 1e-12);
/// assert!((binomial_p_value(5, 10, 0.5) - 0.623046875).abs() < 1e-12);
/// assert_eq!(binomial_p_value(0, 10, 0.1), 1.0);
/// ```
pub fn binomial_p_value(hits: usize, n: usize, chance: f64) -> f64 {
    if hits == 0 {
        return 1.0;
    }
    if hits > n || chance <= 0.0 || chance.is_nan() {
        return 0.0;
    }
    if chance >= 1.0 {
        return 1.0;
    }
    let (lp, lq) = (chance.ln(), (-chance).ln_1p());
    let log_pmf = |j: usize| ln_choose(n, j) + j as f64 * lp + (n - j) as f64 * lq;
    // The largest term is at the mode or, above it, at the first term of the tail.
    let mode = ((n as f64 + 1.0) * chance).floor() as usize;
    let top = log_pmf(hits.max(mode.min(n)));
    let sum: f64 = (hits..=n)
        .map(|j| (log_pmf(j) - top).exp())
        .take_while(|&t| t > 0.0 || hits < mode)
        .sum();
    (top.exp() * sum).clamp(0.0, 1.0)
}

/// Rounds an expected hit count (fractional under fair ties) to the integer the binomial test uses.
pub(crate) fn binomial_for_hits(hits: f64, n: usize, chance: f64) -> f64 {
    binomial_p_value(hits.round().max(0.0) as usize, n, chance)
}

/// `ln Γ(x)` for `x > 0` (Lanczos, g = 7, relative error ~1e-15).
pub(crate) fn ln_gamma(x: f64) -> f64 {
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let a = C[1..]
        .iter()
        .enumerate()
        .fold(C[0], |a, (i, c)| a + c / (x + i as f64 + 1.0));
    let t = x + 7.5;
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// `ln C(n, k)`; `−∞` when `k > n`.
pub(crate) fn ln_choose(n: usize, k: usize) -> f64 {
    if k > n {
        return f64::NEG_INFINITY;
    }
    if k == 0 || k == n {
        return 0.0;
    }
    ln_gamma(n as f64 + 1.0) - ln_gamma(k as f64 + 1.0) - ln_gamma((n - k) as f64 + 1.0)
}

/// Bootstrap percentile 95 % confidence interval of the mean of `per_sample` (e.g. each sample's
/// hit probability): `resamples` resamples of the samples with replacement drawn by a
/// ChaCha8 generator seeded with `seed`, interval = 2.5th and 97.5th percentiles of the
/// resampled means. The same seed gives the same interval.
///
/// ```
/// use brainclip::eval::bootstrap_ci;
///
/// let hits = [1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 1.0];
/// let ci = bootstrap_ci(&hits, 1000, 42)?;
/// assert!(ci.low < 0.625 && 0.625 < ci.high);
/// assert_eq!(ci, bootstrap_ci(&hits, 1000, 42)?);
/// # Ok::<(), brainclip::eval::EvalError>(())
/// ```
pub fn bootstrap_ci(per_sample: &[f64], resamples: usize, seed: u64) -> Result<Interval, EvalError> {
    if per_sample.is_empty() {
        return Err(EvalError::Empty("the evaluation set"));
    }
    if resamples == 0 {
        return Err(EvalError::InvalidSetting {
            name: "bootstrap",
            expected: "at least 1 resample".into(),
            found: "0".into(),
        });
    }
    let column = ArrayView2::from_shape((per_sample.len(), 1), per_sample)
        .map_err(|e| EvalError::Numerical(format!("bootstrap input: {e}")))?;
    Ok(bootstrap_intervals(column, resamples, seed)[0])
}

/// Bootstrap intervals of the column means of `values` (samples × metrics), all columns sharing
/// the same resamples. `values` must have at least one row and `resamples ≥ 1`.
pub(crate) fn bootstrap_intervals(values: ArrayView2<f64>, resamples: usize, seed: u64) -> Vec<Interval> {
    let (n, m) = values.dim();
    let mut rng = seeded(seed, Stream::Bootstrap);
    let mut means = Array2::<f64>::zeros((m, resamples));
    let mut sums = vec![0.0; m];
    for b in 0..resamples {
        sums.iter_mut().for_each(|s| *s = 0.0);
        for _ in 0..n {
            let row = values.row(rng.random_range(0..n));
            sums.iter_mut().zip(row).for_each(|(s, v)| *s += v);
        }
        for (j, s) in sums.iter().enumerate() {
            means[[j, b]] = s / n as f64;
        }
    }
    means
        .rows()
        .into_iter()
        .map(|row| {
            let mut sorted = row.to_vec();
            sorted.sort_by(f64::total_cmp);
            Interval {
                low: percentile(&sorted, 0.025),
                high: percentile(&sorted, 0.975),
            }
        })
        .collect()
}

/// Linear-interpolation percentile (numpy's default) of sorted, non-empty `values`.
pub(crate) fn percentile(sorted: &[f64], q: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * q.clamp(0.0, 1.0);
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// Mean and (population) standard deviation.
pub(crate) fn mean_sd(values: &[f64]) -> (f64, f64) {
    let n = values.len().max(1) as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    (mean, var.sqrt())
}

/// Permutation null of the top-`k` accuracy of `scores` (samples × classes) against `labels`:
/// the labels are shuffled `permutations` times (ChaCha8 seeded with `seed`) and the accuracy
/// recomputed with the same fair tie handling. The p-value is
/// `(1 + #{null ≥ observed}) / (1 + permutations)`.
///
/// ```
/// use brainclip::eval::permutation_test;
/// use ndarray::array;
///
/// let scores = array![[0.9f32, 0.1], [0.2, 0.8], [0.7, 0.3], [0.4, 0.6]];
/// let a = permutation_test(scores.view(), &[0, 1, 0, 1], 1, 100, 5)?;
/// assert_eq!(a, permutation_test(scores.view(), &[0, 1, 0, 1], 1, 100, 5)?); // seeded
/// assert!(a.p_value < 0.5 && a.permutations == 100);
/// # Ok::<(), brainclip::eval::EvalError>(())
/// ```
pub fn permutation_test(
    scores: ArrayView2<f32>,
    labels: &[usize],
    k: usize,
    permutations: usize,
    seed: u64,
) -> Result<PermutationNull, EvalError> {
    let observed = super::topk_accuracy(scores, labels, k)?.accuracy;
    if permutations == 0 {
        return Err(EvalError::InvalidSetting {
            name: "permutations",
            expected: "at least 1".into(),
            found: "0".into(),
        });
    }
    let table = super::topk::hit_table(scores, k);
    Ok(permutation_nulls(&[table], labels, &[observed], permutations, seed)[0])
}

/// Permutation nulls for several hit tables (one per k, each samples × classes) sharing the same
/// label shuffles.
pub(crate) fn permutation_nulls(
    tables: &[Array2<f64>],
    labels: &[usize],
    observed: &[f64],
    permutations: usize,
    seed: u64,
) -> Vec<PermutationNull> {
    let mut rng = seeded(seed, Stream::Permutation);
    let mut shuffled = labels.to_vec();
    let n = labels.len() as f64;
    let mut nulls = vec![Vec::with_capacity(permutations); tables.len()];
    for _ in 0..permutations {
        shuffled.shuffle(&mut rng);
        for (table, null) in tables.iter().zip(&mut nulls) {
            let acc = shuffled.iter().enumerate().map(|(i, &c)| table[[i, c]]).sum::<f64>() / n;
            null.push(acc);
        }
    }
    nulls
        .iter()
        .zip(observed)
        .map(|(null, &obs)| {
            let (mean, sd) = mean_sd(null);
            let exceed = null.iter().filter(|&&v| v >= obs - 1e-12).count();
            PermutationNull {
                permutations,
                mean,
                sd,
                p_value: (1 + exceed) as f64 / (1 + permutations) as f64,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ln_gamma_matches_factorials() {
        let mut fact = 1.0f64;
        for n in 1..30 {
            fact *= n as f64;
            assert!(
                (ln_gamma(n as f64 + 1.0) - fact.ln()).abs() < 1e-10 * fact.ln().max(1.0),
                "{n}"
            );
        }
        assert!((ln_gamma(0.5) - std::f64::consts::PI.sqrt().ln()).abs() < 1e-13);
        assert!((ln_choose(50, 25) - 126_410_606_437_752f64.ln()).abs() < 1e-9);
        assert_eq!(ln_choose(3, 4), f64::NEG_INFINITY);
    }

    #[test]
    fn binomial_tail_by_hand() {
        // P(X ≥ 2 | 4, 0.25) = 1 − 0.75⁴ − 4·0.25·0.75³
        let want = 1.0 - 0.75f64.powi(4) - 4.0 * 0.25 * 0.75f64.powi(3);
        assert!((binomial_p_value(2, 4, 0.25) - want).abs() < 1e-14);
        assert_eq!(binomial_p_value(11, 10, 0.5), 0.0);
        assert_eq!(binomial_p_value(3, 10, 0.0), 0.0);
        assert_eq!(binomial_p_value(3, 10, 1.0), 1.0);
        // a large n: 600 hits of 1000 at chance 0.5 is z ≈ 6.3, p ≈ 1.4e-10
        let p = binomial_p_value(600, 1000, 0.5);
        assert!((1e-10..2e-10).contains(&p), "{p}");
        // the tail below the mode sums to almost 1
        assert!((binomial_p_value(1, 1000, 0.5) - 1.0).abs() < 1e-12);
        assert_eq!(binomial_for_hits(2.4, 4, 0.25), binomial_p_value(2, 4, 0.25));
    }

    #[test]
    fn bootstrap_is_seeded_and_sensible() {
        let hits: Vec<f64> = (0..200).map(|i| if i % 4 == 0 { 1.0 } else { 0.0 }).collect();
        let a = bootstrap_ci(&hits, 1000, 1).unwrap();
        assert_eq!(a, bootstrap_ci(&hits, 1000, 1).unwrap());
        assert_ne!(a, bootstrap_ci(&hits, 1000, 2).unwrap());
        // normal approximation: 0.25 ± 1.96·sqrt(0.25·0.75/200) = 0.25 ± 0.06
        assert!((a.low - 0.19).abs() < 0.02 && (a.high - 0.31).abs() < 0.02, "{a:?}");
        assert_eq!(bootstrap_ci(&[], 10, 1), Err(EvalError::Empty("the evaluation set")));
        assert!(bootstrap_ci(&hits, 0, 1).is_err());
        let constant = bootstrap_ci(&[0.5; 7], 50, 3).unwrap();
        assert_eq!((constant.low, constant.high), (0.5, 0.5));
    }

    #[test]
    fn percentiles_interpolate() {
        let v = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(percentile(&v, 0.5), 3.0);
        assert!((percentile(&v, 0.025) - 1.1).abs() < 1e-12);
        assert_eq!(percentile(&v, 1.0), 5.0);
        assert_eq!(mean_sd(&[1.0, 3.0]), (2.0, 1.0));
    }
}

/// A mean with its bootstrap 95 % interval and the number of values.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct MeanCi {
    /// The mean.
    pub mean: f64,
    /// Lower end of the 95 % interval.
    pub low: f64,
    /// Upper end of the 95 % interval.
    pub high: f64,
    /// Values averaged.
    pub n: usize,
}

/// The mean of `values` with a seeded bootstrap percentile 95 % interval (e.g. of per-sample
/// hit probabilities pooled over seeds).
///
/// ```
/// let ci = brainclip::eval::stats::mean_ci(&[0.0, 1.0, 1.0, 1.0], 500, 3)?;
/// assert_eq!((ci.mean, ci.n), (0.75, 4));
/// assert!(ci.low <= ci.mean && ci.mean <= ci.high);
/// # Ok::<(), brainclip::eval::EvalError>(())
/// ```
pub fn mean_ci(values: &[f64], resamples: usize, seed: u64) -> Result<MeanCi, EvalError> {
    let interval = bootstrap_ci(values, resamples, seed)?;
    Ok(MeanCi {
        mean: values.iter().sum::<f64>() / values.len() as f64,
        low: interval.low,
        high: interval.high,
        n: values.len(),
    })
}
