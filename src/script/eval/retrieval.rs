use rhai::{Dynamic, Map};

use super::insert_topk;
use crate::eval;
use crate::script::fault::{OrFault, ScriptResult};
use crate::script::options::Options;
use crate::script::registry::{FnDoc, Registry};
use crate::script::values::{DatasetValue, Decoder, register_decoder_fn};

pub const DOC: FnDoc = FnDoc {
    name: "retrieval",
    area: "eval",
    signatures: &[
        "retrieval(model: Model | RidgeModel, data: Dataset) -> map",
        "retrieval(model: Model | RidgeModel, data: Dataset, options: map) -> map",
    ],
    summary: "fMRI→image and fMRI→text retrieval: find each sample's own image and caption among all of the data's.",
    details: "The image head's prediction is compared (cosine) with every image embedding of the data, the
text head's with every caption embedding; chance top-k is k / n_candidates. Returns
#{ task, model, n_candidates, image: #{ top1, chance_top1, ..., median_rank, mrr }, text: #{ ... } }.

Options:
  k  array  the k of each top-k accuracy (default [1, 5])",
    example: r#"let god = god_synthetic(#{ voxels: 70, dim: 16 });
let r = retrieval(ridge(god.train, #{ folds: 3 }), god.test);
r.n_candidates == 50 && r.image.top5 >= r.image.top1 && r.text.chance_top5 == 0.1"#,
};

const OPTIONS: &[&str] = &["k"];

fn direction(report: &eval::RetrievalReport) -> Dynamic {
    let mut map = Map::new();
    insert_topk(&mut map, &report.topk);
    map.insert("median_rank".into(), Dynamic::from(report.median_rank));
    map.insert("mrr".into(), Dynamic::from(report.mrr));
    Dynamic::from(map)
}

fn evaluate(model: &dyn Decoder, data: &DatasetValue, options: Options) -> ScriptResult<Dynamic> {
    let name = DOC.name;
    let ks = options.usize_list("k", &[1, 5]).or_fault(name)?;
    let images = data.0.require_image_embeddings().or_fault(name)?;
    let texts = data.0.require_text_embeddings().or_fault(name)?;
    let decoded = model.decode(&data.0).or_fault(name)?;
    let to_image = eval::retrieval(decoded.image.view(), images.view(), &ks).or_fault(name)?;
    let to_text = eval::retrieval(decoded.text.view(), texts.view(), &ks).or_fault(name)?;
    let mut map = Map::new();
    map.insert("task".into(), Dynamic::from("retrieval"));
    map.insert("model".into(), Dynamic::from(model.label().to_string()));
    map.insert("n_candidates".into(), Dynamic::from(to_image.n_candidates as i64));
    map.insert("image".into(), direction(&to_image));
    map.insert("text".into(), direction(&to_text));
    Ok(Dynamic::from(map))
}

pub fn register(reg: &mut Registry) {
    reg.function(&DOC, |engine, _run| {
        register_decoder_fn(engine, DOC.name, OPTIONS, evaluate)
    });
}
