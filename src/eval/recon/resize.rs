//! Bilinear resizing as torchvision's `transforms.Resize(..., interpolation=BILINEAR)` does it on
//! float tensors (`torch.nn.functional.interpolate(mode="bilinear", align_corners=False)`),
//! with or without antialiasing.

use ndarray::{Array3, ArrayView3, Axis};
use serde::{Deserialize, Serialize};

use super::Image;
use crate::eval::EvalError;

/// The largest side a resize may ask for (a typo must not allocate gigabytes).
pub const MAX_RESIZE: usize = 8192;

/// Resize both images of each pair to `size × size` before a metric. `size: 425, antialias:
/// true` (the default) is MindEye2's `transforms.Resize(425, interpolation=BILINEAR)` on its
/// square images with torchvision 0.24, whose tensor default is `antialias=True`; torchvision
/// before 0.17 defaulted to `antialias=False` for tensors. The two agree when enlarging and
/// differ when shrinking.
///
/// ```
/// use brainclip::eval::recon::Resize;
///
/// let r = Resize::default();
/// assert_eq!((r.size, r.antialias), (425, true));
/// assert!(Resize { size: 0, antialias: true }.validate().is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Resize {
    /// Side of the square output, in pixels (1 to [`MAX_RESIZE`]).
    pub size: usize,
    /// Antialiased (torchvision ≥ 0.17's tensor default) or plain bilinear interpolation.
    pub antialias: bool,
}

impl Default for Resize {
    fn default() -> Self {
        Self {
            size: 425,
            antialias: true,
        }
    }
}

impl Resize {
    /// Checks that the size lies in 1..=[`MAX_RESIZE`].
    pub fn validate(&self) -> Result<(), EvalError> {
        if (1..=MAX_RESIZE).contains(&self.size) {
            Ok(())
        } else {
            Err(EvalError::InvalidSetting {
                name: "resize size",
                expected: format!("a side between 1 and {MAX_RESIZE} pixels"),
                found: self.size.to_string(),
            })
        }
    }

    /// The image resized to `size × size`, in f64 (height × width × 3).
    pub(crate) fn apply(&self, image: &Image) -> Array3<f64> {
        resize_bilinear(image.to_f64().view(), self.size, self.size, self.antialias)
    }
}

/// `image` (height × width × channels) resized to `height × width` by bilinear interpolation,
/// computed in f64 exactly as PyTorch 2.9's CPU kernels compute `F.interpolate(x,
/// mode="bilinear", align_corners=False, antialias=antialias)` (which torchvision's `Resize` calls
/// for tensors), up to rounding:
///
/// - `antialias = true` (`_upsample_bilinear2d_aa`): along each axis with scale `s = in / out`,
///   output `i` is centred at `c = s·(i + ½)` and averages the inputs `j` with
///   `⌊max(c − r + ½, 0)⌋ ≤ j < min(⌊c + r + ½⌋, in)`, `r = max(s, 1)`, weighted by the triangle
///   `max(0, 1 − |(j − c + ½) / max(s, 1)|)` and normalised to sum 1 — PIL-style area filtering
///   when shrinking, plain bilinear when enlarging. Width first, then height.
/// - `antialias = false` (`upsample_bilinear2d`): the two neighbours of `max(s·(i + ½) − ½, 0)`
///   with linear weights, the last input repeated at the far edge.
///
/// An axis whose size does not change is copied.
///
/// ```
/// use brainclip::eval::recon::resize_bilinear;
/// use ndarray::Array3;
///
/// // a 1 × 2 image enlarged to 1 × 4: torch gives [0, 0.25, 0.75, 1]
/// let img = Array3::from_shape_vec((1, 2, 1), vec![0.0, 1.0]).unwrap();
/// let wide = resize_bilinear(img.view(), 1, 4, true);
/// assert_eq!(wide.iter().copied().collect::<Vec<_>>(), [0.0, 0.25, 0.75, 1.0]);
/// // shrinking 1 × 4 to 1 × 2 with antialiasing: a triangle of radius 2 around position 1,
/// // i.e. weights 0.75, 0.75, 0.25 on the first three inputs, normalised
/// let back = resize_bilinear(wide.view(), 1, 2, true);
/// assert!((back[[0, 0, 0]] - (0.0 * 0.75 + 0.25 * 0.75 + 0.75 * 0.25) / 1.75).abs() < 1e-15);
/// ```
pub fn resize_bilinear(image: ArrayView3<f64>, height: usize, width: usize, antialias: bool) -> Array3<f64> {
    let (h, w, _) = image.dim();
    let wide = if width == w {
        image.to_owned()
    } else {
        resize_axis(image, Axis(1), &taps(w, width, antialias))
    };
    if height == h {
        wide
    } else {
        resize_axis(wide.view(), Axis(0), &taps(h, height, antialias))
    }
}

/// The inputs (first index, weights of consecutive inputs) of one output sample.
struct Taps {
    start: usize,
    weights: Vec<f64>,
}

fn taps(input: usize, output: usize, antialias: bool) -> Vec<Taps> {
    let scale = input as f64 / output as f64;
    (0..output)
        .map(|i| {
            if antialias {
                antialiased_taps(i, input, scale)
            } else {
                linear_taps(i, input, scale)
            }
        })
        .collect()
}

/// `HelperInterpLinear::aa_filter` weights of `_compute_weights_aa` (interp_size 2,
/// align_corners false).
fn antialiased_taps(i: usize, input: usize, scale: f64) -> Taps {
    let support = if scale >= 1.0 { scale } else { 1.0 };
    let invscale = if scale >= 1.0 { 1.0 / scale } else { 1.0 };
    let max_taps = support.ceil() as usize * 2 + 1;
    let center = scale * (i as f64 + 0.5);
    // C++ casts to int64 truncate towards zero; the lower bound is then clamped at 0.
    let start = ((center - support + 0.5).trunc().max(0.0)) as usize;
    let end = ((center + support + 0.5).trunc() as usize).min(input);
    let count = end.saturating_sub(start).min(max_taps);
    let mut weights: Vec<f64> = (0..count)
        .map(|j| {
            let x = ((j + start) as f64 - center + 0.5) * invscale;
            (1.0 - x.abs()).max(0.0)
        })
        .collect();
    let total: f64 = weights.iter().sum();
    if total != 0.0 {
        weights.iter_mut().for_each(|w| *w /= total);
    }
    Taps { start, weights }
}

/// `compute_indices_weights_linear` of `upsample_bilinear2d` (align_corners false).
fn linear_taps(i: usize, input: usize, scale: f64) -> Taps {
    let source = (scale * (i as f64 + 0.5) - 0.5).max(0.0);
    let index = (source.floor() as usize).min(input - 1);
    let lambda = (source - index as f64).clamp(0.0, 1.0);
    if index + 1 < input {
        Taps {
            start: index,
            weights: vec![1.0 - lambda, lambda],
        }
    } else {
        // both neighbours are the last input
        Taps {
            start: index,
            weights: vec![1.0],
        }
    }
}

fn resize_axis(src: ArrayView3<f64>, axis: Axis, taps: &[Taps]) -> Array3<f64> {
    let mut shape = src.raw_dim();
    shape[axis.index()] = taps.len();
    let mut out = Array3::<f64>::zeros(shape);
    for (mut lane_out, t) in out.axis_iter_mut(axis).zip(taps) {
        for (k, &w) in t.weights.iter().enumerate() {
            let lane_in = src.index_axis(axis, t.start + k);
            if k == 0 {
                lane_out.zip_mut_with(&lane_in, |o, &v| *o = v * w);
            } else {
                lane_out.zip_mut_with(&lane_in, |o, &v| *o += v * w);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(values: &[f64]) -> Array3<f64> {
        Array3::from_shape_vec((1, values.len(), 1), values.to_vec()).unwrap()
    }

    fn values(a: &Array3<f64>) -> Vec<f64> {
        a.iter().copied().collect()
    }

    #[test]
    fn enlarging_is_bilinear_with_or_without_antialias() {
        // scale 0.6: source positions 0.6·(i + ½) − ½ = −0.2, 0.4, 1.0, 1.6, 2.2, clamped to the
        // ends, so [0, 0.4·1, 1, 1 + 0.6·3, 4]
        let x = line(&[0.0, 1.0, 4.0]);
        for aa in [false, true] {
            let y = resize_bilinear(x.view(), 1, 5, aa);
            let want = [0.0, 0.4, 1.0, 2.8, 4.0];
            for (a, b) in values(&y).iter().zip(want) {
                assert!((a - b).abs() < 1e-12, "{aa}: {:?}", values(&y));
            }
        }
    }

    #[test]
    fn shrinking_differs_by_antialias() {
        let x = line(&[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]);
        // without antialiasing: source positions 1.5 and 5.5, i.e. means of neighbours
        assert_eq!(values(&resize_bilinear(x.view(), 1, 2, false)), [1.5, 5.5]);
        // with: a triangle of radius 4 (in input pixels) around position 2, cut at the left edge:
        // inputs 0..6 weighted 1 − |j + ½ − 2| / 4, normalised
        let y = resize_bilinear(x.view(), 1, 2, true);
        let w: Vec<f64> = (0..6)
            .map(|j| (1.0 - ((j as f64 + 0.5) - 2.0f64).abs() / 4.0).max(0.0))
            .collect();
        let want = w.iter().enumerate().map(|(j, w)| j as f64 * w).sum::<f64>() / w.iter().sum::<f64>();
        assert!((y[[0, 0, 0]] - want).abs() < 1e-12, "{:?}", values(&y));
        // a constant image stays constant, whatever the sizes
        let c = Array3::from_elem((7, 5, 3), 0.3);
        for aa in [false, true] {
            let r = resize_bilinear(c.view(), 3, 11, aa);
            assert_eq!(r.dim(), (3, 11, 3));
            assert!(r.iter().all(|v| (v - 0.3).abs() < 1e-15));
        }
    }

    #[test]
    fn same_size_is_a_copy() {
        let x = Array3::from_shape_fn((4, 3, 3), |(y, x, c)| (y * 9 + x * 3 + c) as f64);
        assert_eq!(resize_bilinear(x.view(), 4, 3, true), x);
        // one pixel to many: every output is that pixel
        let one = line(&[0.7]);
        assert_eq!(values(&resize_bilinear(one.view(), 1, 4, false)), [0.7; 4]);
        assert_eq!(values(&resize_bilinear(one.view(), 1, 4, true)), [0.7; 4]);
    }
}
