use crate::script::prelude::*;

use crate::assess::TopKFigure;

pub static SPEC: FnSpec = FnSpec::new("plot_topk", Area::Plot)
    .params(&[param("models", "Model | RidgeModel | array"), param("data", "Dataset")])
    .returns("Figure")
    .summary("Top-k accuracy curve (k = 1..K) of one or several decoders, with the chance line k / N.")
    .settings(schema::<TopKFigure>)
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
    let models = decoders(&models)?;
    let decoders: Vec<_> = models.iter().map(|m| (&*m.decoder, m.label.as_str())).collect();
    let figure = options.parse::<TopKFigure>()?.draw(&decoders, &data.0)?;
    Ok(FigureValue(Arc::new(figure)))
}

pub fn register(reg: &mut Registry) {
    reg.function(&SPEC, draw);
}
