use crate::script::prelude::*;

use crate::assess::AssessSettings;

pub static SPEC: FnSpec = FnSpec::new("zero_shot", Area::Eval)
    .params(&[param("model", "Model | RidgeModel"), param("data", "Dataset")])
    .returns("map")
    .summary("Zero-shot category decoding: rank the data's class prompt embeddings by similarity to each prediction.")
    .details(
        "For GOD's test set: 50 novel categories, chance 2 % (top-1) and 10 % (top-5). Ties are
broken fairly (a constant prediction scores chance). Returns #{ task, model, head, similarity,
n_samples, n_classes, top1, chance_top1, p_top1 (one-sided binomial), ci_top1 ([low, high],
bootstrap 95 %), null_top1 (#{ mean, sd, p_value } of the permutation null), ... for each k,
mean_rank, per_class (array of #{ category, n_samples, top1, ... }), confusion (Matrix, true ×
predicted class), hits (#{ top1: per-sample hit probability, ... }), settings }.",
    )
    .settings(schema::<AssessSettings>)
    .without(&["n_way", "repeats", "identification"])
    .example(
        r#"let god = god_synthetic(#{ voxels: 70, dim: 16 });
let zs = zero_shot(ridge(god.train, #{ folds: 3 }), god.test, #{ k: [1, 5, 10], permutations: 200 });
zs.n_classes == 50 && zs.chance_top1 == 0.02 && zs.top10 >= zs.top1
    && zs.ci_top1[0] <= zs.top1 && zs.top1 <= zs.ci_top1[1] && zs.confusion.rows == 50
    && zs.hits.top1.len() == 50 && zs.per_class.len() == 50 && zs.settings.k == [1, 5, 10]"#,
    );

fn evaluate(model: DecoderArg, data: &DatasetValue, options: Opts, seed: u64) -> Result<Dynamic, ScriptFault> {
    let settings: AssessSettings = options.with_default("seed", seed as i64).parse()?;
    let (report, summary) = model.on(&data.0).zero_shot(settings.head, &settings.eval)?;
    let mut map = to_dynamic(&summary).cast::<Map>();
    let confusion = MatrixValue(Arc::new(report.confusion.mapv(|v| v as f32)));
    map.insert("confusion".into(), Dynamic::from(confusion));
    Ok(map.into())
}

pub fn register(reg: &mut Registry) {
    let seed = reg.run().seed();
    register_decoder_fn(reg, &SPEC, move |m, d, o| evaluate(m, &d, o, seed));
}
