//! Dense matrix products on ndarray matrices through faer, on all rayon threads.
//!
//! ndarray's own `dot` goes through matrixmultiply on one thread; faer's product is parallel and
//! faster on every shape the crate multiplies (ridge, and `eval::similarity::matmul_nt` for every
//! similarity matrix). The views below borrow ndarray's memory
//! without copying when it is contiguous in row- or column-major order, so transposed views
//! (`x.t()`) cost nothing either.

use faer::linalg::matmul::matmul;
use faer::traits::ComplexField;
use faer::{Accum, MatMut, MatRef, Par};
use ndarray::{Array2, ArrayView2, ArrayViewMut2};

/// A faer view of `a`'s memory, or `None` when `a` is contiguous in neither row- nor
/// column-major order (a sliced-out block, a stepped view).
pub(crate) fn as_mat_ref<T>(a: ArrayView2<'_, T>) -> Option<MatRef<'_, T>> {
    let (m, n) = a.dim();
    if let Some(s) = a.to_slice() {
        return Some(MatRef::from_row_major_slice(s, m, n));
    }
    a.reversed_axes()
        .to_slice()
        .map(|s| MatRef::from_column_major_slice(s, m, n))
}

/// The mutable counterpart of [`as_mat_ref`].
pub(crate) fn as_mat_mut<T>(a: ArrayViewMut2<'_, T>) -> Option<MatMut<'_, T>> {
    let (m, n) = a.dim();
    if a.is_standard_layout() {
        return a.into_slice().map(|s| MatMut::from_row_major_slice_mut(s, m, n));
    }
    a.reversed_axes()
        .into_slice()
        .map(|s| MatMut::from_column_major_slice_mut(s, m, n))
}

/// `dst = alpha · a · b` (`Accum::Replace`) or `dst += alpha · a · b` (`Accum::Add`), on all
/// rayon threads. Shapes must agree (faer panics otherwise: callers pass shapes they built).
pub(crate) fn gemm<T: ComplexField + Copy>(
    mut dst: MatMut<'_, T>,
    accum: Accum,
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    alpha: T,
) {
    if dst.nrows() == 0 || dst.ncols() == 0 {
        return;
    }
    if a.ncols() == 0 {
        if accum == Accum::Replace {
            dst.fill(T::zero_impl());
        }
        return;
    }
    matmul(dst, accum, a, b, alpha, Par::rayon(0));
}

/// `a · b` as a new standard-layout matrix; operands that are not contiguous are copied first.
///
/// Panics if `a.ncols() != b.nrows()`.
pub(crate) fn product<T: ComplexField + Copy>(a: ArrayView2<'_, T>, b: ArrayView2<'_, T>) -> Array2<T> {
    let (a, b) = (contiguous(a), contiguous(b));
    let mut out = Array2::from_elem((a.nrows(), b.ncols()), T::zero_impl());
    let lhs = as_mat_ref(a.view()).unwrap_or_else(|| unreachable!("contiguous() is contiguous"));
    let rhs = as_mat_ref(b.view()).unwrap_or_else(|| unreachable!("contiguous() is contiguous"));
    let dst = as_mat_mut(out.view_mut()).unwrap_or_else(|| unreachable!("a new array is contiguous"));
    gemm(dst, Accum::Replace, lhs, rhs, T::one_impl());
    out
}

/// `a` itself when faer can view it, else a standard-layout copy.
fn contiguous<T: Copy>(a: ArrayView2<'_, T>) -> ndarray::CowArray<'_, T, ndarray::Ix2> {
    if as_mat_ref(a).is_some() {
        a.into()
    } else {
        a.as_standard_layout().into_owned().into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array2, s};

    #[test]
    fn products_of_strided_transposed_and_empty_views_match_ndarray() {
        let a = Array2::from_shape_fn((7, 5), |(i, j)| (i * 5 + j) as f64 - 11.0);
        let b = Array2::from_shape_fn((5, 9), |(i, j)| (2 * i + j) as f64 * 0.5 - 3.0);
        let cases = [
            (a.view(), b.view()),
            (a.slice(s![1..6, ..]), b.slice(s![.., 2..7])),
            (a.slice(s![..;2, ..]), b.view()),
        ];
        for (x, y) in cases {
            assert_eq!(product(x, y), x.dot(&y));
        }
        // transposed operands are viewed in place, column-major
        let at = a.t().to_owned();
        assert!(as_mat_ref(at.t()).is_some());
        assert_eq!(product(at.t(), b.view()), a.dot(&b));
        assert!(as_mat_ref(b.slice(s![.., 2..7])).is_none());
        let empty = Array2::<f64>::zeros((7, 0));
        assert_eq!(
            product(empty.view(), Array2::zeros((0, 3)).view()),
            Array2::<f64>::zeros((7, 3))
        );
        // a column-major destination
        let mut out = Array2::<f64>::zeros((9, 7));
        let dst = as_mat_mut(out.view_mut().reversed_axes()).unwrap();
        gemm(
            dst,
            Accum::Replace,
            as_mat_ref(a.view()).unwrap(),
            as_mat_ref(b.view()).unwrap(),
            2.0,
        );
        assert_eq!(out.t(), a.dot(&b) * 2.0);
    }
}
