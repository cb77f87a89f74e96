use std::sync::Arc;

use crate::data::embeddings::Embeddings;
use crate::script::fault::{OrFault, ScriptResult};
use crate::script::registry::{FnDoc, Registry};
use crate::script::values::EmbeddingsValue;

pub const DOC: FnDoc = FnDoc {
    name: "load_embeddings",
    area: "data",
    signatures: &["load_embeddings(path: string) -> Embeddings"],
    summary: "Read an embedding cache: its JSON sidecar, or its .safetensors/.npy file with the sidecar beside it.",
    details: "The sidecar records the name, model, preprocessing, kind, row ids and tensor file; a
sidecar that disagrees with its tensor (count or width) is an error.",
    example: r#"let god = god_synthetic(#{ voxels: 70, dim: 16 });
let files = save_embeddings(embeddings(god.test.fmri, god.test.ids, #{ kind: "image" }), "img");
let e = load_embeddings(files.sidecar);
e.count == 50 && e.ids[0] == god.test.ids[0]"#,
};

pub fn register(reg: &mut Registry) {
    reg.legacy(&DOC, |engine, run| {
        engine.register_fn(DOC.name, move |path: &str| -> ScriptResult<EmbeddingsValue> {
            let file = run.read_data(path).or_fault(DOC.name)?;
            let sidecar = file.with_extension("json");
            if sidecar.exists() {
                run.read_data(&sidecar.display().to_string()).or_fault(DOC.name)?;
            }
            Ok(EmbeddingsValue(Arc::new(Embeddings::load(&file).or_fault(DOC.name)?)))
        });
    });
}
