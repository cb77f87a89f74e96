use crate::script::prelude::*;

use burn::tensor::Device;

use crate::run::{RunContext, RunTraining, Trained, TrainingProgress};
use crate::train::{TrainConfig, TrainError, train, train_shared};

/// The label of a training run, for train and the functions that train too (fine_tune).
pub(crate) const LABEL: Opt = Opt::string("label", "", "name in tables, plots and history.csv")
    .computed("\"run1\", \"run2\", ...")
    .for_binding();

pub static SPEC: FnSpec = FnSpec::new("train", Area::Train)
    .params(&[param("net", "MappingNet | SharedNet"), param("data", "Dataset | array")])
    .returns("Model | SharedModel")
    .summary("Train a mapping network with contrastive (CLIP) losses against image and text embeddings.")
    .details(
        "AdamW with linear warm-up and cosine decay; a seeded validation split with early stopping
keeps the best epoch's weights. Every epoch is appended to history.csv in the run directory as it
finishes; Ctrl-C stops training between batches. A SharedNet (shared_net) trains on an array of
datasets, one per subject, in batches of one subject at a time (subjects take turns), and
returns a SharedModel: subject_model(model, name) decodes for one subject, fine_tune adds one.",
    )
    .settings(schema::<TrainConfig>)
    .options(&[LABEL])
    .example(
        r#"let god = god_synthetic(#{ voxels: 70, dim: 16 });
let net = mapping_net(god.train, #{ arch: "linear" });
let model = train(net, god.train, #{ epochs: 2, loss: #{ image: 1.0, text: 0.5 } });
model.epochs_run == 2 && model.history[1].train_loss > 0.0 && model.label == "run1""#,
    )
    .more_examples(&[r#"let s1 = god_synthetic(#{ voxels: 60, dim: 16, subject: 1 });
let s2 = god_synthetic(#{ voxels: 80, dim: 16, subject: 2 });
let net = shared_net([s1.train, s2.train], #{ subjects: ["s1", "s2"], shared_width: 32, width: 32, blocks: 1 });
let model = train(net, [s1.train, s2.train], #{ epochs: 2 });
model.subjects == ["s1", "s2"] && model.epochs_run == 2 && retrieval(subject_model(model, "s2"), s2.test).n_candidates == 50"#]);

/// A training run recorded as `kind` on `network`, named by the `label` option (or the next
/// `runN`), seeded by the session unless the options say otherwise: the model, its label and the
/// device it was trained on.
fn trained<M: Trained>(
    run: &RunContext,
    options: Opts,
    kind: &str,
    network: serde_json::Value,
    fit: impl FnOnce(&TrainConfig, &Device, &mut TrainingProgress) -> Result<M, TrainError>,
) -> Result<(M, String, String), ScriptFault> {
    let label = options.get_or("label", run.next_history_label())?;
    let config: TrainConfig = options.seeded(run).parse()?;
    let entry = RunTraining {
        kind,
        label: &label,
        history: &label,
        fields: vec![("network", network)],
    };
    let model = entry.run(run, &config, |device, progress| fit(&config, device, progress))?;
    Ok((model, label, run.device().label()))
}

pub fn register(reg: &mut Registry) {
    let run = reg.run();
    reg.function(&SPEC, move |net: NetValue, data: DatasetValue, options: Opts| {
        let network = serde_json::to_value(&net.0).unwrap_or_default();
        let (model, label, trained_on) = trained(&run, options, "mapping_net", network, |config, device, progress| {
            train(&data.0, &net.0, config, device, progress)
        })?;
        Ok(ModelValue::new(model, label, trained_on))
    });
    let run = reg.run();
    reg.function(&SPEC, move |net: SharedNetValue, datasets: Array, options: Opts| {
        let parts: Vec<DatasetValue> = cast_array(datasets, "Datasets, one per subject")?;
        let parts: Vec<_> = parts.iter().map(|p| (*p.0).clone()).collect();
        let network = serde_json::to_value(&net.0).unwrap_or_default();
        let (model, label, trained_on) =
            trained(&run, options, "shared_subject", network, |config, device, progress| {
                train_shared(&parts, &net.0, config, device, progress)
            })?;
        Ok(SharedModelValue::new(model, label, trained_on))
    });
}
