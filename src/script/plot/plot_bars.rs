use crate::script::prelude::*;

use crate::plot::{Bar, BarChart, bar_chart};

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
    .options(&[
        Opt::string("group", "group", "key of the group name in each row"),
        Opt::string("series", "series", "key of the series name"),
        Opt::string("value", "mean", "key of the bar height"),
        Opt::string(
            "low",
            "low",
            "key of the interval's lower end (rows without it get no error bar)",
        ),
        Opt::string("high", "high", "key of the interval's upper end"),
        Opt::string("title", "Accuracy by condition", "figure title"),
        Opt::string("x_label", "", "x-axis label").computed("the group key"),
        Opt::string("y_label", "accuracy", "y-axis label"),
        Opt::float("chance", 0.0, "draw a dashed chance line at this value").none_by_default(),
    ])
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

fn field(row: &Map, key: &str, index: usize) -> Result<Dynamic, ScriptFault> {
    row.get(key).cloned().ok_or_else(|| {
        let present: Vec<&str> = row.keys().map(|k| k.as_str()).collect();
        ScriptFault::new(
            ErrorKind::Data,
            format!("row {index} has no key `{key}` (it has {})", present.join(", ")),
        )
        .with_hint("name the keys with the options group, series, value, low and high")
    })
}

fn number(value: &Dynamic, key: &str, index: usize) -> Result<f64, ScriptFault> {
    value
        .as_float()
        .or_else(|_| value.as_int().map(|i| i as f64))
        .map_err(|t| {
            ScriptFault::new(
                ErrorKind::WrongType,
                format!("row {index}: `{key}` must be a number, found {t}"),
            )
        })
}

/// The keys naming each part of a bar in the rows.
struct Keys {
    group: String,
    series: String,
    value: String,
    low: String,
    high: String,
}

fn bar(row: &Dynamic, index: usize, keys: &Keys) -> Result<Bar, ScriptFault> {
    let row = row.read_lock::<Map>().ok_or_else(|| {
        ScriptFault::new(
            ErrorKind::WrongType,
            format!("row {index} must be a map, found {}", row.type_name()),
        )
    })?;
    let group = field(&row, &keys.group, index)?.to_string();
    let series = field(&row, &keys.series, index)?.to_string();
    let value = number(&field(&row, &keys.value, index)?, &keys.value, index)?;
    let interval = match (row.get(keys.low.as_str()), row.get(keys.high.as_str())) {
        (Some(low), Some(high)) => Some((number(low, &keys.low, index)?, number(high, &keys.high, index)?)),
        _ => None,
    };
    Ok(Bar {
        group,
        series,
        value,
        interval,
    })
}

fn draw(rows: Array, options: Opts) -> Result<FigureValue, ScriptFault> {
    let keys = Keys {
        group: options.get("group")?,
        series: options.get("series")?,
        value: options.get("value")?,
        low: options.get("low")?,
        high: options.get("high")?,
    };
    let bars = rows
        .iter()
        .enumerate()
        .map(|(index, row)| bar(row, index, &keys))
        .collect::<Result<Vec<_>, _>>()?;
    let x_label = options.get_or("x_label", keys.group.clone())?;
    let mut spec = BarChart::new(
        options.get::<String>("title")?,
        x_label,
        options.get::<String>("y_label")?,
    );
    spec.set_bars(&bars);
    if let Some(chance) = options.get::<Option<f64>>("chance")? {
        spec.reference_lines.push(("chance".into(), chance));
    }
    Ok(FigureValue(Arc::new(bar_chart(&spec)?)))
}

pub fn register(reg: &mut Registry) {
    reg.function(&SPEC, draw);
}
