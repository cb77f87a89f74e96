//! Image-reconstruction metrics for fMRI→image generation, computed as MindEye2's
//! `final_evaluations` and Brain-Diffuser's `evaluate_reconstruction.py` compute them:
//!
//! - low level, on the pixels of each real/generated pair ([`Image`]: RGB in 0–1):
//!   [`pixcorr`] (Pearson correlation after a bilinear resize to 425 × 425) and [`ssim`]
//!   (scikit-image's Gaussian SSIM of the gray images, after the same resize);
//! - high level, on features of the images from any network (AlexNet layers, Inception, CLIP,
//!   EfficientNet, SwAV — computed by brainclip or read from a lab's feature file):
//!   [`two_way_identification`] and [`correlation_distance`], plus seeded N-way draws;
//! - [`recon_metrics`]: all of them in one [`ReconReport`] that records its settings.
//!
//! Everything is computed in f64 from the f32 inputs. References (`tests/data/recon/`,
//! `tests/recon_metrics.rs`): scikit-image 0.26's `structural_similarity`, numpy's `corrcoef`
//! after torchvision 0.24's `Resize` on float64 tensors, MindEye2's `two_way_identification`.
//!
//! Degenerate inputs give defined, documented results rather than NaN: a constant image or
//! feature row (zero variance) has correlation 0 in PixCorr and distance 1 in the correlation
//! distance (each counted in the result), and its comparisons fail in two-way identification
//! (as NaN comparisons do in MindEye2's numpy code). SSIM is defined for constant images.
//! Empty sets, mismatched counts or sizes and images smaller than the SSIM window are errors.
//!
//! ```
//! use brainclip::eval::recon::{FeatureSet, Image, ReconSettings, recon_metrics};
//! use ndarray::Array2;
//!
//! let image = |seed: usize| {
//!     Image::new(16, 16, (0..768).map(|i| ((i * 7 + seed * (i / 3)) % 11) as f32 / 10.0).collect())
//! };
//! let real: Vec<Image> = (0..4).map(image).collect::<Result<_, _>>()?;
//! let generated = real.clone();
//! let feats = Array2::from_shape_fn((4, 8), |(i, d)| ((i * 5 + d * 3) % 7) as f32);
//! let features = [FeatureSet { name: "clip", real: feats.view(), generated: feats.view() }];
//! let report = recon_metrics(&real, &generated, &features, &ReconSettings::default())?;
//! assert!((report.ssim.as_ref().unwrap().mean - 1.0).abs() < 1e-9);
//! assert_eq!(report.features[0].two_way.accuracy, 1.0);
//! assert!(report.to_string().contains("2-way identification"));
//! # Ok::<(), brainclip::eval::EvalError>(())
//! ```

mod distance;
mod identification;
mod image;
mod pixcorr;
mod report;
mod resize;
mod ssim;

pub use self::image::Image;
pub use distance::{CorrelationDistance, correlation_distance};
pub use identification::{TwoWay, two_way_identification};
pub use pixcorr::{PixCorr, pixcorr};
pub use report::{FeatureReport, ReconReport};
pub use resize::{MAX_RESIZE, Resize, resize_bilinear};
pub use ssim::{Ssim, SsimSettings, rgb_to_gray, ssim, ssim_gray};

use ndarray::{Array3, ArrayView2};
use serde::{Deserialize, Serialize};

use super::{EvalError, MAX_RESAMPLES};
use identification::FeatureCorrelations;

/// Features of the real and the generated images from one network (rows = images, in pair
/// order), e.g. CLIP image embeddings or a flattened AlexNet layer.
///
/// ```
/// use brainclip::eval::recon::FeatureSet;
/// use ndarray::Array2;
///
/// let f = Array2::<f32>::zeros((3, 4));
/// let set = FeatureSet { name: "alexnet5", real: f.view(), generated: f.view() };
/// assert_eq!(set.name, "alexnet5");
/// ```
#[derive(Clone, Copy, Debug)]
pub struct FeatureSet<'a> {
    /// The features' name, e.g. "alexnet2", "inception", "clip"; recorded in the report.
    pub name: &'a str,
    /// Features of the real images (pairs × D).
    pub real: ArrayView2<'a, f32>,
    /// Features of the generated images (pairs × D).
    pub generated: ArrayView2<'a, f32>,
}

/// The row of `real_ids` for each of `generated_ids`, in the generated side's order: how the
/// features of feature set `name`, computed for real and generated images with the same ids, are
/// paired (extra real rows are left out).
///
/// ```
/// use brainclip::eval::recon::rows_by_id;
/// let ids = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
/// assert_eq!(rows_by_id("clip", &ids(&["a", "b", "c"]), &ids(&["c", "a"]))?, [2, 0]);
/// let err = rows_by_id("clip", &ids(&["a"]), &ids(&["z"])).unwrap_err();
/// assert_eq!(err.to_string(), "feature set `clip`: generated id `z` has no real row");
/// # Ok::<(), brainclip::eval::EvalError>(())
/// ```
pub fn rows_by_id(name: &str, real_ids: &[String], generated_ids: &[String]) -> Result<Vec<usize>, EvalError> {
    generated_ids
        .iter()
        .map(|id| {
            real_ids
                .iter()
                .position(|x| x == id)
                .ok_or_else(|| EvalError::InvalidImage {
                    what: format!("feature set `{name}`"),
                    problem: format!("generated id `{id}` has no real row"),
                })
        })
        .collect()
}

/// The settings of [`recon_metrics`]; recorded in the report. Defaults are MindEye2's: PixCorr
/// and SSIM after a 425 × 425 antialiased bilinear resize, SSIM constants of [`SsimSettings`],
/// two-way identification only (no N-way draws; 30 repeats and seed 0 when asked for).
///
/// ```
/// use brainclip::eval::recon::{ReconSettings, Resize};
///
/// let s = ReconSettings { ssim_resize: None, n_way: vec![50], ..Default::default() };
/// s.validate()?;
/// assert_eq!(s.pixcorr_resize, Some(Resize { size: 425, antialias: true }));
/// let json = serde_json::to_value(&s).unwrap();
/// assert_eq!(json["ssim"]["sigma"], 1.5);
/// assert!(serde_json::from_str::<ReconSettings>(r#"{"pixcorr_size": 32}"#).is_err()); // unknown key
/// # Ok::<(), brainclip::eval::EvalError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ReconSettings {
    /// Resize before PixCorr (none: each pair must have equal sizes).
    pub pixcorr_resize: Option<Resize>,
    /// Resize before SSIM's gray conversion (none: each pair must have equal sizes).
    pub ssim_resize: Option<Resize>,
    /// SSIM's window and constants.
    pub ssim: SsimSettings,
    /// N-way protocols for the features, e.g. [300]; empty for none.
    ///
    /// Top-1 over each feature set's correlations, N − 1 distractors drawn per query and repeat.
    #[schemars(inner(range(min = 2)))]
    pub n_way: Vec<usize>,
    /// Draws per query of each N-way protocol.
    pub repeats: usize,
    /// Seed of the N-way draws.
    pub seed: u64,
}

impl Default for ReconSettings {
    fn default() -> Self {
        Self {
            pixcorr_resize: Some(Resize::default()),
            ssim_resize: Some(Resize::default()),
            ssim: SsimSettings::default(),
            n_way: Vec::new(),
            repeats: 30,
            seed: 0,
        }
    }
}

impl ReconSettings {
    /// Checks the resizes, the SSIM settings, every N (at least 2) and the repeats (1 to
    /// [`MAX_RESAMPLES`] when an N-way protocol is asked for).
    pub fn validate(&self) -> Result<(), EvalError> {
        for r in [self.pixcorr_resize, self.ssim_resize].into_iter().flatten() {
            r.validate()?;
        }
        self.ssim.validate()?;
        if let Some(&n) = self.n_way.iter().find(|&&n| n < 2) {
            return Err(EvalError::InvalidSetting {
                name: "n_way",
                expected: "every N at least 2".into(),
                found: n.to_string(),
            });
        }
        if !self.n_way.is_empty() && !(1..=MAX_RESAMPLES).contains(&self.repeats) {
            return Err(EvalError::InvalidSetting {
                name: "repeats",
                expected: format!("1 to {MAX_RESAMPLES} draws per N-way protocol"),
                found: self.repeats.to_string(),
            });
        }
        Ok(())
    }
}

/// All reconstruction metrics of one evaluation: PixCorr and SSIM of each real/generated image
/// pair (when images are given) and, for each feature set, two-way identification, mean
/// correlation distance and the N-way protocols of `settings.n_way` — with the settings, as a
/// [`ReconReport`].
///
/// Images may be left out (both slices empty) to score features only; feature sets may be left
/// out to score pixels only.
///
/// Errors: nothing to evaluate; different numbers of real and generated images; a feature set
/// whose row count differs from the number of pairs; an empty or repeated feature-set name;
/// invalid settings; any error of the metrics (see [`pixcorr`], [`ssim`],
/// [`two_way_identification`]).
///
/// ```
/// use brainclip::eval::recon::{FeatureSet, ReconSettings, recon_metrics};
/// use ndarray::Array2;
///
/// let real = Array2::from_shape_fn((20, 6), |(i, d)| ((i * 13 + d * 7) % 10) as f32);
/// let generated = &real + &Array2::from_shape_fn((20, 6), |(i, d)| ((i * d) % 3) as f32);
/// let features = [FeatureSet { name: "inception", real: real.view(), generated: generated.view() }];
/// let settings = ReconSettings { n_way: vec![10], ..Default::default() };
/// let report = recon_metrics(&[], &[], &features, &settings)?;
/// assert!(report.pixcorr.is_none() && report.pairs == 20);
/// let f = &report.features[0];
/// assert!(f.two_way.accuracy > 0.8 && f.n_way[0].n == 10);
/// let json = serde_json::to_value(&report).unwrap();
/// assert_eq!(json["features"][0]["name"], "inception");
/// assert_eq!(json["settings"]["n_way"][0], 10);
/// # Ok::<(), brainclip::eval::EvalError>(())
/// ```
pub fn recon_metrics(
    real: &[Image],
    generated: &[Image],
    features: &[FeatureSet],
    settings: &ReconSettings,
) -> Result<ReconReport, EvalError> {
    settings.validate()?;
    let images = !(real.is_empty() && generated.is_empty());
    if !images && features.is_empty() {
        return Err(EvalError::Empty(
            "the reconstruction input (neither images nor features)",
        ));
    }
    let pairs = if images {
        check_pairs(real, generated)?
    } else {
        features[0].real.nrows()
    };
    for (k, f) in features.iter().enumerate() {
        if f.name.trim().is_empty() {
            return Err(EvalError::InvalidSetting {
                name: "feature set name",
                expected: "a non-empty name".into(),
                found: format!("{:?}", f.name),
            });
        }
        if features[..k].iter().any(|g| g.name == f.name) {
            return Err(EvalError::InvalidSetting {
                name: "feature set name",
                expected: "a name not used by another feature set".into(),
                found: f.name.to_owned(),
            });
        }
        for rows in [f.real.nrows(), f.generated.nrows()] {
            if rows != pairs {
                return Err(EvalError::ShapeMismatch {
                    what: "feature rows (one per image pair)",
                    expected: pairs,
                    found: rows,
                });
            }
        }
    }
    let (pixcorr, ssim) = if images {
        (
            Some(pixcorr(real, generated, settings.pixcorr_resize)?),
            Some(ssim(real, generated, settings.ssim_resize, &settings.ssim)?),
        )
    } else {
        (None, None)
    };
    let features = features
        .iter()
        .map(|f| {
            let correlations = FeatureCorrelations::new(f.real, f.generated)?;
            Ok(FeatureReport {
                name: f.name.to_owned(),
                dim: f.real.ncols(),
                two_way: correlations.two_way(),
                correlation_distance: correlation_distance(f.real, f.generated)?,
                n_way: correlations.n_way(&settings.n_way, settings.repeats, settings.seed)?,
            })
        })
        .collect::<Result<Vec<_>, EvalError>>()?;
    Ok(ReconReport {
        pairs,
        settings: settings.clone(),
        pixcorr,
        ssim,
        features,
    })
}

/// The number of pairs: at least one, as many generated as real images.
fn check_pairs(real: &[Image], generated: &[Image]) -> Result<usize, EvalError> {
    if real.is_empty() && generated.is_empty() {
        return Err(EvalError::Empty("the set of image pairs"));
    }
    if real.len() != generated.len() {
        return Err(EvalError::ShapeMismatch {
            what: "number of generated images (one per real image)",
            expected: real.len(),
            found: generated.len(),
        });
    }
    Ok(real.len())
}

/// Pair `i` in f64, both resized, or checked to be of equal size when there is no resize.
fn pair_arrays(
    real: &Image,
    generated: &Image,
    resize: Option<Resize>,
    i: usize,
    metric: &str,
) -> Result<(Array3<f64>, Array3<f64>), EvalError> {
    match resize {
        Some(r) => Ok((r.apply(real), r.apply(generated))),
        None if real.height() != generated.height() || real.width() != generated.width() => {
            Err(EvalError::InvalidImage {
                what: format!("pair {i}"),
                problem: format!(
                    "{metric} without a resize needs images of equal size: the real image is {}, the generated {}",
                    real.size_text(),
                    generated.size_text()
                ),
            })
        }
        None => Ok((real.to_f64(), generated.to_f64())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    fn image(seed: usize) -> Image {
        Image::new(
            12,
            12,
            (0..432)
                .map(|i| ((i * 7 + seed * (i / 3 + 1)) % 11) as f32 / 10.0)
                .collect(),
        )
        .unwrap()
    }

    #[test]
    fn pixels_and_features_in_one_report() {
        let real: Vec<Image> = (0..5).map(image).collect();
        let generated: Vec<Image> = (0..5).map(|i| image((i + 1) % 5)).collect();
        let f = Array2::from_shape_fn((5, 9), |(i, d)| ((i * 3 + d * 5) % 8) as f32);
        let g = f.mapv(|v| v * 2.0 + 1.0);
        let sets = [
            FeatureSet {
                name: "a",
                real: f.view(),
                generated: g.view(),
            },
            FeatureSet {
                name: "b",
                real: f.view(),
                generated: f.view(),
            },
        ];
        let settings = ReconSettings {
            pixcorr_resize: Some(Resize {
                size: 20,
                antialias: false,
            }),
            ..Default::default()
        };
        let report = recon_metrics(&real, &generated, &sets, &settings).unwrap();
        assert_eq!(report.pairs, 5);
        let p = report.pixcorr.as_ref().unwrap();
        assert_eq!(p, &pixcorr(&real, &generated, settings.pixcorr_resize).unwrap());
        let s = report.ssim.as_ref().unwrap();
        assert_eq!(s.resize, Some(Resize::default()));
        assert_eq!(report.features[0].two_way.accuracy, 1.0);
        assert!(report.features[1].correlation_distance.mean < 1e-12);
        assert_eq!(report.features[0].dim, 9);
    }

    #[test]
    fn input_errors() {
        let s = ReconSettings::default();
        assert_eq!(
            recon_metrics(&[], &[], &[], &s).unwrap_err(),
            EvalError::Empty("the reconstruction input (neither images nor features)")
        );
        let imgs: Vec<Image> = (0..3).map(image).collect();
        assert!(matches!(
            recon_metrics(&imgs, &imgs[..2], &[], &s),
            Err(EvalError::ShapeMismatch { .. })
        ));
        let f = Array2::<f32>::ones((4, 2));
        let set = |name| FeatureSet {
            name,
            real: f.view(),
            generated: f.view(),
        };
        let err = recon_metrics(&imgs, &imgs, &[set("x")], &s).unwrap_err().to_string();
        assert_eq!(err, "feature rows (one per image pair): expected 3, found 4");
        assert!(recon_metrics(&[], &[], &[set("x"), set("x")], &s).is_err());
        assert!(recon_metrics(&[], &[], &[set(" ")], &s).is_err());
        let bad = ReconSettings {
            n_way: vec![1],
            ..Default::default()
        };
        assert!(recon_metrics(&imgs, &imgs, &[], &bad).is_err());
        let bad = ReconSettings {
            n_way: vec![2],
            repeats: 0,
            ..Default::default()
        };
        assert!(bad.validate().is_err());
        let bad = ReconSettings {
            ssim_resize: Some(Resize {
                size: MAX_RESIZE + 1,
                antialias: true,
            }),
            ..Default::default()
        };
        assert!(bad.validate().is_err());
    }

    #[test]
    fn settings_round_trip() {
        let s = ReconSettings {
            pixcorr_resize: None,
            n_way: vec![2, 50],
            seed: 3,
            ..Default::default()
        };
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(serde_json::from_str::<ReconSettings>(&json).unwrap(), s);
        let partial: ReconSettings = serde_json::from_str(r#"{"ssim_resize": {"size": 64}}"#).unwrap();
        assert_eq!(
            partial.ssim_resize,
            Some(Resize {
                size: 64,
                antialias: true
            })
        );
        assert_eq!(partial.pixcorr_resize, Some(Resize::default()));
    }
}
