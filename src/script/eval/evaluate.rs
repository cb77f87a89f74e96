use crate::script::prelude::*;

use crate::assess::AssessSettings;

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
    .settings(schema::<AssessSettings>)
    .options(&[
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
    let report_name = options.get_or("name", format!("{}_{}", model.label, data.0.split()))?;
    let settings: AssessSettings = options.with_default("seed", seed as i64).parse()?;
    let report = model.on(&data.0).evaluate(settings.head, &settings.eval)?;
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
