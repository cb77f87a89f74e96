use crate::script::prelude::*;

use ndarray::Axis;

use crate::plot::{EmbeddingScatter, embedding_scatter};

pub static SPEC: FnSpec = FnSpec::new("plot_embeddings", Area::Plot)
    .params(&[param("model", "Model | RidgeModel"), param("data", "Dataset")])
    .returns("Figure")
    .summary("2-D PCA scatter of true (filled) and predicted (hollow) embeddings, coloured by category.")
    .details(
        "The principal components are fitted on the true embeddings of the samples shown; predictions
are projected on the same axes and joined to their true embedding.",
    )
    .options(&[
        super::TARGET,
        Opt::int("categories", 8, "show the samples of the first N categories").min(1.0),
        Opt::bool("connect", true, "join each prediction to its true embedding"),
        Opt::string("title", "", "figure title").computed("\"<model>: predicted vs true <target> embeddings (PCA)\""),
    ])
    .example(
        r#"let god = god_synthetic(#{ voxels: 70, dim: 16 });
let fig = plot_embeddings(ridge(god.train, #{ folds: 3 }), god.train, #{ categories: 5 });
fig.title == "ridge: predicted vs true image embeddings (PCA)" && fig.width == 960"#,
    );

fn draw(model: DecoderArg, data: DatasetValue, options: Opts) -> Result<FigureValue, ScriptFault> {
    let target: String = options.get("target")?;
    let data = &data.0;
    let truth = match target.as_str() {
        "text" => data.require_text_embeddings()?,
        _ => data.require_image_embeddings()?,
    };
    let decoded = model.decode(data)?;
    let predicted = if target == "text" { decoded.text } else { decoded.image };
    let shown = data.first_categories(options.get("categories")?);
    let title = options.get_or(
        "title",
        format!("{}: predicted vs true {target} embeddings (PCA)", model.label),
    )?;
    let mut spec = EmbeddingScatter::new(title, truth.select(Axis(0), &shown.rows), shown.labels);
    spec.predicted = Some(predicted.select(Axis(0), &shown.rows));
    spec.category_names = shown.names;
    spec.connect = options.get("connect")?;
    spec.predicted_label = format!("predicted from fMRI ({})", model.label);
    Ok(FigureValue(Arc::new(embedding_scatter(&spec)?)))
}

pub fn register(reg: &mut Registry) {
    register_decoder_fn(reg, &SPEC, draw);
}
