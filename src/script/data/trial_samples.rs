use crate::script::prelude::*;

use crate::data::nifti::{TrialOptions, trial_samples};

pub static SPEC: FnSpec = FnSpec::new("trial_samples", Area::Data)
    .params(&[param("x", "Matrix"), param("events", "Events")])
    .returns("map")
    .summary(
        "Average the volumes of each event into one sample: returns #{ x: Matrix (events × voxels), labels: [...] }.",
    )
    .details(
        "`x` is a volumes × voxels matrix from apply_mask(). Volume i is taken at t = i × tr; each event
averages the volumes with onset + delay <= t < onset + delay + window, where the delay allows
for the haemodynamic response and the window defaults to the event's duration. An event whose
window holds no volume or runs past the series is an error naming the event.",
    )
    .settings(schema::<TrialOptions>)
    .options(&[Opt::float(
        "tr",
        0.0,
        "repetition time in seconds (required; series.tr gives the header's)",
    )
    .none_by_default()
    .for_binding()])
    .example(
        r#"let series = load_nifti("tests/data/nifti/nitime_fmri1.nii.gz");
let events = load_events("tests/data/nifti/nitime_events.tsv");
let trials = trial_samples(apply_mask(series), events, #{ tr: series.tr, delay: 4.0 });
trials.x.rows == 4 && trials.x.cols == 1800 && trials.labels == ["face", "house", "face", "house"]"#,
    );

pub fn register(reg: &mut Registry) {
    reg.function(&SPEC, |x: MatrixValue, events: EventsValue, options: Opts| {
        let Some(tr) = options.get::<Option<f64>>("tr")? else {
            return Err(ScriptFault::new(
                ErrorKind::InvalidValue,
                "trial_samples() needs the repetition time: option `tr`",
            )
            .with_hint("pass the series' header value, e.g. #{ tr: series.tr }, or the TR in seconds"));
        };
        let settings: TrialOptions = options.parse()?;
        let (samples, labels) = trial_samples(&x.0, tr, &events.0, &settings)?;
        Ok(map_of([
            ("x", Dynamic::from(MatrixValue(Arc::new(samples)))),
            ("labels", to_dynamic(&labels)),
        ]))
    });
}
