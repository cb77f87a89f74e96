use crate::script::prelude::*;

pub static SPEC: FnSpec = FnSpec::new("value_labels", Area::Data)
    .params(&[param("bdata", "BData"), param("key", "string")])
    .returns("map")
    .summary("A key's value-label map (bdpy's vmap), e.g. Label value → image id, keyed by the value as text.")
    .example(
        r#"let b = load_bdata("tests/data/god_tiny_vmap.h5");
let labels = value_labels(b, "Label");
labels.len() == 13 && labels["1443537.022563"] == "n01443537_22563""#,
    );

pub fn register(reg: &mut Registry) {
    reg.plain(
        &SPEC,
        |b: BDataValue, key: ImmutableString| -> Result<Map, ScriptFault> {
            let vmap = b.0.vmap(&key)?;
            Ok(vmap
                .iter()
                .map(|(value, label)| (value.to_string().into(), Dynamic::from(label.to_string())))
                .collect())
        },
    );
}
