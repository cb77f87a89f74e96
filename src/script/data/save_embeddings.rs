use rhai::{Dynamic, Map};

use crate::run::now;
use crate::script::fault::{OrFault, ScriptResult};
use crate::script::registry::{FnDoc, Registry};
use crate::script::values::EmbeddingsValue;

pub const DOC: FnDoc = FnDoc {
    name: "save_embeddings",
    area: "data",
    signatures: &["save_embeddings(embeddings: Embeddings, name: string) -> map"],
    summary: "Write an embedding cache into the run directory: NAME.safetensors and its NAME.json sidecar.",
    details: "Returns #{ tensors: path, sidecar: path }. Share the two files; load_embeddings reads them.",
    example: r#"let god = god_synthetic(#{ voxels: 70, dim: 16 });
let files = save_embeddings(embeddings(god.test.fmri, god.test.ids, #{ kind: "image" }), "cache/img");
files.sidecar.ends_with("img.json") && files.tensors.ends_with("img.safetensors")"#,
};

pub fn register(reg: &mut Registry) {
    reg.legacy(&DOC, |engine, run| {
        engine.register_fn(DOC.name, move |emb: EmbeddingsValue, name: &str| -> ScriptResult<Map> {
            let stem = name.trim_end_matches(".json").trim_end_matches(".safetensors");
            let files = emb
                .0
                .to_files(stem, &now())
                .map_err(|e| crate::run::FileError::Io {
                    path: stem.into(),
                    source: e,
                })
                .or_fault(DOC.name)?;
            let mut out = Map::new();
            for (file, bytes) in files {
                let path = run.write_output(&file, &bytes).or_fault(DOC.name)?;
                let key = if file.ends_with(".json") { "sidecar" } else { "tensors" };
                out.insert(key.into(), Dynamic::from(path.display().to_string()));
            }
            Ok(out)
        });
    });
}
