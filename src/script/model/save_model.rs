use rhai::Map;

use crate::script::fault::{OrFault, ScriptResult};
use crate::script::registry::{FnDoc, Registry};
use crate::script::values::ModelValue;

pub const DOC: FnDoc = FnDoc {
    name: "save_model",
    area: "model",
    signatures: &["save_model(model: Model, name: string) -> map"],
    summary: "Save a trained network as a checkpoint in the run directory: `name.bpk` (weights) and `name.json` (architecture, training options, history).",
    details: "The weights are burn's burnpack format, which stores tensor data and not devices: a model
trained on a GPU loads on a CPU and the other way round (load_model). Both files are written
atomically, so an earlier checkpoint of the same name stays intact if writing fails. Returns
#{ weights, description } with the two paths.",
    example: r#"let god = god_synthetic(#{ voxels: 70, dim: 16 });
let model = train(mapping_net(god.train, #{ arch: "linear" }), god.train, #{ epochs: 1 });
let files = save_model(model, "decoder");
files.weights.ends_with("decoder.bpk") && files.description.ends_with("decoder.json")"#,
};

pub fn register(reg: &mut Registry) {
    reg.legacy(&DOC, |engine, run| {
        engine.register_fn(DOC.name, move |model: ModelValue, name: &str| -> ScriptResult<Map> {
            let stem = name
                .strip_suffix(".bpk")
                .or_else(|| name.strip_suffix(".json"))
                .unwrap_or(name);
            let saved = model.model.to_checkpoint(&model.trained_on).or_fault(DOC.name)?;
            let weights = run
                .write_output(&format!("{stem}.bpk"), &saved.weights)
                .or_fault(DOC.name)?;
            let description = run
                .write_output(&format!("{stem}.json"), &saved.meta)
                .or_fault(DOC.name)?;
            let mut files = Map::new();
            files.insert("weights".into(), weights.display().to_string().into());
            files.insert("description".into(), description.display().to_string().into());
            Ok(files)
        });
    });
}
