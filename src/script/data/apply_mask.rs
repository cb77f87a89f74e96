use std::sync::Arc;

use rhai::Map;

use crate::data::nifti::{Mask, NonFinitePolicy, apply_mask_with};
use crate::script::fault::{OrFault, ScriptFault, ScriptResult};
use crate::ErrorKind;
use crate::script::options::Options;
use crate::script::registry::{FnDoc, Registry};
use crate::script::values::{MaskValue, MatrixValue, NiftiValue};

pub const DOC: FnDoc = FnDoc {
    name: "apply_mask",
    area: "data",
    signatures: &[
        "apply_mask(series: Nifti) -> Matrix",
        "apply_mask(series: Nifti, mask: Mask) -> Matrix",
        "apply_mask(series: Nifti, mask: Mask, options: map) -> Matrix",
    ],
    summary: "Turn a 4-D series into a volumes × voxels matrix of the voxels under a mask (every voxel without one).",
    details: "A 3-D image gives one row. Columns follow the voxels in NIfTI order (x fastest).
NaN/Inf values under the mask are an error that says how many and where, unless the options
choose otherwise; what was zeroed or dropped is reported on stderr, never silently.

Options:
  non_finite  string  \"error\" (default), \"zero\" (replace with 0) or \"drop\" (leave those voxels out)",
    example: r#"let series = load_nifti("tests/data/nifti/generated/nan_series.nii.gz");
let mask = mask_from_atlas(load_nifti("tests/data/nifti/generated/atlas.nii.gz"), [3, 7, 12]);
let x = apply_mask(series, mask, #{ non_finite: "zero" });
x.rows == series.n_volumes && x.cols == mask.n_voxels"#,
};

pub fn register(reg: &mut Registry) {
    reg.legacy(&DOC, |engine, _run| {
        let masked = |series: NiftiValue, mask: Option<MaskValue>, options: Options| -> ScriptResult<MatrixValue> {
            let policy: NonFinitePolicy = options
                .choice("non_finite", &["error", "zero", "drop"], "error")
                .or_fault(DOC.name)?
                .parse()
                .or_fault(DOC.name)?;
            let mask = match mask {
                Some(mask) => mask.0,
                None => Arc::new(whole_grid(&series).or_fault(DOC.name)?),
            };
            let result = apply_mask_with(&series.0, &mask, policy).or_fault(DOC.name)?;
            let found = &result.non_finite;
            if found.count > 0 {
                let what = match policy {
                    NonFinitePolicy::DropVoxels => format!("dropped those {} voxels", found.voxels),
                    _ => "replaced them with 0".to_string(),
                };
                eprintln!(
                    "warning: {}: {} NaN/Inf values in {} voxels under the mask (first at (i, j, k, t) {:?}); {what}",
                    series.0.source, found.count, found.voxels, found.first
                );
            }
            Ok(MatrixValue(Arc::new(result.data)))
        };
        let (m1, m2) = (masked, masked);
        engine.register_fn(DOC.name, move |series: NiftiValue| {
            m1(series, None, Options::empty(DOC.name))
        });
        engine.register_fn(DOC.name, move |series: NiftiValue, mask: MaskValue| {
            m2(series, Some(mask), Options::empty(DOC.name))
        });
        engine.register_fn(DOC.name, move |series: NiftiValue, mask: MaskValue, options: Map| {
            masked(
                series,
                Some(mask),
                Options::new(DOC.name, options, &["non_finite"]).or_fault(DOC.name)?,
            )
        });
    });
}

/// The mask of every voxel of a series' grid.
fn whole_grid(series: &NiftiValue) -> Result<Mask, ScriptFault> {
    match series.0.header.shape.as_slice() {
        [x, y, z] | [x, y, z, _] => Ok(Mask::whole_grid([*x, *y, *z], &series.0.source)),
        shape => Err(ScriptFault::new(
            ErrorKind::Data,
            format!(
                "{}: apply_mask() needs a 3-D image or a 4-D series, found shape {shape:?}",
                series.0.source
            ),
        )),
    }
}
