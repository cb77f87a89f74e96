use crate::script::prelude::*;

use crate::data::{Category, Dataset, Split, factorize};

pub static SPEC: FnSpec = FnSpec::new("make_dataset", Area::Data)
    .returns("Dataset")
    .summary("Build a dataset from your own matrices: fMRI samples × voxels with one id and one category per sample.")
    .details("Attach CLIP embeddings afterwards with attach_embeddings.")
    .options(&[
        Opt::value("fmri", "Matrix", "samples × voxels (required)"),
        Opt::value("ids", "array", "one id per sample, e.g. image ids (required)"),
        Opt::value(
            "categories",
            "array",
            "one category id per sample (required); categories are listed in order of first use",
        ),
        Opt::value("names", "map", "category id → readable name").computed("the id"),
        Opt::choice("split", &["train", "test"], "train", "which part of the experiment it is"),
        Opt::string("name", "dataset", "the dataset's name"),
    ])
    .example(
        r#"let god = god_synthetic(#{ voxels: 70, dim: 16 });
let cats = [];
for i in 0..50 { cats.push(if i % 2 == 0 { "n2" } else { "n1" }); }
let d = make_dataset(#{ fmri: god.test.fmri, ids: god.test.ids, categories: cats, names: #{ n1: "odd" }, split: "test" });
d.n_samples == 50 && d.n_voxels == 70 && d.ids == god.test.ids && d.category_ids == ["n2", "n1"]
    && d.categories == ["n2", "odd"] && d.labels.extract(0, 3) == [0, 1, 0] && d.split == "test" && d.name == "dataset""#,
    );

/// The value of a required `key`.
fn required<T: Clone + 'static>(options: &Opts, key: &str, what: &str) -> Result<T, ScriptFault> {
    options.value_of(key, what)?.ok_or_else(|| {
        ScriptFault::new(
            ErrorKind::InvalidValue,
            format!("option `{key}` of make_dataset() is required: {what}"),
        )
    })
}

/// A required array with one entry per sample, as strings.
fn strings(options: &Opts, key: &str) -> Result<Vec<String>, ScriptFault> {
    let array: Array = required(options, key, "an array with one entry per sample")?;
    Ok(array.iter().map(|v| v.to_string()).collect())
}

pub fn register(reg: &mut Registry) {
    reg.function(&SPEC, |options: Opts| {
        let fmri: MatrixValue = required(&options, "fmri", "a Matrix, samples × voxels (e.g. from load_npy)")?;
        let ids = strings(&options, "ids")?;
        let (labels, category_ids) = factorize(&strings(&options, "categories")?);
        let names: Map = options
            .value_of("names", "a map of category id → name")?
            .unwrap_or_default();
        let categories = category_ids
            .into_iter()
            .map(|id| Category {
                name: names.get(id.as_str()).map_or_else(|| id.clone(), |n| n.to_string()),
                id,
            })
            .collect();
        let split: Split = options.get("split")?;
        let name: String = options.get("name")?;
        let data = Dataset::new(name, split, (*fmri.0).clone(), ids, labels, categories)?;
        Ok(DatasetValue(Arc::new(data)))
    });
}
