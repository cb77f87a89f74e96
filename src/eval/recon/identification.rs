//! Two-way identification of reconstructions by the correlation of their features (AlexNet,
//! Inception, CLIP, …), as MindEye2's `two_way_identification` and Brain-Diffuser's
//! `pairwise_corr_all`; seeded N-way draws over the same correlations.

use ndarray::{Array2, ArrayView2, Axis};
use serde::Serialize;

use super::pixcorr::{block_sum, is_constant};
use crate::eval::similarity::matmul_nt;
use crate::eval::{EvalError, NWay, binomial_p_value, n_way};

/// Two-way identification: generated image `i` is identified against real image `j` when its
/// features correlate less with real image `j` than with its own real image, `r[j, i] < r[i, i]`
/// with `r = np.corrcoef(real, generated)[:N, N:]` (strictly less: a tie is a failure). The
/// accuracy is the mean over `i` of the fraction of the `N − 1` other real images it beats.
///
/// A feature row with zero variance has no defined correlation (numpy gives NaN, and a
/// comparison with NaN is false): every comparison involving it counts as a failure, as in
/// MindEye2; such rows are counted in `constant_rows`.
///
/// The p-value is the one-sided binomial `P(X ≥ Σ successes)` over the `N (N − 1)` comparisons
/// at chance ½ — optimistic, as the comparisons are not independent (Brain-Diffuser reports
/// `1 − binom.cdf(Σ successes, N (N − 1), ½)`, i.e. `P(X > Σ successes)`).
///
/// ```
/// use brainclip::eval::recon::two_way_identification;
/// use ndarray::array;
///
/// let real = array![[1.0f32, 0.0, 0.0, 2.0], [0.0, 1.0, 0.0, 1.0], [0.0, 0.0, 1.0, 3.0]];
/// let id = two_way_identification(real.view(), real.view())?;
/// assert_eq!((id.accuracy, id.successes.clone(), id.comparisons), (1.0, vec![2, 2, 2], 2));
/// # Ok::<(), brainclip::eval::EvalError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TwoWay {
    /// Mean fraction of other real images beaten, `mean(successes) / (N − 1)`.
    pub accuracy: f64,
    /// `1 / 2`.
    pub chance: f64,
    /// For each generated image `i`, the number of real images `j` with `r[j, i] < r[i, i]`.
    pub successes: Vec<usize>,
    /// Comparisons per generated image, `N − 1`.
    pub comparisons: usize,
    /// Binomial `P(X ≥ Σ successes | N (N − 1), ½)`.
    pub p_value: f64,
    /// Real or generated feature rows with zero variance (their comparisons fail).
    pub constant_rows: usize,
}

/// Two-way identification of `generated[i]` among the real images by feature correlation; see
/// [`TwoWay`]. Rows are images, in the same order in both matrices. Computed in f64.
///
/// Errors: fewer than 2 pairs, different numbers of rows or columns, no columns, non-finite
/// values.
///
/// ```
/// use brainclip::eval::recon::two_way_identification;
/// use ndarray::array;
///
/// let real = array![[1.0f32, 2.0, 3.0], [3.0, 1.0, 2.0], [2.0, 3.0, 1.0]];
/// let generated = array![[1.0f32, 2.0, 3.5], [3.0, 2.0, 1.0], [1.0, 2.0, 3.0]];
/// let id = two_way_identification(real.view(), generated.view())?;
/// // generated 1 ties with real 2 (a failure); generated 2 has real 0's pattern and beats neither
/// assert_eq!(id.successes, [2, 1, 0]);
/// assert_eq!(id.accuracy, 0.5);
/// # Ok::<(), brainclip::eval::EvalError>(())
/// ```
pub fn two_way_identification(real: ArrayView2<f32>, generated: ArrayView2<f32>) -> Result<TwoWay, EvalError> {
    Ok(FeatureCorrelations::new(real, generated)?.two_way())
}

/// `np.corrcoef(real, generated)[:N, N:]` in f64, with the rows of zero variance marked.
pub(crate) struct FeatureCorrelations {
    /// `r[[j, i]]`: correlation of real row `j` with generated row `i`; 0 where undefined.
    r: Array2<f64>,
    constant_real: Vec<bool>,
    constant_generated: Vec<bool>,
}

impl FeatureCorrelations {
    pub(crate) fn new(real: ArrayView2<f32>, generated: ArrayView2<f32>) -> Result<Self, EvalError> {
        check_features(real, generated)?;
        if real.nrows() < 2 {
            return Err(EvalError::InvalidSetting {
                name: "two-way identification",
                expected: "at least 2 pairs".into(),
                found: real.nrows().to_string(),
            });
        }
        let (real, constant_real) = standardise(real);
        let (generated, constant_generated) = standardise(generated);
        let mut r = matmul_nt(real.view(), generated.view());
        r.mapv_inplace(|v| v.clamp(-1.0, 1.0));
        Ok(Self {
            r,
            constant_real,
            constant_generated,
        })
    }

    pub(crate) fn two_way(&self) -> TwoWay {
        let n = self.r.nrows();
        let successes: Vec<usize> = (0..n)
            .map(|i| {
                if self.constant_real[i] || self.constant_generated[i] {
                    return 0;
                }
                let own = self.r[[i, i]];
                self.r
                    .column(i)
                    .iter()
                    .zip(&self.constant_real)
                    .filter(|&(&v, &constant)| !constant && v < own)
                    .count()
            })
            .collect();
        let total: usize = successes.iter().sum();
        let comparisons = n - 1;
        TwoWay {
            // MindEye2's order: np.mean(success_cnt) / (N − 1)
            accuracy: total as f64 / n as f64 / comparisons as f64,
            chance: 0.5,
            p_value: binomial_p_value(total, n * comparisons, 0.5),
            successes,
            comparisons,
            constant_rows: self
                .constant_real
                .iter()
                .chain(&self.constant_generated)
                .filter(|&&c| c)
                .count(),
        }
    }

    /// The N-way protocol ([`crate::eval::n_way`], top-1) of each `ns` on the correlations:
    /// generated image `i` is the query, the real images the candidates (undefined
    /// correlations score 0).
    pub(crate) fn n_way(&self, ns: &[usize], repeats: usize, seed: u64) -> Result<Vec<NWay>, EvalError> {
        let scores = self.r.t().mapv(|v| v as f32);
        let targets: Vec<usize> = (0..scores.nrows()).collect();
        let mut out = Vec::with_capacity(ns.len());
        for &n in ns {
            out.extend(n_way(scores.view(), &targets, n, &[1], repeats, seed)?);
        }
        Ok(out)
    }
}

/// Checks two feature matrices of the same images: equal shapes, at least one row and one
/// column, finite values.
pub(crate) fn check_features(real: ArrayView2<f32>, generated: ArrayView2<f32>) -> Result<(), EvalError> {
    if real.nrows() == 0 {
        return Err(EvalError::Empty("the feature matrix"));
    }
    if generated.nrows() != real.nrows() {
        return Err(EvalError::ShapeMismatch {
            what: "number of generated-image feature rows (one per real image)",
            expected: real.nrows(),
            found: generated.nrows(),
        });
    }
    if real.ncols() == 0 {
        return Err(EvalError::Empty("the feature vector"));
    }
    if generated.ncols() != real.ncols() {
        return Err(EvalError::ShapeMismatch {
            what: "feature width of the generated images",
            expected: real.ncols(),
            found: generated.ncols(),
        });
    }
    if real.iter().any(|v| !v.is_finite()) {
        return Err(EvalError::NonFinite("the real-image features"));
    }
    if generated.iter().any(|v| !v.is_finite()) {
        return Err(EvalError::NonFinite("the generated-image features"));
    }
    Ok(())
}

/// Rows centred and scaled to unit norm in f64 (constant rows set to 0 and marked).
fn standardise(m: ArrayView2<f32>) -> (Array2<f64>, Vec<bool>) {
    let mut out = m.mapv(f64::from);
    let mut constant = Vec::with_capacity(out.nrows());
    for mut row in out.axis_iter_mut(Axis(0)) {
        let values = row.to_vec();
        if is_constant(&values) {
            row.fill(0.0);
            constant.push(true);
            continue;
        }
        let mean = block_sum(&values) / values.len() as f64;
        row.mapv_inplace(|v| v - mean);
        let norm = row.dot(&row).sqrt();
        row.mapv_inplace(|v| v / norm);
        constant.push(false);
    }
    (out, constant)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    fn features(n: usize, d: usize, seed: usize) -> Array2<f32> {
        Array2::from_shape_fn((n, d), |(i, j)| {
            ((i * 7919 + j * 104_729 + seed * 31) % 1000) as f32 / 1000.0
        })
    }

    #[test]
    fn identical_features_identify_everything() {
        let f = features(12, 20, 1);
        let id = two_way_identification(f.view(), f.view()).unwrap();
        assert_eq!(id.accuracy, 1.0);
        assert_eq!(id.successes, vec![11; 12]);
        assert!((id.p_value - 0.5f64.powi(132)).abs() < 1e-45);
    }

    #[test]
    fn hand_computed_comparisons() {
        // real rows: three directions; generated 1 is closest to real 2, generated 2 to real 1
        let real = array![[1.0f32, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];
        let generated = array![[1.0f32, 0.1, 0.0], [0.0, 0.2, 1.0], [0.0, 1.0, 0.3]];
        let c = FeatureCorrelations::new(real.view(), generated.view()).unwrap();
        // r[j, i] = corr(real j, generated i)
        let pearson = |a: &[f64], b: &[f64]| super::super::pixcorr::pearson(a, b).unwrap();
        let row = |m: &Array2<f32>, i: usize| m.row(i).iter().map(|&v| f64::from(v)).collect::<Vec<_>>();
        for j in 0..3 {
            for i in 0..3 {
                let want = pearson(&row(&real, j), &row(&generated, i));
                assert!((c.r[[j, i]] - want).abs() < 1e-14);
            }
        }
        let id = c.two_way();
        assert_eq!(id.successes, [2, 1, 1]);
        assert_eq!(id.accuracy, 4.0 / 6.0);
    }

    #[test]
    fn ties_fail_and_constant_rows_never_succeed() {
        // generated 0 equals generated 1, and real 0 equals real 1: r[1, 0] = r[0, 0] is a tie
        let real = array![[1.0f32, 2.0, 3.0], [1.0, 2.0, 3.0], [3.0, 2.0, 1.0]];
        let generated = array![[1.0f32, 2.0, 3.0], [1.0, 2.0, 3.0], [3.0, 1.0, 2.0]];
        let id = two_way_identification(real.view(), generated.view()).unwrap();
        assert_eq!(id.successes, [1, 1, 2]);
        // a constant generated row scores 0; a constant real row is never beaten
        let real = array![[1.0f32, 2.0, 3.0], [5.0, 5.0, 5.0], [3.0, 2.0, 1.0]];
        let generated = array![[1.0f32, 2.0, 3.0], [1.0, 3.0, 2.0], [0.5, 0.5, 0.5]];
        let id = two_way_identification(real.view(), generated.view()).unwrap();
        assert_eq!(id.successes, [1, 0, 0]);
        assert_eq!(id.constant_rows, 2);
    }

    #[test]
    fn n_way_draws_are_seeded() {
        let real = features(30, 16, 2);
        let generated = &real + &features(30, 16, 3).mapv(|v| v * 0.5);
        let c = FeatureCorrelations::new(real.view(), generated.view()).unwrap();
        let a = c.n_way(&[2, 10], 20, 4).unwrap();
        assert_eq!(a, c.n_way(&[2, 10], 20, 4).unwrap());
        assert_eq!((a[0].n, a[1].n, a[1].k), (2, 10, 1));
        // the 2-way draws approximate the exact 2-way accuracy
        assert!((a[0].mean - c.two_way().accuracy).abs() < 0.05);
        assert!(c.n_way(&[31], 20, 4).is_err());
    }

    #[test]
    fn bad_matrices() {
        let f = features(3, 4, 0);
        let short = features(2, 4, 0);
        let thin = features(3, 2, 0);
        assert!(matches!(
            two_way_identification(f.view(), short.view()),
            Err(EvalError::ShapeMismatch { .. })
        ));
        assert!(matches!(
            two_way_identification(f.view(), thin.view()),
            Err(EvalError::ShapeMismatch { .. })
        ));
        let one = features(1, 4, 0);
        assert_eq!(
            two_way_identification(one.view(), one.view()).unwrap_err().to_string(),
            "two-way identification: expected at least 2 pairs, found 1"
        );
        let none = Array2::<f32>::zeros((0, 4));
        assert!(two_way_identification(none.view(), none.view()).is_err());
        let mut nan = f.clone();
        nan[[1, 1]] = f32::NAN;
        assert_eq!(
            two_way_identification(f.view(), nan.view()).unwrap_err(),
            EvalError::NonFinite("the generated-image features")
        );
    }
}
