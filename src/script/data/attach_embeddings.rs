use crate::script::prelude::*;

use crate::data::embeddings::attach;

pub static SPEC: FnSpec = FnSpec::new("attach_embeddings", Area::Data)
    .params(&[param("data", "Dataset"), param("embeddings", "Embeddings | array")])
    .returns("Dataset")
    .summary(
        "A copy of the dataset with embeddings joined by id: image/text rows by sample id, class rows by category id.",
    )
    .details(
        "Every id the dataset needs must be in the embeddings (extra rows are ignored); otherwise the
error lists the ids missing on each side. All embeddings must share one width. An array attaches
several embeddings (e.g. image and class) in one call.",
    )
    .example(
        r#"let god = god_synthetic(#{ voxels: 70, dim: 16 });
let bare = make_dataset(#{ fmri: god.test.fmri, ids: god.test.ids, categories: god.test.ids });
let e = embeddings(god.test.image_embeddings, god.test.ids, #{ kind: "image" });
let joined = attach_embeddings(bare, e);
let both = attach_embeddings(bare, [e, embeddings(god.test.text_embeddings, god.test.ids, #{ kind: "text" })]);
bare.dim == 0 && joined.dim == 16 && joined.image_embeddings.shape == [50, 16] && joined.text_embeddings == ()
    && both.text_embeddings.shape == [50, 16]"#,
    );

fn attach_all(data: &DatasetValue, list: &[EmbeddingsValue]) -> Result<DatasetValue, ScriptFault> {
    let mut joined = (*data.0).clone();
    for emb in list {
        joined = attach(&joined, &emb.0)?;
    }
    Ok(DatasetValue(Arc::new(joined)))
}

pub fn register(reg: &mut Registry) {
    reg.plain(&SPEC, |data: DatasetValue, emb: EmbeddingsValue| {
        attach_all(&data, &[emb])
    });
    reg.plain(&SPEC, |data: DatasetValue, list: Array| {
        attach_all(&data, &cast_array::<EmbeddingsValue>(list, "Embeddings")?)
    });
}
