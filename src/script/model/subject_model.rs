use crate::script::prelude::*;

pub static SPEC: FnSpec = FnSpec::new("subject_model", Area::Model)
    .params(&[param("model", "SharedModel"), param("subject", "string")])
    .returns("Model")
    .summary("One subject's decoder from a shared-subject model, as an ordinary Model (its input layer folded into the trunk).")
    .details(
        "Every function that takes a Model takes it: predict, zero_shot, retrieval, evaluate, save_model.
Its label is the shared model's label and the subject, e.g. run1/subj01.",
    )
    .example(
        r#"let s1 = god_synthetic(#{ voxels: 60, dim: 16, subject: 1 });
let s2 = god_synthetic(#{ voxels: 80, dim: 16, subject: 2 });
let model = train(shared_net([s1.train, s2.train], #{ shared_width: 32, width: 32, blocks: 1 }), [s1.train, s2.train], #{ epochs: 1 });
let m2 = subject_model(model, "s2");
m2.label == "run1/s2" && predict(m2, s2.test).count == 50"#,
    );

pub fn register(reg: &mut Registry) {
    reg.plain(&SPEC, |model: SharedModelValue, subject: ImmutableString| {
        let one = model.model.subject_model(&subject)?;
        Ok(ModelValue::new(one, format!("{}/{subject}", model.label), model.trained_on.clone()))
    });
}
