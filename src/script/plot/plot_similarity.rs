use crate::script::prelude::*;

use crate::eval::cosine_similarity;
use crate::plot::{Heatmap, heatmap};

pub static SPEC: FnSpec = FnSpec::new("plot_similarity", Area::Plot)
    .params(&[param("model", "Model | RidgeModel"), param("data", "Dataset")])
    .returns("Figure")
    .summary("Heat-map of cosine similarity between predicted (rows) and true (columns) embeddings of the data.")
    .details("A good decoder shows a bright diagonal. Rows and columns are labelled with category names.")
    .options(&[
        super::TARGET,
        Opt::string("title", "", "figure title").computed("\"<model>: predicted vs true <target> embeddings\""),
    ])
    .example(
        r#"let god = god_synthetic(#{ voxels: 70, dim: 16 });
let fig = plot_similarity(ridge(god.train, #{ folds: 3 }), god.test, #{ target: "text" });
fig.title == "ridge: predicted vs true text embeddings" && fig.height == 800"#,
    );

fn draw(model: DecoderArg, data: DatasetValue, options: Opts) -> Result<FigureValue, ScriptFault> {
    let target: String = options.get("target")?;
    let title = options.get_or(
        "title",
        format!("{}: predicted vs true {target} embeddings", model.label),
    )?;
    let decoded = model.decode(&data.0)?;
    let (predicted, truth) = match target.as_str() {
        "text" => (decoded.text, data.0.require_text_embeddings()?),
        _ => (decoded.image, data.0.require_image_embeddings()?),
    };
    let similarity = cosine_similarity(predicted.view(), truth.view())?;
    let labels = data.0.sample_category_names();
    let mut spec = Heatmap::new(
        title,
        format!("true {target} embedding"),
        "predicted from fMRI",
        similarity,
    );
    spec.colour_bar_label = "cosine similarity".into();
    spec.row_ticks = labels.clone();
    spec.col_ticks = labels;
    Ok(FigureValue(Arc::new(heatmap(&spec)?)))
}

pub fn register(reg: &mut Registry) {
    register_decoder_fn(reg, &SPEC, draw);
}
