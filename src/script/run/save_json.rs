use crate::script::prelude::*;

use crate::run::with_extension;
use crate::script::values::json_ready;

pub static SPEC: FnSpec = FnSpec::new("save_json", Area::Run)
    .params(&[param("value", "?"), param("name", "string")])
    .returns("string")
    .summary("Write any map, array, number or string into the run directory as pretty JSON; returns its path.")
    .details("A name without extension gets .json.")
    .example(
        r#"let path = save_json(#{ subjects: [1, 2, 3] }, "config");
path == `${run_dir()}/config.json` && save_json("text", "note.json") == `${run_dir()}/note.json`"#,
    );

/// A script value as JSON (matrices as arrays of rows, reports as their metrics).
pub(super) fn to_json(value: &Dynamic) -> Result<serde_json::Value, ScriptFault> {
    rhai::serde::from_dynamic(&json_ready(value)).map_err(|e| {
        ScriptFault::new(
            ErrorKind::WrongType,
            format!("cannot store a {} as JSON ({e})", value.type_name()),
        )
        .with_hint("store numbers, strings, bools, arrays or maps")
    })
}

pub fn register(reg: &mut Registry) {
    let run = reg.run();
    reg.plain(
        &SPEC,
        move |value: Dynamic, name: ImmutableString| -> Result<String, ScriptFault> {
            let bytes = serde_json::to_vec_pretty(&to_json(&value)?).unwrap_or_default();
            let path = run.write_output(&with_extension(&name, "json"), &bytes)?;
            Ok(path.display().to_string())
        },
    );
}
