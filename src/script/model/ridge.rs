use std::sync::Arc;

use rhai::Map;

use crate::model::{RidgeConfig, RidgeModel};
use crate::script::fault::{OrFault, ScriptResult};
use crate::script::options::Options;
use crate::script::registry::{FnDoc, Registry};
use crate::script::values::{DatasetValue, RidgeValue};

pub const DOC: FnDoc = FnDoc {
    name: "ridge",
    area: "model",
    signatures: &[
        "ridge(data: Dataset) -> RidgeModel",
        "ridge(data: Dataset, options: map) -> RidgeModel",
    ],
    summary: "Fit the classic baseline: closed-form ridge regression fMRI → embedding, penalty by cross-validation.",
    details: "The penalty is chosen from a grid (relative to the mean eigenvalue of X Xᵀ) by k-fold
cross-validation of the squared error on the training data only.

Options:
  target  string   \"image\" (default) or \"text\" (caption embeddings)
  alphas  array    candidate relative penalties (default 10^-3 … 10^3 in half-decades)
  folds   integer  cross-validation folds (default 5)
  seed    integer  fold assignment seed (default: the session seed)
  label   string   name in tables (default \"ridge\")",
    example: r#"let god = god_synthetic(#{ voxels: 70, dim: 16 });
let baseline = ridge(god.train, #{ folds: 3, alphas: [0.1, 1.0, 10.0] });
baseline.alpha > 0.0 && baseline.cv_error.len() == 3"#,
};

const OPTIONS: &[&str] = &["target", "alphas", "folds", "seed", "label"];

pub fn register(reg: &mut Registry) {
    reg.legacy(&DOC, |engine, run| {
        let fit = move |data: DatasetValue, options: Options| -> ScriptResult<RidgeValue> {
            let name = DOC.name;
            let defaults = RidgeConfig::default();
            let target = options.choice("target", &["image", "text"], "image").or_fault(name)?;
            let config = RidgeConfig {
                alphas: options.float_list("alphas", &defaults.alphas).or_fault(name)?,
                folds: options.usize("folds", defaults.folds).or_fault(name)?,
                seed: options.u64("seed", run.seed()).or_fault(name)?,
            };
            let label = options.string("label", "ridge").or_fault(name)?;
            let targets = match target {
                "text" => data.0.require_text_embeddings(),
                _ => data.0.require_image_embeddings(),
            }
            .or_fault(name)?;
            let model = RidgeModel::fit(data.0.fmri().view(), targets.view(), &config).or_fault(name)?;
            run.record_model(serde_json::json!({ "kind": "ridge", "label": label, "target": target, "config": config, "alpha": model.alpha }));
            Ok(RidgeValue { model: Arc::new(model), target, label })
        };
        let plain = fit.clone();
        engine.register_fn(DOC.name, move |data: DatasetValue| plain(data, Options::empty(DOC.name)));
        engine.register_fn(DOC.name, move |data: DatasetValue, options: Map| {
            fit(data, Options::new(DOC.name, options, OPTIONS).or_fault(DOC.name)?)
        });
    });
}
