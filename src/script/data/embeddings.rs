use std::sync::Arc;

use rhai::{Array, Map};

use crate::data::embeddings::{EmbeddingKind, EmbeddingMeta, Embeddings};
use crate::script::fault::{OrFault, ScriptFault, ScriptResult};
use crate::ErrorKind;
use crate::script::options::Options;
use crate::script::registry::{FnDoc, Registry};
use crate::script::values::{EmbeddingsValue, MatrixValue};

pub const DOC: FnDoc = FnDoc {
    name: "embeddings",
    area: "data",
    signatures: &["embeddings(matrix: Matrix, ids: array, options: map) -> Embeddings"],
    summary: "Make an embedding matrix with one id per row and its provenance, ready to save or attach.",
    details: "Options:
  kind           string  \"image\" (rows are stimulus images), \"text\" (captions) or \"class\"
                         (category prompts, ids are category ids such as n01443537) — required
  name           string  the cache's name (default: the kind)
  model          string  the model that produced them (default \"unknown\")
  preprocessing  string  how the inputs were prepared (default \"unknown\")",
    example: r#"let god = god_synthetic(#{ voxels: 70, dim: 16 });
let e = embeddings(god.test.fmri, god.test.ids, #{ kind: "image", model: "demo" });
e.count == 50 && e.dim == 70 && e.kind == "image""#,
};

const OPTIONS: &[&str] = &["kind", "name", "model", "preprocessing"];

pub fn register(reg: &mut Registry) {
    reg.legacy(&DOC, |engine, _run| {
        engine.register_fn(
            DOC.name,
            |matrix: MatrixValue, ids: Array, options: Map| -> ScriptResult<EmbeddingsValue> {
                let name = DOC.name;
                let options = Options::new(name, options, OPTIONS).or_fault(name)?;
                let kind_text = options
                    .choice("kind", &["image", "text", "class", ""], "")
                    .or_fault(name)?;
                let kind = EmbeddingKind::parse(kind_text).ok_or_else(|| {
                    ScriptFault::new(
                        ErrorKind::InvalidValue,
                        "embeddings: option `kind` is required: \"image\", \"text\" or \"class\"",
                    )
                })?;
                let meta = EmbeddingMeta {
                    model: options.string("model", "unknown").or_fault(name)?,
                    preprocessing: options.string("preprocessing", "unknown").or_fault(name)?,
                    kind,
                };
                let ids: Vec<String> = ids.iter().map(|v| v.to_string()).collect();
                let label = options.string("name", kind.name()).or_fault(name)?;
                let emb = Embeddings::new(label, ids, (*matrix.0).clone(), meta).or_fault(name)?;
                Ok(EmbeddingsValue(Arc::new(emb)))
            },
        );
    });
}
