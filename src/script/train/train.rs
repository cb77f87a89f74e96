use std::sync::Arc;

use crate::ErrorKind;
use crate::run::TrainingProgress;
use crate::script::fault::ScriptFault;
use crate::script::opts::Opts;
use crate::script::registry::Registry;
use crate::script::spec::{Area, FnSpec, Opt, param};
use crate::script::values::{DatasetValue, ModelValue, NetValue};
use crate::train::{StopReason, TrainConfig, train};

const LOSS: &[Opt] = &[
    Opt::float("image", 1.0, "weight of the CLIP loss against image embeddings").min(0.0),
    Opt::float("text", 1.0, "weight of the CLIP loss against text embeddings").min(0.0),
    Opt::float("image_mse", 0.0, "weight of an MSE regression term on the image head").min(0.0),
    Opt::float("text_mse", 0.0, "weight of an MSE regression term on the text head").min(0.0),
    Opt::float("image_cosine", 0.0, "weight of a 1 − cosine term on the image head").min(0.0),
    Opt::float("text_cosine", 0.0, "weight of a 1 − cosine term on the text head").min(0.0),
    Opt::float("temperature", 0.05, "initial or fixed contrastive temperature"),
    Opt::bool("learn_temperature", true, "learn the temperature, clamped to [0.01, 1]"),
    Opt::choice(
        "text_target",
        &["caption", "prompt"],
        "caption",
        "what the text loss compares with: captions, or category prompts (same-category samples count as positives)",
    ),
];

pub static SPEC: FnSpec = FnSpec::new("train", Area::Train)
    .params(&[param("net", "MappingNet"), param("data", "Dataset")])
    .returns("Model")
    .summary("Train a mapping network with contrastive (CLIP) losses against image and text embeddings.")
    .details(
        "AdamW with linear warm-up and cosine decay; a seeded validation split with early stopping
keeps the best epoch's weights. Every epoch is appended to history.csv in the run directory as it
finishes; Ctrl-C stops training between batches.",
    )
    .options(&[
        Opt::int("epochs", 40, "passes over the data"),
        Opt::int("batch_size", 128, "contrastive batch size").min(1.0),
        Opt::float("lr", 3e-4, "peak learning rate").min(0.0),
        Opt::float("weight_decay", 0.05, "AdamW weight decay").min(0.0),
        Opt::float("warmup", 0.05, "fraction of steps of linear warm-up").range(0.0, 1.0),
        Opt::float("min_lr_ratio", 0.01, "final learning rate / lr of the cosine decay").range(0.0, 1.0),
        Opt::float("grad_clip", 1.0, "per-parameter gradient norm limit, () for none").or_none(),
        Opt::float("validation", 0.1, "fraction of samples held out (0 for none)"),
        Opt::int("patience", 10, "epochs without improvement before stopping, () for never").or_none(),
        Opt::seed("split, batch order and dropout seed"),
        Opt::string("label", "", "name in tables, plots and history.csv").computed("\"run1\", \"run2\", ...")
            .for_binding(),
        Opt::choice(
            "precision",
            &["f32", "bf16"],
            "f32",
            "bf16: mixed precision, bfloat16 matrix products with f32 weights, norms and losses (for GPUs with bf16 tensor cores)",
        ),
        Opt::map("loss", LOSS, "loss terms"),
    ])
    .domain_defaults(|| serde_json::to_value(TrainConfig::default()).unwrap_or_default())
    .example(
        r#"let god = god_synthetic(#{ voxels: 70, dim: 16 });
let net = mapping_net(god.train, #{ arch: "linear" });
let model = train(net, god.train, #{ epochs: 2, loss: #{ image: 1.0, text: 0.5 } });
model.epochs_run == 2 && model.history[1].train_loss > 0.0 && model.label == "run1""#,
    );

pub fn register(reg: &mut Registry) {
    let run = reg.run();
    reg.function(&SPEC, move |net: NetValue, data: DatasetValue, options: Opts| {
        let label = options.get_or("label", run.next_history_label())?;
        let config: TrainConfig = options.with_default("seed", run.seed() as i64).parse()?;
        config.validate()?;
        let device = run.device();
        let mut progress = TrainingProgress::new(&run, &label);
        let result = train(&data.0, &net.0, &config, &device.device, &mut progress);
        drop(progress);
        let model = result?;
        if let Some(e) = run.take_deferred_error() {
            return Err(ScriptFault::from(e));
        }
        if model.stop_reason == StopReason::Interrupted {
            return Err(ScriptFault::new(
                ErrorKind::Interrupted,
                format!(
                    "interrupted after {} epochs; the history so far is in history.csv",
                    model.history.len()
                ),
            ));
        }
        run.record_model(serde_json::json!({
            "kind": "mapping_net",
            "label": label,
            "network": net.0,
            "training": config,
            "best_epoch": model.best_epoch,
            "stop_reason": model.stop_reason,
        }));
        Ok(ModelValue {
            model: Arc::new(model),
            label,
            trained_on: device.label(),
        })
    });
}
