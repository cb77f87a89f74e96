use rhai::Dynamic;

use crate::script::fault::{OrFault, ScriptFault, ScriptResult};
use crate::ErrorKind;
use crate::script::registry::{FnDoc, Registry};

pub const DOC: FnDoc = FnDoc {
    name: "save_json",
    area: "run",
    signatures: &["save_json(value, name: string) -> string"],
    summary: "Write any map, array, number or string into the run directory as pretty JSON; returns its path.",
    details: "A name without extension gets .json.",
    example: r#"save_json(#{ subjects: [1, 2, 3] }, "config").ends_with("config.json")"#,
};

pub fn register(reg: &mut Registry) {
    reg.legacy(&DOC, |engine, run| {
        engine.register_fn(DOC.name, move |value: Dynamic, name: &str| -> ScriptResult<String> {
            let file = if name.ends_with(".json") {
                name.to_string()
            } else {
                format!("{name}.json")
            };
            let json: serde_json::Value = rhai::serde::from_dynamic(&crate::script::values::json_ready(&value))
                .map_err(|e| {
                    ScriptFault::new(
                        ErrorKind::WrongType,
                        format!("save_json: cannot store a {} as JSON ({e})", value.type_name()),
                    )
                })?;
            let bytes = serde_json::to_vec_pretty(&json).unwrap_or_default();
            Ok(run
                .write_output(&file, &bytes)
                .or_fault(DOC.name)?
                .display()
                .to_string())
        });
    });
}
