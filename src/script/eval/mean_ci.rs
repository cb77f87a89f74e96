use rhai::{Array, Dynamic, Map};

use crate::eval::bootstrap_ci;
use crate::script::fault::{OrFault, ScriptResult};
use crate::script::options::Options;
use crate::script::registry::{FnDoc, Registry};
use crate::script::values::cast_array;

pub const DOC: FnDoc = FnDoc {
    name: "mean_ci",
    area: "eval",
    signatures: &[
        "mean_ci(values: array) -> map",
        "mean_ci(values: array, options: map) -> map",
    ],
    summary: "Mean of numbers with a seeded bootstrap 95 % confidence interval: #{ mean, low, high, n }.",
    details: "For per-sample scores, e.g. the hits of zero_shot(...).hits.top1 pooled over seeds.

Options:
  resamples  integer  bootstrap resamples (default 1000)
  seed       integer  seed of the resampling (default: the session seed)",
    example: r#"let ci = mean_ci([0.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 0.0], #{ seed: 3 });
ci.mean == 0.625 && ci.low < ci.mean && ci.mean < ci.high && ci.n == 8"#,
};

pub fn register(reg: &mut Registry) {
    reg.function(&DOC, |engine, run| {
        let seed = run.seed();
        let summarise = move |values: Array, options: Options| -> ScriptResult<Map> {
            let name = DOC.name;
            let values: Vec<f64> = cast_array::<Dynamic>(values, name, "numbers")?
                .into_iter()
                .map(|v| v.as_float().or_else(|_| v.as_int().map(|i| i as f64)))
                .collect::<Result<_, _>>()
                .map_err(|t| {
                    crate::script::fault::ScriptFault::new(
                        crate::script::fault::FaultKind::WrongType,
                        format!("mean_ci() needs an array of numbers, found a {t}"),
                    )
                    .in_function(name)
                })?;
            let resamples = options.usize("resamples", 1000).or_fault(name)?;
            let seed = options.u64("seed", seed).or_fault(name)?;
            let interval = bootstrap_ci(&values, resamples, seed).or_fault(name)?;
            let mut map = Map::new();
            map.insert(
                "mean".into(),
                Dynamic::from(values.iter().sum::<f64>() / values.len() as f64),
            );
            map.insert("low".into(), Dynamic::from(interval.low));
            map.insert("high".into(), Dynamic::from(interval.high));
            map.insert("n".into(), Dynamic::from(values.len() as i64));
            Ok(map)
        };
        let plain = summarise;
        engine.register_fn(DOC.name, move |values: Array| plain(values, Options::empty(DOC.name)));
        engine.register_fn(DOC.name, move |values: Array, options: Map| {
            summarise(
                values,
                Options::new(DOC.name, options, &["resamples", "seed"]).or_fault(DOC.name)?,
            )
        });
    });
}
