use crate::script::prelude::*;

use crate::assess::SimilarityFigure;

pub static SPEC: FnSpec = FnSpec::new("plot_similarity", Area::Plot)
    .params(&[param("model", "Model | RidgeModel"), param("data", "Dataset")])
    .returns("Figure")
    .summary("Heat-map of cosine similarity between predicted (rows) and true (columns) embeddings of the data.")
    .details("A good decoder shows a bright diagonal. Rows and columns are labelled with category names.")
    .settings(schema::<SimilarityFigure>)
    .example(
        r#"let god = god_synthetic(#{ voxels: 70, dim: 16 });
let fig = plot_similarity(ridge(god.train, #{ folds: 3 }), god.test, #{ target: "text" });
fig.title == "ridge: predicted vs true text embeddings" && fig.height == 800"#,
    );

fn draw(model: DecoderArg, data: DatasetValue, options: Opts) -> Result<FigureValue, ScriptFault> {
    let figure = options.parse::<SimilarityFigure>()?.draw(&model.on(&data.0))?;
    Ok(FigureValue(Arc::new(figure)))
}

pub fn register(reg: &mut Registry) {
    register_decoder_fn(reg, &SPEC, draw);
}
