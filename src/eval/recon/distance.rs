//! Mean correlation distance between the features of each real/generated pair (MindEye2's
//! EfficientNet-B1 and SwAV-ResNet50 scores).

use ndarray::ArrayView2;
use serde::Serialize;

use super::identification::check_features;
use super::pixcorr::pearson;
use crate::eval::EvalError;

/// Mean correlation distance: over pairs, scipy's `spatial.distance.correlation(real_i,
/// generated_i)`, i.e. `1 − pearson(real_i, generated_i)` in 0–2 (lower is better). Computed
/// in f64.
///
/// A pair in which one feature row is constant has no defined correlation (scipy gives NaN); it
/// is given distance 1 (r = 0) and counted in `constant_pairs`.
///
/// ```
/// use brainclip::eval::recon::correlation_distance;
/// use ndarray::array;
///
/// let real = array![[1.0f32, 2.0, 3.0], [1.0, 0.0, 1.0]];
/// let generated = array![[2.0f32, 4.0, 6.0], [4.0, 4.0, 4.0]];
/// let d = correlation_distance(real.view(), generated.view())?;
/// assert!(d.per_pair[0].abs() < 1e-15);
/// assert_eq!((d.per_pair[1], d.constant_pairs), (1.0, 1));
/// assert!((d.mean - 0.5).abs() < 1e-15);
/// # Ok::<(), brainclip::eval::EvalError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CorrelationDistance {
    /// Mean distance over pairs.
    pub mean: f64,
    /// Each pair's distance.
    pub per_pair: Vec<f64>,
    /// Pairs with a constant feature row, given distance 1.
    pub constant_pairs: usize,
}

/// The correlation distance of `real[i]` and `generated[i]` (rows = images) for every pair;
/// see [`CorrelationDistance`].
///
/// Errors: no rows, different shapes, no columns, non-finite values.
///
/// ```
/// use brainclip::eval::recon::correlation_distance;
/// use ndarray::array;
///
/// let real = array![[0.0f32, 1.0, 2.0]];
/// let opposite = array![[2.0f32, 1.0, 0.0]];
/// assert!((correlation_distance(real.view(), opposite.view())?.mean - 2.0).abs() < 1e-15);
/// # Ok::<(), brainclip::eval::EvalError>(())
/// ```
pub fn correlation_distance(
    real: ArrayView2<f32>,
    generated: ArrayView2<f32>,
) -> Result<CorrelationDistance, EvalError> {
    check_features(real, generated)?;
    let row = |m: ArrayView2<f32>, i: usize| m.row(i).iter().map(|&v| f64::from(v)).collect::<Vec<_>>();
    let mut constant_pairs = 0;
    let per_pair: Vec<f64> = (0..real.nrows())
        .map(|i| match pearson(&row(real, i), &row(generated, i)) {
            Some(r) => 1.0 - r,
            None => {
                constant_pairs += 1;
                1.0
            }
        })
        .collect();
    Ok(CorrelationDistance {
        mean: per_pair.iter().sum::<f64>() / per_pair.len() as f64,
        per_pair,
        constant_pairs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array2, array};

    #[test]
    fn hand_computed() {
        // r([1, 2, 3], [1, 3, 2]) = 0.5 → distance 0.5; identical rows → 0
        let real = array![[1.0f32, 2.0, 3.0], [0.5, 0.25, 1.0]];
        let generated = array![[1.0f32, 3.0, 2.0], [0.5, 0.25, 1.0]];
        let d = correlation_distance(real.view(), generated.view()).unwrap();
        assert!((d.per_pair[0] - 0.5).abs() < 1e-15 && d.per_pair[1].abs() < 1e-15);
        assert!((d.mean - 0.25).abs() < 1e-15 && d.constant_pairs == 0);
    }

    #[test]
    fn shapes_are_checked() {
        let a = Array2::<f32>::ones((2, 3));
        let b = Array2::<f32>::ones((2, 4));
        assert!(matches!(
            correlation_distance(a.view(), b.view()),
            Err(EvalError::ShapeMismatch { .. })
        ));
        let empty = Array2::<f32>::zeros((0, 3));
        assert_eq!(
            correlation_distance(empty.view(), empty.view()).unwrap_err(),
            EvalError::Empty("the feature matrix")
        );
        // all-constant rows: defined result, every pair at distance 1
        let d = correlation_distance(a.view(), a.view()).unwrap();
        assert_eq!((d.mean, d.constant_pairs), (1.0, 2));
    }
}
