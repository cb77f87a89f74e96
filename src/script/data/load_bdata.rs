use crate::script::prelude::*;

use crate::data::bdata::BData;

pub static SPEC: FnSpec = FnSpec::new("load_bdata", Area::Data)
    .params(&[param("path", "string")])
    .returns("BData")
    .summary(
        "Open a BData file (bdpy / BrainDecoderToolbox2 HDF5, e.g. GOD's Subject1.h5) with a pure-Rust HDF5 reader.",
    )
    .details(
        "Read its parts with select_columns(b, expr), bdata_values(b, key) and value_labels(b, key);
load_god(path) turns a GOD subject file into datasets directly.",
    )
    .example(
        r#"let b = load_bdata("tests/data/god_tiny.h5");
b.shape == [19, 45] && b.keys.contains("ROI_VC") && b.path.ends_with("god_tiny.h5")"#,
    );

pub fn register(reg: &mut Registry) {
    let run = reg.run();
    reg.plain(&SPEC, move |path: ImmutableString| -> Result<BDataValue, ScriptFault> {
        Ok(BDataValue(Arc::new(BData::open(&run.read_data(&path)?)?)))
    });
}
