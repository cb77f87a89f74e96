use crate::data::formats::npy::npy_bytes;
use crate::run::FileError;
use crate::script::fault::{OrFault, ScriptResult};
use crate::script::registry::{FnDoc, Registry};
use crate::script::values::MatrixValue;

pub const DOC: FnDoc = FnDoc {
    name: "save_npy",
    area: "run",
    signatures: &["save_npy(matrix: Matrix, name: string) -> string"],
    summary: "Write a matrix into the run directory as a NumPy .npy file (float32); returns its path.",
    details: "For Python: numpy.load(path). A name without extension gets .npy.",
    example: r#"let god = god_synthetic(#{ voxels: 70, dim: 16 });
save_npy(god.train.fmri, "train_fmri").ends_with("train_fmri.npy")"#,
};

pub fn register(reg: &mut Registry) {
    reg.legacy(&DOC, |engine, run| {
        engine.register_fn(
            DOC.name,
            move |matrix: MatrixValue, name: &str| -> ScriptResult<String> {
                let file = if name.ends_with(".npy") {
                    name.to_string()
                } else {
                    format!("{name}.npy")
                };
                let bytes = npy_bytes(&matrix.0)
                    .map_err(|source| FileError::Io {
                        path: file.clone().into(),
                        source,
                    })
                    .or_fault(DOC.name)?;
                Ok(run
                    .write_output(&file, &bytes)
                    .or_fault(DOC.name)?
                    .display()
                    .to_string())
            },
        );
    });
}
