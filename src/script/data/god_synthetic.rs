use std::sync::Arc;

use rhai::{Dynamic, Map};

use crate::data::SyntheticConfig;
use crate::data::synthetic::generate;
use crate::script::fault::{OrFault, ScriptResult};
use crate::script::options::Options;
use crate::script::registry::{FnDoc, Registry};
use crate::script::values::DatasetValue;

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
  test_repeats  integer  trials averaged per test image (default 35)",
    example: r#"let god = god_synthetic(#{ voxels: 70, dim: 16 });
god.train.n_samples == 1200 && god.test.n_samples == 50 && god.test.categories[0] == "goldfish""#,
};

const OPTIONS: &[&str] = &["seed", "voxels", "dim", "snr", "test_repeats"];

pub fn register(reg: &mut Registry) {
    reg.function(&DOC, |engine, run| {
        let generate_with = move |options: Options| -> ScriptResult<Map> {
            let defaults = SyntheticConfig::default();
            let config = SyntheticConfig {
                seed: options.u64("seed", run.seed()).or_fault(DOC.name)?,
                n_voxels: options.usize("voxels", defaults.n_voxels).or_fault(DOC.name)?,
                embedding_dim: options.usize("dim", defaults.embedding_dim).or_fault(DOC.name)?,
                snr: options.float("snr", defaults.snr).or_fault(DOC.name)?,
                test_repeats: options
                    .usize("test_repeats", defaults.test_repeats)
                    .or_fault(DOC.name)?,
            };
            let god = generate(&config).or_fault(DOC.name)?;
            run.record_data(serde_json::json!({ "kind": "god_synthetic", "config": config }));
            let mut out = Map::new();
            out.insert("train".into(), Dynamic::from(DatasetValue(Arc::new(god.train))));
            out.insert("test".into(), Dynamic::from(DatasetValue(Arc::new(god.test))));
            Ok(out)
        };
        let with_defaults = generate_with.clone();
        engine.register_fn(DOC.name, move || with_defaults(Options::empty(DOC.name)));
        engine.register_fn(DOC.name, move |options: Map| {
            generate_with(Options::new(DOC.name, options, OPTIONS).or_fault(DOC.name)?)
        });
    });
}
