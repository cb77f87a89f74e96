use crate::script::prelude::*;

use crate::plot::{LineChart, Series, line_chart};

pub static SPEC: FnSpec = FnSpec::new("plot_history", Area::Plot)
    .params(&[param("models", "Model | array")])
    .returns("Figure")
    .summary("Training curves: training and validation loss per epoch of one or several models.")
    .details("Each model adds a `<label> train` curve and, when it held out validation samples, a `<label> validation` curve.")
    .options(&[
        Opt::string("title", "Training curves", "figure title"),
        Opt::bool("log_y", false, "logarithmic loss axis"),
    ])
    .example(
        r#"let god = god_synthetic(#{ voxels: 70, dim: 16 });
let model = train(mapping_net(god.train, #{ arch: "linear" }), god.train, #{ epochs: 2 });
let fig = plot_history([model], #{ title: "Linear map" });
fig.title == "Linear map" && fig.width == 960 && fig.height == 600 && model.history.len() == 2
    && plot_history(model).title == "Training curves""#,
    );

fn draw(models: &[ModelValue], options: &Opts) -> Result<FigureValue, ScriptFault> {
    let mut spec = LineChart::new(options.get::<String>("title")?, "epoch", "loss");
    spec.log_y = options.get("log_y")?;
    for m in models {
        let history = &m.model.history;
        spec.series.push(Series::new(
            format!("{} train", m.label),
            history.iter().map(|r| (r.epoch as f64, r.train_loss)).collect(),
        ));
        let val: Vec<(f64, f64)> = history
            .iter()
            .filter_map(|r| r.val_loss.map(|v| (r.epoch as f64, v)))
            .collect();
        if !val.is_empty() {
            spec.series.push(Series::new(format!("{} validation", m.label), val));
        }
    }
    Ok(FigureValue(Arc::new(line_chart(&spec)?)))
}

pub fn register(reg: &mut Registry) {
    reg.function(&SPEC, |model: ModelValue, options: Opts| draw(&[model], &options));
    reg.function(&SPEC, |models: Array, options: Opts| {
        draw(&cast_array::<ModelValue>(models, "Model")?, &options)
    });
}
