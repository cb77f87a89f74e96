use crate::script::prelude::*;

use super::save_json::to_json;

pub static SPEC: FnSpec = FnSpec::new("save_metrics", Area::Run)
    .params(&[param("metrics", "map | string"), optional("value", "?")])
    .returns("string")
    .summary("Merge metrics into metrics.json (and manifest.json) in the run directory; returns the file's path.")
    .details(
        "save_metrics(metrics) merges the map's keys at the top level; save_metrics(name, value) stores
the value under the name. Values may be numbers, strings, bools, arrays and nested maps (e.g. the
maps zero_shot returns).",
    )
    .example(
        r#"let first = save_metrics("zero_shot", #{ top1: 0.24, top5: 0.6 });
let path = save_metrics(#{ seed: 1 });
path == `${run_dir()}/metrics.json` && first == path"#,
    );

pub fn register(reg: &mut Registry) {
    let run = reg.run();
    reg.plain(&SPEC, move |metrics: Map| -> Result<String, ScriptFault> {
        let json = to_json(&Dynamic::from(metrics))?;
        Ok(run.record_metrics(None, json)?.display().to_string())
    });
    let run = reg.run();
    reg.plain(
        &SPEC,
        move |name: ImmutableString, value: Dynamic| -> Result<String, ScriptFault> {
            let json = to_json(&value)?;
            Ok(run.record_metrics(Some(&name), json)?.display().to_string())
        },
    );
}
