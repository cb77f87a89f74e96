use crate::script::prelude::*;

use super::HEAD;
use crate::eval::{self, EvalConfig, EvaluationInput, RetrievalInput, ZeroShotInput};

pub static SPEC: FnSpec = FnSpec::new("evaluate", Area::Eval)
    .params(&[param("model", "Model | RidgeModel"), param("data", "Dataset")])
    .returns("Evaluation")
    .summary("Every metric in one call: zero-shot decoding and retrieval both ways per modality, with significance and settings.")
    .details(
        "Zero-shot (when the data has class embeddings): top-k, chance, binomial p, bootstrap 95 % CI,
permutation null, per-class accuracy, confusion. Retrieval for images and captions (when the data
has them), fMRI→modality and modality→fMRI: top-k with p and CI, median rank, MRR, N-way
protocols, n-way identification. print(report) shows a table; report.metrics is the whole report
as a map; the report is written to evaluation_<name>.json in the run directory and listed with
its settings in manifest.json. The settings are those of zero_shot and retrieval.",
    )
    .settings(schema::<EvalConfig>)
    .options(&[
        HEAD,
        Opt::string("name", "", "the report's name")
            .computed("\"<model>_<split>\"")
            .for_binding(),
    ])
    .example(
        r#"let god = god_synthetic(#{ voxels: 70, dim: 16 });
let report = evaluate(ridge(god.train, #{ folds: 3 }), god.test, #{ n_way: [10], permutations: 100 });
print(report);
report.split == "test" && report.metrics.zero_shot.n_classes == 50 && report.metrics.retrieval.len() == 4
    && report.name == "ridge_test""#,
    );

fn run_evaluation(
    model: DecoderArg,
    data: &DatasetValue,
    options: Opts,
    seed: u64,
) -> Result<EvaluationValue, ScriptFault> {
    let head: String = options.get("head")?;
    let split = data.0.split().to_string();
    let report_name = options.get_or("name", format!("{}_{split}", model.label))?;
    let config: EvalConfig = options.with_default("seed", seed as i64).parse()?;
    let decoded = model.decode(&data.0)?;
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
    let report = eval::evaluate(&input, &config)?;
    Ok(EvaluationValue {
        report: Arc::new(report),
        model: model.label,
        name: report_name,
    })
}

pub fn register(reg: &mut Registry) {
    let run = reg.run();
    register_decoder_fn(reg, &SPEC, move |model, data, options| {
        let value = run_evaluation(model, &data, options, run.seed())?;
        let mut json = serde_json::to_value(&*value.report).unwrap_or_default();
        if let serde_json::Value::Object(map) = &mut json {
            map.insert("model".into(), serde_json::Value::String(value.model.clone()));
        }
        run.record_evaluation(&value.name, json)?;
        Ok(value)
    });
}
