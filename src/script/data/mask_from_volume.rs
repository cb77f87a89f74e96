use std::sync::Arc;

use crate::data::nifti::mask_from_volume;
use crate::script::fault::{OrFault, ScriptResult};
use crate::script::registry::{FnDoc, Registry};
use crate::script::values::{MaskValue, NiftiValue};

pub const DOC: FnDoc = FnDoc {
    name: "mask_from_volume",
    area: "data",
    signatures: &["mask_from_volume(volume: Nifti) -> Mask"],
    summary: "A mask of the non-zero voxels of a 3-D mask volume (e.g. a brain or ROI mask).",
    details: "NaN voxels in the mask volume are an error. Use the mask with apply_mask(series, mask); its grid
must match the series'.",
    example: r#"let mask = mask_from_volume(load_nifti("tests/data/nifti/standard.nii.gz"));
mask.n_voxels > 0 && mask.shape == [4, 5, 7]"#,
};

pub fn register(reg: &mut Registry) {
    reg.legacy(&DOC, |engine, _run| {
        engine.register_fn(DOC.name, |volume: NiftiValue| -> ScriptResult<MaskValue> {
            Ok(MaskValue(Arc::new(mask_from_volume(&volume.0).or_fault(DOC.name)?)))
        });
    });
}
