use std::sync::Arc;

use ndarray::Ix2;
use rhai::{Dynamic, Map};

use crate::data::formats::tensors;
use crate::script::fault::{OrFault, ScriptFault, ScriptResult};
use crate::ErrorKind;
use crate::script::registry::{FnDoc, Registry};
use crate::script::values::MatrixValue;

pub const DOC: FnDoc = FnDoc {
    name: "load_safetensors",
    area: "data",
    signatures: &["load_safetensors(path: string) -> map"],
    summary: "Read every tensor of a safetensors file as a Matrix, by name (1-D tensors become one column).",
    details: "Float (F64, F32, F16, BF16), integer and bool tensors are read as f32; tensors of rank
above 2 are an error naming them.",
    example: r#"let god = god_synthetic(#{ voxels: 70, dim: 16 });
let emb = embeddings(god.test.fmri, god.test.ids, #{ name: "x", kind: "image" });
let files = save_embeddings(emb, "cache");
load_safetensors(files.tensors)["embeddings"].shape == [50, 70]"#,
};

pub fn register(reg: &mut Registry) {
    reg.legacy(&DOC, |engine, run| {
        engine.register_fn(DOC.name, move |path: &str| -> ScriptResult<Map> {
            let file = run.read_data(path).or_fault(DOC.name)?;
            let mut out = Map::new();
            for (name, array) in tensors::read_tensors(&file).or_fault(DOC.name)? {
                let shape = array.shape().to_vec();
                let matrix = match shape.len() {
                    1 => array.into_shape_with_order((shape[0], 1)).ok(),
                    2 => array.into_dimensionality::<Ix2>().ok(),
                    _ => None,
                }
                .ok_or_else(|| {
                    ScriptFault::new(ErrorKind::Data, format!("load_safetensors: tensor `{name}` has shape {shape:?}; only 1-D and 2-D tensors become matrices"))
                })?;
                out.insert(name.into(), Dynamic::from(MatrixValue(Arc::new(matrix))));
            }
            Ok(out)
        });
    });
}
