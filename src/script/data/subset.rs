use crate::script::prelude::*;

use crate::data::ops::subset_by;

pub static SPEC: FnSpec = FnSpec::new("subset", Area::Data)
    .params(&[param("data", "Dataset")])
    .returns("Dataset")
    .summary("The samples with the given ids and/or of the given categories (by id or name), in dataset order.")
    .options(&[
        Opt::strings("ids", &[], "sample ids to keep ([] for any)"),
        Opt::strings("categories", &[], "category ids or names to keep ([] for any)"),
    ])
    .example(
        r#"let god = god_synthetic(#{ voxels: 70, dim: 16 });
let two = subset(god.test, #{ categories: [god.test.categories[0], god.test.category_ids[1]] });
let one = subset(god.test, #{ ids: [god.test.ids[3]] });
two.n_samples == 2 && two.labels == [0, 1] && one.ids == [god.test.ids[3]] && one.dim == 16"#,
    );

pub fn register(reg: &mut Registry) {
    reg.function(&SPEC, |data: DatasetValue, options: Opts| {
        let ids: Vec<String> = options.get("ids")?;
        let categories: Vec<String> = options.get("categories")?;
        Ok(DatasetValue(Arc::new(subset_by(&data.0, &ids, &categories)?)))
    });
}
