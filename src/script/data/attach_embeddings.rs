use std::sync::Arc;

use rhai::Array;

use crate::data::embeddings::attach;
use crate::script::fault::{OrFault, ScriptResult};
use crate::script::registry::{FnDoc, Registry};
use crate::script::values::{DatasetValue, EmbeddingsValue, legacy_cast_array};

pub const DOC: FnDoc = FnDoc {
    name: "attach_embeddings",
    area: "data",
    signatures: &[
        "attach_embeddings(data: Dataset, embeddings: Embeddings) -> Dataset",
        "attach_embeddings(data: Dataset, embeddings: array) -> Dataset",
    ],
    summary: "A copy of the dataset with embeddings joined by id: image/text rows by sample id, class rows by category id.",
    details: "Every id the dataset needs must be in the embeddings (extra rows are ignored); otherwise the
error lists the ids missing on each side. All embeddings must share one width.",
    example: r#"let god = god_synthetic(#{ voxels: 70, dim: 16 });
let bare = make_dataset(#{ fmri: god.test.fmri, ids: god.test.ids, categories: god.test.ids });
let e = embeddings(god.test.image_embeddings, god.test.ids, #{ kind: "image" });
let joined = attach_embeddings(bare, e);
bare.dim == 0 && joined.dim == 16"#,
};

fn attach_all(data: &DatasetValue, list: &[EmbeddingsValue]) -> ScriptResult<DatasetValue> {
    let mut joined = (*data.0).clone();
    for emb in list {
        joined = attach(&joined, &emb.0).or_fault(DOC.name)?;
    }
    Ok(DatasetValue(Arc::new(joined)))
}

pub fn register(reg: &mut Registry) {
    reg.legacy(&DOC, |engine, _run| {
        engine.register_fn(DOC.name, |data: DatasetValue, emb: EmbeddingsValue| {
            attach_all(&data, &[emb])
        });
        engine.register_fn(
            DOC.name,
            |data: DatasetValue, list: Array| -> ScriptResult<DatasetValue> {
                let list = legacy_cast_array::<EmbeddingsValue>(list, DOC.name, "Embeddings")?;
                attach_all(&data, &list)
            },
        );
    });
}
