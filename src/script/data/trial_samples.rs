use std::sync::Arc;

use rhai::{Dynamic, Map};

use crate::data::nifti::{TrialOptions, trial_samples};
use crate::script::fault::{OrFault, ScriptFault, ScriptResult};
use crate::ErrorKind;
use crate::script::options::Options;
use crate::script::registry::{FnDoc, Registry};
use crate::script::values::{EventsValue, MatrixValue};

pub const DOC: FnDoc = FnDoc {
    name: "trial_samples",
    area: "data",
    signatures: &["trial_samples(x: Matrix, events: Events, options: map) -> map"],
    summary: "Average the volumes of each event into one sample: returns #{ x: Matrix (events × voxels), labels: [...] }.",
    details: "`x` is a volumes × voxels matrix from apply_mask(). Volume i is taken at t = i × tr; each event
averages the volumes with onset + delay <= t < onset + delay + window, where the delay allows
for the haemodynamic response and the window defaults to the event's duration. An event whose
window holds no volume or runs past the series is an error naming the event.

Options:
  tr      float  repetition time in seconds (required; series.tr gives the header's)
  delay   float  haemodynamic delay in seconds (default 4.0)
  window  float  averaging window in seconds (default: each event's duration)",
    example: r#"let series = load_nifti("tests/data/nifti/nitime_fmri1.nii.gz");
let events = load_events("tests/data/nifti/nitime_events.tsv");
let trials = trial_samples(apply_mask(series), events, #{ tr: series.tr, delay: 4.0 });
trials.x.rows == 4 && trials.x.cols == 1800 && trials.labels == ["face", "house", "face", "house"]"#,
};

pub fn register(reg: &mut Registry) {
    reg.legacy(&DOC, |engine, _run| {
        engine.register_fn(
            DOC.name,
            |x: MatrixValue, events: EventsValue, options: Map| -> ScriptResult<Map> {
                let options = Options::new(DOC.name, options, &["tr", "delay", "window"]).or_fault(DOC.name)?;
                let Some(tr) = options.optional_float("tr", None).or_fault(DOC.name)? else {
                    return Err(ScriptFault::new(
                        ErrorKind::InvalidValue,
                        "trial_samples() needs the repetition time: option `tr`",
                    )
                    .with_hint("pass the series' header value, e.g. #{ tr: series.tr }, or the TR in seconds")
                    .in_function(DOC.name)
                    .into());
                };
                let trial_options = TrialOptions {
                    delay: options
                        .float("delay", TrialOptions::default().delay)
                        .or_fault(DOC.name)?,
                    window: options.optional_float("window", None).or_fault(DOC.name)?,
                };
                let (samples, labels) = trial_samples(&x.0, tr, &events.0, &trial_options).or_fault(DOC.name)?;
                let mut out = Map::new();
                out.insert("x".into(), Dynamic::from(MatrixValue(Arc::new(samples))));
                out.insert(
                    "labels".into(),
                    labels.into_iter().map(Dynamic::from).collect::<rhai::Array>().into(),
                );
                Ok(out)
            },
        );
    });
}
