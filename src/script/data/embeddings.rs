use crate::script::prelude::*;

use crate::data::embeddings::{EmbeddingKind, EmbeddingMeta, Embeddings};

pub static SPEC: FnSpec = FnSpec::new("embeddings", Area::Data)
    .params(&[param("matrix", "Matrix"), param("ids", "array")])
    .returns("Embeddings")
    .summary("Make an embedding matrix with one id per row and its provenance, ready to save or attach.")
    .options(&[
        Opt::choice(
            "kind",
            &["image", "text", "class"],
            "image",
            "\"image\" (rows are stimulus images), \"text\" (captions) or \"class\" (category prompts, ids are category ids such as n01443537); required",
        )
        .computed("none"),
        Opt::string("name", "", "the cache's name").computed("the kind"),
        Opt::string("model", "unknown", "the model that produced them"),
        Opt::string("preprocessing", "unknown", "how the inputs were prepared"),
    ])
    .example(
        r#"let god = god_synthetic(#{ voxels: 70, dim: 16 });
let e = embeddings(god.test.fmri, god.test.ids, #{ kind: "image", model: "demo" });
e.count == 50 && e.dim == 70 && e.kind == "image" && e.name == "image" && e.model == "demo"
    && e.preprocessing == "unknown" && e.ids == god.test.ids"#,
    );

pub fn register(reg: &mut Registry) {
    reg.function(&SPEC, |matrix: MatrixValue, ids: Array, options: Opts| {
        let kind: EmbeddingKind = options.given("kind")?.ok_or_else(|| {
            ScriptFault::new(
                ErrorKind::InvalidValue,
                "option `kind` is required: \"image\", \"text\" or \"class\"",
            )
        })?;
        let meta = EmbeddingMeta {
            model: options.get("model")?,
            preprocessing: options.get("preprocessing")?,
            kind,
        };
        let ids: Vec<String> = ids.iter().map(|v| v.to_string()).collect();
        let name = options.get_or("name", kind.name().to_string())?;
        let emb = Embeddings::new(name, ids, (*matrix.0).clone(), meta)?;
        Ok(EmbeddingsValue(Arc::new(emb)))
    });
}
