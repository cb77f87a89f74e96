use crate::script::prelude::*;

use crate::data::nifti::read_events;

pub static SPEC: FnSpec = FnSpec::new("load_events", Area::Data)
    .params(&[param("path", "string")])
    .returns("Events")
    .summary("Read a BIDS events.tsv file: onset and duration (seconds) and a label column per event.")
    .details("`n/a` durations are kept (trial_samples then needs a `window`); labels are kept as written.")
    .options(&[Opt::string(
        "label",
        "trial_type",
        "the column that names each event's condition or stimulus, e.g. \"stimulus_id\"",
    )])
    .example(
        r#"let events = load_events("tests/data/nifti/nitime_events.tsv");
events.len == 4 && events.labels == ["face", "house", "face", "house"] && events.onsets[1] == 13.5"#,
    );

pub fn register(reg: &mut Registry) {
    let run = reg.run();
    reg.function(&SPEC, move |path: ImmutableString, options: Opts| {
        let label: String = options.get("label")?;
        Ok(EventsValue(Arc::new(read_events(&run.read_data(&path)?, &label)?)))
    });
}
