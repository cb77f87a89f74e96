use crate::script::prelude::*;

use crate::data::bdata::{GodOptions, load_god};

pub static SPEC: FnSpec = FnSpec::new("load_god", Area::Data)
    .params(&[param("path", "string")])
    .returns("map")
    .summary(
        "Load a GOD subject file (BData): #{ train, test } datasets of the selected voxels, tagged with image ids and categories.",
    )
    .details(
        "Training = DataType 1 (1,200 trials), test = DataType 2 (50 images × 35 repeats, averaged per
image by default); imagery trials are left out. Voxels are z-scored with the training mean and
standard deviation. No embeddings are attached: join them with attach_embeddings.",
    )
    .settings(schema::<GodOptions>)
    .example(
        r#"let god = load_god("tests/data/god_tiny.h5", #{ roi: "ROI_LVC" });
god.train.n_voxels == 21 && god.train.n_samples == 8 && god.test.n_samples == 3
    && god.test.ids[0] == "n01443537_22563" && god.test.categories[0] == "goldfish""#,
    );

pub fn register(reg: &mut Registry) {
    let run = reg.run();
    reg.function(&SPEC, move |path: ImmutableString, options: Opts| {
        let settings: GodOptions = options.parse()?;
        let god = load_god(&run.read_data(&path)?, &settings)?;
        Ok(map_of([
            ("train", god.train.into_script()),
            ("test", god.test.into_script()),
        ]))
    });
}
