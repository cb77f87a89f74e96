//! Batched similarity matrices.

use ndarray::{Array2, ArrayView2, Axis};

use super::EvalError;

/// Cosine similarity of every row of `a` with every row of `b` (`a.nrows() × b.nrows()`), as one
/// matrix product of row-normalised copies. All-zero rows get similarity 0.
///
/// ```
/// use ndarray::array;
/// let s = brainclip::eval::cosine_similarity(array![[1.0f32, 0.0], [1.0, 1.0]].view(),
///                                            array![[2.0f32, 0.0]].view()).unwrap();
/// assert!((s[[1, 0]] - 0.70710677).abs() < 1e-6);
/// ```
pub fn cosine_similarity(a: ArrayView2<f32>, b: ArrayView2<f32>) -> Result<Array2<f32>, EvalError> {
    if a.ncols() != b.ncols() {
        return Err(EvalError::ShapeMismatch {
            what: "embedding width",
            expected: a.ncols(),
            found: b.ncols(),
        });
    }
    Ok(normalise_rows(a).dot(&normalise_rows(b).t()))
}

fn normalise_rows(m: ArrayView2<f32>) -> Array2<f32> {
    let norms = m.map_axis(Axis(1), |r| {
        let n = r.dot(&r).sqrt();
        if n > 0.0 { 1.0 / n } else { 0.0 }
    });
    &m * &norms.insert_axis(Axis(1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn hand_computed() {
        let a = array![[3.0f32, 4.0], [0.0, 0.0]];
        let b = array![[1.0f32, 0.0], [0.0, 2.0], [-3.0, -4.0]];
        let s = cosine_similarity(a.view(), b.view()).unwrap();
        let expected = array![[0.6f32, 0.8, -1.0], [0.0, 0.0, 0.0]];
        assert!((&s - &expected).iter().all(|d| d.abs() < 1e-6), "{s}");
        assert!(cosine_similarity(a.view(), array![[1.0f32]].view()).is_err());
    }
}
