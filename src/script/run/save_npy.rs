use crate::script::prelude::*;

use crate::data::formats::npy::npy_bytes;
use crate::run::{FileError, with_extension};

pub static SPEC: FnSpec = FnSpec::new("save_npy", Area::Run)
    .params(&[param("matrix", "Matrix"), param("name", "string")])
    .returns("string")
    .summary("Write a matrix into the run directory as a NumPy .npy file (float32); returns its path.")
    .details("For Python: numpy.load(path). A name without extension gets .npy.")
    .example(
        r#"let god = god_synthetic(#{ voxels: 70, dim: 16 });
let path = save_npy(god.train.fmri, "train_fmri");
let back = load_npy(path);
path == `${run_dir()}/train_fmri.npy` && back.rows == god.train.n_samples && back.cols == 70"#,
    );

pub fn register(reg: &mut Registry) {
    let run = reg.run();
    reg.plain(
        &SPEC,
        move |matrix: MatrixValue, name: ImmutableString| -> Result<String, ScriptFault> {
            let file = with_extension(&name, "npy");
            let bytes = npy_bytes(&matrix.0).map_err(|source| FileError::Io {
                path: file.clone().into(),
                source,
            })?;
            Ok(run.write_output(&file, &bytes)?.display().to_string())
        },
    );
}
