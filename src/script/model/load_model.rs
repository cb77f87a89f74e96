use std::sync::Arc;

use crate::script::fault::{OrFault, ScriptFault, ScriptResult};
use crate::ErrorKind;
use crate::script::registry::{FnDoc, Registry};
use crate::script::values::ModelValue;
use crate::train::TrainedModel;

pub const DOC: FnDoc = FnDoc {
    name: "load_model",
    area: "model",
    signatures: &["load_model(path: string) -> Model"],
    summary: "Load a checkpoint written by save_model (its .json or .bpk file) onto the current device.",
    details: "The network is rebuilt from the description and the weights loaded into it on the device
of the run (--device, or device(...)), whichever device it was trained on. The model predicts,
evaluates and plots like a freshly trained one; its history is the one recorded at training.",
    example: r#"let god = god_synthetic(#{ voxels: 70, dim: 16 });
let model = train(mapping_net(god.train, #{ arch: "linear" }), god.train, #{ epochs: 1 });
let files = save_model(model, "decoder");
device("cpu:ndarray");
let again = load_model(files.description);
zero_shot(again, god.test).top1 == zero_shot(model, god.test).top1"#,
};

pub fn register(reg: &mut Registry) {
    reg.legacy(&DOC, |engine, run| {
        engine.register_fn(DOC.name, move |path: &str| -> ScriptResult<ModelValue> {
            let given = run.read_data(path).or_fault(DOC.name)?;
            let (weights, description) = (given.with_extension("bpk"), given.with_extension("json"));
            let read = |file: &std::path::Path| -> ScriptResult<Vec<u8>> {
                let file = run.read_data(&file.display().to_string()).or_fault(DOC.name)?;
                std::fs::read(&file).map_err(|e| {
                    ScriptFault::new(ErrorKind::File, format!("cannot read {}: {e}", file.display()))
                        .in_function(DOC.name)
                        .into()
                })
            };
            let (weights, description) = (read(&weights)?, read(&description)?);
            let device = run.device();
            let model = TrainedModel::from_checkpoint(&weights, &description, &device.device).or_fault(DOC.name)?;
            let label = given
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "model".into());
            let trained_on = serde_json::from_slice::<serde_json::Value>(&description)
                .ok()
                .and_then(|v| v["trained_on"].as_str().map(str::to_string))
                .unwrap_or_default();
            Ok(ModelValue {
                model: Arc::new(model),
                label,
                trained_on,
            })
        });
    });
}
