//! The report of [`super::recon_metrics`]: every metric with the settings that produced it, as
//! JSON and as a table.

use std::fmt;

use serde::Serialize;

use super::{CorrelationDistance, PixCorr, ReconSettings, Resize, Ssim, TwoWay};
use crate::eval::NWay;
use crate::eval::report::{aligned_table, fixed, interval, p_value};

/// The metrics of one feature set.
///
/// ```
/// use brainclip::eval::recon::{FeatureSet, ReconSettings, recon_metrics};
/// use ndarray::Array2;
///
/// let f = Array2::from_shape_fn((6, 4), |(i, d)| ((i * 3 + d * 7) % 5) as f32);
/// let report = recon_metrics(&[], &[], &[FeatureSet { name: "swav", real: f.view(), generated: f.view() }],
///                            &ReconSettings::default())?;
/// let swav = &report.features[0];
/// assert_eq!((swav.name.as_str(), swav.dim), ("swav", 4));
/// assert!(swav.correlation_distance.mean < 1e-12 && swav.n_way.is_empty());
/// # Ok::<(), brainclip::eval::EvalError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FeatureReport {
    /// The feature set's name.
    pub name: String,
    /// Feature width.
    pub dim: usize,
    /// Two-way identification (AlexNet, Inception, CLIP in MindEye2's tables).
    pub two_way: TwoWay,
    /// Mean correlation distance (EfficientNet-B1, SwAV in MindEye2's tables).
    pub correlation_distance: CorrelationDistance,
    /// Top-1 of each N-way protocol of the settings.
    pub n_way: Vec<NWay>,
}

/// All reconstruction metrics of one evaluation with their settings: PixCorr and SSIM (when
/// images were given) and each feature set's metrics. Serialises to JSON (per-pair values
/// included) for the run manifest; `Display` (or [`ReconReport::to_table`]) renders an aligned
/// text table.
///
/// ```
/// use brainclip::eval::recon::{Image, ReconSettings, recon_metrics};
///
/// let a = Image::new(12, 12, (0..432).map(|i| (i % 9) as f32 / 8.0).collect())?;
/// let b = Image::new(12, 12, (0..432).map(|i| (i % 7) as f32 / 6.0).collect())?;
/// let report = recon_metrics(&[a.clone(), b.clone()], &[a, b], &[], &ReconSettings::default())?;
/// assert_eq!(report.pairs, 2);
/// let json = serde_json::to_value(&report).unwrap();
/// assert_eq!(json["settings"]["pixcorr_resize"]["size"], 425);
/// assert_eq!(json["ssim"]["win_size"], 11);
/// assert_eq!(json["pixcorr"]["per_pair"].as_array().map(Vec::len), Some(2));
/// # Ok::<(), brainclip::eval::EvalError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReconReport {
    /// Number of real/generated pairs.
    pub pairs: usize,
    /// The settings used.
    pub settings: ReconSettings,
    /// PixCorr, if images were given.
    pub pixcorr: Option<PixCorr>,
    /// SSIM, if images were given.
    pub ssim: Option<Ssim>,
    /// One entry per feature set, in the order given.
    pub features: Vec<FeatureReport>,
}

impl ReconReport {
    /// An aligned text table: a header with the number of pairs and the settings, then one row
    /// per metric with its value, chance level, binomial p-value and notes (e.g. constant
    /// images).
    ///
    /// ```
    /// use brainclip::eval::recon::{FeatureSet, ReconSettings, recon_metrics};
    /// use ndarray::Array2;
    ///
    /// let f = Array2::from_shape_fn((8, 5), |(i, d)| ((i * 5 + d * d * 3 + i * d) % 11) as f32);
    /// let settings = ReconSettings { n_way: vec![4], ..Default::default() };
    /// let table = recon_metrics(&[], &[], &[FeatureSet { name: "alexnet5", real: f.view(), generated: f.view() }],
    ///                           &settings)?.to_table();
    /// let row = table.lines().find(|l| l.starts_with("2-way identification")).unwrap();
    /// assert!(row.contains("alexnet5") && row.contains("1.0000") && row.contains("0.5000"));
    /// assert!(table.contains("4-way top-1"));
    /// # Ok::<(), brainclip::eval::EvalError>(())
    /// ```
    pub fn to_table(&self) -> String {
        let s = &self.settings;
        let what = if self.pixcorr.is_some() || self.ssim.is_some() {
            "image pairs"
        } else {
            "real/generated feature rows"
        };
        let mut out = format!("Reconstruction metrics of {} {what}\n", self.pairs);
        if self.pixcorr.is_some() || self.ssim.is_some() {
            let g = s.ssim.gray_weights;
            out += &format!(
                "PixCorr: {}; SSIM: {}, gray ({}, {}, {}), Gaussian σ {} ({} × {} window), K1 {}, K2 {}, data range {}\n",
                resize_text(s.pixcorr_resize),
                resize_text(s.ssim_resize),
                g[0],
                g[1],
                g[2],
                s.ssim.sigma,
                s.ssim.win_size(),
                s.ssim.win_size(),
                s.ssim.k1,
                s.ssim.k2,
                s.ssim.data_range
            );
        }
        if !self.features.is_empty() {
            let sets: Vec<String> = self
                .features
                .iter()
                .map(|f| format!("{} ({})", f.name, f.dim))
                .collect();
            let n_way = if s.n_way.is_empty() {
                "no N-way protocol".to_owned()
            } else {
                let ns: Vec<String> = s.n_way.iter().map(usize::to_string).collect();
                format!("N-way N = {} × {} repeats, seed {}", ns.join(", "), s.repeats, s.seed)
            };
            out += &format!("features: {}; {n_way}\n", sets.join(", "));
        }
        out.push('\n');
        let dash = || "–".to_owned();
        let mut rows: Vec<[String; COLUMNS]> = vec![
            [
                "metric",
                "features",
                "value",
                "chance",
                "95% CI",
                "p (binomial)",
                "note",
            ]
            .map(String::from),
        ];
        if let Some(p) = &self.pixcorr {
            rows.push([
                "PixCorr".into(),
                dash(),
                fixed(p.mean, 4),
                fixed(0.0, 4),
                dash(),
                dash(),
                constant_note(p.constant_pairs, "pair", "r = 0"),
            ]);
        }
        if let Some(v) = &self.ssim {
            rows.push(["SSIM".into(), dash(), fixed(v.mean, 4), dash(), dash(), dash(), dash()]);
        }
        for f in &self.features {
            let t = &f.two_way;
            rows.push([
                "2-way identification".into(),
                f.name.clone(),
                fixed(t.accuracy, 4),
                fixed(t.chance, 4),
                dash(),
                p_value(t.p_value),
                constant_note(t.constant_rows, "row", "comparisons fail"),
            ]);
            let d = &f.correlation_distance;
            rows.push([
                "correlation distance".into(),
                f.name.clone(),
                fixed(d.mean, 4),
                fixed(1.0, 4),
                dash(),
                dash(),
                constant_note(d.constant_pairs, "pair", "distance 1"),
            ]);
            for w in &f.n_way {
                rows.push([
                    format!("{}-way top-{}", w.n, w.k),
                    f.name.clone(),
                    fixed(w.mean, 4),
                    fixed(w.chance, 4),
                    interval(w.ci95),
                    p_value(w.p_value),
                    dash(),
                ]);
            }
        }
        let cells: Vec<&[String]> = rows.iter().map(|r| r.as_slice()).collect();
        out += &aligned_table(&cells, |c| c < 2 || c == COLUMNS - 1);
        out
    }
}

impl fmt::Display for ReconReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_table())
    }
}

const COLUMNS: usize = 7;

fn resize_text(resize: Option<Resize>) -> String {
    match resize {
        Some(Resize { size, antialias }) => format!(
            "bilinear resize to {size} × {size}{}",
            if antialias { " (antialiased)" } else { "" }
        ),
        None => "no resize".to_owned(),
    }
}

fn constant_note(count: usize, what: &str, treatment: &str) -> String {
    match count {
        0 => "–".to_owned(),
        1 => format!("1 constant {what} ({treatment})"),
        n => format!("{n} constant {what}s ({treatment})"),
    }
}

#[cfg(test)]
mod tests {
    use super::super::{FeatureSet, Image, recon_metrics};
    use super::*;
    use ndarray::Array2;

    #[test]
    fn table_lists_every_metric_aligned() {
        let img = |seed: usize| {
            Image::new(
                11,
                13,
                (0..429).map(|i| ((i * 5 + seed * i / 7) % 10) as f32 / 9.0).collect(),
            )
            .unwrap()
        };
        let real: Vec<Image> = (0..6).map(img).collect();
        let mut generated: Vec<Image> = (0..6).map(|i| img(i + 2)).collect();
        generated[3] = Image::new(11, 13, vec![0.5; 429]).unwrap();
        let f = Array2::from_shape_fn((6, 7), |(i, d)| ((i * 3 + d * 5) % 9) as f32);
        let mut g = f.clone();
        g.row_mut(2).fill(1.0);
        let sets = [
            FeatureSet {
                name: "clip",
                real: f.view(),
                generated: g.view(),
            },
            FeatureSet {
                name: "inception",
                real: g.view(),
                generated: f.view(),
            },
        ];
        let settings = ReconSettings {
            pixcorr_resize: None,
            n_way: vec![3],
            repeats: 4,
            ..Default::default()
        };
        let report = recon_metrics(&real, &generated, &sets, &settings).unwrap();
        let table = report.to_table();
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines[0], "Reconstruction metrics of 6 image pairs");
        assert!(lines[1].starts_with("PixCorr: no resize; SSIM: bilinear resize to 425 × 425 (antialiased)"));
        assert!(lines[1].contains("K1 0.01, K2 0.03, data range 1"), "{table}");
        assert_eq!(
            lines[2],
            "features: clip (7), inception (7); N-way N = 3 × 4 repeats, seed 0"
        );
        let header = lines[4];
        let value_end = header.find("value").unwrap() + "value".len();
        for line in &lines[5..] {
            let before: String = line.chars().take(value_end).collect();
            assert!(
                before.ends_with(|c: char| c.is_ascii_digit()),
                "misaligned: {line}\n{table}"
            );
        }
        assert!(table.contains("1 constant pair (r = 0)"), "{table}");
        assert!(table.contains("1 constant row (comparisons fail)"), "{table}");
        assert!(table.contains("3-way top-1"), "{table}");
        assert_eq!(
            lines.iter().filter(|l| l.starts_with("correlation distance")).count(),
            2
        );
        assert_eq!(format!("{report}"), table);
        let json = serde_json::to_value(&report).unwrap();
        assert!(json["settings"]["pixcorr_resize"].is_null());
        assert_eq!(json["pixcorr"]["constant_pairs"], 1);
        assert_eq!(json["features"][1]["two_way"]["comparisons"], 5);
    }
}
