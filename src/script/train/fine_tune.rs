use super::train::LABEL;
use crate::run::RunTraining;
use crate::script::prelude::*;
use crate::train::{TrainConfig, fine_tune};

pub static SPEC: FnSpec = FnSpec::new("fine_tune", Area::Train)
    .params(&[param("model", "SharedModel"), param("data", "Dataset")])
    .returns("SharedModel")
    .summary("Add a new subject to a shared-subject model: a fresh input layer for its voxels, trained with the trunk frozen or at a lower rate.")
    .details(
        "MindEye2's route to a new subject with little data. The other subjects' input layers are left
as they were; with trunk_rate 0 the trunk is too, so their decoders are unchanged.",
    )
    .settings(schema::<TrainConfig>)
    .options(&[
        LABEL,
        Opt::string("subject", "", "the new subject's name")
            .computed("data.subjects[0], else \"new\"")
            .for_binding(),
        Opt::float("trunk_rate", 0.1, "the trunk's learning rate relative to lr; 0 freezes it")
            .range(0.0, 1.0)
            .for_binding(),
    ])
    .example(
        r#"let s1 = god_synthetic(#{ voxels: 60, dim: 16, subject: 1 });
let s3 = god_synthetic(#{ voxels: 70, dim: 16, subject: 3 });
let model = train(shared_net([s1.train], #{ shared_width: 32, width: 32, blocks: 1 }), [s1.train], #{ epochs: 1 });
let more = fine_tune(model, s3.train, #{ subject: "s3", epochs: 1, trunk_rate: 0 });
more.subjects == ["s1", "s3"] && zero_shot(subject_model(more, "s1"), s1.test).top1 == zero_shot(subject_model(model, "s1"), s1.test).top1"#,
    );

pub fn register(reg: &mut Registry) {
    let run = reg.run();
    reg.function(
        &SPEC,
        move |model: SharedModelValue, data: DatasetValue, options: Opts| {
            let default = data.0.subjects().first().cloned().unwrap_or_else(|| "new".into());
            let subject: String = options.get_or("subject", default)?;
            let trunk_rate: f64 = options.get("trunk_rate")?;
            let label = options.get_or("label", model.label.clone())?;
            let config: TrainConfig = options.seeded(&run).parse()?;
            let entry = RunTraining {
                kind: "shared_subject_fine_tune",
                label: &label,
                history: &format!("{label}/{subject}"),
                fields: vec![("subject", subject.clone().into()), ("trunk_rate", trunk_rate.into())],
            };
            let tuned = entry.run(&run, &config, |_, progress| {
                fine_tune(&model.model, &data.0, &subject, trunk_rate, &config, progress)
            })?;
            Ok(SharedModelValue::new(tuned, label, model.trained_on.clone()))
        },
    );
}
