use crate::script::prelude::*;

pub static SPEC: FnSpec = FnSpec::new("save_model", Area::Model)
    .params(&[param("model", "Model | SharedModel"), param("name", "string")])
    .returns("map")
    .summary(
        "Save a trained network as a checkpoint in the run directory: `name.bpk` (weights) and `name.json` (architecture, training options, history).",
    )
    .details(
        "The weights are burn's burnpack format, which stores tensor data and not devices: a model
trained on a GPU loads on a CPU and the other way round (load_model). Both files are written
atomically, so an earlier checkpoint of the same name stays intact if writing fails. A
SharedModel's checkpoint keeps every subject's input layer. Returns
#{ weights, description } with the two paths; a name ending in .bpk or .json is the same name.",
    )
    .example(
        r#"let god = god_synthetic(#{ voxels: 70, dim: 16 });
let model = train(mapping_net(god.train, #{ arch: "linear" }), god.train, #{ epochs: 1 });
let files = save_model(model, "decoder");
let again = save_model(model, "decoder.json");
files.weights == `${run_dir()}/decoder.bpk` && files.description == `${run_dir()}/decoder.json`
    && again.weights == files.weights"#,
    );

fn save(run: &crate::run::RunContext, name: &str, saved: crate::train::Checkpoint) -> Result<Map, ScriptFault> {
    let stem = name
        .strip_suffix(".bpk")
        .or_else(|| name.strip_suffix(".json"))
        .unwrap_or(name);
    let weights = run.write_output(&format!("{stem}.bpk"), &saved.weights)?;
    let description = run.write_output(&format!("{stem}.json"), &saved.meta)?;
    let path = |p: std::path::PathBuf| Dynamic::from(p.display().to_string());
    Ok(map_of([("weights", path(weights)), ("description", path(description))]))
}

pub fn register(reg: &mut Registry) {
    let run = reg.run();
    reg.plain(&SPEC, move |model: ModelValue, name: ImmutableString| {
        save(&run, &name, model.model.to_checkpoint(&model.trained_on)?)
    });
    let run = reg.run();
    reg.plain(&SPEC, move |model: SharedModelValue, name: ImmutableString| {
        save(&run, &name, model.model.to_checkpoint(&model.trained_on)?)
    });
}
