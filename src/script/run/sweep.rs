use crate::script::prelude::*;

use crate::run::ScriptSweep;
use crate::sweep::Axis;

pub static SPEC: FnSpec = FnSpec::new("sweep", Area::Run)
    .params(&[param("script", "string")])
    .returns("map")
    .summary("Run a script over a grid of parameters here, K runs at a time, and collect the results.")
    .details(
        "Each combination of the grid's values is an ordinary `brainclip script` run with its own run
directory, under sweeps/NAME in this run's directory (sweep.json, tasks.tsv, runs/, logs/,
results.csv, results.png). `seed` in the grid is each run's session seed. Completed runs of the
same sweep are not redone. Returns #{ dir, runs, completed, not_completed: [names], metric,
conditions: [#{ condition, mean, ci95, n, missing }], figure, summary } with the metric's mean and
Student-t 95 % interval over seeds per condition. For a cluster, `brainclip sweep --slurm` submits
the same grid as a SLURM job array.",
    )
    .options(&[
        Opt::value(
            "grid",
            "map of arrays",
            "the swept parameters: #{ lr: [1e-3, 1e-2], seed: [0, 1, 2] }",
        ),
        Opt::value("set", "map", "parameters every run gets: #{ epochs: 5 }"),
        Opt::int("jobs", 1, "runs at a time").range(1.0, 256.0),
        Opt::string("name", "", "the sweep's folder under sweeps/").computed("the script's name"),
        Opt::string(
            "metric",
            "",
            "the metric summarised (a flattened name such as brainclip.top1)",
        )
        .computed("the first ending in top1"),
    ])
    .example(
        r#"let script = save_text("save_metrics(#{ top1: param(\"lr\", 0.0) * 2.0 });", "exp.rhai");
let r = sweep(script, #{ grid: #{ lr: [0.1, 0.2], seed: [0, 1] }, jobs: 2 });
r.runs == 4 && r.completed == 4 && r.not_completed == [] && r.metric == "top1"
    && r.conditions.len() == 2 && r.conditions[1].condition.lr == 0.2 && r.conditions[1].mean == 0.4
    && r.conditions[1].n == 2 && r.conditions[1].ci95 == 0.0 && r.figure.width == 960
    && r.summary.contains("4 completed")"#,
    );

fn text(value: &Dynamic, key: &str) -> Result<String, ScriptFault> {
    if value.is_string() || value.is_int() || value.is_float() || value.is_bool() {
        Ok(value.to_string())
    } else {
        Err(ScriptFault::new(
            ErrorKind::WrongType,
            format!(
                "`{key}` has a {} value; give numbers, strings or bools",
                value.type_name()
            ),
        ))
    }
}

fn map_option(options: &Opts, key: &str) -> Result<Map, ScriptFault> {
    let map = options
        .value_of::<Map>(key, "a map")
        .map_err(|e| e.with_hint("e.g. #{ grid: #{ lr: [0.001, 0.01], seed: [0, 1, 2] } }"))?;
    Ok(map.unwrap_or_default())
}

pub fn register(reg: &mut Registry) {
    let run = reg.run();
    reg.function(&SPEC, move |script: ImmutableString, options: Opts| {
        let mut grid = Vec::new();
        for (key, values) in map_option(&options, "grid")? {
            let values: Array = values.try_cast::<Array>().ok_or_else(|| {
                ScriptFault::new(ErrorKind::WrongType, format!("grid `{key}` must be an array of values"))
                    .with_hint("e.g. grid: #{ seed: [0, 1, 2] } or grid: #{ seed: range(0, 5).collect() }")
            })?;
            let values = values.iter().map(|v| text(v, &key)).collect::<Result<Vec<_>, _>>()?;
            grid.push(Axis::parse(&format!("{key}={}", values.join(",")))?);
        }
        let fixed = map_option(&options, "set")?
            .iter()
            .map(|(k, v)| Ok(format!("{k}={}", text(v, k)?)))
            .collect::<Result<Vec<_>, ScriptFault>>()?;
        let sweep = ScriptSweep {
            script: run.readable(&script)?,
            grid,
            fixed,
            name: options.given("name")?,
            jobs: options.get("jobs")?,
            metric: options.given("metric")?,
        };
        let (dir, collection) = sweep.run(&run)?;
        let mut out: Map = to_dynamic(&collection.record()).try_cast().unwrap_or_default();
        out.insert("dir".into(), dir.display().to_string().into());
        let figure = collection.figure.map(|f| Dynamic::from(FigureValue(Arc::new(f))));
        out.insert("figure".into(), figure.unwrap_or(Dynamic::UNIT));
        Ok(Dynamic::from(out))
    });
}
