use crate::script::prelude::*;

use crate::data::ops::split_by_stimulus;

pub static SPEC: FnSpec = FnSpec::new("split_by_stimulus", Area::Data)
    .params(&[param("data", "Dataset")])
    .returns("map")
    .summary("A seeded split #{ train, test } by stimulus id, so that an image's repeats never straddle it.")
    .options(&[
        Opt::float("fraction", 0.2, "share of the distinct stimuli held out as `test`").range(0.0, 1.0),
        Opt::seed("which stimuli are held out"),
    ])
    .example(
        r#"let nsd = load_nsd("tests/data/nsd", #{ trials_per_session: 20, captions: false });
let parts = split_by_stimulus(nsd.train, #{ fraction: 0.25, seed: 3 });
let again = split_by_stimulus(nsd.train, #{ fraction: 0.25, seed: 3 });
let held = parts.test.ids;
let kept = parts.train.ids;
parts.train.n_samples + parts.test.n_samples == 42 && parts.test.n_samples == 12
    && held == again.test.ids && held.all(|id| !kept.contains(id))"#,
    );

pub fn register(reg: &mut Registry) {
    let run = reg.run();
    reg.function(&SPEC, move |data: DatasetValue, options: Opts| {
        let options = options.seeded(&run);
        let (train, test) = split_by_stimulus(&data.0, options.get("fraction")?, options.get("seed")?)?;
        Ok(map_of([("train", train.into_script()), ("test", test.into_script())]))
    });
}
