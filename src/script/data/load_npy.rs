use crate::script::prelude::*;

use crate::data::formats::npy;

pub static SPEC: FnSpec = FnSpec::new("load_npy", Area::Data)
    .params(&[param("path", "string")])
    .returns("Matrix")
    .summary("Read a NumPy .npy array or one array of an .npz archive as a matrix (any numeric dtype, read as f32).")
    .details("A 1-D array becomes one column. Higher ranks are an error.")
    .options(&[Opt::string(
        "key",
        "",
        "the array of an .npz archive (required when it holds several)",
    )
    .none_by_default()])
    .example(
        r#"let god = god_synthetic(#{ voxels: 70, dim: 16 });
let path = save_npy(god.test.fmri, "test_fmri.npy");
let m = load_npy(path);
m.shape == [50, 70] && load_npy(save_npy(god.train.fmri, "train_fmri.npy")).shape == [1200, 70]"#,
    );

pub fn register(reg: &mut Registry) {
    let run = reg.run();
    reg.function(&SPEC, move |path: ImmutableString, options: Opts| {
        let key: Option<String> = options.get("key")?;
        let key = key.as_deref().filter(|k| !k.is_empty());
        Ok(MatrixValue(Arc::new(npy::read_matrix(&run.read_data(&path)?, key)?)))
    });
}
