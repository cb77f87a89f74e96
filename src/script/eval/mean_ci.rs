use crate::script::prelude::*;

use crate::eval::stats::mean_ci;

pub static SPEC: FnSpec = FnSpec::new("mean_ci", Area::Eval)
    .params(&[param("values", "array")])
    .returns("map")
    .summary("Mean of numbers with a seeded bootstrap 95 % confidence interval: #{ mean, low, high, n }.")
    .details("For per-sample scores, e.g. the hits of zero_shot(...).hits.top1 pooled over seeds.")
    .options(&[
        Opt::int("resamples", 1000, "bootstrap resamples").range(1.0, 1e6),
        Opt::seed("seed of the resampling"),
    ])
    .example(
        r#"let ci = mean_ci([0.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 0.0], #{ seed: 3 });
ci.mean == 0.625 && ci.low < ci.mean && ci.mean < ci.high && ci.n == 8"#,
    );

pub fn register(reg: &mut Registry) {
    let run = reg.run();
    reg.function(&SPEC, move |values: Array, options: Opts| {
        let values = numbers(values)?;
        let summary = mean_ci(&values, options.get("resamples")?, options.get_or("seed", run.seed())?)?;
        Ok(to_dynamic(&summary))
    });
}
