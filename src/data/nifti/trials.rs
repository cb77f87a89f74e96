//! One sample per event: the mean of the volumes acquired in the event's window, shifted by the
//! haemodynamic delay. The convention is spelt out in the module docs of [`super`].

use ndarray::{Array2, Axis};
use serde::{Deserialize, Serialize};

use super::error::NiftiError;
use super::events::Events;

/// Slack for comparing acquisition times with window edges: onsets and TRs written as decimals
/// (0.1, 1.35) are not exact in binary, and a volume acquired "exactly" at a window edge must land
/// on the same side every time.
const EPS: f64 = 1e-6;

/// How events become samples. It deserialises from a partial map (`{"window": 6.0}`), the rest
/// at their defaults.
///
/// ```
/// use brainclip::data::nifti::TrialOptions;
/// let opts = TrialOptions { window: Some(6.0), ..TrialOptions::default() };
/// assert_eq!(opts.delay, 4.0);
/// let parsed: TrialOptions = serde_json::from_str(r#"{ "window": 6.0 }"#).unwrap();
/// assert_eq!(parsed, opts);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct TrialOptions {
    /// Haemodynamic delay in seconds added to each onset.
    ///
    /// The default, 4 s: the BOLD response peaks about 4–6 s after the stimulus.
    pub delay: f64,
    /// Averaging window in seconds; none: each event's duration.
    pub window: Option<f64>,
}

impl Default for TrialOptions {
    fn default() -> Self {
        TrialOptions {
            delay: 4.0,
            window: None,
        }
    }
}

/// One row per event: the mean of the volumes `i` (acquired at `t = i * tr`) with
/// `onset + delay <= t < onset + delay + window`. Returns the samples (events × voxels) and the
/// events' labels in the same order.
///
/// An event whose window holds no volume, starts before the first volume, or ends after the last
/// volume's interval (`n * tr`) is an error naming the event (index, onset, label).
///
/// ```
/// use ndarray::array;
/// use brainclip::data::nifti::{trial_samples, Events, TrialOptions};
///
/// // 6 volumes, TR 2 s, 2 voxels; volume i holds the value i in both voxels.
/// let series = array![[0., 0.], [1., 1.], [2., 2.], [3., 3.], [4., 4.], [5., 5.]];
/// let events = Events { onset: vec![0.0, 2.0], duration: vec![4.0, 4.0], label: vec!["a".into(), "b".into()] };
/// let (x, labels) = trial_samples(&series, 2.0, &events, &TrialOptions::default())?;
/// // Event a: window [4, 8) s holds volumes 2 and 3; event b: [6, 10) s holds 3 and 4.
/// assert_eq!(x, array![[2.5, 2.5], [3.5, 3.5]]);
/// assert_eq!(labels, vec!["a", "b"]);
/// # Ok::<(), brainclip::data::nifti::NiftiError>(())
/// ```
pub fn trial_samples(
    series: &Array2<f32>,
    tr: f64,
    events: &Events,
    opts: &TrialOptions,
) -> Result<(Array2<f32>, Vec<String>), NiftiError> {
    let invalid = |what, expected, found: f64| NiftiError::InvalidArgument {
        what,
        expected,
        found: found.to_string(),
    };
    if !(tr.is_finite() && tr > 0.0) {
        return Err(invalid("tr", "a repetition time in seconds > 0", tr));
    }
    if !opts.delay.is_finite() {
        return Err(invalid("delay", "a finite number of seconds", opts.delay));
    }
    if let Some(w) = opts.window.filter(|w| !(w.is_finite() && *w > 0.0)) {
        return Err(invalid("window", "a length in seconds > 0", w));
    }
    let n = events.len();
    if events.duration.len() != n || events.label.len() != n {
        return Err(NiftiError::InvalidArgument {
            what: "events",
            expected: "as many durations and labels as onsets",
            found: format!(
                "{n} onsets, {} durations, {} labels",
                events.duration.len(),
                events.label.len()
            ),
        });
    }

    let volumes = series.nrows();
    let series_end = volumes as f64 * tr;
    let mut out = Array2::<f32>::zeros((n, series.ncols()));
    for (row, mut sample) in out.axis_iter_mut(Axis(0)).enumerate() {
        let onset = events.onset.get(row).copied().unwrap_or(f64::NAN);
        let label = events.label.get(row).cloned().unwrap_or_default();
        let fail = |detail: String| NiftiError::TrialWindow {
            row,
            onset,
            label: label.clone(),
            detail,
        };
        let duration = events.duration.get(row).copied().unwrap_or(f64::NAN);
        let window = opts.window.unwrap_or(duration);
        if !(window.is_finite() && window > 0.0) {
            return Err(fail(format!(
                "the window is {window} s (the event's duration); set TrialOptions.window for impulse events or \
                 n/a durations"
            )));
        }
        let start = onset + opts.delay;
        let end = start + window;
        if !start.is_finite() || start < -EPS {
            return Err(fail(format!(
                "the window [{start}, {end}) s starts before the first volume (t = 0 s)"
            )));
        }
        if end > series_end + EPS {
            return Err(fail(format!(
                "the window [{start}, {end}) s runs past the end of the series ({volumes} volumes × TR {tr} s = \
                 {series_end} s)"
            )));
        }
        // Volume i is in the window when start <= i*tr < end (both with EPS slack).
        let first = ((start - EPS) / tr).ceil().max(0.0) as usize;
        let last = (((end - EPS) / tr).ceil().max(0.0) as usize).min(volumes);
        if first >= last {
            return Err(fail(format!(
                "no volume is acquired in the window [{start}, {end}) s with TR {tr} s; widen the window"
            )));
        }
        let mut sum = vec![0f64; series.ncols()];
        for volume in series.slice(ndarray::s![first..last, ..]).axis_iter(Axis(0)) {
            for (s, &v) in sum.iter_mut().zip(volume.iter()) {
                *s += f64::from(v);
            }
        }
        let count = (last - first) as f64;
        for (o, s) in sample.iter_mut().zip(&sum) {
            *o = (s / count) as f32;
        }
    }
    Ok((out, events.label.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    fn ramp(n: usize) -> Array2<f32> {
        Array2::from_shape_fn((n, 2), |(t, c)| (t * 10 + c) as f32)
    }

    fn events(onsets: &[f64], duration: f64) -> Events {
        Events {
            onset: onsets.to_vec(),
            duration: vec![duration; onsets.len()],
            label: onsets.iter().map(|o| format!("e{o}")).collect(),
        }
    }

    #[test]
    fn window_edges_are_half_open() {
        // TR 2: volumes at 0, 2, 4, ..., 18 s. onset 1 + delay 4 = 5: window [5, 9) holds t = 6, 8.
        let (x, _) = trial_samples(&ramp(10), 2.0, &events(&[1.0], 4.0), &TrialOptions::default()).unwrap();
        assert_eq!(x, array![[35.0, 36.0]]);
        // onset 0: window [4, 8) holds t = 4, 6 but not 8.
        let (x, _) = trial_samples(&ramp(10), 2.0, &events(&[0.0], 4.0), &TrialOptions::default()).unwrap();
        assert_eq!(x, array![[25.0, 26.0]]);
    }

    #[test]
    fn decimal_tr_and_onsets_land_on_the_right_side() {
        // 0.1 * 3 is not exactly 0.3 in binary; the volume at 0.3 s must still be in [0.3, 0.5).
        let opts = TrialOptions {
            delay: 0.0,
            window: Some(0.2),
        };
        let (x, _) = trial_samples(&ramp(10), 0.1, &events(&[0.3], 0.0), &opts).unwrap();
        assert_eq!(x, array![[35.0, 36.0]]);
    }

    #[test]
    fn explicit_window_overrides_duration() {
        let opts = TrialOptions {
            delay: 0.0,
            window: Some(6.0),
        };
        let (x, _) = trial_samples(&ramp(10), 2.0, &events(&[2.0], 0.0), &opts).unwrap();
        assert_eq!(x, array![[20.0, 21.0]]);
    }

    #[test]
    fn errors_name_the_event() {
        let opts = TrialOptions::default();
        let e = trial_samples(&ramp(5), 2.0, &events(&[0.0, 4.0], 4.0), &opts).unwrap_err();
        let msg = e.to_string();
        assert!(matches!(e, NiftiError::TrialWindow { row: 1, .. }), "{msg}");
        assert!(msg.contains("e4") && msg.contains("past the end"), "{msg}");
        let e = trial_samples(&ramp(10), 2.0, &events(&[0.0], 0.0), &opts).unwrap_err();
        assert!(e.to_string().contains("TrialOptions.window"), "{e}");
        let narrow = TrialOptions {
            delay: 0.0,
            window: Some(0.5),
        };
        let e = trial_samples(&ramp(10), 2.0, &events(&[0.7], 0.0), &narrow).unwrap_err();
        assert!(e.to_string().contains("no volume"), "{e}");
        let e = trial_samples(&ramp(10), 2.0, &events(&[-5.0], 2.0), &opts).unwrap_err();
        assert!(e.to_string().contains("before the first volume"), "{e}");
        assert!(matches!(
            trial_samples(&ramp(10), 0.0, &events(&[0.0], 2.0), &opts),
            Err(NiftiError::InvalidArgument { what: "tr", .. })
        ));
    }

    #[test]
    fn nan_duration_needs_a_window() {
        let ev = Events {
            onset: vec![0.0],
            duration: vec![f64::NAN],
            label: vec!["x".into()],
        };
        assert!(trial_samples(&ramp(10), 2.0, &ev, &TrialOptions::default()).is_err());
        let opts = TrialOptions {
            window: Some(2.0),
            ..TrialOptions::default()
        };
        let (x, labels) = trial_samples(&ramp(10), 2.0, &ev, &opts).unwrap();
        assert_eq!((x, labels), (array![[20.0, 21.0]], vec!["x".to_owned()]));
    }
}
