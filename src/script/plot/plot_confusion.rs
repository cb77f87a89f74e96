use crate::script::prelude::*;

use crate::assess::ConfusionFigure;

pub static SPEC: FnSpec = FnSpec::new("plot_confusion", Area::Plot)
    .params(&[param("model", "Model | RidgeModel"), param("data", "Dataset")])
    .returns("Figure")
    .summary("Zero-shot confusion matrix (true category × decoded category) as a heat-map with a colour bar.")
    .details("Each sample adds 1 to the cell of its top-scoring category (split evenly among tied ones).")
    .settings(schema::<ConfusionFigure>)
    .example(
        r#"let god = god_synthetic(#{ voxels: 70, dim: 16 });
let fig = plot_confusion(ridge(god.train, #{ folds: 3 }), god.test);
fig.title == "ridge: zero-shot confusion (50 categories)" && fig.width == 900"#,
    );

fn draw(model: DecoderArg, data: DatasetValue, options: Opts) -> Result<FigureValue, ScriptFault> {
    let figure = options.parse::<ConfusionFigure>()?.draw(&model.on(&data.0))?;
    Ok(FigureValue(Arc::new(figure)))
}

pub fn register(reg: &mut Registry) {
    register_decoder_fn(reg, &SPEC, draw);
}
