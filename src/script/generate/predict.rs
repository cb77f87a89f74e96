use std::sync::Arc;

use rhai::Dynamic;

use crate::data::embeddings::{EmbeddingKind, EmbeddingMeta, Embeddings};
use crate::script::fault::{FaultKind, OrFault, ScriptFault};
use crate::script::registry::{FnDoc, Registry};
use crate::script::values::{EmbeddingsValue, register_decoder_fn};

pub const DOC: FnDoc = FnDoc {
    name: "predict",
    area: "generate",
    signatures: &[
        "predict(model: Model | RidgeModel, data: Dataset) -> Embeddings",
        "predict(model: Model | RidgeModel, data: Dataset, options: map) -> Embeddings",
    ],
    summary: "The embeddings a model predicts from each sample's fMRI, as an embedding cache (ids = the samples' ids).",
    details: "These are what generate() steers images toward and what nearest_images() matches against a
gallery. Options:
  head  string  \"image\" (default: the image head's output) or \"text\"
  name  string  the cache's name (default \"predicted/<head>\")",
    example: r#"let god = god_synthetic(#{ voxels: 70, dim: 16 });
let p = predict(ridge(god.train, #{ folds: 3 }), god.test);
p.count == 50 && p.dim == 16 && p.kind == "image" && p.ids[0] == god.test.ids[0]"#,
};

pub fn register(reg: &mut Registry) {
    reg.function(&DOC, |engine, _run| {
        register_decoder_fn(engine, DOC.name, &["head", "name"], |model, data, opts| {
            let head = opts.choice("head", &["image", "text"], "image").or_fault(DOC.name)?;
            let decoded = model.decode(&data.0).map_err(|f| f.in_function(DOC.name))?;
            let (matrix, kind) = if head == "image" {
                (decoded.image, EmbeddingKind::Image)
            } else {
                (decoded.text, EmbeddingKind::Text)
            };
            let ids = data.0.sample_ids().to_vec();
            if ids.len() != matrix.nrows() {
                return Err(ScriptFault::new(
                    FaultKind::DimensionMismatch,
                    format!("predict: {} ids for {} predictions", ids.len(), matrix.nrows()),
                )
                .into());
            }
            let name = opts.string("name", &format!("predicted/{head}")).or_fault(DOC.name)?;
            let meta = EmbeddingMeta {
                model: model.label().to_string(),
                preprocessing: format!("predicted from fMRI by {} ({head} head)", model.label()),
                kind,
            };
            let emb = Embeddings::new(name, ids, matrix, meta).or_fault(DOC.name)?;
            Ok(Dynamic::from(EmbeddingsValue(Arc::new(emb))))
        });
    });
}
