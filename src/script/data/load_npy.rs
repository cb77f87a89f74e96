use std::sync::Arc;

use rhai::Map;

use crate::data::formats::npy;
use crate::script::fault::{OrFault, ScriptResult};
use crate::script::options::Options;
use crate::script::registry::{FnDoc, Registry};
use crate::script::values::MatrixValue;

pub const DOC: FnDoc = FnDoc {
    name: "load_npy",
    area: "data",
    signatures: &[
        "load_npy(path: string) -> Matrix",
        "load_npy(path: string, options: map) -> Matrix",
    ],
    summary: "Read a NumPy .npy array or one array of an .npz archive as a matrix (any numeric dtype, read as f32).",
    details: "A 1-D array becomes one column. Higher ranks are an error.

Options:
  key  string  the array of an .npz archive (required when it holds several)",
    example: r#"let god = god_synthetic(#{ voxels: 70, dim: 16 });
let path = save_npy(god.test.fmri, "test_fmri.npy");
let m = load_npy(path);
m.rows == 50 && m.cols == 70"#,
};

pub fn register(reg: &mut Registry) {
    reg.legacy(&DOC, |engine, run| {
        let load = move |path: &str, options: Options| -> ScriptResult<MatrixValue> {
            let key = options.string("key", "").or_fault(DOC.name)?;
            let file = run.read_data(path).or_fault(DOC.name)?;
            let key = (!key.is_empty()).then_some(key.as_str());
            Ok(MatrixValue(Arc::new(npy::read_matrix(&file, key).or_fault(DOC.name)?)))
        };
        let plain = load.clone();
        engine.register_fn(DOC.name, move |path: &str| plain(path, Options::empty(DOC.name)));
        engine.register_fn(DOC.name, move |path: &str, options: Map| {
            load(path, Options::new(DOC.name, options, &["key"]).or_fault(DOC.name)?)
        });
    });
}
