use std::sync::Arc;

use rhai::{Array, Dynamic, Map};

use crate::plot::{BarChart, BarSeries, bar_chart};
use crate::script::fault::{OrFault, ScriptFault, ScriptResult};
use crate::ErrorKind;
use crate::script::options::Options;
use crate::script::registry::{FnDoc, Registry};
use crate::script::values::FigureValue;

pub const DOC: FnDoc = FnDoc {
    name: "plot_bars",
    area: "plot",
    signatures: &["plot_bars(rows: array, options: map) -> Figure"],
    summary: "Grouped bar chart with confidence-interval error bars, from rows of maps (e.g. accuracy per metric and loss).",
    details: "Each row gives one bar: its group (x position), its series (colour, legend), its value and
optionally its interval. Groups and series appear in the order of the rows.

Options:
  group    string  key of the group name in each row (default \"group\")
  series   string  key of the series name (default \"series\")
  value    string  key of the bar height (default \"mean\")
  low      string  key of the interval's lower end (default \"low\"; rows without it get no error bar)
  high     string  key of the interval's upper end (default \"high\")
  title    string  figure title (default \"Accuracy by condition\")
  x_label  string  x-axis label (default: the group key)
  y_label  string  y-axis label (default \"accuracy\")
  chance   float   draw a dashed chance line at this value",
    example: r#"let rows = [
    #{ group: "zero-shot top-1", series: "image", mean: 0.10, low: 0.05, high: 0.15 },
    #{ group: "zero-shot top-1", series: "image + text", mean: 0.30, low: 0.22, high: 0.38 },
    #{ group: "fMRI→text top-1", series: "image", mean: 0.20, low: 0.12, high: 0.28 },
    #{ group: "fMRI→text top-1", series: "image + text", mean: 0.50, low: 0.40, high: 0.60 },
];
let fig = plot_bars(rows, #{ title: "Loss ablation", chance: 0.02 });
fig.title == "Loss ablation""#,
};

const OPTIONS: &[&str] = &[
    "group", "series", "value", "low", "high", "title", "x_label", "y_label", "chance",
];

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

/// One row: (group index, series index, value, interval).
type Bar = (usize, usize, f64, Option<(f64, f64)>);

fn draw(rows: Array, options: Options) -> ScriptResult<FigureValue> {
    let name = DOC.name;
    let keys = ["group", "series", "value", "low", "high"];
    let defaults = ["group", "series", "mean", "low", "high"];
    let mut names = Vec::new();
    for (key, default) in keys.iter().zip(defaults) {
        names.push(options.string(key, default).or_fault(name)?);
    }
    let mut groups: Vec<String> = Vec::new();
    let mut series: Vec<String> = Vec::new();
    let mut bars: Vec<Bar> = Vec::new();
    for (index, row) in rows.iter().enumerate() {
        let row = row.clone().try_cast::<Map>().ok_or_else(|| {
            ScriptFault::new(
                ErrorKind::WrongType,
                format!("row {index} must be a map, found {}", row.type_name()),
            )
            .in_function(name)
        })?;
        let group = field(&row, &names[0], index).or_fault(name)?.to_string();
        let serie = field(&row, &names[1], index).or_fault(name)?.to_string();
        let value = number(&field(&row, &names[2], index).or_fault(name)?, &names[2], index).or_fault(name)?;
        let interval = match (row.get(names[3].as_str()), row.get(names[4].as_str())) {
            (Some(low), Some(high)) => Some((
                number(low, &names[3], index).or_fault(name)?,
                number(high, &names[4], index).or_fault(name)?,
            )),
            _ => None,
        };
        let g = groups.iter().position(|x| *x == group).unwrap_or_else(|| {
            groups.push(group);
            groups.len() - 1
        });
        let s = series.iter().position(|x| *x == serie).unwrap_or_else(|| {
            series.push(serie);
            series.len() - 1
        });
        bars.push((g, s, value, interval));
    }
    let title = options.string("title", "Accuracy by condition").or_fault(name)?;
    let x_label = options.string("x_label", &names[0]).or_fault(name)?;
    let y_label = options.string("y_label", "accuracy").or_fault(name)?;
    let mut spec = BarChart::new(title, x_label, y_label);
    spec.groups = groups.clone();
    let with_ci = bars.iter().any(|b| b.3.is_some());
    for (s, serie) in series.iter().enumerate() {
        let mut values = vec![f64::NAN; groups.len()];
        let mut ci = vec![(f64::NAN, f64::NAN); groups.len()];
        for &(g, _, value, interval) in bars.iter().filter(|b| b.1 == s) {
            values[g] = value;
            if let Some(interval) = interval {
                ci[g] = interval;
            }
        }
        let bar = BarSeries::new(serie.clone(), values);
        spec.series.push(if with_ci { bar.with_ci(ci) } else { bar });
    }
    if let Some(chance) = options.optional_float("chance", None).or_fault(name)? {
        spec.reference_lines.push(("chance".into(), chance));
    }
    Ok(FigureValue(Arc::new(bar_chart(&spec).or_fault(name)?)))
}

pub fn register(reg: &mut Registry) {
    reg.legacy(&DOC, |engine, _run| {
        engine.register_fn(DOC.name, |rows: Array, options: Map| {
            draw(rows, Options::new(DOC.name, options, OPTIONS).or_fault(DOC.name)?)
        });
    });
}
