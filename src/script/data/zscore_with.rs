use crate::script::prelude::*;

use crate::data::ops::VoxelScaler;

pub static SPEC: FnSpec = FnSpec::new("zscore_with", Area::Data)
    .params(&[param("data", "Dataset"), param("train", "Dataset")])
    .returns("Dataset")
    .summary("Z-score every voxel of `data` with the mean and standard deviation of `train` (so test data never inform the scaling).")
    .example(
        r#"let god = god_synthetic(#{ voxels: 70, dim: 16 });
let train = zscore_with(god.train, god.train);
let test = zscore_with(god.test, god.train);
let own = zscore_with(god.test, god.test);
train.fmri.column_means[0].abs() < 1e-4 && (train.fmri.column_sds[0] - 1.0).abs() < 1e-4
    && own.fmri.column_means[0].abs() < 1e-4 && test.fmri.column_means[0] != own.fmri.column_means[0]"#,
    );

pub fn register(reg: &mut Registry) {
    reg.plain(&SPEC, |data: DatasetValue, train: DatasetValue| {
        Ok(DatasetValue(Arc::new(VoxelScaler::fit(&train.0)?.apply(&data.0)?)))
    });
}
