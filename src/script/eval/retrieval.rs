use rhai::{Array, Dynamic, Map};

use super::{eval_config, insert_topk};
use crate::eval::{self, EvalConfig};
use crate::script::fault::{OrFault, ScriptResult};
use crate::script::options::Options;
use crate::script::registry::{FnDoc, Registry};
use crate::script::values::{DatasetValue, Decoder, register_decoder_fn, to_dynamic};

pub const DOC: FnDoc = FnDoc {
    name: "retrieval",
    area: "eval",
    signatures: &[
        "retrieval(model: Model | RidgeModel, data: Dataset) -> map",
        "retrieval(model: Model | RidgeModel, data: Dataset, options: map) -> map",
    ],
    summary: "Retrieval in four directions: fMRI→image, image→fMRI, fMRI→text, text→fMRI, among all of the data's samples.",
    details: "The image head's predictions are compared with every image embedding of the data, the text
head's with every caption embedding; chance top-k is k / n_candidates. Returns
#{ task, model, similarity, n_candidates, image, image_to_fmri, text, text_to_fmri, settings }, each
direction a map #{ top1, chance_top1, p_top1, ci_top1, ..., median_rank, mrr,
n_way: [#{ n, k, repeats, mean, sd, ci95, p_value, chance }], identification: [#{ n, accuracy,
chance, p_value }], hits: #{ top1: per-sample hit probability, ... } }. N-way draws N − 1 distractors at random (seeded) with the true item, R
times (e.g. #{ n_way: [300], repeats: 30 } for MindEye's 300-way); n-way identification is the
exact expected fraction (2-way: the fraction of distractors less similar than the true item).

Options: the evaluation settings k, similarity, bootstrap, n_way, repeats, identification and
seed (see `brainclip doc evaluate`).",
    example: r#"let god = god_synthetic(#{ voxels: 70, dim: 16 });
let r = retrieval(ridge(god.train, #{ folds: 3 }), god.test, #{ n_way: [10], repeats: 5 });
r.n_candidates == 50 && r.image.top5 >= r.image.top1 && r.text.chance_top5 == 0.1
    && r.image.n_way[0].n == 10 && r.image.identification[0].chance == 0.5 && r.image_to_fmri.mrr > 0.0"#,
};

const OPTIONS: &[&str] = &[
    "k",
    "similarity",
    "bootstrap",
    "n_way",
    "repeats",
    "identification",
    "seed",
];

fn direction(report: &eval::RetrievalReport) -> ScriptResult<Dynamic> {
    let mut map = Map::new();
    insert_topk(&mut map, &report.topk, &report.significance);
    let targets: Vec<usize> = (0..report.n_candidates).collect();
    let mut hits = Map::new();
    for t in &report.topk {
        let per_sample = eval::hit_probabilities(report.similarity.view(), &targets, t.k).or_fault(DOC.name)?;
        hits.insert(format!("top{}", t.k).into(), to_dynamic(&per_sample));
    }
    map.insert("hits".into(), Dynamic::from(hits));
    map.insert("median_rank".into(), Dynamic::from(report.median_rank));
    map.insert("mrr".into(), Dynamic::from(report.mrr));
    map.insert("n_way".into(), to_dynamic(&report.n_way));
    let identification: Array = report
        .identification
        .iter()
        .map(|i| {
            let mut m = Map::new();
            m.insert("n".into(), Dynamic::from(i.n as i64));
            m.insert("accuracy".into(), Dynamic::from(i.accuracy));
            m.insert("chance".into(), Dynamic::from(i.chance));
            m.insert("p_value".into(), Dynamic::from(i.p_value));
            Dynamic::from(m)
        })
        .collect();
    map.insert("identification".into(), Dynamic::from(identification));
    Ok(Dynamic::from(map))
}

/// Both directions between predictions and true embeddings, from one similarity matrix.
fn both_ways(
    predicted: &ndarray::Array2<f32>,
    truth: &ndarray::Array2<f32>,
    config: &EvalConfig,
) -> Result<(eval::RetrievalReport, eval::RetrievalReport), eval::EvalError> {
    let scores = eval::similarity_matrix(predicted.view(), truth.view(), config.similarity)?;
    let reverse = scores.t().to_owned();
    Ok((
        eval::retrieval_scores(scores, config)?,
        eval::retrieval_scores(reverse, config)?,
    ))
}

fn evaluate(model: &dyn Decoder, data: &DatasetValue, options: Options, seed: u64) -> ScriptResult<Dynamic> {
    let name = DOC.name;
    let mut config = eval_config(&options, name, seed)?;
    // Retrieval has no class labels to permute; its bootstrap CIs and binomial p-values remain.
    config.permutations = 0;
    let images = data.0.require_image_embeddings().or_fault(name)?;
    let texts = data.0.require_text_embeddings().or_fault(name)?;
    let decoded = model.decode(&data.0).or_fault(name)?;
    let (to_image, from_image) = both_ways(&decoded.image, images, &config).or_fault(name)?;
    let (to_text, from_text) = both_ways(&decoded.text, texts, &config).or_fault(name)?;
    let mut map = Map::new();
    map.insert("task".into(), Dynamic::from("retrieval"));
    map.insert("model".into(), Dynamic::from(model.label().to_string()));
    map.insert("similarity".into(), Dynamic::from(config.similarity.name()));
    map.insert("n_candidates".into(), Dynamic::from(to_image.n_candidates as i64));
    map.insert("image".into(), direction(&to_image)?);
    map.insert("image_to_fmri".into(), direction(&from_image)?);
    map.insert("text".into(), direction(&to_text)?);
    map.insert("text_to_fmri".into(), direction(&from_text)?);
    map.insert("settings".into(), to_dynamic(&config));
    Ok(Dynamic::from(map))
}

pub fn register(reg: &mut Registry) {
    reg.function(&DOC, |engine, run| {
        let seed = run.seed();
        register_decoder_fn(engine, DOC.name, OPTIONS, move |m, d, o| evaluate(m, d, o, seed))
    });
}
