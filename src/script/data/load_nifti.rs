use crate::script::prelude::*;

use crate::data::nifti::read_image;

pub static SPEC: FnSpec = FnSpec::new("load_nifti", Area::Data)
    .params(&[param("path", "string")])
    .returns("Nifti")
    .summary("Read a NIfTI-1 or NIfTI-2 volume or series (.nii or .nii.gz), with scl_slope/scl_inter applied.")
    .details(
        "Datatypes uint8, int8, int16, uint16, int32, float32 and float64 in either byte order; a slope
of 0 means no scaling. Properties: shape, n_volumes, datatype, voxel_size, tr (seconds, or ()),
affine (sform, else qform), scl_slope, scl_inter, format. Turn a series into a matrix with
apply_mask(series, mask), and into trial samples with trial_samples(x, events, #{ tr }).",
    )
    .example(
        r#"let series = load_nifti("tests/data/nifti/nitime_fmri1.nii.gz");
series.shape == [10, 10, 18, 40] && series.datatype == "int16" && series.n_volumes == 40"#,
    );

pub fn register(reg: &mut Registry) {
    let run = reg.run();
    reg.plain(&SPEC, move |path: ImmutableString| -> Result<NiftiValue, ScriptFault> {
        Ok(NiftiValue(Arc::new(read_image(&run.read_data(&path)?)?)))
    });
}
