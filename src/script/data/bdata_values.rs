use std::sync::Arc;

use crate::script::fault::{OrFault, ScriptResult};
use crate::script::registry::{FnDoc, Registry};
use crate::script::values::{BDataValue, MatrixValue};

pub const DOC: FnDoc = FnDoc {
    name: "bdata_values",
    area: "data",
    signatures: &["bdata_values(bdata: BData, expression: string) -> Matrix"],
    summary: "The dataset columns a key or selection expression picks, as a matrix (samples × columns).",
    details: "E.g. bdata_values(b, \"DataType\") gives one column of 1/2/3 per sample; \"ROI_VC\" the voxels.",
    example: r#"let b = load_bdata("tests/data/god_tiny.h5");
bdata_values(b, "DataType").cols == 1"#,
};

pub fn register(reg: &mut Registry) {
    reg.legacy(&DOC, |engine, _run| {
        engine.register_fn(
            DOC.name,
            |b: BDataValue, expression: &str| -> ScriptResult<MatrixValue> {
                let values = b.0.select_data(expression).or_fault(DOC.name)?;
                Ok(MatrixValue(Arc::new(values.mapv(|v| v as f32))))
            },
        );
    });
}
