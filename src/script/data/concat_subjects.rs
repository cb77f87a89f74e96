use crate::script::prelude::*;

use crate::data::ops::concat_subjects;

pub static SPEC: FnSpec = FnSpec::new("concat_subjects", Area::Data)
    .params(&[param("datasets", "array")])
    .returns("Dataset")
    .summary("Datasets of several subjects on one voxel space as one, each sample keeping its subject (data.subjects).")
    .details(
        "Categories are merged by id; embeddings and captions are kept when every dataset has them.
Subjects in native space have different voxels: they cannot share one matrix.",
    )
    .options(&[Opt::strings("subjects", &[], "one name per dataset").computed("\"s1\", \"s2\", ...")])
    .example(
        r#"let god = god_synthetic(#{ voxels: 70, dim: 16 });
let both = concat_subjects([god.test, god.test], #{ subjects: ["subj01", "subj02"] });
let named = concat_subjects([god.test, god.test]);
both.n_samples == 100 && both.subjects[50] == "subj02" && both.n_categories == 50 && both.dim == 16
    && named.subjects[0] == "s1""#,
    );

pub fn register(reg: &mut Registry) {
    reg.function(&SPEC, |datasets: Array, options: Opts| {
        let parts: Vec<DatasetValue> = cast_array(datasets, "Datasets")?;
        let default: Vec<String> = (1..=parts.len()).map(|k| format!("s{k}")).collect();
        let subjects: Vec<String> = options.get_or("subjects", default)?;
        let parts: Vec<_> = parts.iter().map(|p| (*p.0).clone()).collect();
        Ok(DatasetValue(Arc::new(concat_subjects(&parts, &subjects)?)))
    });
}
