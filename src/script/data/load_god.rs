use std::sync::Arc;

use rhai::{Dynamic, Map};

use crate::data::bdata::{GodOptions, load_god};
use crate::script::fault::{OrFault, ScriptResult};
use crate::script::options::Options;
use crate::script::registry::{FnDoc, Registry};
use crate::script::values::DatasetValue;

pub const DOC: FnDoc = FnDoc {
    name: "load_god",
    area: "data",
    signatures: &[
        "load_god(path: string) -> map",
        "load_god(path: string, options: map) -> map",
    ],
    summary: "Load a GOD subject file (BData): #{ train, test } datasets of the selected voxels, tagged with image ids and categories.",
    details: "Training = DataType 1 (1,200 trials), test = DataType 2 (50 images × 35 repeats, averaged per
image by default); imagery trials are left out. Voxels are z-scored with the training mean and
standard deviation. No embeddings are attached: join them with attach_embeddings.

Options:
  roi           string  voxel selection expression (default \"ROI_VC\"; e.g. \"ROI_V1 + ROI_V2\")
  average_test  bool    average the test repeats of each image (default true)
  zscore        bool    z-score voxels with training statistics (default true)",
    example: r#"let god = load_god("tests/data/god_tiny.h5", #{ roi: "ROI_LVC" });
god.train.n_voxels == 21 && god.test.ids[0] == "n01443537_22563""#,
};

const OPTIONS: &[&str] = &["roi", "average_test", "zscore"];

pub fn register(reg: &mut Registry) {
    reg.legacy(&DOC, |engine, run| {
        let load = move |path: &str, options: Options| -> ScriptResult<Map> {
            let name = DOC.name;
            let defaults = GodOptions::default();
            let opts = GodOptions {
                roi: options.string("roi", &defaults.roi).or_fault(name)?,
                average_test: options.bool("average_test", defaults.average_test).or_fault(name)?,
                zscore: options.bool("zscore", defaults.zscore).or_fault(name)?,
            };
            let file = run.read_data(path).or_fault(name)?;
            let god = load_god(&file, &opts).or_fault(name)?;
            let mut out = Map::new();
            out.insert("train".into(), Dynamic::from(DatasetValue(Arc::new(god.train))));
            out.insert("test".into(), Dynamic::from(DatasetValue(Arc::new(god.test))));
            Ok(out)
        };
        let plain = load.clone();
        engine.register_fn(DOC.name, move |path: &str| plain(path, Options::empty(DOC.name)));
        engine.register_fn(DOC.name, move |path: &str, options: Map| {
            load(path, Options::new(DOC.name, options, OPTIONS).or_fault(DOC.name)?)
        });
    });
}
