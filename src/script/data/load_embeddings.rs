use crate::script::prelude::*;

use crate::data::embeddings::Embeddings;

pub static SPEC: FnSpec = FnSpec::new("load_embeddings", Area::Data)
    .params(&[param("path", "string")])
    .returns("Embeddings")
    .summary("Read an embedding cache: its JSON sidecar, or its .safetensors/.npy file with the sidecar beside it.")
    .details(
        "The sidecar records the name, model, preprocessing, kind, row ids and tensor file; a
sidecar that disagrees with its tensor (count or width) is an error.",
    )
    .example(
        r#"let god = god_synthetic(#{ voxels: 70, dim: 16 });
let files = save_embeddings(embeddings(god.test.fmri, god.test.ids, #{ kind: "image", model: "demo" }), "img");
let e = load_embeddings(files.sidecar);
let again = load_embeddings(files.tensors);
e.count == 50 && e.dim == 70 && e.kind == "image" && e.model == "demo" && e.ids == god.test.ids
    && again.ids == e.ids"#,
    );

pub fn register(reg: &mut Registry) {
    let run = reg.run();
    reg.plain(&SPEC, move |path: ImmutableString| {
        let file = run.read_data(&path)?;
        let sidecar = file.with_extension("json");
        if sidecar.exists() {
            run.read_data(&sidecar.display().to_string())?;
        }
        Ok(EmbeddingsValue(Arc::new(Embeddings::load(&file)?)))
    });
}
