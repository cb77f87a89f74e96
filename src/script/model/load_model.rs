use crate::script::prelude::*;

use crate::train::checkpoint::{LoadedModel, SavedModel};

pub static SPEC: FnSpec = FnSpec::new("load_model", Area::Model)
    .params(&[param("path", "string")])
    .returns("Model | SharedModel")
    .summary("Load a checkpoint written by save_model (its .json or .bpk file) onto the current device.")
    .details(
        "The network is rebuilt from the description and the weights loaded into it on the device
of the run (--device, or device(...)), whichever device it was trained on. The model predicts,
evaluates and plots like a freshly trained one; its history is the one recorded at training,
its label the file name without extension. A shared-subject checkpoint loads as a SharedModel.",
    )
    .example(
        r#"let god = god_synthetic(#{ voxels: 70, dim: 16 });
let model = train(mapping_net(god.train, #{ arch: "linear" }), god.train, #{ epochs: 1 });
let files = save_model(model, "decoder");
device("cpu:ndarray");
let again = load_model(files.weights);
again.label == "decoder" && again.trained_on == model.trained_on && again.epochs_run == 1
    && zero_shot(again, god.test).top1 == zero_shot(model, god.test).top1"#,
    )
    .more_examples(&[r#"let s1 = god_synthetic(#{ voxels: 60, dim: 16, subject: 1 });
let model = train(shared_net([s1.train], #{ shared_width: 32, width: 32, blocks: 1 }), [s1.train], #{ epochs: 1 });
let files = save_model(model, "shared");
let again = load_model(files.description);
again.subjects == ["s1"] && zero_shot(subject_model(again, "s1"), s1.test).top1 == zero_shot(subject_model(model, "s1"), s1.test).top1"#]
    );

pub fn register(reg: &mut Registry) {
    let run = reg.run();
    reg.plain(&SPEC, move |path: ImmutableString| {
        let given = run.read_data(&path)?;
        for ext in ["bpk", "json"] {
            run.read_data(&given.with_extension(ext).display().to_string())?;
        }
        let LoadedModel {
            model,
            label,
            trained_on,
        } = LoadedModel::read(&given, &run.device().device)?;
        Ok(match model {
            SavedModel::Mapping(m) => Dynamic::from(ModelValue::new(m, label, trained_on)),
            SavedModel::Shared(m) => Dynamic::from(SharedModelValue::new(m, label, trained_on)),
        })
    });
}
