use std::sync::Arc;

use rhai::{Array, Dynamic, Map};

use crate::data::world::{SIZES, corpus};
use crate::script::fault::{ScriptFault, ScriptResult};
use crate::ErrorKind;
use crate::script::options::Options;
use crate::script::registry::{FnDoc, Registry};
use crate::script::values::ImageValue;

pub const DOC: FnDoc = FnDoc {
    name: "world_corpus",
    area: "world",
    signatures: &["world_corpus(options: map) -> map"],
    summary: "Captioned world pictures of random attribute combinations: #{ images, captions, labels } to train models on.",
    details: "What the world's CLIP and diffusion model learn from, as real CLIP learned from the web rather
than from an experiment's stimuli: each picture is a random one of the 200 attribute
combinations with its own placement, size, rotation and shading, and one caption. labels are the
combination indices (0–199; same label, same category). Deterministic for a seed.

Options:
  images  integer  how many pictures (required; at most 200000)
  seed    integer  default: the session seed
  size    integer  image side in pixels (32)",
    example: r#"let c = world_corpus(#{ images: 6, seed: 1 });
c.images.len() == 6 && c.captions.len() == 6 && c.labels[0] < 200 && c.images[0].width == 32"#,
};

const MAX_IMAGES: usize = 200_000;
/// The most pixel bytes a corpus may hold (1 GiB), whatever its count and size.
const MAX_BYTES: usize = 1 << 30;

pub fn register(reg: &mut Registry) {
    reg.legacy(&DOC, |engine, run| {
        engine.register_fn(DOC.name, move |options: Map| -> ScriptResult<Map> {
            let options = Options::new(DOC.name, options, &["images", "seed", "size"])?;
            let n = options.usize("images", 0)?;
            let size = options.usize("size", 32)?;
            if !(1..=MAX_IMAGES).contains(&n) || !SIZES.contains(&size) || n * size * size * 3 > MAX_BYTES {
                return Err(ScriptFault::new(
                    ErrorKind::InvalidValue,
                    format!(
                        "world_corpus: images must be 1 to {MAX_IMAGES} (got {n}) and size 8 to 512 (got {size}), \
                         at most 1 GiB of pixels in all"
                    ),
                )
                .into());
            }
            let items = corpus(n, options.u64("seed", run.seed())?, size);
            let (mut images, mut captions, mut labels) = (Array::new(), Array::new(), Array::new());
            for (i, (picture, caption, attributes)) in items.into_iter().enumerate() {
                images.push(Dynamic::from(ImageValue {
                    image: Arc::new(picture),
                    path: format!("world/corpus_{i}.png"),
                }));
                captions.push(Dynamic::from(caption));
                labels.push(Dynamic::from(attributes.index() as i64));
            }
            let mut out = Map::new();
            out.insert("images".into(), Dynamic::from(images));
            out.insert("captions".into(), Dynamic::from(captions));
            out.insert("labels".into(), Dynamic::from(labels));
            Ok(out)
        });
    });
}
