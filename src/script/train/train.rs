use std::sync::Arc;

use rhai::Map;

use crate::run::TrainingProgress;
use crate::script::fault::{FaultKind, OrFault, ScriptFault, ScriptResult};
use crate::script::options::Options;
use crate::script::registry::{FnDoc, Registry};
use crate::script::values::{DatasetValue, ModelValue, NetValue};
use crate::train::{LossConfig, Precision, StopReason, TextTarget, TrainConfig, train};

pub const DOC: FnDoc = FnDoc {
    name: "train",
    area: "train",
    signatures: &[
        "train(net: MappingNet, data: Dataset) -> Model",
        "train(net: MappingNet, data: Dataset, options: map) -> Model",
    ],
    summary: "Train a mapping network with contrastive (CLIP) losses against image and text embeddings.",
    details: "AdamW with linear warm-up and cosine decay; a seeded validation split with early stopping
keeps the best epoch's weights. Every epoch is appended to history.csv in the run directory as it
finishes; Ctrl-C stops training between batches.

Options:
  epochs        integer  passes over the data (default 40)
  batch_size    integer  contrastive batch size (default 128)
  lr            float    peak learning rate (default 3e-4)
  weight_decay  float    AdamW weight decay (default 0.05)
  warmup        float    fraction of steps of linear warm-up (default 0.05)
  min_lr_ratio  float    final learning rate / lr of the cosine decay (default 0.01)
  grad_clip     float    per-parameter gradient norm limit, () for none (default 1.0)
  validation    float    fraction of samples held out (default 0.1; 0 for none)
  patience      integer  epochs without improvement before stopping, () for never (default 10)
  seed          integer  split, batch order and dropout seed (default: the session seed)
  label         string   name in tables, plots and history.csv (default \"run1\", \"run2\", ...)
  precision     string   \"f32\" (default) or \"bf16\": mixed precision, bfloat16 matrix products with
                         f32 weights, norms and losses (for GPUs with bf16 tensor cores)
  loss          map      loss terms:
    image              float   weight of the CLIP loss against image embeddings (default 1)
    text               float   weight of the CLIP loss against text embeddings (default 1)
    image_mse, text_mse          float  weights of MSE regression terms (default 0)
    image_cosine, text_cosine    float  weights of 1 − cosine terms (default 0)
    temperature        float   initial or fixed temperature (default 0.05)
    learn_temperature  bool    learn it, clamped to [0.01, 1] (default true)
    text_target        string  \"caption\" (default) or \"prompt\" (category prompts; same-category
                               samples count as positives)",
    example: r#"let god = god_synthetic(#{ voxels: 70, dim: 16 });
let net = mapping_net(god.train, #{ arch: "linear" });
let model = train(net, god.train, #{ epochs: 2, loss: #{ image: 1.0, text: 0.5 } });
model.epochs_run == 2 && model.history[1].train_loss > 0.0"#,
};

const OPTIONS: &[&str] = &[
    "epochs",
    "batch_size",
    "lr",
    "weight_decay",
    "warmup",
    "min_lr_ratio",
    "grad_clip",
    "validation",
    "patience",
    "seed",
    "label",
    "loss",
    "precision",
];
const LOSS_OPTIONS: &[&str] = &[
    "image",
    "text",
    "image_mse",
    "text_mse",
    "image_cosine",
    "text_cosine",
    "temperature",
    "learn_temperature",
    "text_target",
];

fn loss_config(map: Map) -> Result<LossConfig, ScriptFault> {
    let opts = Options::new("train", map, LOSS_OPTIONS).map_err(|f| ScriptFault {
        message: f.message.replace("option `", "option `loss."),
        ..f
    })?;
    let d = LossConfig::default();
    Ok(LossConfig {
        image: opts.float("image", d.image)?,
        text: opts.float("text", d.text)?,
        image_mse: opts.float("image_mse", d.image_mse)?,
        text_mse: opts.float("text_mse", d.text_mse)?,
        image_cosine: opts.float("image_cosine", d.image_cosine)?,
        text_cosine: opts.float("text_cosine", d.text_cosine)?,
        temperature: opts.float("temperature", d.temperature)?,
        learn_temperature: opts.bool("learn_temperature", d.learn_temperature)?,
        text_target: match opts.choice("text_target", &["caption", "prompt"], "caption")? {
            "prompt" => TextTarget::Prompt,
            _ => TextTarget::Caption,
        },
    })
}

pub fn register(reg: &mut Registry) {
    reg.function(&DOC, |engine, run| {
        let fit = move |net: NetValue, data: DatasetValue, options: Options| -> ScriptResult<ModelValue> {
            let name = DOC.name;
            let d = TrainConfig::default();
            let config = TrainConfig {
                epochs: options.usize("epochs", d.epochs).or_fault(name)?,
                batch_size: options.usize("batch_size", d.batch_size).or_fault(name)?,
                lr: options.float("lr", d.lr).or_fault(name)?,
                weight_decay: options.float("weight_decay", d.weight_decay).or_fault(name)?,
                warmup: options.float("warmup", d.warmup).or_fault(name)?,
                min_lr_ratio: options.float("min_lr_ratio", d.min_lr_ratio).or_fault(name)?,
                grad_clip: options.optional_float("grad_clip", d.grad_clip).or_fault(name)?,
                validation: options.float("validation", d.validation).or_fault(name)?,
                patience: options.optional_usize("patience", d.patience).or_fault(name)?,
                seed: options.u64("seed", run.seed()).or_fault(name)?,
                loss: loss_config(options.map("loss").or_fault(name)?).or_fault(name)?,
                precision: match options.choice("precision", &["f32", "bf16"], "f32").or_fault(name)? {
                    "bf16" => Precision::Bf16,
                    _ => Precision::F32,
                },
            };
            config.validate().or_fault(name)?;
            let label = options.string("label", &run.next_history_label()).or_fault(name)?;
            let mut progress = TrainingProgress::new(&run, &label);
            let device = run.device();
            let result = train(&data.0, &net.0, &config, &device.device, &mut progress);
            drop(progress);
            let model = result.or_fault(name)?;
            if let Some(e) = run.take_deferred_error() {
                return Err(ScriptFault::from(e).in_function(name).into());
            }
            if model.stop_reason == StopReason::Interrupted {
                return Err(ScriptFault::new(
                    FaultKind::Interrupted,
                    format!(
                        "train: interrupted after {} epochs; the history so far is in history.csv",
                        model.history.len()
                    ),
                )
                .into());
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
        };
        let plain = fit.clone();
        engine.register_fn(DOC.name, move |net: NetValue, data: DatasetValue| {
            plain(net, data, Options::empty(DOC.name))
        });
        engine.register_fn(DOC.name, move |net: NetValue, data: DatasetValue, options: Map| {
            fit(net, data, Options::new(DOC.name, options, OPTIONS).or_fault(DOC.name)?)
        });
    });
}
