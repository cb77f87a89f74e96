use std::sync::Arc;

use rhai::Dynamic;

use super::eval_config;
use crate::eval::{self, EvaluationInput, RetrievalInput, ZeroShotInput};
use crate::script::fault::{OrFault, ScriptResult};
use crate::script::options::Options;
use crate::script::registry::{FnDoc, Registry};
use crate::script::values::{DatasetValue, Decoder, EvaluationValue, register_decoder_fn};

pub const DOC: FnDoc = FnDoc {
    name: "evaluate",
    area: "eval",
    signatures: &[
        "evaluate(model: Model | RidgeModel, data: Dataset) -> Evaluation",
        "evaluate(model: Model | RidgeModel, data: Dataset, options: map) -> Evaluation",
    ],
    summary: "Every metric in one call: zero-shot decoding and retrieval both ways per modality, with significance and settings.",
    details: "Zero-shot (when the data has class embeddings): top-k, chance, binomial p, bootstrap 95 % CI,
permutation null, per-class accuracy, confusion. Retrieval for images and captions (when the data
has them), fMRI→modality and modality→fMRI: top-k with p and CI, median rank, MRR, N-way
protocols, n-way identification. print(report) shows a table; report.metrics is the whole report
as a map; the report is written to evaluation_<name>.json in the run directory and listed with
its settings in manifest.json.

Options (the settings are shared by zero_shot and retrieval):
  k               array    the k of each top-k accuracy (default [1, 5])
  similarity      string   \"cosine\" (default), \"pearson\" or \"euclidean\" (negative distance)
  bootstrap       integer  bootstrap resamples for the 95 % CIs (default 1000; 0 = none)
  permutations    integer  label permutations for the zero-shot null (default 1000; 0 = none)
  n_way           array    N of each N-way protocol, e.g. [300] as in MindEye (default none)
  repeats         integer  random draws of each N-way protocol (default 30)
  identification  array    n of each n-way identification (default [2])
  seed            integer  seed of the bootstrap, permutations and N-way draws (default: the session seed)
  head            string   \"text\" (default) or \"image\": the head used for zero-shot decoding
  name            string   the report's name (default \"<model>_<split>\")",
    example: r#"let god = god_synthetic(#{ voxels: 70, dim: 16 });
let report = evaluate(ridge(god.train, #{ folds: 3 }), god.test, #{ n_way: [10], permutations: 100 });
print(report);
report.split == "test" && report.metrics.zero_shot.n_classes == 50 && report.metrics.retrieval.len() == 4"#,
};

const OPTIONS: &[&str] = &[
    "k",
    "similarity",
    "bootstrap",
    "permutations",
    "n_way",
    "repeats",
    "identification",
    "seed",
    "head",
    "name",
];

fn run_evaluation(
    model: &dyn Decoder,
    data: &DatasetValue,
    options: Options,
    seed: u64,
) -> ScriptResult<EvaluationValue> {
    let name = DOC.name;
    let config = eval_config(&options, name, seed)?;
    let head = options.choice("head", &["text", "image"], "text").or_fault(name)?;
    let split = data.0.split().to_string();
    let report_name = options
        .string("name", &format!("{}_{split}", model.label()))
        .or_fault(name)?;
    let decoded = model.decode(&data.0).or_fault(name)?;
    let zero_shot_head = if head == "image" { &decoded.image } else { &decoded.text };
    let data = &data.0;
    let input = EvaluationInput {
        split: &split,
        zero_shot: data.class_embeddings().map(|classes| ZeroShotInput {
            predicted: zero_shot_head.view(),
            class_embeddings: classes.view(),
            labels: data.labels(),
        }),
        retrieval: [
            ("image", &decoded.image, data.image_embeddings()),
            ("text", &decoded.text, data.text_embeddings()),
        ]
        .into_iter()
        .filter_map(|(modality, predicted, truth)| {
            truth.map(|t| RetrievalInput {
                modality,
                predicted: predicted.view(),
                embeddings: t.view(),
            })
        })
        .collect(),
    };
    let report = eval::evaluate(&input, &config).or_fault(name)?;
    Ok(EvaluationValue {
        report: Arc::new(report),
        model: model.label().to_string(),
        name: report_name,
    })
}

pub fn register(reg: &mut Registry) {
    reg.function(&DOC, |engine, run| {
        let seed = run.seed();
        register_decoder_fn(engine, DOC.name, OPTIONS, move |model, data, options| {
            let value = run_evaluation(model, data, options, seed)?;
            let mut json = serde_json::to_value(&*value.report).unwrap_or_default();
            if let serde_json::Value::Object(map) = &mut json {
                map.insert("model".into(), serde_json::Value::String(value.model.clone()));
            }
            run.record_evaluation(&value.name, json).or_fault(DOC.name)?;
            Ok(Dynamic::from(value))
        })
    });
}
