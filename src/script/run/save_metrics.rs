use rhai::{Dynamic, Map};

use crate::script::fault::{OrFault, ScriptFault, ScriptResult};
use crate::ErrorKind;
use crate::script::registry::{FnDoc, Registry};

pub const DOC: FnDoc = FnDoc {
    name: "save_metrics",
    area: "run",
    signatures: &[
        "save_metrics(metrics: map) -> string",
        "save_metrics(name: string, value) -> string",
    ],
    summary: "Merge metrics into metrics.json (and manifest.json) in the run directory; returns the file's path.",
    details: "With a map, its keys are merged at the top level; with a name, the value is stored under it.
Values may be numbers, strings, bools, arrays and nested maps (e.g. the maps zero_shot returns).",
    example: r#"save_metrics("zero_shot", #{ top1: 0.24, top5: 0.6 });
save_metrics(#{ seed: 1 }).ends_with("metrics.json")"#,
};

fn to_json(value: &Dynamic) -> Result<serde_json::Value, ScriptFault> {
    rhai::serde::from_dynamic(&crate::script::values::json_ready(value)).map_err(|e| {
        ScriptFault::new(
            ErrorKind::WrongType,
            format!("save_metrics: cannot store a {} as JSON ({e})", value.type_name()),
        )
        .with_hint("store numbers, strings, bools, arrays or maps")
    })
}

pub fn register(reg: &mut Registry) {
    reg.legacy(&DOC, |engine, run| {
        let by_name = run.clone();
        engine.register_fn(DOC.name, move |metrics: Map| -> ScriptResult<String> {
            let json = to_json(&Dynamic::from(metrics))?;
            Ok(run.record_metrics(None, json).or_fault(DOC.name)?.display().to_string())
        });
        engine.register_fn(DOC.name, move |name: &str, value: Dynamic| -> ScriptResult<String> {
            let json = to_json(&value)?;
            Ok(by_name
                .record_metrics(Some(name), json)
                .or_fault(DOC.name)?
                .display()
                .to_string())
        });
    });
}
