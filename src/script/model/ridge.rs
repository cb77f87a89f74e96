use crate::script::prelude::*;

use crate::model::{RidgeConfig, RidgeModel};

pub static SPEC: FnSpec = FnSpec::new("ridge", Area::Model)
    .params(&[param("data", "Dataset")])
    .returns("RidgeModel")
    .summary("Fit the classic baseline: closed-form ridge regression fMRI → embedding, penalty by cross-validation.")
    .details(
        "The penalty is chosen from a grid (relative to the mean eigenvalue of the centred X Xᵀ) by k-fold
cross-validation of the squared error on the training data only: one penalty for all embedding
dimensions, or with `per_target: true` one per dimension (each its own best; `alpha` is then their
median and `alphas_per_target` lists them).",
    )
    .settings(schema::<RidgeConfig>)
    .options(&[
        Opt::floats("alphas", &[], "candidate relative penalties, each > 0").computed("10^-3 … 10^3 in half-decades"),
        Opt::choice(
            "target",
            &["image", "text"],
            "image",
            "image embeddings, or text (caption) embeddings",
        )
        .for_binding(),
        Opt::string("label", "ridge", "name in tables").for_binding(),
    ])
    .example(
        r#"let god = god_synthetic(#{ voxels: 70, dim: 16 });
let baseline = ridge(god.train, #{ folds: 3, alphas: [0.1, 1.0, 10.0] });
let text = ridge(god.train, #{ folds: 3, target: "text", label: "ridge→text" });
let each = ridge(god.train, #{ folds: 3, alphas: [0.1, 1.0, 10.0], per_target: true });
baseline.cv_error.map(|r| r.alpha) == [0.1, 1.0, 10.0] && [0.1, 1.0, 10.0].contains(baseline.alpha)
    && baseline.label == "ridge" && baseline.target == "image" && type_of(baseline.alphas_per_target) == "()"
    && text.target == "text" && text.label == "ridge→text" && text.cv_error.len() == 13
    && each.alphas_per_target.len() == 16 && each.alphas_per_target.all(|a| [0.1, 1.0, 10.0].contains(a))"#,
    );

pub fn register(reg: &mut Registry) {
    let run = reg.run();
    reg.function(&SPEC, move |data: DatasetValue, options: Opts| {
        let target = match options.get::<String>("target")?.as_str() {
            "text" => "text",
            _ => "image",
        };
        let label: String = options.get("label")?;
        let config: RidgeConfig = options.seeded(&run).parse()?;
        config.validate()?;
        let targets = match target {
            "text" => data.0.require_text_embeddings(),
            _ => data.0.require_image_embeddings(),
        }?;
        let model = RidgeModel::fit(data.0.fmri().view(), targets.view(), &config)?;
        run.record_model(serde_json::json!({
            "kind": "ridge",
            "label": label,
            "target": target,
            "config": config,
            "alpha": model.alpha,
            "alphas_per_target": model.alphas_per_target,
        }));
        Ok(RidgeValue {
            model: Arc::new(model),
            target,
            label,
        })
    });
}
