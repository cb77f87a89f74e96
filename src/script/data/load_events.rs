use std::sync::Arc;

use rhai::Map;

use crate::data::nifti::read_events;
use crate::script::fault::{OrFault, ScriptResult};
use crate::script::options::Options;
use crate::script::registry::{FnDoc, Registry};
use crate::script::values::EventsValue;

pub const DOC: FnDoc = FnDoc {
    name: "load_events",
    area: "data",
    signatures: &[
        "load_events(path: string) -> Events",
        "load_events(path: string, options: map) -> Events",
    ],
    summary: "Read a BIDS events.tsv file: onset and duration (seconds) and a label column per event.",
    details: "`n/a` durations are kept (trial_samples then needs a `window`); labels are kept as written.

Options:
  label  string  the column that names each event's condition or stimulus (default \"trial_type\";
                 e.g. \"stimulus_id\")",
    example: r#"let events = load_events("tests/data/nifti/nitime_events.tsv");
events.len == 4 && events.labels[1] == "house" && events.onsets[1] == 13.5"#,
};

pub fn register(reg: &mut Registry) {
    reg.legacy(&DOC, |engine, run| {
        let load = move |path: &str, options: Options| -> ScriptResult<EventsValue> {
            let label = options.string("label", "trial_type").or_fault(DOC.name)?;
            let file = run.read_data(path).or_fault(DOC.name)?;
            Ok(EventsValue(Arc::new(read_events(&file, &label).or_fault(DOC.name)?)))
        };
        let plain = load.clone();
        engine.register_fn(DOC.name, move |path: &str| plain(path, Options::empty(DOC.name)));
        engine.register_fn(DOC.name, move |path: &str, options: Map| {
            load(path, Options::new(DOC.name, options, &["label"]).or_fault(DOC.name)?)
        });
    });
}
