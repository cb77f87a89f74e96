use rhai::{Dynamic, Map};

use super::insert_topk;
use crate::eval;
use crate::script::fault::{OrFault, ScriptResult};
use crate::script::options::Options;
use crate::script::registry::{FnDoc, Registry};
use crate::script::values::{DatasetValue, Decoder, register_decoder_fn};

pub const DOC: FnDoc = FnDoc {
    name: "zero_shot",
    area: "eval",
    signatures: &[
        "zero_shot(model: Model | RidgeModel, data: Dataset) -> map",
        "zero_shot(model: Model | RidgeModel, data: Dataset, options: map) -> map",
    ],
    summary: "Zero-shot category decoding: rank the data's class prompt embeddings by cosine similarity to each prediction.",
    details: "For GOD's test set: 50 novel categories, chance 2 % (top-1) and 10 % (top-5). Ties are
broken fairly (a constant prediction scores chance). Returns #{ task, model, head, similarity,
n_samples, n_classes, top1, chance_top1, top5, chance_top5, ..., mean_rank }.

Options:
  k     array   the k of each top-k accuracy (default [1, 5])
  head  string  \"text\" (default) or \"image\": which head of a Model is compared",
    example: r#"let god = god_synthetic(#{ voxels: 70, dim: 16 });
let zs = zero_shot(ridge(god.train, #{ folds: 3 }), god.test, #{ k: [1, 5, 10] });
zs.n_classes == 50 && zs.chance_top1 == 0.02 && zs.top10 >= zs.top1"#,
};

const OPTIONS: &[&str] = &["k", "head"];

fn evaluate(model: &dyn Decoder, data: &DatasetValue, options: Options) -> ScriptResult<Dynamic> {
    let name = DOC.name;
    let ks = options.usize_list("k", &[1, 5]).or_fault(name)?;
    let head = options.choice("head", &["text", "image"], "text").or_fault(name)?;
    let classes = data.0.require_class_embeddings().or_fault(name)?;
    let decoded = model.decode(&data.0).or_fault(name)?;
    let predicted = if head == "image" { decoded.image } else { decoded.text };
    let report = eval::zero_shot(predicted.view(), classes.view(), data.0.labels(), &ks).or_fault(name)?;
    let mut map = Map::new();
    map.insert("task".into(), Dynamic::from("zero_shot"));
    map.insert("model".into(), Dynamic::from(model.label().to_string()));
    map.insert("head".into(), Dynamic::from(head));
    map.insert("similarity".into(), Dynamic::from("cosine"));
    map.insert("n_samples".into(), Dynamic::from(report.n_samples as i64));
    map.insert("n_classes".into(), Dynamic::from(report.n_classes as i64));
    insert_topk(&mut map, &report.topk);
    map.insert("mean_rank".into(), Dynamic::from(report.mean_rank));
    Ok(Dynamic::from(map))
}

pub fn register(reg: &mut Registry) {
    reg.function(&DOC, |engine, _run| {
        register_decoder_fn(engine, DOC.name, OPTIONS, evaluate)
    });
}
