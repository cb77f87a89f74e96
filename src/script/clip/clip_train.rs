use std::rc::Rc;

use rhai::{Array, Map};
use sha2::{Digest, Sha256};

use crate::clip::Clip;
use crate::clip::train::{ClipShape, ClipTrainConfig, save_clip, train_clip};
use crate::run::TrainingProgress;
use crate::script::fault::{OrFault, ScriptFault, ScriptResult};
use crate::ErrorKind;
use crate::script::options::Options;
use crate::script::registry::{FnDoc, Registry};
use crate::script::train::ModelOutput;
use crate::script::values::{ClipValue, ImageValue, legacy_cast_array};

pub const DOC: FnDoc = FnDoc {
    name: "clip_train",
    area: "clip",
    signatures: &["clip_train(images: array, captions: array, options: map) -> Clip"],
    summary: "Train a small CLIP (ViT image tower, text transformer, own BPE vocabulary) from scratch on captioned pictures.",
    details: "The symmetric contrastive loss of CLIP over batches of image–caption pairs (pairs with the same
label count as positives when `labels` is given), AdamW with warm-up and cosine decay, the logit
scale learned and clamped at 100. The BPE vocabulary is learned from the captions. After every
epoch the model is saved to NAME.checkpoint/ in the run directory (a killed run keeps the last
epoch); at the end to NAME/ — a Hugging Face CLIPModel folder (config.json, model.safetensors,
merges.txt) with training.json (options, seed, data hash, loss history, SHA-256 of each file)
— and the loaded model is returned. Epochs go to history.csv; Ctrl-C stops between steps.

Options:
  labels          array    one integer per picture (e.g. world_corpus().labels)
  epochs          integer  (20)           batch_size  integer (128)    lr  float (1e-3)
  weight_decay    float    (0.1)          warmup      float   share of steps (0.05)
  seed            integer  initialisation and order (the session seed)
  image_size      integer  input side (32)    patch_size  integer (8)
  width           integer  both towers (64)   heads       integer (4)
  vision_layers   integer  (3)                text_layers integer (2)
  dim             integer  joint embedding width (64)
  context         integer  text context in tokens (24)    max_merges  integer  BPE merges (400)
  name            string   output folder in the run directory (\"clip\")",
    example: r#"let c = world_corpus(#{ images: 16, seed: 1 });
let clip = clip_train(c.images, c.captions, #{ labels: c.labels, epochs: 1, batch_size: 8,
    width: 16, heads: 2, vision_layers: 1, text_layers: 1, dim: 8, context: 16 });
clip.dim == 8 && clip.image_size == 32 && clip.path.ends_with("clip")"#,
};

const OPTIONS: &[&str] = &[
    "labels",
    "epochs",
    "batch_size",
    "lr",
    "weight_decay",
    "warmup",
    "seed",
    "image_size",
    "patch_size",
    "width",
    "heads",
    "vision_layers",
    "text_layers",
    "dim",
    "context",
    "max_merges",
    "name",
];

/// The largest sizes a script may ask for (a typo must not exhaust memory): ViT-L/14's.
const MAX_WIDTH: usize = 1024;
const MAX_LAYERS: usize = 24;

/// SHA-256 of the training data: every picture's size and pixels, then every caption.
fn data_hash(images: &[ImageValue], captions: &[String]) -> String {
    let mut h = Sha256::new();
    for img in images {
        h.update(img.image.width().to_le_bytes());
        h.update(img.image.height().to_le_bytes());
        h.update(img.image.as_raw());
    }
    for c in captions {
        h.update(c.as_bytes());
        h.update([0]);
    }
    format!("{:x}", h.finalize())
}

pub fn register(reg: &mut Registry) {
    reg.legacy(&DOC, |engine, run| {
        engine.register_fn(
            DOC.name,
            move |images: Array, captions: Array, options: Map| -> ScriptResult<ClipValue> {
                let name = DOC.name;
                let opts = Options::new(name, options, OPTIONS)?;
                let images: Vec<ImageValue> = legacy_cast_array(images, name, "Images")?;
                let captions: Vec<String> = legacy_cast_array(captions, name, "caption strings")?;
                let labels: Option<Vec<usize>> = match opts.array("labels")? {
                    Some(list) => Some(
                        legacy_cast_array::<i64>(list, name, "integer labels")?
                            .into_iter()
                            .map(|l| l.max(0) as usize)
                            .collect(),
                    ),
                    None => None,
                };
                let d = ClipShape::default();
                let shape = ClipShape {
                    image_size: opts.usize("image_size", d.image_size)?,
                    patch_size: opts.usize("patch_size", d.patch_size)?.max(1),
                    width: opts.usize("width", d.width)?,
                    vision_layers: opts.usize("vision_layers", d.vision_layers)?,
                    text_layers: opts.usize("text_layers", d.text_layers)?,
                    heads: opts.usize("heads", d.heads)?,
                    projection_dim: opts.usize("dim", d.projection_dim)?,
                    context_length: opts.usize("context", d.context_length)?,
                    max_merges: opts.usize("max_merges", d.max_merges)?,
                };
                let too_big = shape.width > MAX_WIDTH
                    || shape.projection_dim > MAX_WIDTH
                    || shape.vision_layers.max(shape.text_layers) > MAX_LAYERS
                    || shape.image_size > 1024
                    || shape.context_length > 512
                    || shape.max_merges > 100_000;
                if too_big || shape.context_length < 3 {
                    return Err(ScriptFault::new(
                        ErrorKind::InvalidValue,
                        format!(
                            "clip_train: sizes out of range (width and dim ≤ {MAX_WIDTH}, layers ≤ {MAX_LAYERS}, \
                             image_size ≤ 1024, context 3–512, max_merges ≤ 100000)"
                        ),
                    )
                    .into());
                }
                let dt = ClipTrainConfig::default();
                let config = ClipTrainConfig {
                    epochs: opts.usize("epochs", dt.epochs)?,
                    batch_size: opts.usize("batch_size", dt.batch_size)?,
                    lr: opts.float("lr", dt.lr)?,
                    weight_decay: opts.float("weight_decay", dt.weight_decay)?,
                    warmup: opts.float("warmup", dt.warmup)?,
                    seed: opts.u64("seed", run.seed())?,
                };
                let output = ModelOutput::new(&run, name, &opts.string("name", "clip")?)?;
                let pictures: Vec<image::RgbImage> = images.iter().map(|v| (*v.image).clone()).collect();
                let mut progress = TrainingProgress::new(&run, &output.name);
                let device = run.device();
                let result = train_clip(
                    &pictures,
                    &captions,
                    labels.as_deref(),
                    &shape,
                    &config,
                    &device.device,
                    &mut progress,
                    &mut |s| save_clip(&output.checkpoint, s.model, s.names, s.config_json, s.merges),
                );
                drop(progress);
                let trained = result.or_fault(name)?;
                let record = serde_json::json!({
                    "kind": "clip",
                    "shape": shape,
                    "training": config,
                    "pairs": pictures.len(),
                    "data_sha256": data_hash(&images, &captions),
                    "history": trained.history,
                });
                output.finish(
                    &run,
                    name,
                    (trained.stop_reason, trained.history.len()),
                    |folder| {
                        save_clip(
                            folder,
                            &trained.model,
                            &trained.names,
                            &trained.config_json,
                            &trained.merges,
                        )
                        .or_fault(name)
                    },
                    record,
                )?;
                let clip = Clip::load(&output.folder, &device.device).or_fault(name)?;
                Ok(ClipValue(Rc::new(clip)))
            },
        );
    });
}
