use std::sync::Arc;

use rhai::{Array, Dynamic, Map};

use crate::eval::{similarity_matrix, topk_curve};
use crate::plot::{Series, TopKCurve, topk_curve as draw_curve};
use crate::script::fault::{FaultKind, OrFault, ScriptFault, ScriptResult};
use crate::script::options::Options;
use crate::script::registry::{FnDoc, Registry};
use crate::script::values::{DatasetValue, Decoder, FigureValue, ModelValue, RidgeValue};

pub const DOC: FnDoc = FnDoc {
    name: "plot_topk",
    area: "plot",
    signatures: &[
        "plot_topk(model: Model | RidgeModel, data: Dataset) -> Figure",
        "plot_topk(models: array, data: Dataset, options: map) -> Figure",
        "plot_topk(model: Model | RidgeModel, data: Dataset, options: map) -> Figure",
    ],
    summary: "Top-k accuracy curve (k = 1..K) of one or several decoders, with the chance line k / N.",
    details: "Options:
  task   string   \"zero_shot\" (default: class prompts, text head), \"image\" or \"text\" (retrieval)
  max_k  integer  the largest k (default: the number of candidates, at most 50)
  title  string   figure title",
    example: r#"let god = god_synthetic(#{ voxels: 70, dim: 16 });
let fig = plot_topk([ridge(god.train, #{ folds: 3 }), ridge(god.train, #{ folds: 3, target: "text", label: "ridge→text" })], god.test, #{ max_k: 20 });
fig.width == 960"#,
};

const OPTIONS: &[&str] = &["task", "max_k", "title"];

/// The decoders of a `Model`, `RidgeModel` or an array of them.
fn decoders(value: &Dynamic) -> Result<Vec<Box<dyn Decoder>>, ScriptFault> {
    let one = |v: &Dynamic| -> Result<Box<dyn Decoder>, ScriptFault> {
        if let Some(m) = v.clone().try_cast::<ModelValue>() {
            Ok(Box::new(m))
        } else if let Some(r) = v.clone().try_cast::<RidgeValue>() {
            Ok(Box::new(r))
        } else {
            Err(ScriptFault::new(
                FaultKind::WrongType,
                format!(
                    "plot_topk() needs models (Model or RidgeModel), found {}",
                    v.type_name()
                ),
            ))
        }
    };
    match value.clone().try_cast::<Array>() {
        Some(items) => items.iter().map(one).collect(),
        None => Ok(vec![one(value)?]),
    }
}

fn draw(models: Dynamic, data: DatasetValue, options: Options) -> ScriptResult<FigureValue> {
    let name = DOC.name;
    let task = options
        .choice("task", &["zero_shot", "image", "text"], "zero_shot")
        .or_fault(name)?;
    let data = &data.0;
    let (truth, targets): (_, Vec<usize>) = match task {
        "image" => (
            data.require_image_embeddings().or_fault(name)?,
            (0..data.n_samples()).collect(),
        ),
        "text" => (
            data.require_text_embeddings().or_fault(name)?,
            (0..data.n_samples()).collect(),
        ),
        _ => (data.require_class_embeddings().or_fault(name)?, data.labels().to_vec()),
    };
    let n = truth.nrows();
    let max_k = options.usize("max_k", n.min(50)).or_fault(name)?;
    let what = match task {
        "image" => "fMRI→image retrieval",
        "text" => "fMRI→text retrieval",
        _ => "zero-shot decoding",
    };
    let title = options
        .string("title", &format!("Top-k accuracy, {what} ({n}-way)"))
        .or_fault(name)?;
    let mut spec = TopKCurve::new(title, n);
    for model in decoders(&models).or_fault(name)? {
        let decoded = model.decode(data).or_fault(name)?;
        let predicted = if task == "image" { decoded.image } else { decoded.text };
        let scores = similarity_matrix(predicted.view(), truth.view(), Default::default()).or_fault(name)?;
        let curve = topk_curve(scores.view(), &targets, max_k).or_fault(name)?;
        let points = curve.iter().map(|t| (t.k as f64, t.accuracy)).collect();
        spec.curves.push(Series::new(model.label(), points));
    }
    Ok(FigureValue(Arc::new(draw_curve(&spec).or_fault(name)?)))
}

pub fn register(reg: &mut Registry) {
    reg.function(&DOC, |engine, _run| {
        engine.register_fn(DOC.name, |models: Dynamic, data: DatasetValue| {
            draw(models, data, Options::empty(DOC.name))
        });
        engine.register_fn(DOC.name, |models: Dynamic, data: DatasetValue, options: Map| {
            draw(
                models,
                data,
                Options::new(DOC.name, options, OPTIONS).or_fault(DOC.name)?,
            )
        });
    });
}
