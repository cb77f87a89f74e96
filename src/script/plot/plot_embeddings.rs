use std::sync::Arc;

use ndarray::Axis;
use rhai::Dynamic;

use crate::plot::{EmbeddingScatter, embedding_scatter};
use crate::script::fault::{OrFault, ScriptResult};
use crate::script::options::Options;
use crate::script::registry::{FnDoc, Registry};
use crate::script::values::{DatasetValue, Decoder, FigureValue, register_decoder_fn};

pub const DOC: FnDoc = FnDoc {
    name: "plot_embeddings",
    area: "plot",
    signatures: &[
        "plot_embeddings(model: Model | RidgeModel, data: Dataset) -> Figure",
        "plot_embeddings(model: Model | RidgeModel, data: Dataset, options: map) -> Figure",
    ],
    summary: "2-D PCA scatter of true (filled) and predicted (hollow) embeddings, coloured by category.",
    details: "The principal components are fitted on the true embeddings of the samples shown; predictions
are projected on the same axes and joined to their true embedding.

Options:
  target      string   \"image\" (default: image head vs image embeddings) or \"text\"
  categories  integer  show the samples of the first N categories (default 8)
  connect     bool     join each prediction to its true embedding (default true)
  title       string   figure title",
    example: r#"let god = god_synthetic(#{ voxels: 70, dim: 16 });
let fig = plot_embeddings(ridge(god.train, #{ folds: 3 }), god.train, #{ categories: 5 });
fig.title.ends_with("image embeddings (PCA)") && fig.width == 960"#,
};

const OPTIONS: &[&str] = &["target", "categories", "connect", "title"];

fn draw(model: &dyn Decoder, data: &DatasetValue, options: Options) -> ScriptResult<Dynamic> {
    let name = DOC.name;
    let target = options.choice("target", &["image", "text"], "image").or_fault(name)?;
    let shown_categories = options.usize("categories", 8).or_fault(name)?.max(1);
    let data = &data.0;
    let truth = match target {
        "text" => data.require_text_embeddings().or_fault(name)?,
        _ => data.require_image_embeddings().or_fault(name)?,
    };
    let decoded = model.decode(data).or_fault(name)?;
    let predicted = if target == "text" { decoded.text } else { decoded.image };
    // The first N categories in sample order, renumbered 0..N for the palette and legend.
    let mut kept_categories: Vec<usize> = Vec::new();
    let mut rows = Vec::new();
    let mut labels = Vec::new();
    for (i, &label) in data.labels().iter().enumerate() {
        let position = match kept_categories.iter().position(|&c| c == label) {
            Some(p) => p,
            None if kept_categories.len() < shown_categories => {
                kept_categories.push(label);
                kept_categories.len() - 1
            }
            None => continue,
        };
        rows.push(i);
        labels.push(position);
    }
    let names = kept_categories
        .iter()
        .map(|&c| data.categories()[c].short_name().to_string())
        .collect();
    let default_title = format!("{}: predicted vs true {target} embeddings (PCA)", model.label());
    let title = options.string("title", &default_title).or_fault(name)?;
    let mut spec = EmbeddingScatter::new(title, truth.select(Axis(0), &rows), labels);
    spec.predicted = Some(predicted.select(Axis(0), &rows));
    spec.category_names = names;
    spec.connect = options.bool("connect", true).or_fault(name)?;
    spec.predicted_label = format!("predicted from fMRI ({})", model.label());
    Ok(Dynamic::from(FigureValue(Arc::new(
        embedding_scatter(&spec).or_fault(name)?,
    ))))
}

pub fn register(reg: &mut Registry) {
    reg.function(&DOC, |engine, _run| {
        register_decoder_fn(engine, DOC.name, OPTIONS, draw)
    });
}
