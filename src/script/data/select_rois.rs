use crate::script::prelude::*;

use crate::data::ops::select_rois;

pub static SPEC: FnSpec = FnSpec::new("select_rois", Area::Data)
    .params(&[param("data", "Dataset"), param("rois", "array")])
    .returns("Dataset")
    .summary("The dataset's voxels that lie in the named ROIs (data.rois lists them), in their order.")
    .example(
        r#"let god = god_synthetic(#{ voxels: 70, dim: 16 });
let early = select_rois(god.train, ["V1", "V2"]);
early.n_voxels == god.train.rois.V1 + god.train.rois.V2 && early.rois.keys() == ["V1", "V2"]"#,
    );

pub fn register(reg: &mut Registry) {
    reg.plain(&SPEC, |data: DatasetValue, rois: Array| {
        let rois = rois.into_iter().map(|r| r.to_string()).collect::<Vec<_>>();
        Ok(DatasetValue(Arc::new(select_rois(&data.0, &rois)?)))
    });
}
