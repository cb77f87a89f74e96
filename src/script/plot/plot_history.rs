use std::sync::Arc;

use rhai::{Array, Map};

use crate::plot::{LineChart, Series, line_chart};
use crate::script::fault::{OrFault, ScriptResult};
use crate::script::options::Options;
use crate::script::registry::{FnDoc, Registry};
use crate::script::values::{FigureValue, ModelValue, legacy_cast_array};

pub const DOC: FnDoc = FnDoc {
    name: "plot_history",
    area: "plot",
    signatures: &[
        "plot_history(model: Model) -> Figure",
        "plot_history(models: array, options: map) -> Figure",
        "plot_history(model: Model, options: map) -> Figure",
    ],
    summary: "Training curves: training and validation loss per epoch of one or several models.",
    details: "Options:
  title  string  figure title (default \"Training curves\")
  log_y  bool    logarithmic loss axis (default false)",
    example: r#"let god = god_synthetic(#{ voxels: 70, dim: 16 });
let model = train(mapping_net(god.train, #{ arch: "linear" }), god.train, #{ epochs: 2 });
let fig = plot_history([model], #{ title: "Linear map" });
fig.title == "Linear map" && fig.width == 960 && fig.height == 600 && model.history.len() == 2"#,
};

const OPTIONS: &[&str] = &["title", "log_y"];

fn draw(models: &[ModelValue], options: Options) -> ScriptResult<FigureValue> {
    let name = DOC.name;
    let mut spec = LineChart::new(
        options.string("title", "Training curves").or_fault(name)?,
        "epoch",
        "loss",
    );
    spec.log_y = options.bool("log_y", false).or_fault(name)?;
    for m in models {
        let history = &m.model.history;
        spec.series.push(Series::new(
            format!("{} train", m.label),
            history.iter().map(|r| (r.epoch as f64, r.train_loss)).collect(),
        ));
        let val: Vec<(f64, f64)> = history
            .iter()
            .filter_map(|r| r.val_loss.map(|v| (r.epoch as f64, v)))
            .collect();
        if !val.is_empty() {
            spec.series.push(Series::new(format!("{} validation", m.label), val));
        }
    }
    Ok(FigureValue(Arc::new(line_chart(&spec).or_fault(name)?)))
}

fn models_of(items: Array) -> ScriptResult<Vec<ModelValue>> {
    legacy_cast_array(items, DOC.name, "Model")
}

pub fn register(reg: &mut Registry) {
    reg.legacy(&DOC, |engine, _run| {
        engine.register_fn(DOC.name, |model: ModelValue| draw(&[model], Options::empty(DOC.name)));
        engine.register_fn(DOC.name, |model: ModelValue, options: Map| {
            draw(&[model], Options::new(DOC.name, options, OPTIONS).or_fault(DOC.name)?)
        });
        engine.register_fn(DOC.name, |models: Array| {
            draw(&models_of(models)?, Options::empty(DOC.name))
        });
        engine.register_fn(DOC.name, |models: Array, options: Map| {
            draw(
                &models_of(models)?,
                Options::new(DOC.name, options, OPTIONS).or_fault(DOC.name)?,
            )
        });
    });
}
