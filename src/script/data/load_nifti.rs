use std::sync::Arc;

use crate::data::nifti::read_image;
use crate::script::fault::{OrFault, ScriptResult};
use crate::script::registry::{FnDoc, Registry};
use crate::script::values::NiftiValue;

pub const DOC: FnDoc = FnDoc {
    name: "load_nifti",
    area: "data",
    signatures: &["load_nifti(path: string) -> Nifti"],
    summary: "Read a NIfTI-1 or NIfTI-2 volume or series (.nii or .nii.gz), with scl_slope/scl_inter applied.",
    details: "Datatypes uint8, int8, int16, uint16, int32, float32 and float64 in either byte order; a slope
of 0 means no scaling. Properties: shape, n_volumes, datatype, voxel_size, tr (seconds, or ()),
affine (sform, else qform), scl_slope, scl_inter, format. Turn a series into a matrix with
apply_mask(series, mask), and into trial samples with trial_samples(x, events, #{ tr }).",
    example: r#"let series = load_nifti("tests/data/nifti/nitime_fmri1.nii.gz");
series.shape == [10, 10, 18, 40] && series.datatype == "int16" && series.n_volumes == 40"#,
};

pub fn register(reg: &mut Registry) {
    reg.legacy(&DOC, |engine, run| {
        engine.register_fn(DOC.name, move |path: &str| -> ScriptResult<NiftiValue> {
            let file = run.read_data(path).or_fault(DOC.name)?;
            Ok(NiftiValue(Arc::new(read_image(&file).or_fault(DOC.name)?)))
        });
    });
}
