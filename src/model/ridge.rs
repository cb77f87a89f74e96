//! Ridge regression from fMRI to embeddings: the classic decoding baseline, in closed form, with
//! the penalty chosen by k-fold cross-validation on the training set, either one penalty for all
//! targets or one per target.
//!
//! For centred `X` (n × p) and `Y` (n × D) the solution has two closed forms, and the fit takes
//! the cheaper one by shape:
//!
//! - dual, when n ≤ p (GOD: ~1,200 samples, ~4,500 voxels): `W = Xᵀ (X Xᵀ + λI)⁻¹ Y`, from the
//!   eigendecomposition of the n × n Gram matrix `X Xᵀ = U S Uᵀ`;
//! - primal, when p < n: `W = (XᵀX + λI)⁻¹ XᵀY = V diag(1/(s+λ)) Vᵀ XᵀY`, from the p × p
//!   covariance `XᵀX = V S Vᵀ`.
//!
//! Either way one eigendecomposition per fold gives the held-out predictions for every λ of the
//! grid, and for every target's own λ, at the cost of matrix products: the fold's held-out rows
//! in the eigenbasis, scaled by `1/(s+λ)` for each candidate, times the targets in the same
//! basis. One Gram matrix (dual) or one `XᵀX` and `XᵀY` (primal) of all samples serves every
//! fold: a fold's matrices follow from them by removing the held-out rows and re-centring.
//!
//! Precision: the big products (Gram or covariance matrix, `XᵀY`, the predictions of every fold
//! for every candidate, the refit) run in f32 on faer's parallel kernels; the eigendecompositions
//! and the small matrices around them run in f64. `X` is centred once around its mean before
//! anything else, so an offset shared by all samples does not swamp the f32 Gram matrix. `Y` is
//! never copied whole: the targets are processed in blocks of columns, gathering only the rows
//! each step needs.

use std::ops::Range;

use faer::{Accum, Mat, MatRef, Side};
use ndarray::{Array1, Array2, ArrayView2, Axis, ShapeBuilder, s};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::ModelError;
use crate::linalg::{as_mat_mut, as_mat_ref, gemm, product};

/// Options of [`RidgeModel::fit`].
///
/// ```
/// use brainclip::model::RidgeConfig;
/// let cfg: RidgeConfig = serde_json::from_str(r#"{"folds": 3, "per_target": true}"#).unwrap();
/// assert!(cfg.per_target && cfg.folds == 3 && cfg.alphas.len() == 13);
/// assert!(!RidgeConfig::default().per_target);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct RidgeConfig {
    /// Candidate relative penalties, each > 0 (default 10^-3 … 10^3 in half-decades).
    ///
    /// Multiples of the mean eigenvalue of the centred Gram matrix `X Xᵀ` of the training
    /// samples (scale-free). That mean is the trace over the number of samples, the mean squared
    /// norm of a centred sample, in both forms (the covariance `XᵀX` has the same non-zero
    /// eigenvalues); each cross-validation fold uses its own training rows' value.
    pub alphas: Vec<f64>,
    /// Cross-validation folds.
    #[schemars(range(min = 2))]
    pub folds: usize,
    /// Seed of the fold assignment.
    pub seed: u64,
    /// Choose a penalty for each embedding dimension by its own cross-validated error.
    ///
    /// Each target takes the candidate with its own lowest error and is refit with it
    /// (himalaya's `local_alpha=True`). Default `false`: one penalty, the candidate with the
    /// lowest error summed over all targets.
    pub per_target: bool,
}

impl Default for RidgeConfig {
    fn default() -> Self {
        Self {
            alphas: (-6..=6).map(|e| 10f64.powf(f64::from(e) / 2.0)).collect(),
            folds: 5,
            seed: 0,
            per_target: false,
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
    /// The chosen penalty, absolute: `alpha` times the mean eigenvalue of the centred Gram
    /// matrix of all training samples. With per-target penalties, that of `alpha` (the median).
    pub lambda: f64,
    /// The chosen penalty relative to the mean eigenvalue of the centred `X Xᵀ`. With per-target
    /// penalties, the lower median of [`alphas_per_target`](Self::alphas_per_target) (so always
    /// one of the candidates).
    pub alpha: f64,
    /// Each target's chosen relative penalty, in target order, when the fit chose one per target
    /// ([`RidgeConfig::per_target`]); `None` when all targets share `alpha`.
    pub alphas_per_target: Option<Vec<f64>>,
    /// Mean cross-validated squared error per candidate alpha, in the order of the config: the
    /// mean over folds of each fold's mean over held-out samples and targets.
    pub cv_error: Vec<(f64, f64)>,
}

/// Which closed form a fit solves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Form {
    /// Through the samples × samples Gram matrix.
    Dual,
    /// Through the features × features covariance.
    Primal,
}

impl Form {
    fn for_shape(samples: usize, features: usize) -> Self {
        if samples <= features { Form::Dual } else { Form::Primal }
    }
}

/// Predictions (f32) one block of targets may hold during cross-validation, all candidates
/// together: 16 MB, whatever the number of targets (blocks of about 500 targets run faster than
/// larger ones on the reference machine).
const BLOCK_ELEMENTS: usize = 1 << 22;

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
    /// assert!(model.alphas_per_target.is_none());
    ///
    /// // One penalty per target: the second target is unrelated to x and gets a far larger one.
    /// let noise = Array2::from_shape_fn((40, 1), |(i, _)| ((i * 37 + 11) % 17) as f32 - 8.0);
    /// let y = ndarray::concatenate![ndarray::Axis(1), y.column(0).insert_axis(ndarray::Axis(1)), noise];
    /// let cfg = RidgeConfig { per_target: true, ..RidgeConfig::default() };
    /// let model = RidgeModel::fit(x.view(), y.view(), &cfg).unwrap();
    /// let alphas = model.alphas_per_target.as_ref().unwrap();
    /// assert!(alphas[0] < 0.01 && alphas[1] >= 100.0 * alphas[0], "{alphas:?}");
    /// assert_eq!(model.alpha, alphas[0], "the lower median");
    /// ```
    pub fn fit(fmri: ArrayView2<f32>, targets: ArrayView2<f32>, config: &RidgeConfig) -> Result<Self, ModelError> {
        let form = Form::for_shape(fmri.nrows(), fmri.ncols());
        Self::fit_in(fmri, targets, config, form, BLOCK_ELEMENTS)
    }

    /// [`fit`](Self::fit) in the given form (both give the same model; the tests compare them),
    /// holding about `block` predictions (or weights) of a block of targets at a time.
    fn fit_in(
        fmri: ArrayView2<f32>,
        targets: ArrayView2<f32>,
        config: &RidgeConfig,
        form: Form,
        block: usize,
    ) -> Result<Self, ModelError> {
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
        let y = targets.as_standard_layout();
        let y = y.view();
        let t = y.ncols();
        let x_mean = column_sums(fmri).mapv(|s| s / n as f64);
        let x_mean32 = x_mean.mapv(|m| m as f32);
        let xc = &fmri - &x_mean32;
        // What is left of the mean after centring in f32 (rounding only, kept for exactness).
        let x_sum = column_sums(xc.view());
        let y_mean = column_sums(y).mapv(|s| s / n as f64);
        let shared = Shared::new(form, &xc, &x_sum, y, &y_mean)?;

        // Cross-validation: squared error per candidate and target, summed over folds.
        let mut order: Vec<usize> = (0..n).collect();
        order.shuffle(&mut ChaCha8Rng::seed_from_u64(config.seed));
        let mut errors = Array2::<f64>::zeros((config.alphas.len(), t));
        for fold in 0..config.folds {
            let mut in_test = vec![false; n];
            for &i in order.iter().skip(fold).step_by(config.folds) {
                in_test[i] = true;
            }
            let test: Vec<usize> = (0..n).filter(|&i| in_test[i]).collect();
            let train: Vec<usize> = (0..n).filter(|&i| !in_test[i]).collect();
            let fold = Fold::new(&shared, &xc, &x_sum, &train, &test, &config.alphas, t)?;
            fold.score(&shared, y, &x_sum, &y_mean, block, &mut errors)?;
        }
        let folds = config.folds as f64;
        let cv_error: Vec<(f64, f64)> = config
            .alphas
            .iter()
            .zip(errors.rows())
            .map(|(&a, e)| (a, e.mean().unwrap_or(0.0) / folds))
            .collect();
        let shared_best =
            first_min(cv_error.iter().map(|c| c.1)).ok_or_else(|| ModelError::Numerical("empty alpha grid".into()))?;
        let (alpha, alphas_per_target) = if config.per_target {
            let chosen: Vec<f64> = errors
                .columns()
                .into_iter()
                .map(|col| config.alphas[first_min(col.iter().copied()).unwrap_or(shared_best)])
                .collect();
            let mut sorted = chosen.clone();
            sorted.sort_by(f64::total_cmp);
            let median = sorted.get(sorted.len().saturating_sub(1) / 2).copied();
            (median.unwrap_or(config.alphas[shared_best]), Some(chosen))
        } else {
            (config.alphas[shared_best], None)
        };

        // Refit on all samples, each target with its penalty.
        let relative: Vec<f64> = alphas_per_target.clone().unwrap_or_else(|| vec![alpha; t]);
        let (weights, mean_eigenvalue) = shared.refit(&xc, &x_sum, y, &y_mean, &relative, block)?;
        // b = ȳ − x̄ W, with x̄ the mean the weights were fit around.
        let centre = &x_mean + &x_sum.mapv(|s| s / n as f64);
        let mut intercept = y_mean.clone();
        let rows = weights.as_slice().ok_or_else(layout_error)?.chunks_exact(t.max(1));
        for (row, &m) in rows.zip(&centre) {
            for (b, &w) in intercept.iter_mut().zip(row) {
                *b -= m * f64::from(w);
            }
        }
        Ok(Self {
            weights,
            intercept: intercept.mapv(|v| v as f32),
            lambda: alpha * mean_eigenvalue,
            alpha,
            alphas_per_target,
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
        Ok(product(fmri, self.weights.view()) + &self.intercept)
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

/// What every fold and the refit share: products of all samples, computed once.
///
/// Layouts follow what faer multiplies fastest: left operands row-major, right operands
/// column-major. On the two-core reference machine that runs the fold's big product
/// (candidates·test × p times p × targets) at about 115 GFLOP/s, against about 80 with every
/// operand row-major.
enum Shared {
    /// `Xc Xcᵀ` (n × n).
    Dual { gram: Array2<f32> },
    /// `XcᵀXc` (p × p) and `Xcᵀ (Y − ȳ)` (p × D, column-major).
    Primal { cov: Array2<f32>, xty: Array2<f32> },
}

impl Shared {
    fn new(
        form: Form,
        xc: &Array2<f32>,
        x_sum: &Array1<f64>,
        y: ArrayView2<f32>,
        y_mean: &Array1<f64>,
    ) -> Result<Self, ModelError> {
        Ok(match form {
            Form::Dual => Shared::Dual {
                gram: product(xc.view(), xc.t()),
            },
            Form::Primal => {
                let xct = xc.t().as_standard_layout().into_owned();
                // Xcᵀ (Y − 1ȳᵀ) = XcᵀY − (Σ xc) ȳᵀ: Y is read in place, never centred whole.
                let mut xty = Array2::<f32>::zeros((xc.ncols(), y.ncols()).f());
                let rhs = as_mat_ref(y).ok_or_else(layout_error)?;
                gemm(mat_mut(&mut xty)?, Accum::Replace, mat_ref(&xct)?, rhs, 1.0);
                let minus_mean: Vec<f32> = y_mean.iter().map(|&m| -m as f32).collect();
                rank_one_update(&mut xty, x_sum, &minus_mean)?;
                Shared::Primal {
                    cov: product(xct.view(), xct.t()),
                    xty,
                }
            }
        })
    }

    /// The weights (p × D) for every target's relative penalty, and the mean eigenvalue of the
    /// centred Gram matrix of all samples that the penalties are relative to.
    fn refit(
        &self,
        xc: &Array2<f32>,
        x_sum: &Array1<f64>,
        y: ArrayView2<f32>,
        y_mean: &Array1<f64>,
        relative: &[f64],
        block: usize,
    ) -> Result<(Array2<f32>, f64), ModelError> {
        let (n, p, t) = (xc.nrows(), xc.ncols(), y.ncols());
        let mut weights = Array2::<f32>::zeros((p, t));
        match self {
            Shared::Dual { gram } => {
                let k = gram.mapv(f64::from);
                let (kc, _) = centre_gram(&k, &k);
                let eig = Eigen::new(&kc, n)?;
                let lambdas: Vec<f64> = relative.iter().map(|a| a * eig.mean).collect();
                let u = eig.vectors.mapv(|v| v as f32);
                let ut = transposed(&eig.vectors);
                let xct = xc.t().as_standard_layout().into_owned();
                // W = Xcᵀ U D Uᵀ Yc: with more targets than voxels, Xcᵀ U once is the cheaper order.
                let xct_u = (p < t).then(|| product(xct.view(), u.view()));
                let all: Vec<usize> = (0..n).collect();
                for cols in blocks(t, block / n.max(p)) {
                    let yc = gather(
                        y,
                        &all,
                        cols.clone(),
                        Some(&y_mean.as_slice().unwrap_or_default()[cols.clone()]),
                    )?;
                    let mut coef = Array2::<f32>::zeros((n, cols.len()).f());
                    gemm(mat_mut(&mut coef)?, Accum::Replace, mat_ref(&ut)?, mat_ref(&yc)?, 1.0);
                    scale_by_penalty(&mut coef, &eig.values, &lambdas[cols.clone()]);
                    let dst = mat_mut(&mut weights)?.subcols_mut(cols.start, cols.len());
                    match &xct_u {
                        Some(xct_u) => gemm(dst, Accum::Replace, mat_ref(xct_u)?, mat_ref(&coef)?, 1.0),
                        None => {
                            let mut dual = Array2::<f32>::zeros((n, cols.len()).f());
                            gemm(mat_mut(&mut dual)?, Accum::Replace, mat_ref(&u)?, mat_ref(&coef)?, 1.0);
                            gemm(dst, Accum::Replace, mat_ref(&xct)?, mat_ref(&dual)?, 1.0);
                        }
                    }
                }
                Ok((weights, eig.mean))
            }
            Shared::Primal { cov, xty } => {
                let xbar = x_sum.mapv(|s| s / n as f64);
                let c = Array2::from_shape_fn((p, p), |(i, j)| f64::from(cov[[i, j]]) - n as f64 * xbar[i] * xbar[j]);
                let eig = Eigen::new(&c, n)?;
                let lambdas: Vec<f64> = relative.iter().map(|a| a * eig.mean).collect();
                let v = eig.vectors.mapv(|v| v as f32);
                let vt = transposed(&eig.vectors);
                for cols in blocks(t, block / p) {
                    let mut coef = Array2::<f32>::zeros((p, cols.len()).f());
                    let rhs = mat_ref(xty)?.subcols(cols.start, cols.len());
                    gemm(mat_mut(&mut coef)?, Accum::Replace, mat_ref(&vt)?, rhs, 1.0);
                    scale_by_penalty(&mut coef, &eig.values, &lambdas[cols.clone()]);
                    let dst = mat_mut(&mut weights)?.subcols_mut(cols.start, cols.len());
                    gemm(dst, Accum::Replace, mat_ref(&v)?, mat_ref(&coef)?, 1.0);
                }
                Ok((weights, eig.mean))
            }
        }
    }
}

/// One cross-validation fold, set up to predict its held-out rows for every candidate penalty.
struct Fold<'a> {
    train: &'a [usize],
    test: &'a [usize],
    /// The held-out rows in the eigenbasis (`K_st U` or `(X_s − μ) V`, test × r), scaled by
    /// `1/(s+λ)` for each candidate λ and stacked candidate by candidate (candidates·test × r).
    /// When `to_basis` is `None` it is already multiplied by the basis (candidates·test × m).
    stacked: Array2<f32>,
    /// `Uᵀ` (dual) or `Vᵀ` (primal), row-major: takes a block of right-hand sides into the
    /// eigenbasis.
    to_basis: Option<Array2<f32>>,
    /// Primal only: the held-out rows of `Xc`, transposed (p × test, row-major).
    x_test_t: Option<Array2<f32>>,
    candidates: usize,
}

impl<'a> Fold<'a> {
    fn new(
        shared: &Shared,
        xc: &Array2<f32>,
        x_sum: &Array1<f64>,
        train: &'a [usize],
        test: &'a [usize],
        alphas: &[f64],
        targets: usize,
    ) -> Result<Self, ModelError> {
        let (n_train, n_test) = (train.len(), test.len());
        let (eig, held_out, x_test_t) = match shared {
            Shared::Dual { gram } => {
                let k_tt = Array2::from_shape_fn((n_train, n_train), |(i, j)| f64::from(gram[[train[i], train[j]]]));
                let k_st = Array2::from_shape_fn((n_test, n_train), |(i, j)| f64::from(gram[[test[i], train[j]]]));
                let (k_tt, k_st) = centre_gram(&k_tt, &k_st);
                let eig = Eigen::new(&k_tt, n_train)?;
                let held_out = product(k_st.view(), eig.vectors.view());
                (eig, held_out, None)
            }
            Shared::Primal { cov, .. } => {
                // The training rows' centred covariance from that of all rows: remove the
                // held-out rows' products, then re-centre on the training mean.
                let p = xc.ncols();
                let x_test_t = Array2::from_shape_fn((p, n_test), |(i, s)| xc[[test[s], i]]);
                let test_cov = product(x_test_t.view(), x_test_t.t());
                let test_sum = x_test_t.map_axis(Axis(1), |r| r.iter().map(|&v| f64::from(v)).sum::<f64>());
                let mean = (x_sum - &test_sum).mapv(|s| s / n_train as f64);
                let c = Array2::from_shape_fn((p, p), |(i, j)| {
                    f64::from(cov[[i, j]]) - f64::from(test_cov[[i, j]]) - n_train as f64 * mean[i] * mean[j]
                });
                let eig = Eigen::new(&c, n_train)?;
                let test_c = Array2::from_shape_fn((n_test, p), |(s, i)| f64::from(x_test_t[[i, s]]) - mean[i]);
                let held_out = product(test_c.view(), eig.vectors.view());
                (eig, held_out, Some(x_test_t))
            }
        };
        let r = eig.values.len();
        let mut stacked = Array2::<f32>::zeros((alphas.len() * n_test, r));
        for (mut block, &alpha) in stacked.axis_chunks_iter_mut(Axis(0), n_test.max(1)).zip(alphas) {
            let lambda = alpha * eig.mean;
            let scale: Vec<f64> = eig.values.iter().map(|s| 1.0 / (s + lambda)).collect();
            for (mut dst, src) in block.rows_mut().into_iter().zip(held_out.rows()) {
                for ((d, &h), &f) in dst.iter_mut().zip(src).zip(&scale) {
                    *d = (h * f) as f32;
                }
            }
        }
        // Predictions are stacked · basis · rhs. Multiplying the first two once per fold costs
        // candidates·test·r·m, applying the basis to every target r·m·targets: take the cheaper.
        let (stacked, to_basis) = if alphas.len() * n_test < targets {
            let basis = eig.vectors.mapv(|v| v as f32);
            (product(stacked.view(), basis.t()), None)
        } else {
            (stacked, Some(transposed(&eig.vectors)))
        };
        Ok(Self {
            train,
            test,
            stacked,
            to_basis,
            x_test_t,
            candidates: alphas.len(),
        })
    }

    /// Add this fold's mean squared error over its held-out rows to `errors` (candidates ×
    /// targets), for every candidate and target.
    fn score(
        &self,
        shared: &Shared,
        y: ArrayView2<f32>,
        x_sum: &Array1<f64>,
        y_mean: &Array1<f64>,
        block: usize,
        errors: &mut Array2<f64>,
    ) -> Result<(), ModelError> {
        let (n, t) = y.dim();
        let (n_train, n_test) = (self.train.len(), self.test.len());
        let width = (block / self.stacked.nrows().max(1)).max(64).min(t);
        // One buffer for the predictions of every block (row-major, `width` apart).
        let mut pred = Array2::<f32>::zeros((self.stacked.nrows(), width));
        for cols in blocks(t, width) {
            let c = cols.len();
            // The held-out targets around the training mean (which follows from the mean of all
            // rows and the held-out rows).
            let mut residual = gather(y, self.test, cols.clone(), None)?;
            let test_sum = column_sums(residual.view());
            let train_mean: Vec<f64> = cols
                .clone()
                .zip(&test_sum)
                .map(|(j, s)| (n as f64 * y_mean[j] - s) / n_train as f64)
                .collect();
            subtract_column_means(&mut residual, &train_mean)?;
            // The right-hand side: the centred training targets (dual), or Xᵀ of them (primal,
            // column-major) from all rows' minus the held-out rows':
            // Σ_train x (y − μ)ᵀ = Xcᵀ(Y − ȳ) + (Σ xc)(ȳ − μ)ᵀ − X_testᵀ (Y_test − μ).
            let rhs = match (shared, &self.x_test_t) {
                (Shared::Primal { xty, .. }, Some(x_test_t)) => {
                    // a block of columns of the column-major xty is one contiguous run
                    let p = xty.nrows();
                    let run = xty.as_slice_memory_order().ok_or_else(layout_error)?;
                    let z = run[cols.start * p..cols.end * p].to_vec();
                    let mut z =
                        Array2::from_shape_vec((p, c).f(), z).map_err(|e| ModelError::Numerical(e.to_string()))?;
                    gemm(
                        mat_mut(&mut z)?,
                        Accum::Add,
                        mat_ref(x_test_t)?,
                        mat_ref(&residual)?,
                        -1.0,
                    );
                    let shift: Vec<f32> = cols
                        .clone()
                        .zip(&train_mean)
                        .map(|(j, m)| (y_mean[j] - m) as f32)
                        .collect();
                    rank_one_update(&mut z, x_sum, &shift)?;
                    z
                }
                _ => gather(y, self.train, cols.clone(), Some(&train_mean))?,
            };
            let rhs = match &self.to_basis {
                Some(to_basis) => {
                    let mut b = Array2::<f32>::zeros((to_basis.nrows(), c).f());
                    gemm(
                        mat_mut(&mut b)?,
                        Accum::Replace,
                        mat_ref(to_basis)?,
                        mat_ref(&rhs)?,
                        1.0,
                    );
                    b
                }
                None => rhs,
            };
            let dst = mat_mut(&mut pred)?.subcols_mut(0, c);
            gemm(dst, Accum::Replace, mat_ref(&self.stacked)?, mat_ref(&rhs)?, 1.0);
            let pred = pred.as_slice().ok_or_else(layout_error)?;
            let residual = residual.as_slice().ok_or_else(layout_error)?;
            let sums: Vec<Vec<f64>> = (0..self.candidates)
                .into_par_iter()
                .map(|a| {
                    let mut acc = vec![0.0f64; c];
                    for (row, r) in residual.chunks_exact(c).enumerate() {
                        let p = &pred[(a * n_test + row) * width..][..c];
                        for ((acc, &p), &r) in acc.iter_mut().zip(p).zip(r) {
                            let e = p - r;
                            *acc += f64::from(e * e);
                        }
                    }
                    acc
                })
                .collect();
            for (mut row, acc) in errors.slice_mut(s![.., cols.clone()]).rows_mut().into_iter().zip(sums) {
                for (e, a) in row.iter_mut().zip(acc) {
                    *e += a / n_test as f64;
                }
            }
        }
        Ok(())
    }
}

/// The eigendecomposition of a centred Gram or covariance matrix (f64).
struct Eigen {
    vectors: Array2<f64>,
    /// Eigenvalues, negative rounding clamped to 0.
    values: Vec<f64>,
    /// The sum of the eigenvalues (the trace) over the number of samples.
    mean: f64,
}

impl Eigen {
    fn new(matrix: &Array2<f64>, samples: usize) -> Result<Self, ModelError> {
        let m = matrix.nrows();
        let mat = Mat::<f64>::from_fn(m, m, |i, j| matrix[[i, j]]);
        let eig = mat
            .self_adjoint_eigen(Side::Lower)
            .map_err(|e| ModelError::Numerical(format!("eigendecomposition failed: {e:?}")))?;
        let vectors = Array2::from_shape_fn((m, m), |(i, j)| eig.U()[(i, j)]);
        let values: Vec<f64> = (0..m).map(|i| eig.S()[i].max(0.0)).collect();
        let mean = (values.iter().sum::<f64>() / samples as f64).max(f64::MIN_POSITIVE);
        Ok(Self { vectors, values, mean })
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

/// Column sums in f64.
fn column_sums(a: ArrayView2<f32>) -> Array1<f64> {
    let mut sums = vec![0.0f64; a.ncols()];
    match a.to_slice() {
        Some(data) if a.ncols() > 0 => {
            for row in data.chunks_exact(a.ncols()) {
                for (s, &v) in sums.iter_mut().zip(row) {
                    *s += f64::from(v);
                }
            }
        }
        _ => {
            for (s, col) in sums.iter_mut().zip(a.columns()) {
                *s = col.iter().map(|&v| f64::from(v)).sum();
            }
        }
    }
    Array1::from(sums)
}

/// Rows `rows` and columns `cols` of `y` (row-major), minus `means` (one per column, in f64)
/// when given, copied into a new row-major matrix.
fn gather(
    y: ArrayView2<f32>,
    rows: &[usize],
    cols: Range<usize>,
    means: Option<&[f64]>,
) -> Result<Array2<f32>, ModelError> {
    let (t, c) = (y.ncols(), cols.len());
    let data = y.to_slice().ok_or_else(layout_error)?;
    let mut out = vec![0.0f32; rows.len() * c];
    for (dst, &r) in out.chunks_exact_mut(c.max(1)).zip(rows) {
        let src = &data[r * t + cols.start..r * t + cols.end];
        match means {
            None => dst.copy_from_slice(src),
            Some(means) => {
                for ((d, &v), &m) in dst.iter_mut().zip(src).zip(means) {
                    *d = (f64::from(v) - m) as f32;
                }
            }
        }
    }
    Array2::from_shape_vec((rows.len(), c), out).map_err(|e| ModelError::Numerical(e.to_string()))
}

/// `a += u vᵀ` (u in f64, rounded to f32), as a rank-one product.
fn rank_one_update(a: &mut Array2<f32>, u: &Array1<f64>, v: &[f32]) -> Result<(), ModelError> {
    let u: Vec<f32> = u.iter().map(|&x| x as f32).collect();
    let (m, n) = (u.len(), v.len());
    let (u, v) = (
        MatRef::from_column_major_slice(&u, m, 1),
        MatRef::from_row_major_slice(v, 1, n),
    );
    gemm(mat_mut(a)?, Accum::Add, u, v, 1.0);
    Ok(())
}

/// `mᵀ` in f32, row-major.
fn transposed(m: &Array2<f64>) -> Array2<f32> {
    m.t().mapv(|v| v as f32).as_standard_layout().into_owned()
}

/// `a[i, j] −= means[j]` (in f64) for a row-major `a`.
fn subtract_column_means(a: &mut Array2<f32>, means: &[f64]) -> Result<(), ModelError> {
    let c = a.ncols().max(1);
    for row in a.as_slice_mut().ok_or_else(layout_error)?.chunks_exact_mut(c) {
        for (v, &m) in row.iter_mut().zip(means) {
            *v = (f64::from(*v) - m) as f32;
        }
    }
    Ok(())
}

/// `coef[i, j] /= values[i] + lambdas[j]`: the eigenbasis coefficients of every target for its
/// own penalty. Parallel over columns when `coef` is column-major, as the refit makes it.
fn scale_by_penalty(coef: &mut Array2<f32>, values: &[f64], lambdas: &[f64]) {
    let scale = |col: &mut [f32], l: f64| {
        for (v, &s) in col.iter_mut().zip(values) {
            *v = (f64::from(*v) / (s + l)) as f32;
        }
    };
    let rows = coef.nrows();
    let column_major = coef.t().is_standard_layout();
    match coef.as_slice_memory_order_mut() {
        Some(data) if column_major && rows > 0 => {
            data.par_chunks_mut(rows)
                .zip(lambdas.par_iter())
                .for_each(|(col, &l)| scale(col, l));
        }
        _ => {
            for (mut col, &l) in coef.columns_mut().into_iter().zip(lambdas) {
                for (v, &s) in col.iter_mut().zip(values) {
                    *v = (f64::from(*v) / (s + l)) as f32;
                }
            }
        }
    }
}

/// Consecutive ranges covering `0..total`, `size` long (at least 64) but the last.
fn blocks(total: usize, size: usize) -> impl Iterator<Item = Range<usize>> {
    let size = size.max(64);
    (0..total)
        .step_by(size)
        .map(move |start| start..(start + size).min(total))
}

/// The index of the first smallest value (`total_cmp` order).
fn first_min(values: impl Iterator<Item = f64>) -> Option<usize> {
    values.enumerate().min_by(|a, b| a.1.total_cmp(&b.1)).map(|(i, _)| i)
}

fn mat_ref(a: &Array2<f32>) -> Result<MatRef<'_, f32>, ModelError> {
    as_mat_ref(a.view()).ok_or_else(layout_error)
}

fn mat_mut(a: &mut Array2<f32>) -> Result<faer::MatMut<'_, f32>, ModelError> {
    as_mat_mut(a.view_mut()).ok_or_else(layout_error)
}

fn layout_error() -> ModelError {
    ModelError::Numerical("matrix product: unexpected memory layout".into())
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

    fn max_abs(a: &Array2<f64>) -> f64 {
        a.iter().fold(0.0f64, |m, v| m.max(v.abs()))
    }

    /// The largest violation of the centred normal equations `XᵀX W + W diag(λ) = XᵀY`, in f64,
    /// relative to the largest entry of `XᵀY`.
    fn normal_equations_error(x: &Array2<f32>, y: &Array2<f32>, model: &RidgeModel, lambdas: &[f64]) -> f64 {
        let x = x.mapv(f64::from);
        let y = y.mapv(f64::from);
        let xc = &x - &x.mean_axis(Axis(0)).unwrap();
        let yc = &y - &y.mean_axis(Axis(0)).unwrap();
        let w = model.weights().mapv(f64::from);
        let lhs = xc.t().dot(&xc).dot(&w) + &w * &Array1::from(lambdas.to_vec());
        let rhs = xc.t().dot(&yc);
        max_abs(&(&lhs - &rhs)) / max_abs(&rhs)
    }

    fn fit_as(x: ArrayView2<f32>, y: ArrayView2<f32>, cfg: &RidgeConfig, form: Form) -> Result<RidgeModel, ModelError> {
        RidgeModel::fit_in(x, y, cfg, form, BLOCK_ELEMENTS)
    }

    fn fixed(alpha: f64) -> RidgeConfig {
        RidgeConfig {
            alphas: vec![alpha],
            folds: 3,
            ..RidgeConfig::default()
        }
    }

    #[test]
    fn matches_the_primal_solution() {
        // For a fixed lambda the dual solution equals (XᵀX + λI)⁻¹ XᵀY; check through the
        // normal equations: XᵀX W + λW = XᵀY on centred data.
        let (x, y, _) = noisy_problem(30, 8, 3, 0.5);
        let model = RidgeModel::fit(x.view(), y.view(), &fixed(0.5)).unwrap();
        let err = normal_equations_error(&x, &y, &model, &[model.lambda; 3]);
        assert!(err < 1e-4, "relative error {err}");
    }

    #[test]
    fn the_shape_chooses_the_form() {
        assert_eq!(Form::for_shape(1200, 4500), Form::Dual);
        assert_eq!(Form::for_shape(50, 50), Form::Dual);
        assert_eq!(Form::for_shape(3000, 1000), Form::Primal);
    }

    #[test]
    fn dual_and_primal_forms_agree_and_solve_the_normal_equations() {
        // Tall (the primal's shape) and wide (the dual's), each solved both ways.
        for (n, p) in [(40, 9), (24, 50)] {
            let (mut x, y, _) = noisy_problem(n, p, 4, 0.5);
            x += 3.0; // an offset common to all samples, removed by the centring
            let fits = [Form::Dual, Form::Primal].map(|form| {
                let model = fit_as(x.view(), y.view(), &fixed(0.3), form).unwrap();
                let err = normal_equations_error(&x, &y, &model, &[model.lambda; 4]);
                assert!(err < 1e-4, "{n}×{p} {form:?}: relative error {err}");
                model
            });
            let [dual, primal] = &fits;
            assert!((dual.lambda - primal.lambda).abs() < 1e-5 * dual.lambda, "{n}×{p}");
            let dw = (dual.weights() - primal.weights()).mapv(|v| f64::from(v.abs()));
            let scale = primal.weights().iter().fold(0.0f32, |m, v| m.max(v.abs()));
            assert!(dw.iter().all(|&d| d < 1e-4 * f64::from(scale)), "{n}×{p}: {dw}");
            let probe = x.slice(s![..5, ..]);
            let diff = &dual.predict(probe).unwrap() - &primal.predict(probe).unwrap();
            assert!(diff.iter().all(|d| d.abs() < 1e-3), "{n}×{p}: {diff:?}");

            // The whole grid: the same cross-validated errors and the same choice.
            let [dual, primal] = [Form::Dual, Form::Primal]
                .map(|form| fit_as(x.view(), y.view(), &RidgeConfig::default(), form).unwrap());
            for ((a, d), (b, q)) in dual.cv_error.iter().zip(&primal.cv_error) {
                assert_eq!(a, b);
                assert!((d - q).abs() < 1e-4 * q, "{n}×{p} alpha {a}: {d} vs {q}");
            }
            assert_eq!(dual.alpha, primal.alpha, "{n}×{p}");
        }
    }

    /// Targets 0..4 a clean linear function of x, targets 4..8 noise unrelated to it.
    fn half_clean_half_noise() -> (Array2<f32>, Array2<f32>) {
        let (x, clean, _) = noisy_problem(300, 40, 4, 0.01);
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let noise = Array2::from_shape_fn((300, 4), |_| StandardNormal.sample(&mut rng));
        (x, ndarray::concatenate![Axis(1), clean, noise])
    }

    #[test]
    fn per_target_penalties_are_small_for_signal_and_large_for_noise() {
        let (x, y) = half_clean_half_noise();
        let cfg = RidgeConfig {
            per_target: true,
            ..RidgeConfig::default()
        };
        for form in [Form::Primal, Form::Dual] {
            let model = fit_as(x.view(), y.view(), &cfg, form).unwrap();
            let alphas = model.alphas_per_target.clone().unwrap();
            assert!(alphas[..4].iter().all(|&a| a <= 0.01), "{form:?}: {alphas:?}");
            assert!(alphas[4..].iter().all(|&a| a >= 100.0), "{form:?}: {alphas:?}");
            // alpha is the lower median, lambda goes with it
            let mut sorted = alphas.clone();
            sorted.sort_by(f64::total_cmp);
            assert_eq!(model.alpha, sorted[3]);
            // cv_error is the mean over targets, whatever the selection
            let shared = fit_as(x.view(), y.view(), &RidgeConfig::default(), form).unwrap();
            assert!(shared.alphas_per_target.is_none());
            for ((a, e), (b, f)) in model.cv_error.iter().zip(&shared.cv_error) {
                assert!(a == b && (e - f).abs() <= 1e-12 * f, "{form:?}");
            }
            // one shared penalty has to compromise: worse on the clean targets than their own
            let probe = x.slice(s![..50, ..]);
            let err = |m: &RidgeModel| {
                let d = &m.predict(probe).unwrap().slice(s![.., ..4]) - &y.slice(s![..50, ..4]);
                d.mapv(|v| v * v).mean().unwrap()
            };
            assert!(
                err(&model) < err(&shared),
                "{form:?}: {} vs {}",
                err(&model),
                err(&shared)
            );
        }
    }

    #[test]
    fn per_target_columns_are_each_targets_own_fit() {
        let (x, y) = half_clean_half_noise();
        for (form, n) in [(Form::Primal, 300), (Form::Dual, 30)] {
            // the dual on a wide slice (n ≤ p), the primal on the tall problem
            let (x, y) = (x.slice(s![..n, ..]), y.slice(s![..n, ..]));
            let cfg = RidgeConfig {
                per_target: true,
                ..RidgeConfig::default()
            };
            let model = fit_as(x, y, &cfg, form).unwrap();
            let alphas = model.alphas_per_target.clone().unwrap();
            for (j, &alpha) in alphas.iter().enumerate() {
                let single = fit_as(x, y.slice(s![.., j..=j]), &fixed(alpha), form).unwrap();
                let diff = &model.weights().column(j) - &single.weights().column(0);
                let scale = single.weights().iter().fold(0.0f32, |m, v| m.max(v.abs()));
                assert!(
                    diff.iter().all(|d| d.abs() <= 1e-4 * scale),
                    "{form:?} target {j}: {diff}"
                );
                let p = &model.predict(x).unwrap().column(j) - &single.predict(x).unwrap().column(0);
                assert!(p.iter().all(|d| d.abs() < 1e-3), "{form:?} target {j}");
            }
            let lambdas: Vec<f64> = alphas.iter().map(|a| a * model.lambda / model.alpha).collect();
            let err = normal_equations_error(&x.to_owned(), &y.to_owned(), &model, &lambdas);
            assert!(err < 1e-4, "{form:?}: {err}");
        }
    }

    #[test]
    fn layouts_and_blocks_do_not_change_the_fit() {
        // More targets than voxels: the dual refit forms Xcᵀ U once, and both forms fold the
        // basis into the held-out rows.
        let (x, y, _) = noisy_problem(60, 12, 150, 0.3);
        let cfg = RidgeConfig {
            per_target: true,
            ..RidgeConfig::default()
        };
        // column-major fmri, targets a strided column block, blocks of 64 targets
        let xf = x.t().to_owned();
        let wide = ndarray::concatenate![Axis(1), y, y];
        for form in [Form::Primal, Form::Dual] {
            let reference = fit_as(x.view(), y.view(), &cfg, form).unwrap();
            let model = RidgeModel::fit_in(xf.t(), wide.slice(s![.., 150..]), &cfg, form, 1).unwrap();
            assert_eq!(model.alphas_per_target, reference.alphas_per_target, "{form:?}");
            let d = model.weights() - reference.weights();
            assert!(d.iter().all(|v| v.abs() < 1e-5), "{form:?}: {d}");
            for ((_, e), (_, f)) in model.cv_error.iter().zip(&reference.cv_error) {
                assert!((e - f).abs() < 1e-6 * f, "{form:?}");
            }
            let lambdas: Vec<f64> = (model.alphas_per_target.clone().unwrap().iter())
                .map(|a| a * model.lambda / model.alpha)
                .collect();
            let err = normal_equations_error(&x, &y, &model, &lambdas);
            assert!(err < 1e-4, "{form:?}: {err}");
        }
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
    fn shared_selection_is_the_lowest_mean_error() {
        let (x, y) = half_clean_half_noise();
        for (n, p) in [(300, 40), (30, 40)] {
            let model = RidgeModel::fit(
                x.slice(s![..n, ..p]),
                y.view().slice(s![..n, ..]),
                &RidgeConfig::default(),
            )
            .unwrap();
            let best = model.cv_error.iter().min_by(|a, b| a.1.total_cmp(&b.1)).unwrap();
            assert_eq!(model.alpha, best.0);
            assert!(model.alphas_per_target.is_none());
        }
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
