use std::sync::Arc;

use rhai::Dynamic;

use crate::eval::cosine_similarity;
use crate::plot::{Heatmap, heatmap};
use crate::script::fault::{OrFault, ScriptResult};
use crate::script::options::Options;
use crate::script::registry::{FnDoc, Registry};
use crate::script::values::{DatasetValue, Decoder, FigureValue, register_decoder_fn};

pub const DOC: FnDoc = FnDoc {
    name: "plot_similarity",
    area: "plot",
    signatures: &[
        "plot_similarity(model: Model | RidgeModel, data: Dataset) -> Figure",
        "plot_similarity(model: Model | RidgeModel, data: Dataset, options: map) -> Figure",
    ],
    summary: "Heat-map of cosine similarity between predicted (rows) and true (columns) embeddings of the data.",
    details: "A good decoder shows a bright diagonal. Rows and columns are labelled with category names.

Options:
  target  string  \"image\" (default: image head vs image embeddings) or \"text\" (text head vs captions)
  title   string  figure title",
    example: r#"let god = god_synthetic(#{ voxels: 70, dim: 16 });
let fig = plot_similarity(ridge(god.train, #{ folds: 3 }), god.test, #{ target: "text" });
fig.title == "ridge: predicted vs true text embeddings" && fig.height == 800"#,
};

const OPTIONS: &[&str] = &["target", "title"];

fn draw(model: &dyn Decoder, data: &DatasetValue, options: Options) -> ScriptResult<Dynamic> {
    let name = DOC.name;
    let target = options.choice("target", &["image", "text"], "image").or_fault(name)?;
    let default_title = format!("{}: predicted vs true {target} embeddings", model.label());
    let title = options.string("title", &default_title).or_fault(name)?;
    let decoded = model.decode(&data.0).or_fault(name)?;
    let (predicted, truth) = match target {
        "text" => (decoded.text, data.0.require_text_embeddings().or_fault(name)?),
        _ => (decoded.image, data.0.require_image_embeddings().or_fault(name)?),
    };
    let similarity = cosine_similarity(predicted.view(), truth.view()).or_fault(name)?;
    let labels: Vec<String> = data
        .0
        .labels()
        .iter()
        .map(|&l| data.0.categories()[l].short_name().to_string())
        .collect();
    let mut spec = Heatmap::new(
        title,
        format!("true {target} embedding"),
        "predicted from fMRI",
        similarity,
    );
    spec.colour_bar_label = "cosine similarity".into();
    spec.row_ticks = labels.clone();
    spec.col_ticks = labels;
    Ok(Dynamic::from(FigureValue(Arc::new(heatmap(&spec).or_fault(name)?))))
}

pub fn register(reg: &mut Registry) {
    reg.function(&DOC, |engine, _run| {
        register_decoder_fn(engine, DOC.name, OPTIONS, draw)
    });
}
