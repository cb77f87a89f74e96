use crate::script::prelude::*;

use crate::data::ops::average_repeats;

pub static SPEC: FnSpec = FnSpec::new("average_repeats", Area::Data)
    .params(&[param("data", "Dataset")])
    .returns("Dataset")
    .summary("One sample per stimulus id: the mean of its repeats, in order of first appearance.")
    .example(
        r#"let nsd = load_nsd("tests/data/nsd", #{ trials_per_session: 20, average: "none", captions: false });
let avg = average_repeats(nsd.test);
nsd.test.n_samples == 18 && avg.n_samples == 6 && avg.ids[0] == nsd.test.ids[0]"#,
    );

pub fn register(reg: &mut Registry) {
    reg.plain(&SPEC, |data: DatasetValue| {
        Ok(DatasetValue(Arc::new(average_repeats(&data.0)?)))
    });
}
