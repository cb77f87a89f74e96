//! Ridge regression from fMRI to embeddings: the classic decoding baseline, in closed form, with
//! the penalty chosen by k-fold cross-validation on the training set.
//!
//! With far more voxels than samples (GOD: ~4,500 vs 1,200) the dual form is used: for centred
//! `X` (n × p) and `Y` (n × D), `W = Xᵀ (X Xᵀ + λI)⁻¹ Y`. One eigendecomposition `X Xᵀ = U S Uᵀ`
//! per fold gives the solution for every λ of the grid at the cost of a matrix product.

use faer::{Mat, Side};
use ndarray::{Array1, Array2, ArrayView2, Axis};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::ModelError;

/// Options of [`RidgeModel::fit`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RidgeConfig {
    /// Candidate penalties, as multiples of the mean eigenvalue of `X Xᵀ` (scale-free);
    /// default 10^-3 … 10^3 in half-decades.
    pub alphas: Vec<f64>,
    /// Number of cross-validation folds.
    pub folds: usize,
    /// Seed of the fold assignment.
    pub seed: u64,
}

impl Default for RidgeConfig {
    fn default() -> Self {
        Self {
            alphas: (-6..=6).map(|e| 10f64.powf(f64::from(e) / 2.0)).collect(),
            folds: 5,
            seed: 0,
        }
    }
}

impl RidgeConfig {
    /// Check the options.
    pub fn validate(&self) -> Result<(), ModelError> {
        if self.alphas.is_empty() || self.alphas.iter().any(|a| !(a.is_finite() && *a > 0.0)) {
            return Err(ModelError::InvalidOption {
                option: "alphas",
                expected: "a non-empty list of positive numbers",
                found: format!("{:?}", self.alphas),
            });
        }
        if self.folds < 2 {
            return Err(ModelError::InvalidOption {
                option: "folds",
                expected: "at least 2",
                found: self.folds.to_string(),
            });
        }
        Ok(())
    }
}

/// A fitted ridge map `ŷ = x W + b`.
#[derive(Clone, Debug)]
pub struct RidgeModel {
    weights: Array2<f32>,
    intercept: Array1<f32>,
    /// The chosen penalty (absolute, in units of `X Xᵀ`).
    pub lambda: f64,
    /// The chosen penalty relative to the mean eigenvalue of `X Xᵀ`.
    pub alpha: f64,
    /// Mean cross-validated squared error per candidate alpha, in the order of the config.
    pub cv_error: Vec<(f64, f64)>,
}

impl RidgeModel {
    /// Fit `targets` (n × D) from `fmri` (n × p), choosing the penalty by cross-validation.
    ///
    /// ```
    /// use brainclip::model::{RidgeConfig, RidgeModel};
    /// use ndarray::Array2;
    /// let x = Array2::from_shape_fn((40, 6), |(i, j)| ((i * 7 + j * 3) % 11) as f32);
    /// let w = Array2::from_shape_fn((6, 2), |(i, j)| (i as f32 - j as f32) / 4.0);
    /// let y = x.dot(&w);
    /// let model = RidgeModel::fit(x.view(), y.view(), &RidgeConfig::default()).unwrap();
    /// let err = (&model.predict(x.view()).unwrap() - &y).mapv(f32::abs).mean().unwrap();
    /// assert!(err < 0.1);
    /// ```
    pub fn fit(fmri: ArrayView2<f32>, targets: ArrayView2<f32>, config: &RidgeConfig) -> Result<Self, ModelError> {
        config.validate()?;
        let n = fmri.nrows();
        if targets.nrows() != n {
            return Err(ModelError::DimensionMismatch {
                what: "number of target rows",
                expected: n,
                found: targets.nrows(),
            });
        }
        if n < 2 * config.folds {
            return Err(ModelError::TooFewSamples(format!(
                "ridge with {} folds needs at least {} samples, got {n}",
                config.folds,
                2 * config.folds
            )));
        }
        let x = fmri.mapv(f64::from);
        let y = targets.mapv(f64::from);
        // One Gram matrix of the raw data serves every fold: a fold's centred Gram matrices follow
        // from it by double centring, so no fold touches the (wide) voxel matrix again.
        let gram = x.dot(&x.t());

        // Cross-validation over the alpha grid.
        let mut order: Vec<usize> = (0..n).collect();
        order.shuffle(&mut ChaCha8Rng::seed_from_u64(config.seed));
        let mut errors = vec![0.0; config.alphas.len()];
        for fold in 0..config.folds {
            let mut in_test = vec![false; n];
            for &i in order.iter().skip(fold).step_by(config.folds) {
                in_test[i] = true;
            }
            let test: Vec<usize> = (0..n).filter(|&i| in_test[i]).collect();
            let train: Vec<usize> = (0..n).filter(|&i| !in_test[i]).collect();
            let (ytr, yte) = (y.select(Axis(0), &train), y.select(Axis(0), &test));
            let k_tt = gram.select(Axis(0), &train).select(Axis(1), &train);
            let k_st = gram.select(Axis(0), &test).select(Axis(1), &train);
            let (k_tt_c, k_st_c) = centre_gram(&k_tt, &k_st);
            let fit = DualFit::from_gram(k_tt_c, &ytr)?;
            let kte_u = k_st_c.dot(&fit.u);
            for (slot, &alpha) in errors.iter_mut().zip(&config.alphas) {
                let pred = kte_u.dot(&fit.coefficients(alpha * fit.mean_eigenvalue)) + &fit.y_mean;
                *slot += (&pred - &yte).mapv(|e| e * e).sum() / (yte.len() as f64);
            }
        }
        let cv_error: Vec<(f64, f64)> = config
            .alphas
            .iter()
            .zip(&errors)
            .map(|(&a, &e)| (a, e / config.folds as f64))
            .collect();
        let (alpha, _) = cv_error
            .iter()
            .copied()
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .ok_or_else(|| ModelError::Numerical("empty alpha grid".into()))?;

        // Refit on all samples with the chosen penalty.
        let x_mean = x
            .mean_axis(Axis(0))
            .ok_or_else(|| ModelError::TooFewSamples("no samples".into()))?;
        let (gram_c, _) = centre_gram(&gram, &gram);
        let fit = DualFit::from_gram(gram_c, &y)?;
        let lambda = alpha * fit.mean_eigenvalue;
        let dual = fit.u.dot(&fit.coefficients(lambda));
        let weights = (&x - &x_mean).t().dot(&dual);
        let intercept = &fit.y_mean - &x_mean.dot(&weights);
        Ok(Self {
            weights: weights.mapv(|v| v as f32),
            intercept: intercept.mapv(|v| v as f32),
            lambda,
            alpha,
            cv_error,
        })
    }

    /// Predict embeddings for `fmri` (n × p).
    pub fn predict(&self, fmri: ArrayView2<f32>) -> Result<Array2<f32>, ModelError> {
        if fmri.ncols() != self.weights.nrows() {
            return Err(ModelError::DimensionMismatch {
                what: "number of voxels",
                expected: self.weights.nrows(),
                found: fmri.ncols(),
            });
        }
        Ok(fmri.dot(&self.weights) + &self.intercept)
    }

    /// The weight matrix W (voxels × D).
    pub fn weights(&self) -> &Array2<f32> {
        &self.weights
    }

    /// Number of voxels the model expects.
    pub fn input_dim(&self) -> usize {
        self.weights.nrows()
    }
}

/// Centre Gram matrices around the training rows' mean: `k_tt` is train × train, `k_st` any
/// rows × train (both uncentred); returns `(Xt−μ)(Xt−μ)ᵀ` and `(Xs−μ)(Xt−μ)ᵀ` with μ the mean
/// training row.
fn centre_gram(k_tt: &Array2<f64>, k_st: &Array2<f64>) -> (Array2<f64>, Array2<f64>) {
    let col_mean = k_tt.mean_axis(Axis(0)).unwrap_or_else(|| Array1::zeros(k_tt.ncols()));
    let grand = col_mean.mean().unwrap_or(0.0);
    let centre = |k: &Array2<f64>| {
        let row_mean = k.mean_axis(Axis(1)).unwrap_or_else(|| Array1::zeros(k.nrows()));
        let mut c = k - &col_mean;
        c -= &row_mean.insert_axis(Axis(1));
        c + grand
    };
    (centre(k_tt), centre(k_st))
}

/// The eigendecomposition of a centred Gram matrix, and the centred targets projected on it.
struct DualFit {
    y_mean: Array1<f64>,
    u: Array2<f64>,
    eigenvalues: Array1<f64>,
    /// `Uᵀ Yc`.
    uty: Array2<f64>,
    mean_eigenvalue: f64,
}

impl DualFit {
    fn from_gram(gram: Array2<f64>, y: &Array2<f64>) -> Result<Self, ModelError> {
        let y_mean = y
            .mean_axis(Axis(0))
            .ok_or_else(|| ModelError::TooFewSamples("no samples".into()))?;
        let yc = y - &y_mean;
        let n = gram.nrows();
        let mat = Mat::<f64>::from_fn(n, n, |i, j| gram[[i, j]]);
        let eig = mat
            .self_adjoint_eigen(Side::Lower)
            .map_err(|e| ModelError::Numerical(format!("eigendecomposition failed: {e:?}")))?;
        let u = Array2::from_shape_fn((n, n), |(i, j)| eig.U()[(i, j)]);
        let eigenvalues = Array1::from_shape_fn(n, |i| eig.S()[i].max(0.0));
        let mean_eigenvalue = (eigenvalues.sum() / n as f64).max(f64::MIN_POSITIVE);
        let uty = u.t().dot(&yc);
        Ok(Self {
            y_mean,
            u,
            eigenvalues,
            uty,
            mean_eigenvalue,
        })
    }

    /// `diag(1/(s+λ)) Uᵀ Y`: multiply by `U` for the dual coefficients.
    fn coefficients(&self, lambda: f64) -> Array2<f64> {
        let scale = self.eigenvalues.mapv(|s| 1.0 / (s + lambda));
        &self.uty * &scale.insert_axis(Axis(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_distr::{Distribution, StandardNormal};

    fn noisy_problem(n: usize, p: usize, d: usize, noise: f32) -> (Array2<f32>, Array2<f32>, Array2<f32>) {
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let mut draw = |r, c| Array2::from_shape_fn((r, c), |_| StandardNormal.sample(&mut rng));
        let x: Array2<f32> = draw(n, p);
        let w: Array2<f32> = draw(p, d);
        let e: Array2<f32> = draw(n, d);
        let y = x.dot(&w) + e * noise;
        (x, y, w)
    }

    #[test]
    fn matches_the_primal_solution() {
        // For a fixed lambda the dual solution equals (XᵀX + λI)⁻¹ XᵀY; check through the
        // normal equations: XᵀX W + λW = XᵀY on centred data.
        let (x, y, _) = noisy_problem(30, 8, 3, 0.5);
        let cfg = RidgeConfig {
            alphas: vec![0.5],
            folds: 3,
            seed: 0,
        };
        let model = RidgeModel::fit(x.view(), y.view(), &cfg).unwrap();
        let xc = &x - &x.mean_axis(Axis(0)).unwrap();
        let yc = &y - &y.mean_axis(Axis(0)).unwrap();
        let w = model.weights();
        let lhs = xc.t().dot(&xc).dot(w) + w * model.lambda as f32;
        let rhs = xc.t().dot(&yc);
        let err = (&lhs - &rhs).mapv(f32::abs).fold(0.0f32, |a, &b| a.max(b));
        assert!(
            err < 1e-2 * rhs.mapv(f32::abs).fold(0.0f32, |a, &b| a.max(b)),
            "max error {err}"
        );
    }

    #[test]
    fn cross_validation_prefers_strong_penalty_for_pure_noise() {
        let (x, _, _) = noisy_problem(300, 40, 2, 0.0);
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let y = Array2::from_shape_fn((300, 8), |_| StandardNormal.sample(&mut rng));
        let model = RidgeModel::fit(x.view(), y.view(), &RidgeConfig::default()).unwrap();
        assert_eq!(model.alpha, 1000.0, "{:?}", model.cv_error);
    }

    #[test]
    fn cross_validation_prefers_weak_penalty_for_clean_signal() {
        let (x, y, _) = noisy_problem(80, 10, 2, 0.01);
        let model = RidgeModel::fit(x.view(), y.view(), &RidgeConfig::default()).unwrap();
        assert_eq!(model.alpha, 0.001, "{:?}", model.cv_error);
    }

    #[test]
    fn bad_input_is_an_error() {
        let x = Array2::<f32>::zeros((4, 3));
        let y = Array2::<f32>::zeros((4, 2));
        assert!(matches!(
            RidgeModel::fit(x.view(), y.view(), &RidgeConfig::default()),
            Err(ModelError::TooFewSamples(_))
        ));
        let y5 = Array2::<f32>::zeros((5, 2));
        assert!(RidgeModel::fit(x.view(), y5.view(), &RidgeConfig::default()).is_err());
        let cfg = RidgeConfig {
            alphas: vec![-1.0],
            ..Default::default()
        };
        assert!(RidgeModel::fit(x.view(), y.view(), &cfg).is_err());
    }
}
