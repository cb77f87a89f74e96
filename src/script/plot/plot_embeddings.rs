use crate::script::prelude::*;

use crate::assess::EmbeddingFigure;

pub static SPEC: FnSpec = FnSpec::new("plot_embeddings", Area::Plot)
    .params(&[param("model", "Model | RidgeModel"), param("data", "Dataset")])
    .returns("Figure")
    .summary("2-D PCA scatter of true (filled) and predicted (hollow) embeddings, coloured by category.")
    .details(
        "The principal components are fitted on the true embeddings of the samples shown; predictions
are projected on the same axes and joined to their true embedding.",
    )
    .settings(schema::<EmbeddingFigure>)
    .example(
        r#"let god = god_synthetic(#{ voxels: 70, dim: 16 });
let fig = plot_embeddings(ridge(god.train, #{ folds: 3 }), god.train, #{ categories: 5 });
fig.title == "ridge: predicted vs true image embeddings (PCA)" && fig.width == 960"#,
    );

fn draw(model: DecoderArg, data: DatasetValue, options: Opts) -> Result<FigureValue, ScriptFault> {
    let figure = options.parse::<EmbeddingFigure>()?.draw(&model.on(&data.0))?;
    Ok(FigureValue(Arc::new(figure)))
}

pub fn register(reg: &mut Registry) {
    register_decoder_fn(reg, &SPEC, draw);
}
