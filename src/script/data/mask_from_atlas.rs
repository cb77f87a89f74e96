use std::sync::Arc;

use rhai::Array;

use crate::data::nifti::mask_from_atlas;
use crate::script::fault::{OrFault, ScriptResult};
use crate::script::registry::{FnDoc, Registry};
use crate::script::values::{MaskValue, NiftiValue, legacy_cast_array};

pub const DOC: FnDoc = FnDoc {
    name: "mask_from_atlas",
    area: "data",
    signatures: &[
        "mask_from_atlas(atlas: Nifti, label: int) -> Mask",
        "mask_from_atlas(atlas: Nifti, labels: array) -> Mask",
    ],
    summary: "A mask of the voxels of an ROI atlas whose integer label is one of `labels`.",
    details: "A label that no voxel of the atlas carries is an error listing the labels present.",
    example: r#"let atlas = load_nifti("tests/data/nifti/generated/atlas.nii.gz");
mask_from_atlas(atlas, [3, 7]).n_voxels > mask_from_atlas(atlas, 3).n_voxels"#,
};

pub fn register(reg: &mut Registry) {
    reg.legacy(&DOC, |engine, _run| {
        let select = |atlas: NiftiValue, labels: Vec<i64>| -> ScriptResult<MaskValue> {
            Ok(MaskValue(Arc::new(
                mask_from_atlas(&atlas.0, &labels).or_fault(DOC.name)?,
            )))
        };
        engine.register_fn(DOC.name, move |atlas: NiftiValue, label: i64| {
            select(atlas, vec![label])
        });
        engine.register_fn(DOC.name, move |atlas: NiftiValue, labels: Array| {
            select(atlas, legacy_cast_array::<i64>(labels, DOC.name, "integer labels")?)
        });
    });
}
