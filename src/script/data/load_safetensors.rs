use crate::script::prelude::*;

use crate::data::formats::tensors;

pub static SPEC: FnSpec = FnSpec::new("load_safetensors", Area::Data)
    .params(&[param("path", "string")])
    .returns("map")
    .summary("Read every tensor of a safetensors file as a Matrix, by name (1-D tensors become one column).")
    .details(
        "Float (F64, F32, F16, BF16), integer and bool tensors are read as f32; tensors of rank
above 2 are an error naming them.",
    )
    .example(
        r#"let god = god_synthetic(#{ voxels: 70, dim: 16 });
let emb = embeddings(god.test.fmri, god.test.ids, #{ name: "x", kind: "image" });
let files = save_embeddings(emb, "cache");
let tensors = load_safetensors(files.tensors);
tensors.keys() == ["embeddings"] && tensors["embeddings"].shape == [50, 70]"#,
    );

pub fn register(reg: &mut Registry) {
    let run = reg.run();
    reg.plain(&SPEC, move |path: ImmutableString| {
        let file = run.read_data(&path)?;
        let matrices: Map = tensors::read_matrices(&file)?
            .into_iter()
            .map(|(name, matrix)| (name.into(), Dynamic::from(MatrixValue(Arc::new(matrix)))))
            .collect();
        Ok(matrices)
    });
}
