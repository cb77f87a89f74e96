use crate::script::prelude::*;

use crate::data::nifti::mask_from_atlas;

pub static SPEC: FnSpec = FnSpec::new("mask_from_atlas", Area::Data)
    .params(&[param("atlas", "Nifti"), param("labels", "int | array")])
    .returns("Mask")
    .summary("A mask of the voxels of an ROI atlas whose integer label is one of `labels` (one label or an array).")
    .details("A label that no voxel of the atlas carries is an error listing the labels present.")
    .example(
        r#"let atlas = load_nifti("tests/data/nifti/generated/atlas.nii.gz");
mask_from_atlas(atlas, 3).n_voxels == 2 && mask_from_atlas(atlas, [3, 7, 12]).n_voxels == 4
    && mask_from_atlas(atlas, [3, 7]).shape == [2, 2, 2]"#,
    );

fn select(atlas: &NiftiValue, labels: &[i64]) -> Result<MaskValue, ScriptFault> {
    Ok(MaskValue(Arc::new(mask_from_atlas(&atlas.0, labels)?)))
}

pub fn register(reg: &mut Registry) {
    reg.plain(&SPEC, |atlas: NiftiValue, label: i64| select(&atlas, &[label]));
    reg.plain(&SPEC, |atlas: NiftiValue, labels: Array| {
        select(&atlas, &cast_array::<i64>(labels, "integer")?)
    });
}
