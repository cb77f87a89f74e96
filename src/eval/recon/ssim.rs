//! SSIM as MindEye2 and Brain-Diffuser compute it: scikit-image's `structural_similarity` on
//! `rgb2gray` images with Gaussian weights.

use ndarray::{Array2, ArrayView1, ArrayView2, ArrayView3, ArrayViewMut1, Axis, Zip, s};
use serde::{Deserialize, Serialize};

use super::pixcorr::block_sum;
use super::{Image, Resize, check_pairs, pair_arrays};
use crate::eval::EvalError;

/// The largest Gaussian radius `⌊truncate · σ + ½⌋` accepted.
const MAX_RADIUS: usize = 1000;

/// The constants of SSIM. The defaults are MindEye2's and Brain-Diffuser's call,
/// `structural_similarity(gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
/// data_range=1.0)` after `rgb2gray`: Gaussian σ 1.5 truncated at 3.5 σ (what scikit-image fixes
/// for `gaussian_weights=True`; an 11 × 11 window), K1 0.01, K2 0.03, data range 1, scikit-image's
/// gray weights
/// (0.2125, 0.7154, 0.0721). Variances are population variances
/// (`use_sample_covariance=False`), always.
///
/// ```
/// use brainclip::eval::recon::SsimSettings;
///
/// let s = SsimSettings::default();
/// assert_eq!((s.radius(), s.win_size()), (5, 11));
/// assert!(SsimSettings { k2: -1.0, ..s }.validate().is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct SsimSettings {
    /// Standard deviation of the Gaussian window, in pixels.
    pub sigma: f64,
    /// The window's radius in standard deviations (radius `⌊truncate · σ + ½⌋`).
    pub truncate: f64,
    /// K1 of the luminance term's constant `(K1 · data_range)²`.
    pub k1: f64,
    /// K2 of the contrast-structure term's constant `(K2 · data_range)²`.
    pub k2: f64,
    /// The range of the values (1 for images in 0–1).
    pub data_range: f64,
    /// Weights of R, G and B in the gray image.
    pub gray_weights: [f64; 3],
}

impl Default for SsimSettings {
    fn default() -> Self {
        Self {
            sigma: 1.5,
            truncate: 3.5,
            k1: 0.01,
            k2: 0.03,
            data_range: 1.0,
            gray_weights: [0.2125, 0.7154, 0.0721],
        }
    }
}

impl SsimSettings {
    /// The Gaussian's radius, `⌊truncate · σ + ½⌋` (scipy's `gaussian_filter`).
    pub fn radius(&self) -> usize {
        (self.truncate * self.sigma + 0.5) as usize
    }

    /// The window's side, `2 · radius + 1`; images must be at least this large.
    pub fn win_size(&self) -> usize {
        2 * self.radius() + 1
    }

    /// Checks that σ, truncate, K1, K2 and the data range are positive and finite, the radius
    /// at most 1000 and the gray weights finite.
    pub fn validate(&self) -> Result<(), EvalError> {
        for (name, v) in [
            ("ssim sigma", self.sigma),
            ("ssim truncate", self.truncate),
            ("ssim k1", self.k1),
            ("ssim k2", self.k2),
            ("ssim data_range", self.data_range),
        ] {
            if !(v.is_finite() && v > 0.0) {
                return Err(EvalError::InvalidSetting {
                    name,
                    expected: "a positive finite number".into(),
                    found: v.to_string(),
                });
            }
        }
        if self.truncate * self.sigma + 0.5 > MAX_RADIUS as f64 {
            return Err(EvalError::InvalidSetting {
                name: "ssim sigma",
                expected: format!("a window radius truncate · sigma of at most {MAX_RADIUS} pixels"),
                found: format!("{} · {}", self.truncate, self.sigma),
            });
        }
        if self.gray_weights.iter().any(|w| !w.is_finite()) {
            return Err(EvalError::InvalidSetting {
                name: "ssim gray_weights",
                expected: "three finite weights".into(),
                found: format!("{:?}", self.gray_weights),
            });
        }
        Ok(())
    }
}

/// SSIM over a set of pairs, with the settings that produced it.
///
/// ```
/// use brainclip::eval::recon::{Image, SsimSettings, ssim};
///
/// let x: Vec<f32> = (0..16 * 16 * 3).map(|i| ((i * 7) % 13) as f32 / 12.0).collect();
/// let a = Image::new(16, 16, x)?;
/// let r = ssim(&[a.clone()], &[a], None, &SsimSettings::default())?;
/// assert_eq!((r.win_size, r.per_pair.len()), (11, 1));
/// assert!((r.mean - 1.0).abs() < 1e-12);
/// # Ok::<(), brainclip::eval::EvalError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Ssim {
    /// Mean SSIM over pairs.
    pub mean: f64,
    /// Each pair's SSIM.
    pub per_pair: Vec<f64>,
    /// The resize applied to both images of each pair before the gray conversion (none: the
    /// pair must have equal sizes).
    pub resize: Option<Resize>,
    /// Side of the Gaussian window (11 by default).
    pub win_size: usize,
}

/// SSIM of `real[i]` against `generated[i]` for every pair, as MindEye2's `final_evaluations`:
/// both images resized (by default to 425 × 425, bilinear, antialiased; see [`Resize`]), turned
/// gray (`rgb2gray`), then [`ssim_gray`]; the mean over pairs. Computed in f64.
///
/// Errors: no pairs, different numbers of real and generated images, invalid settings, without a
/// resize a pair of different sizes, an image (after any resize) smaller than the window.
///
/// ```
/// use brainclip::eval::recon::{Image, Resize, SsimSettings, ssim};
///
/// let a = Image::new(12, 12, (0..432).map(|i| (i % 10) as f32 / 9.0).collect())?;
/// let b = Image::new(20, 16, vec![0.5; 960])?;
/// let settings = SsimSettings::default();
/// let same = ssim(&[a.clone()], &[a.clone()], Some(Resize::default()), &settings)?;
/// let flat = ssim(&[a.clone()], &[b.clone()], Some(Resize::default()), &settings)?;
/// assert!((same.mean - 1.0).abs() < 1e-12 && flat.mean < same.mean);
/// assert_eq!(flat.resize, Some(Resize::default()));
/// assert!(ssim(&[a], &[b], None, &SsimSettings::default()).is_err()); // sizes differ
/// # Ok::<(), brainclip::eval::EvalError>(())
/// ```
pub fn ssim(
    real: &[Image],
    generated: &[Image],
    resize: Option<Resize>,
    settings: &SsimSettings,
) -> Result<Ssim, EvalError> {
    let n = check_pairs(real, generated)?;
    settings.validate()?;
    if let Some(r) = resize {
        r.validate()?;
    }
    let mut per_pair = Vec::with_capacity(n);
    for (i, (a, b)) in real.iter().zip(generated).enumerate() {
        let (a, b) = pair_arrays(a, b, resize, i, "SSIM")?;
        let (a, b) = (
            rgb_to_gray(a.view(), settings.gray_weights),
            rgb_to_gray(b.view(), settings.gray_weights),
        );
        let value = ssim_gray(a.view(), b.view(), settings).map_err(|e| match e {
            EvalError::InvalidImage { problem, .. } => EvalError::InvalidImage {
                what: format!("pair {i}"),
                problem,
            },
            other => other,
        })?;
        per_pair.push(value);
    }
    Ok(Ssim {
        mean: per_pair.iter().sum::<f64>() / n as f64,
        per_pair,
        resize,
        win_size: settings.win_size(),
    })
}

/// A gray image from a height × width × 3 one, `Σ_c weights[c] · image[.., .., c]`
/// (scikit-image's `rgb2gray` with its weights (0.2125, 0.7154, 0.0721)).
///
/// ```
/// use brainclip::eval::recon::rgb_to_gray;
/// use ndarray::Array3;
///
/// let red = Array3::from_shape_vec((1, 1, 3), vec![1.0, 0.0, 0.0]).unwrap();
/// assert_eq!(rgb_to_gray(red.view(), [0.2125, 0.7154, 0.0721])[[0, 0]], 0.2125);
/// ```
pub fn rgb_to_gray(image: ArrayView3<f64>, weights: [f64; 3]) -> Array2<f64> {
    let (h, w, c) = image.dim();
    Array2::from_shape_fn((h, w), |(y, x)| {
        (0..c.min(3)).map(|k| image[[y, x, k]] * weights[k]).sum()
    })
}

/// SSIM of two gray images of equal size, as scikit-image's `structural_similarity(a, b,
/// gaussian_weights=True, sigma, truncate, K1, K2, data_range, use_sample_covariance=False)`:
/// local means, variances and covariance from a Gaussian filter (scipy's `gaussian_filter`, mode
/// `reflect`, i.e. `d c b a | a b c d | d c b a`), the SSIM map
/// `(2 μa μb + C1)(2 σab + C2) / ((μa² + μb² + C1)(σa² + σb² + C2))` with
/// `C1 = (K1 · range)²`, `C2 = (K2 · range)²`, and its mean without a border of `radius` pixels.
///
/// Errors: images of different sizes or smaller than the window ([`EvalError::InvalidImage`]),
/// non-finite values, invalid settings.
///
/// ```
/// use brainclip::eval::recon::{SsimSettings, ssim_gray};
/// use ndarray::Array2;
///
/// let a = Array2::from_shape_fn((12, 14), |(y, x)| ((y * 3 + x * 5) % 7) as f64 / 6.0);
/// let settings = SsimSettings::default();
/// assert!((ssim_gray(a.view(), a.view(), &settings)? - 1.0).abs() < 1e-12);
/// let inverted = a.mapv(|v| 1.0 - v);
/// assert!(ssim_gray(a.view(), inverted.view(), &settings)? < 0.0);
/// let tiny = Array2::<f64>::zeros((10, 10));
/// assert!(ssim_gray(tiny.view(), tiny.view(), &settings).is_err()); // smaller than 11 × 11
/// # Ok::<(), brainclip::eval::EvalError>(())
/// ```
pub fn ssim_gray(a: ArrayView2<f64>, b: ArrayView2<f64>, settings: &SsimSettings) -> Result<f64, EvalError> {
    settings.validate()?;
    let invalid = |problem: String| EvalError::InvalidImage {
        what: "SSIM".into(),
        problem,
    };
    if a.dim() != b.dim() {
        return Err(invalid(format!(
            "the images differ in size: {} × {} and {} × {}",
            a.nrows(),
            a.ncols(),
            b.nrows(),
            b.ncols()
        )));
    }
    let (h, w) = a.dim();
    let win = settings.win_size();
    if h < win || w < win {
        return Err(invalid(format!(
            "a {h} × {w} image is smaller than the {win} × {win} window"
        )));
    }
    if a.iter().chain(b.iter()).any(|v| !v.is_finite()) {
        return Err(EvalError::NonFinite("an SSIM image"));
    }
    let r = settings.radius();
    let kernel = gaussian_kernel(settings.sigma, r);
    let filter = |img: &Array2<f64>| gaussian_filter(img.view(), &kernel);
    let (a, b) = (a.to_owned(), b.to_owned());
    let ux = filter(&a);
    let uy = filter(&b);
    let uxx = filter(&(&a * &a));
    let uyy = filter(&(&b * &b));
    let uxy = filter(&(&a * &b));
    let c1 = (settings.k1 * settings.data_range).powi(2);
    let c2 = (settings.k2 * settings.data_range).powi(2);
    let crop = s![r..h - r, r..w - r];
    let map = Zip::from(ux.slice(crop))
        .and(uy.slice(crop))
        .and(uxx.slice(crop))
        .and(uyy.slice(crop))
        .and(uxy.slice(crop))
        .map_collect(|&ux, &uy, &uxx, &uyy, &uxy| {
            let (vx, vy, vxy) = (uxx - ux * ux, uyy - uy * uy, uxy - ux * uy);
            let (a1, a2) = (2.0 * ux * uy + c1, 2.0 * vxy + c2);
            let (b1, b2) = (ux * ux + uy * uy + c1, vx + vy + c2);
            (a1 * a2) / (b1 * b2)
        });
    let sum = map.as_slice().map_or_else(|| map.sum(), block_sum);
    Ok(sum / map.len() as f64)
}

/// scipy's `_gaussian_kernel1d(sigma, 0, radius)`: `exp(−x² / 2σ²)` for x in −radius..=radius,
/// normalised.
fn gaussian_kernel(sigma: f64, radius: usize) -> Vec<f64> {
    let factor = -0.5 / (sigma * sigma);
    let r = radius as f64;
    let phi: Vec<f64> = (0..=2 * radius)
        .map(|i| {
            let x = i as f64 - r;
            (factor * x * x).exp()
        })
        .collect();
    let total: f64 = phi.iter().sum();
    phi.into_iter().map(|p| p / total).collect()
}

/// scipy's `gaussian_filter(img, mode="reflect")`: the kernel along axis 0, then along axis 1.
fn gaussian_filter(img: ArrayView2<f64>, kernel: &[f64]) -> Array2<f64> {
    let rows = filter_axis(img, kernel, Axis(0));
    filter_axis(rows.view(), kernel, Axis(1))
}

fn filter_axis(img: ArrayView2<f64>, kernel: &[f64], axis: Axis) -> Array2<f64> {
    let mut out = Array2::<f64>::zeros(img.raw_dim());
    let n = img.len_of(axis);
    let r = kernel.len() / 2;
    let mut padded = vec![0.0; n + 2 * r];
    Zip::from(out.lanes_mut(axis))
        .and(img.lanes(axis))
        .for_each(|o: ArrayViewMut1<f64>, i: ArrayView1<f64>| {
            for (k, p) in padded.iter_mut().enumerate() {
                *p = i[reflect(k as isize - r as isize, n)];
            }
            for (x, o) in o.into_iter().enumerate() {
                *o = padded[x..x + kernel.len()].iter().zip(kernel).map(|(v, w)| v * w).sum();
            }
        });
    out
}

/// scipy.ndimage's mode `reflect` (half-sample symmetric): index `i` of a line of `n` values,
/// reflected about the edges (`−1 → 0`, `n → n − 1`), periodically for any `i`.
fn reflect(i: isize, n: usize) -> usize {
    let period = 2 * n as isize;
    let m = i.rem_euclid(period) as usize;
    if m < n { m } else { 2 * n - 1 - m }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern(h: usize, w: usize, seed: usize) -> Array2<f64> {
        Array2::from_shape_fn((h, w), |(y, x)| ((y * 31 + x * 17 + seed * 7) % 23) as f64 / 22.0)
    }

    #[test]
    fn identical_images_score_one() {
        let s = SsimSettings::default();
        let a = pattern(15, 20, 1);
        assert!((ssim_gray(a.view(), a.view(), &s).unwrap() - 1.0).abs() < 1e-12);
        // also constant images (the constants keep it defined): μ equal, σ = 0 → 1
        let c = Array2::from_elem((11, 11), 0.4);
        assert!((ssim_gray(c.view(), c.view(), &s).unwrap() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn constant_images_by_hand() {
        // two constant images p and q: SSIM = (2pq + C1) / (p² + q² + C1) (the variance terms cancel)
        let s = SsimSettings::default();
        let (p, q) = (0.2, 0.6);
        let a = Array2::from_elem((13, 12), p);
        let b = Array2::from_elem((13, 12), q);
        let c1 = 0.01f64.powi(2);
        let want = (2.0 * p * q + c1) / (p * p + q * q + c1);
        assert!((ssim_gray(a.view(), b.view(), &s).unwrap() - want).abs() < 1e-12);
    }

    #[test]
    fn symmetric_and_bounded() {
        let s = SsimSettings::default();
        let (a, b) = (pattern(16, 16, 1), pattern(16, 16, 5));
        let ab = ssim_gray(a.view(), b.view(), &s).unwrap();
        let ba = ssim_gray(b.view(), a.view(), &s).unwrap();
        assert!((ab - ba).abs() < 1e-15 && ab < 1.0 && ab > -1.0);
    }

    #[test]
    fn kernel_and_reflection() {
        let k = gaussian_kernel(1.5, 5);
        assert_eq!(k.len(), 11);
        assert!((k.iter().sum::<f64>() - 1.0).abs() < 1e-15);
        assert!((k[5] / k[6] - (1.0 / (2.0 * 2.25f64)).exp()).abs() < 1e-12);
        let idx: Vec<usize> = (-3..7).map(|i| reflect(i, 4)).collect();
        assert_eq!(idx, [2, 1, 0, 0, 1, 2, 3, 3, 2, 1]);
        assert_eq!(reflect(-1, 1), 0);
        assert_eq!(reflect(9, 3), 2);
        // a filtered constant stays constant, even at the borders
        let c = Array2::from_elem((6, 7), 2.0);
        assert!(gaussian_filter(c.view(), &k).iter().all(|v| (v - 2.0).abs() < 1e-12));
    }

    #[test]
    fn settings_and_sizes() {
        let s = SsimSettings::default();
        let a = pattern(11, 11, 0);
        assert!(ssim_gray(a.view(), a.view(), &s).is_ok()); // exactly the window: one value
        let wide = pattern(11, 12, 0);
        let err = ssim_gray(a.view(), wide.view(), &s).unwrap_err().to_string();
        assert_eq!(err, "SSIM: the images differ in size: 11 × 11 and 11 × 12");
        let mut nan = a.clone();
        nan[[0, 0]] = f64::NAN;
        assert_eq!(
            ssim_gray(nan.view(), a.view(), &s).unwrap_err(),
            EvalError::NonFinite("an SSIM image")
        );
        let small = SsimSettings { sigma: 0.5, ..s }; // radius ⌊1.75 + ½⌋ = 2, window 5
        assert_eq!(small.win_size(), 5);
        let five = pattern(5, 9, 2);
        assert!(ssim_gray(five.view(), five.view(), &small).is_ok());
        for bad in [
            SsimSettings { sigma: 0.0, ..s },
            SsimSettings {
                truncate: f64::NAN,
                ..s
            },
            SsimSettings { data_range: -1.0, ..s },
            SsimSettings { sigma: 1e6, ..s },
            SsimSettings {
                gray_weights: [f64::INFINITY, 0.0, 0.0],
                ..s
            },
        ] {
            assert!(bad.validate().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn pairs_of_images() {
        let img = |seed: usize| {
            Image::new(
                12,
                13,
                (0..12 * 13 * 3).map(|i| ((i * 13 + seed) % 17) as f32 / 16.0).collect(),
            )
            .unwrap()
        };
        let s = SsimSettings::default();
        let r = ssim(&[img(0), img(1)], &[img(0), img(2)], None, &s).unwrap();
        assert!((r.per_pair[0] - 1.0).abs() < 1e-12 && r.per_pair[1] < 1.0);
        let small = Image::new(8, 8, vec![0.5; 192]).unwrap();
        let err = ssim(std::slice::from_ref(&small), std::slice::from_ref(&small), None, &s)
            .unwrap_err()
            .to_string();
        assert_eq!(err, "pair 0: a 8 × 8 image is smaller than the 11 × 11 window");
        let up = Resize {
            size: 11,
            antialias: true,
        };
        let one = std::slice::from_ref(&small);
        assert!(ssim(one, one, Some(up), &s).is_ok());
    }
}
