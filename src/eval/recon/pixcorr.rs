//! PixCorr: the Pearson correlation of the pixels of each real/generated pair.

use serde::Serialize;

use super::{Image, Resize, check_pairs, pair_arrays};
use crate::eval::EvalError;

/// PixCorr over a set of pairs, as MindEye2's `final_evaluations` computes it: both images of a
/// pair resized (by default to 425 × 425, bilinear, antialiased), flattened over all pixels and
/// the three channels, the Pearson correlation of the two vectors (`np.corrcoef(a, b)[0, 1]`),
/// then the mean over pairs. Computed in f64.
///
/// A pair in which one image is constant (every value equal) has no defined correlation (numpy
/// gives NaN); it is given r = 0, as [`crate::eval::Similarity::Pearson`] does, and counted in
/// `constant_pairs`.
///
/// ```
/// use brainclip::eval::recon::{Image, Resize, pixcorr};
///
/// let a = Image::new(1, 2, vec![0.0, 0.1, 0.2, 0.3, 0.4, 0.5])?;
/// let b = Image::new(1, 2, vec![0.5, 0.4, 0.3, 0.2, 0.1, 0.0])?;
/// let r = pixcorr(&[a.clone(), a.clone()], &[a.clone(), b], None)?;
/// assert!((r.per_pair[0] - 1.0).abs() < 1e-12 && (r.per_pair[1] + 1.0).abs() < 1e-12);
/// assert!(r.mean.abs() < 1e-12);
/// // resizing both to 8 × 8 first keeps an image perfectly correlated with itself
/// assert!((pixcorr(&[a.clone()], &[a], Some(Resize { size: 8, antialias: true }))?.mean - 1.0).abs() < 1e-12);
/// # Ok::<(), brainclip::eval::EvalError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PixCorr {
    /// Mean correlation over pairs.
    pub mean: f64,
    /// Each pair's correlation.
    pub per_pair: Vec<f64>,
    /// Pairs with a constant image, given r = 0.
    pub constant_pairs: usize,
    /// The resize applied to both images of each pair (none: the pair must have equal sizes).
    pub resize: Option<Resize>,
}

/// PixCorr of `real[i]` against `generated[i]` for every pair; see [`PixCorr`].
///
/// Errors: no pairs, different numbers of real and generated images, an invalid resize, or,
/// without a resize, a pair of different sizes ([`EvalError::InvalidImage`]).
///
/// ```
/// use brainclip::eval::recon::{Image, Resize, pixcorr};
///
/// let x: Vec<f32> = (0..48).map(|i| (i % 7) as f32 / 10.0).collect();
/// let a = Image::new(4, 4, x.clone())?;
/// let b = Image::new(4, 4, x.iter().map(|v| 0.5 * v + 0.2).collect())?; // affine: r = 1
/// let r = pixcorr(&[a.clone()], &[b], Some(Resize::default()))?;
/// assert!((r.mean - 1.0).abs() < 1e-12);
/// let small = Image::new(2, 2, vec![0.5; 12])?;
/// assert!(pixcorr(&[a], &[small], None).is_err()); // sizes differ and nothing resizes them
/// # Ok::<(), brainclip::eval::EvalError>(())
/// ```
pub fn pixcorr(real: &[Image], generated: &[Image], resize: Option<Resize>) -> Result<PixCorr, EvalError> {
    let n = check_pairs(real, generated)?;
    if let Some(r) = resize {
        r.validate()?;
    }
    let mut per_pair = Vec::with_capacity(n);
    let mut constant_pairs = 0;
    for (i, (a, b)) in real.iter().zip(generated).enumerate() {
        let (a, b) = pair_arrays(a, b, resize, i, "PixCorr")?;
        let (a, b) = (a.as_standard_layout(), b.as_standard_layout());
        let r = match (a.as_slice(), b.as_slice()) {
            (Some(a), Some(b)) => pearson(a, b),
            _ => pearson(
                &a.iter().copied().collect::<Vec<_>>(),
                &b.iter().copied().collect::<Vec<_>>(),
            ),
        };
        constant_pairs += usize::from(r.is_none());
        per_pair.push(r.unwrap_or(0.0));
    }
    Ok(PixCorr {
        mean: per_pair.iter().sum::<f64>() / n as f64,
        per_pair,
        constant_pairs,
        resize,
    })
}

/// Pearson correlation of two equally long vectors in f64 (centred in a first pass), clipped to
/// −1..1 as numpy's `corrcoef`; `None` when either is constant (all values equal) or empty.
/// Sums run in blocks (see [`block_sum`]): over the 541,875 values of a 425 × 425 RGB image a
/// plain running sum drifts by about 1e-12 from numpy's pairwise sums, the blocked one by 1e-15.
pub(crate) fn pearson(a: &[f64], b: &[f64]) -> Option<f64> {
    if a.len() != b.len() || is_constant(a) || is_constant(b) {
        return None;
    }
    let n = a.len() as f64;
    let (ma, mb) = (block_sum(a) / n, block_sum(b) / n);
    let (mut ab, mut aa, mut bb) = (0.0, 0.0, 0.0);
    for (a, b) in a.chunks(BLOCK).zip(b.chunks(BLOCK)) {
        let (mut pab, mut paa, mut pbb) = (0.0, 0.0, 0.0);
        for (&x, &y) in a.iter().zip(b) {
            let (x, y) = (x - ma, y - mb);
            pab += x * y;
            paa += x * x;
            pbb += y * y;
        }
        ab += pab;
        aa += paa;
        bb += pbb;
    }
    Some((ab / (aa.sqrt() * bb.sqrt())).clamp(-1.0, 1.0))
}

const BLOCK: usize = 256;

/// The sum of `v`, a running sum within blocks of 256 values and over the block sums: rounding
/// error of order (256 + len / 256) ulp instead of len ulp.
pub(crate) fn block_sum(v: &[f64]) -> f64 {
    v.chunks(BLOCK).map(|c| c.iter().sum::<f64>()).sum()
}

/// Whether every value equals the first (also true of an empty vector).
pub(crate) fn is_constant(v: &[f64]) -> bool {
    v.first().is_none_or(|&first| v.iter().all(|&x| x == first))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(h: usize, w: usize, f: impl Fn(usize) -> f32) -> Image {
        Image::new(h, w, (0..h * w * 3).map(f).collect()).unwrap()
    }

    #[test]
    fn affine_images_correlate_perfectly() {
        // x and 2x + 1 (rescaled into 0–1: (2x + 1) / 3)
        let x = image(5, 6, |i| ((i * 37) % 11) as f32 / 10.0);
        let y = image(5, 6, |i| (2.0 * (((i * 37) % 11) as f32 / 10.0) + 1.0) / 3.0);
        for resize in [
            None,
            Some(Resize {
                size: 9,
                antialias: false,
            }),
            Some(Resize::default()),
        ] {
            let r = pixcorr(std::slice::from_ref(&x), std::slice::from_ref(&y), resize).unwrap();
            assert!((r.mean - 1.0).abs() < 1e-12, "{resize:?}: {}", r.mean);
        }
    }

    #[test]
    fn pearson_by_hand() {
        // centred: [−1, 0, 1] and [−1, 1, 0] → r = 1 / (√2 · √2) = 0.5
        let r = pearson(&[1.0, 2.0, 3.0], &[1.0, 3.0, 2.0]).unwrap();
        assert!((r - 0.5).abs() < 1e-15);
        let r = pearson(&[0.0, 1.0, 2.0], &[4.0, 2.0, 0.0]).unwrap();
        assert!((r + 1.0).abs() < 1e-15);
        assert_eq!(pearson(&[1.0, 1.0], &[1.0, 2.0]), None);
        assert_eq!(pearson(&[], &[]), None);
        assert_eq!(pearson(&[1.0, 2.0], &[1.0]), None);
    }

    #[test]
    fn constant_images_count_as_zero() {
        let x = image(3, 3, |i| (i % 5) as f32 / 4.0);
        let flat = image(3, 3, |_| 0.25);
        let r = pixcorr(&[x.clone(), x.clone()], &[flat, x], None).unwrap();
        assert_eq!((r.per_pair[0], r.constant_pairs), (0.0, 1));
        assert!((r.per_pair[1] - 1.0).abs() < 1e-12 && (r.mean - 0.5).abs() < 1e-12);
    }

    #[test]
    fn bad_pairs() {
        let x = image(3, 3, |i| (i % 5) as f32 / 4.0);
        assert_eq!(
            pixcorr(&[], &[], None).unwrap_err(),
            EvalError::Empty("the set of image pairs")
        );
        assert!(matches!(
            pixcorr(std::slice::from_ref(&x), &[x.clone(), x.clone()], None),
            Err(EvalError::ShapeMismatch { .. })
        ));
        let y = image(3, 4, |i| (i % 3) as f32 / 2.0);
        let err = pixcorr(&[x.clone(), x.clone()], &[x.clone(), y.clone()], None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "pair 1: PixCorr without a resize needs images of equal size: the real image is 3 × 3, the generated 3 × 4"
        );
        assert!(
            pixcorr(
                std::slice::from_ref(&x),
                std::slice::from_ref(&y),
                Some(Resize {
                    size: 4,
                    antialias: true
                })
            )
            .is_ok()
        );
        assert!(
            pixcorr(
                &[x],
                &[y],
                Some(Resize {
                    size: 0,
                    antialias: true
                })
            )
            .is_err()
        );
    }
}
