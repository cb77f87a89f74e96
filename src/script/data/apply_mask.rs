use crate::script::prelude::*;

use crate::data::nifti::{Mask, NonFinitePolicy, apply_mask_with};

pub static SPEC: FnSpec = FnSpec::new("apply_mask", Area::Data)
    .params(&[param("series", "Nifti"), optional("mask", "Mask")])
    .returns("Matrix")
    .summary("Turn a 4-D series into a volumes × voxels matrix of the voxels under a mask (every voxel without one).")
    .details(
        "A 3-D image gives one row. Columns follow the voxels in NIfTI order (x fastest). Without a
mask, the options map may follow the series: apply_mask(series, #{ non_finite: \"zero\" }).
NaN/Inf values under the mask are an error that says how many and where, unless the options
choose otherwise; what was zeroed or dropped is reported on stderr, never silently.",
    )
    .options(&[Opt::choice(
        "non_finite",
        &["error", "zero", "drop"],
        "error",
        "NaN/Inf values: an error, replaced with 0 (\"zero\"), or their voxels left out (\"drop\")",
    )])
    .example(
        r#"let series = load_nifti("tests/data/nifti/generated/nan_series.nii.gz");
let mask = mask_from_atlas(load_nifti("tests/data/nifti/generated/atlas.nii.gz"), [3, 7, 12]);
let zeroed = apply_mask(series, mask, #{ non_finite: "zero" });
let dropped = apply_mask(series, mask, #{ non_finite: "drop" });
zeroed.shape == [3, 4] && dropped.shape == [3, 3] && apply_mask(series, #{ non_finite: "zero" }).shape == [3, 8]"#,
    );

fn masked(series: &NiftiValue, mask: Option<&MaskValue>, options: &Opts) -> Result<MatrixValue, ScriptFault> {
    let policy: NonFinitePolicy = options.get("non_finite")?;
    let mask = match mask {
        Some(mask) => Arc::clone(&mask.0),
        None => Arc::new(Mask::covering(&series.0)?),
    };
    let result = apply_mask_with(&series.0, &mask, policy)?;
    if let Some(what) = result.non_finite.describe(policy) {
        eprintln!("warning: {}: {what}", series.0.source);
    }
    Ok(MatrixValue(Arc::new(result.data)))
}

pub fn register(reg: &mut Registry) {
    reg.function(&SPEC, |series: NiftiValue, options: Opts| {
        masked(&series, None, &options)
    });
    reg.function(&SPEC, |series: NiftiValue, mask: MaskValue, options: Opts| {
        masked(&series, Some(&mask), &options)
    });
}
