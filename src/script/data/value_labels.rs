use rhai::{Dynamic, Map};

use crate::script::fault::{OrFault, ScriptResult};
use crate::script::registry::{FnDoc, Registry};
use crate::script::values::BDataValue;

pub const DOC: FnDoc = FnDoc {
    name: "value_labels",
    area: "data",
    signatures: &["value_labels(bdata: BData, key: string) -> map"],
    summary: "A key's value-label map (bdpy's vmap), e.g. Label value → image id, keyed by the value as text.",
    details: "",
    example: r#"let b = load_bdata("tests/data/god_tiny_vmap.h5");
let labels = value_labels(b, "Label");
labels.len() == 13 && labels["1443537.022563"] == "n01443537_22563""#,
};

pub fn register(reg: &mut Registry) {
    reg.legacy(&DOC, |engine, _run| {
        engine.register_fn(DOC.name, |b: BDataValue, key: &str| -> ScriptResult<Map> {
            let vmap = b.0.vmap(key).or_fault(DOC.name)?;
            Ok(vmap
                .iter()
                .map(|(value, label)| (value.to_string().into(), Dynamic::from(label.to_string())))
                .collect())
        });
    });
}
