use crate::script::prelude::*;

use crate::plot::{BarRecords, bar_chart};
use crate::script::values::json_ready;

pub static SPEC: FnSpec = FnSpec::new("plot_bars", Area::Plot)
    .params(&[param("rows", "array")])
    .returns("Figure")
    .summary(
        "Grouped bar chart with confidence-interval error bars, from rows of maps (e.g. accuracy per metric and loss).",
    )
    .details(
        "Each row gives one bar: its group (x position), its series (colour, legend), its value and
optionally its interval. Groups and series appear in the order of the rows.",
    )
    .settings(schema::<BarRecords>)
    .example(
        r#"let rows = [
    #{ group: "zero-shot top-1", series: "image", mean: 0.10, low: 0.05, high: 0.15 },
    #{ group: "zero-shot top-1", series: "image + text", mean: 0.30, low: 0.22, high: 0.38 },
    #{ group: "fMRI→text top-1", series: "image", mean: 0.20, low: 0.12, high: 0.28 },
    #{ group: "fMRI→text top-1", series: "image + text", mean: 0.50, low: 0.40, high: 0.60 },
];
let fig = plot_bars(rows, #{ title: "Loss ablation", chance: 0.02 });
let plain = plot_bars([#{ group: "a", series: "s", mean: 1 }]);
fig.title == "Loss ablation" && fig.width == 960 && fig.height == 600 && plain.title == "Accuracy by condition""#,
    );

fn draw(rows: Array, options: Opts) -> Result<FigureValue, ScriptFault> {
    let records: Vec<serde_json::Value> = rhai::serde::from_dynamic(&json_ready(&Dynamic::from(rows)))
        .map_err(|e| ScriptFault::new(ErrorKind::WrongType, format!("rows: {e}")))?;
    let chart = options.parse::<BarRecords>()?.chart(&records)?;
    Ok(FigureValue(Arc::new(bar_chart(&chart)?)))
}

pub fn register(reg: &mut Registry) {
    reg.function(&SPEC, draw);
}
