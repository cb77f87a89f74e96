use std::sync::Arc;

use rhai::{Dynamic, Map};

use ndarray::Array2;

use crate::data::SyntheticConfig;
use crate::data::god_catalog::GodCatalog;
use crate::data::synthetic::generate;
use crate::run::{EncodeProgress, RunContext};
use crate::script::clip::template_list;
use crate::script::fault::ScriptFault;
use crate::ErrorKind;
use crate::script::fault::{OrFault, ScriptResult};
use crate::script::options::Options;
use crate::script::registry::{FnDoc, Registry};
use crate::script::values::{ClipValue, DatasetValue};

pub const DOC: FnDoc = FnDoc {
    name: "god_synthetic",
    area: "data",
    signatures: &["god_synthetic() -> map", "god_synthetic(options: map) -> map"],
    summary: "The built-in synthetic GOD-like dataset: #{ train: Dataset, test: Dataset }.",
    details: "150 training categories × 8 images (one trial each) and 50 novel test categories × 1 image
(35 trials averaged), with GOD's real category names and image ids, CLIP-like image, caption and
prompt embeddings, and voxels in seven ROIs. The generative model is documented in
docs/synthetic_data.md. Deterministic for a seed.

Options:
  seed          integer  random seed (default: the session seed, --seed)
  voxels        integer  number of voxels (default 4500)
  dim           integer  embedding width D (default 512)
  snr           float    single-trial signal-to-noise variance ratio (default 0.1)
  test_repeats  integer  trials averaged per test image (default 35)
  clip          Clip     a CLIP model (clip_load): the 200 category names are embedded with its text
                         encoder and become the categories' prompts and centres (D = clip.dim)
  templates     string or array  prompt templates for `clip` (as clip_classes; default \"brainclip\")",
    example: r#"let god = god_synthetic(#{ voxels: 70, dim: 16 });
god.train.n_samples == 1200 && god.test.n_samples == 50 && god.test.categories[0] == "goldfish""#,
};

const OPTIONS: &[&str] = &["seed", "voxels", "dim", "snr", "test_repeats", "clip", "templates"];

/// CLIP class embeddings of every catalog category (training then test), when `clip` is given.
fn clip_prompts(run: &RunContext, options: &Map) -> ScriptResult<Option<(Array2<f32>, String)>> {
    let Some(clip) = options.get("clip").filter(|v| !v.is_unit()) else {
        return Ok(None);
    };
    let clip = clip.clone().try_cast::<ClipValue>().ok_or_else(|| {
        ScriptFault::new(
            ErrorKind::WrongType,
            "god_synthetic: option `clip` must be a Clip (clip_load)",
        )
    })?;
    let templates = template_list(DOC.name, options.get("templates").cloned())?;
    let catalog = GodCatalog::embedded().or_fault(DOC.name)?;
    let names: Vec<String> = catalog
        .train_categories
        .iter()
        .chain(&catalog.test_categories)
        .map(|c| c.short_name().replace('_', " "))
        .collect();
    let refs: Vec<&str> = templates.iter().map(String::as_str).collect();
    let mut progress = EncodeProgress::new(run, "god_synthetic: CLIP class prompts");
    let prompts = clip
        .0
        .embed_classes(&names, &refs, 32, &mut progress)
        .or_fault(DOC.name)?;
    Ok(Some((
        prompts,
        format!("{} ({} template(s))", clip.0.name, templates.len()),
    )))
}

pub fn register(reg: &mut Registry) {
    reg.legacy(&DOC, |engine, run| {
        let generate_with = move |map: Map| -> ScriptResult<Map> {
            let options = Options::new(DOC.name, map.clone(), OPTIONS)?;
            let (prompts, clip_name) = clip_prompts(&run, &map)?.unzip();
            let defaults = SyntheticConfig::default();
            let default_dim = prompts.as_ref().map_or(defaults.embedding_dim, |p| p.ncols());
            let config = SyntheticConfig {
                seed: options.u64("seed", run.seed()).or_fault(DOC.name)?,
                n_voxels: options.usize("voxels", defaults.n_voxels).or_fault(DOC.name)?,
                embedding_dim: options.usize("dim", default_dim).or_fault(DOC.name)?,
                snr: options.float("snr", defaults.snr).or_fault(DOC.name)?,
                test_repeats: options
                    .usize("test_repeats", defaults.test_repeats)
                    .or_fault(DOC.name)?,
                prompts,
            };
            let god = generate(&config).or_fault(DOC.name)?;
            run.record_data(
                serde_json::json!({ "kind": "god_synthetic", "config": config, "clip_prompts": clip_name }),
            );
            let mut out = Map::new();
            out.insert("train".into(), Dynamic::from(DatasetValue(Arc::new(god.train))));
            out.insert("test".into(), Dynamic::from(DatasetValue(Arc::new(god.test))));
            Ok(out)
        };
        let with_defaults = generate_with.clone();
        engine.register_fn(DOC.name, move || with_defaults(Map::new()));
        engine.register_fn(DOC.name, move |options: Map| generate_with(options));
    });
}
