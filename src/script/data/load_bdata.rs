use std::sync::Arc;

use crate::data::bdata::BData;
use crate::script::fault::{OrFault, ScriptResult};
use crate::script::registry::{FnDoc, Registry};
use crate::script::values::BDataValue;

pub const DOC: FnDoc = FnDoc {
    name: "load_bdata",
    area: "data",
    signatures: &["load_bdata(path: string) -> BData"],
    summary: "Open a BData file (bdpy / BrainDecoderToolbox2 HDF5, e.g. GOD's Subject1.h5) with a pure-Rust HDF5 reader.",
    details: "Read its parts with select_columns(b, expr), bdata_values(b, key) and value_labels(b, key);
load_god(path) turns a GOD subject file into datasets directly.",
    example: r#"let b = load_bdata("tests/data/god_tiny.h5");
b.shape[0] == 19 && b.keys.contains("ROI_VC")"#,
};

pub fn register(reg: &mut Registry) {
    reg.legacy(&DOC, |engine, run| {
        engine.register_fn(DOC.name, move |path: &str| -> ScriptResult<BDataValue> {
            let file = run.read_data(path).or_fault(DOC.name)?;
            Ok(BDataValue(Arc::new(BData::open(&file).or_fault(DOC.name)?)))
        });
    });
}
