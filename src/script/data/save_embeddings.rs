use crate::script::prelude::*;

use crate::run::{FileError, now};

pub static SPEC: FnSpec = FnSpec::new("save_embeddings", Area::Data)
    .params(&[param("embeddings", "Embeddings"), param("name", "string")])
    .returns("map")
    .summary("Write an embedding cache into the run directory: NAME.safetensors and its NAME.json sidecar.")
    .details("Returns #{ tensors: path, sidecar: path }. Share the two files; load_embeddings reads them.")
    .example(
        r#"let god = god_synthetic(#{ voxels: 70, dim: 16 });
let files = save_embeddings(embeddings(god.test.fmri, god.test.ids, #{ kind: "image" }), "cache/img");
files.keys() == ["sidecar", "tensors"] && files.sidecar.ends_with("cache/img.json")
    && files.tensors.ends_with("cache/img.safetensors")"#,
    );

pub fn register(reg: &mut Registry) {
    let run = reg.run();
    reg.plain(&SPEC, move |emb: EmbeddingsValue, name: ImmutableString| {
        let stem = name.trim_end_matches(".json").trim_end_matches(".safetensors");
        let files = emb.0.to_files(stem, &now()).map_err(|source| FileError::Io {
            path: stem.into(),
            source,
        })?;
        let mut out = Map::new();
        for (file, bytes) in files {
            let path = run.write_output(&file, &bytes)?;
            let key = if file.ends_with(".json") { "sidecar" } else { "tensors" };
            out.insert(key.into(), Dynamic::from(path.display().to_string()));
        }
        Ok(out)
    });
}
