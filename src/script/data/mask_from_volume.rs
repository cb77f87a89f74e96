use crate::script::prelude::*;

use crate::data::nifti::mask_from_volume;

pub static SPEC: FnSpec = FnSpec::new("mask_from_volume", Area::Data)
    .params(&[param("volume", "Nifti")])
    .returns("Mask")
    .summary("A mask of the non-zero voxels of a 3-D mask volume (e.g. a brain or ROI mask).")
    .details(
        "NaN voxels in the mask volume are an error. Use the mask with apply_mask(series, mask); its grid
must match the series'.",
    )
    .example(
        r#"let mask = mask_from_volume(load_nifti("tests/data/nifti/generated/atlas.nii.gz"));
mask.n_voxels == 4 && mask.shape == [2, 2, 2] && mask.source.ends_with("atlas.nii.gz")"#,
    );

pub fn register(reg: &mut Registry) {
    reg.plain(&SPEC, |volume: NiftiValue| -> Result<MaskValue, ScriptFault> {
        Ok(MaskValue(Arc::new(mask_from_volume(&volume.0)?)))
    });
}
