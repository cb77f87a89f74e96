use std::sync::Arc;

use rhai::{Array, Dynamic, Map};

use super::{eval_config, insert_topk};
use crate::eval;
use crate::script::fault::{OrFault, ScriptResult};
use crate::script::options::Options;
use crate::script::registry::{FnDoc, Registry};
use crate::script::values::{DatasetValue, Decoder, MatrixValue, register_decoder_fn, to_dynamic};

pub const DOC: FnDoc = FnDoc {
    name: "zero_shot",
    area: "eval",
    signatures: &[
        "zero_shot(model: Model | RidgeModel, data: Dataset) -> map",
        "zero_shot(model: Model | RidgeModel, data: Dataset, options: map) -> map",
    ],
    summary: "Zero-shot category decoding: rank the data's class prompt embeddings by similarity to each prediction.",
    details: "For GOD's test set: 50 novel categories, chance 2 % (top-1) and 10 % (top-5). Ties are
broken fairly (a constant prediction scores chance). Returns #{ task, model, head, similarity,
n_samples, n_classes, top1, chance_top1, p_top1 (one-sided binomial), ci_top1 ([low, high],
bootstrap 95 %), null_top1 (#{ mean, sd, p_value } of the permutation null), ... for each k,
mean_rank, per_class (array of #{ category, n_samples, top1, ... }), confusion (Matrix, true ×
predicted class), hits (#{ top1: per-sample hit probability, ... }), settings }.

Options: the evaluation settings k, similarity, bootstrap, permutations and seed (see
`brainclip doc evaluate`), and
  head  string  \"text\" (default) or \"image\": which head of a Model is compared",
    example: r#"let god = god_synthetic(#{ voxels: 70, dim: 16 });
let zs = zero_shot(ridge(god.train, #{ folds: 3 }), god.test, #{ k: [1, 5, 10], permutations: 200 });
zs.n_classes == 50 && zs.chance_top1 == 0.02 && zs.top10 >= zs.top1
    && zs.ci_top1[0] <= zs.top1 && zs.top1 <= zs.ci_top1[1] && zs.confusion.rows == 50"#,
};

const OPTIONS: &[&str] = &["k", "similarity", "bootstrap", "permutations", "seed", "head"];

fn evaluate(model: &dyn Decoder, data: &DatasetValue, options: Options, seed: u64) -> ScriptResult<Dynamic> {
    let name = DOC.name;
    let config = eval_config(&options, name, seed)?;
    let head = options.choice("head", &["text", "image"], "text").or_fault(name)?;
    let classes = data.0.require_class_embeddings().or_fault(name)?;
    let decoded = model.decode(&data.0).or_fault(name)?;
    let predicted = if head == "image" { decoded.image } else { decoded.text };
    let labels = data.0.labels();
    let report = eval::zero_shot_with(predicted.view(), classes.view(), labels, &config).or_fault(name)?;
    let categories = data.0.categories();
    let mut map = Map::new();
    map.insert("task".into(), Dynamic::from("zero_shot"));
    map.insert("model".into(), Dynamic::from(model.label().to_string()));
    map.insert("head".into(), Dynamic::from(head));
    map.insert("similarity".into(), Dynamic::from(config.similarity.name()));
    map.insert("n_samples".into(), Dynamic::from(report.n_samples as i64));
    map.insert("n_classes".into(), Dynamic::from(report.n_classes as i64));
    insert_topk(&mut map, &report.topk, &report.significance);
    map.insert("mean_rank".into(), Dynamic::from(report.mean_rank));
    let per_class: Array = report
        .per_class
        .iter()
        .map(|c| {
            let mut row = Map::new();
            let category = categories.get(c.class).map_or("", |c| c.short_name());
            row.insert("category".into(), Dynamic::from(category.to_string()));
            row.insert("n_samples".into(), Dynamic::from(c.n_samples as i64));
            for (t, accuracy) in report.topk.iter().zip(&c.topk) {
                row.insert(format!("top{}", t.k).into(), Dynamic::from(*accuracy));
            }
            Dynamic::from(row)
        })
        .collect();
    map.insert("per_class".into(), Dynamic::from(per_class));
    let confusion = report.confusion.mapv(|v| v as f32);
    map.insert("confusion".into(), Dynamic::from(MatrixValue(Arc::new(confusion))));
    let mut hits = Map::new();
    for t in &report.topk {
        let per_sample = eval::hit_probabilities(report.similarity.view(), labels, t.k).or_fault(name)?;
        hits.insert(format!("top{}", t.k).into(), to_dynamic(&per_sample));
    }
    map.insert("hits".into(), Dynamic::from(hits));
    map.insert("settings".into(), to_dynamic(&config));
    Ok(Dynamic::from(map))
}

pub fn register(reg: &mut Registry) {
    reg.function(&DOC, |engine, run| {
        let seed = run.seed();
        register_decoder_fn(engine, DOC.name, OPTIONS, move |m, d, o| evaluate(m, d, o, seed))
    });
}
