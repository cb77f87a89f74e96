use crate::script::prelude::*;

pub static SPEC: FnSpec = FnSpec::new("bdata_values", Area::Data)
    .params(&[param("bdata", "BData"), param("expression", "string")])
    .returns("Matrix")
    .summary("The dataset columns a key or selection expression picks, as a matrix (samples × columns).")
    .details("E.g. bdata_values(b, \"DataType\") gives one column of 1/2/3 per sample; \"ROI_VC\" the voxels.")
    .example(
        r#"let b = load_bdata("tests/data/god_tiny.h5");
bdata_values(b, "DataType").shape == [19, 1] && bdata_values(b, "ROI_V1 + ROI_V2").shape == [19, 15]"#,
    );

pub fn register(reg: &mut Registry) {
    reg.plain(
        &SPEC,
        |b: BDataValue, expression: ImmutableString| -> Result<MatrixValue, ScriptFault> {
            let values = b.0.select_data(&expression)?;
            Ok(MatrixValue(Arc::new(values.mapv(|v| v as f32))))
        },
    );
}
