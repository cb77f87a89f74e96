use crate::script::prelude::*;

use crate::eval::{similarity_matrix, topk_curve};
use crate::plot::{Series, TopKCurve, topk_curve as draw_curve};

pub static SPEC: FnSpec = FnSpec::new("plot_topk", Area::Plot)
    .params(&[param("models", "Model | RidgeModel | array"), param("data", "Dataset")])
    .returns("Figure")
    .summary("Top-k accuracy curve (k = 1..K) of one or several decoders, with the chance line k / N.")
    .options(&[
        Opt::choice(
            "task",
            &["zero_shot", "image", "text"],
            "zero_shot",
            "zero_shot: class prompts with the text head; image or text: retrieval",
        ),
        Opt::int("max_k", 50, "the largest k").min(1.0).computed("the number of candidates, at most 50"),
        Opt::string("title", "", "figure title").computed("\"Top-k accuracy, <task> (<n>-way)\""),
    ])
    .example(
        r#"let god = god_synthetic(#{ voxels: 70, dim: 16 });
let fig = plot_topk([ridge(god.train, #{ folds: 3 }), ridge(god.train, #{ folds: 3, target: "text", label: "ridge→text" })], god.test, #{ max_k: 20 });
fig.width == 960 && fig.title == "Top-k accuracy, zero-shot decoding (50-way)""#,
    );

/// The decoders of a `Model`, `RidgeModel` or an array of them.
fn decoders(value: &Dynamic) -> Result<Vec<DecoderArg>, ScriptFault> {
    let one = |v: &Dynamic| {
        DecoderArg::from_value(v).ok_or_else(|| {
            ScriptFault::new(
                ErrorKind::WrongType,
                format!(
                    "plot_topk() needs models (Model or RidgeModel), found {}",
                    v.type_name()
                ),
            )
        })
    };
    match value.read_lock::<Array>() {
        Some(items) => items.iter().map(one).collect(),
        None => Ok(vec![one(value)?]),
    }
}

fn draw(models: Dynamic, data: DatasetValue, options: Opts) -> Result<FigureValue, ScriptFault> {
    let task: String = options.get("task")?;
    let data = &data.0;
    let all: Vec<usize> = (0..data.n_samples()).collect();
    let (truth, targets, what) = match task.as_str() {
        "image" => (data.require_image_embeddings()?, all, "fMRI→image retrieval"),
        "text" => (data.require_text_embeddings()?, all, "fMRI→text retrieval"),
        _ => (
            data.require_class_embeddings()?,
            data.labels().to_vec(),
            "zero-shot decoding",
        ),
    };
    let n = truth.nrows();
    let max_k = options.get_or("max_k", n.min(50))?;
    let title = options.get_or("title", format!("Top-k accuracy, {what} ({n}-way)"))?;
    let mut spec = TopKCurve::new(title, n);
    for model in decoders(&models)? {
        let decoded = model.decode(data)?;
        let predicted = if task == "image" { decoded.image } else { decoded.text };
        let scores = similarity_matrix(predicted.view(), truth.view(), Default::default())?;
        let curve = topk_curve(scores.view(), &targets, max_k)?;
        let points = curve.iter().map(|t| (t.k as f64, t.accuracy)).collect();
        spec.curves.push(Series::new(&model.label, points));
    }
    Ok(FigureValue(Arc::new(draw_curve(&spec)?)))
}

pub fn register(reg: &mut Registry) {
    reg.function(&SPEC, draw);
}
