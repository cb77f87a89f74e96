//! Principal component analysis (thin SVD with faer), e.g. for 2-D embedding scatter plots.

use faer::Mat;
use ndarray::{Array1, Array2, ArrayView2, Axis};
use serde::Serialize;

use super::EvalError;

/// A fitted PCA: the mean, the principal axes and the variance they explain.
///
/// Component signs are fixed so that each component's largest-magnitude loading is positive,
/// making projections reproducible across runs and platforms.
///
/// ```
/// use brainclip::eval::Pca;
/// use ndarray::array;
///
/// // points on the line y = 2x, plus a little noise orthogonal to it
/// let x = array![[0.0f32, 0.0], [1.0, 2.0], [2.0, 4.1], [3.0, 5.9], [4.0, 8.0]];
/// let pca = Pca::fit(x.view(), 2)?;
/// assert!(pca.explained_variance_ratio[0] > 0.99);
/// assert!(pca.components[[0, 1]] > 0.0); // largest loading positive
/// let y = pca.transform(x.view())?;
/// assert_eq!(y.dim(), (5, 2));
/// # Ok::<(), brainclip::eval::EvalError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Pca {
    /// Column means of the fitted data.
    #[serde(skip)]
    pub mean: Array1<f64>,
    /// Principal axes (components × features), unit length, by decreasing variance.
    #[serde(skip)]
    pub components: Array2<f64>,
    /// Variance along each axis (sample variance, denominator n − 1).
    pub explained_variance: Vec<f64>,
    /// Fraction of the total variance along each axis.
    pub explained_variance_ratio: Vec<f64>,
}

impl Pca {
    /// Fits the first `n_components` principal axes of `x` (samples × features).
    ///
    /// Errors: fewer than 2 samples, `n_components` outside `1..=min(samples, features)`,
    /// non-finite values, an SVD that does not converge.
    pub fn fit(x: ArrayView2<f32>, n_components: usize) -> Result<Self, EvalError> {
        let (n, d) = x.dim();
        if n < 2 {
            return Err(EvalError::ShapeMismatch {
                what: "samples for a PCA (at least)",
                expected: 2,
                found: n,
            });
        }
        if n_components == 0 || n_components > n.min(d) {
            return Err(EvalError::InvalidSetting {
                name: "n_components",
                expected: format!("between 1 and min(samples, features) = {}", n.min(d)),
                found: n_components.to_string(),
            });
        }
        if x.iter().any(|v| !v.is_finite()) {
            return Err(EvalError::NonFinite("the PCA input"));
        }
        let x = x.mapv(f64::from);
        let mean = x.mean_axis(Axis(0)).unwrap_or_else(|| Array1::zeros(d));
        let centred = Mat::<f64>::from_fn(n, d, |i, j| x[[i, j]] - mean[j]);
        let svd = centred
            .thin_svd()
            .map_err(|e| EvalError::Numerical(format!("PCA: the SVD did not converge ({e:?})")))?;
        let (s, v) = (svd.S(), svd.V());
        let variance: Vec<f64> = (0..n.min(d)).map(|i| s[i] * s[i] / (n - 1) as f64).collect();
        let total: f64 = variance.iter().sum();
        let mut components = Array2::from_shape_fn((n_components, d), |(c, j)| v[(j, c)]);
        for mut axis in components.rows_mut() {
            let largest = axis
                .iter()
                .copied()
                .fold(0.0f64, |m, a| if a.abs() > m.abs() { a } else { m });
            if largest < 0.0 {
                axis.mapv_inplace(|a| -a);
            }
        }
        let explained_variance = variance[..n_components].to_vec();
        let explained_variance_ratio = explained_variance
            .iter()
            .map(|v| if total > 0.0 { v / total } else { 0.0 })
            .collect();
        Ok(Self {
            mean,
            components,
            explained_variance,
            explained_variance_ratio,
        })
    }

    /// Projects `x` (samples × features) onto the fitted axes (samples × components).
    pub fn transform(&self, x: ArrayView2<f32>) -> Result<Array2<f64>, EvalError> {
        if x.ncols() != self.mean.len() {
            return Err(EvalError::ShapeMismatch {
                what: "features of the data to project",
                expected: self.mean.len(),
                found: x.ncols(),
            });
        }
        let centred = &x.mapv(f64::from) - &self.mean;
        Ok(centred.dot(&self.components.t()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn recovers_axes_variance_and_signs() {
        // variance 4 along (1, 1)/√2 and 1 along (1, −1)/√2, mean (3, −1)
        let x = array![
            [3.0f32 + 2.0, -1.0 + 2.0],
            [3.0 - 2.0, -1.0 - 2.0],
            [3.0 + 1.0, -1.0 - 1.0],
            [3.0 - 1.0, -1.0 + 1.0]
        ];
        let pca = Pca::fit(x.view(), 2).unwrap();
        assert!((pca.mean[0] - 3.0).abs() < 1e-12 && (pca.mean[1] + 1.0).abs() < 1e-12);
        let h = std::f64::consts::FRAC_1_SQRT_2;
        let c = &pca.components;
        assert!((c[[0, 0]] - h).abs() < 1e-9 && (c[[0, 1]] - h).abs() < 1e-9, "{c}");
        // both loadings of the second axis have the same magnitude: the first one found is kept
        assert!(
            (c[[1, 0]].abs() - h).abs() < 1e-9 && (c[[1, 0]] + c[[1, 1]]).abs() < 1e-9,
            "{c}"
        );
        assert!((pca.explained_variance[0] - 16.0 / 3.0).abs() < 1e-9);
        assert!((pca.explained_variance_ratio[0] - 0.8).abs() < 1e-9);
        let y = pca.transform(x.view()).unwrap();
        assert!((y[[0, 0]] - 8f64.sqrt()).abs() < 1e-6, "{y}");
        // flipping the data flips nothing: the sign convention is on the loadings
        let flipped = x.mapv(|v| -v);
        let again = Pca::fit(flipped.view(), 1).unwrap();
        assert!((again.components[[0, 0]] - h).abs() < 1e-9);
    }

    #[test]
    fn errors() {
        let one = array![[1.0f32, 2.0]];
        assert!(Pca::fit(one.view(), 1).is_err());
        let x = array![[1.0f32, 2.0], [3.0, 1.0], [0.0, 0.0]];
        assert!(Pca::fit(x.view(), 3).is_err());
        assert!(Pca::fit(x.view(), 0).is_err());
        let nan = array![[1.0f32, f32::NAN], [0.0, 0.0]];
        assert_eq!(Pca::fit(nan.view(), 1), Err(EvalError::NonFinite("the PCA input")));
        let pca = Pca::fit(x.view(), 1).unwrap();
        assert!(pca.transform(array![[1.0f32]].view()).is_err());
        // constant data: zero variance, no NaN
        let flat = Array2::<f32>::ones((4, 3));
        let pca = Pca::fit(flat.view(), 2).unwrap();
        assert_eq!(pca.explained_variance_ratio, [0.0, 0.0]);
    }
}
