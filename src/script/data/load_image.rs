use std::sync::Arc;

use crate::data::formats::images;
use crate::script::fault::{OrFault, ScriptResult};
use crate::script::registry::{FnDoc, Registry};
use crate::script::values::ImageValue;

pub const DOC: FnDoc = FnDoc {
    name: "load_image",
    area: "data",
    signatures: &["load_image(path: string) -> Image"],
    summary: "Read a PNG or JPEG stimulus image (converted to 8-bit RGB).",
    details: "",
    example: r#"let god = god_synthetic(#{ voxels: 70, dim: 16 });
let png = save_figure(plot_similarity(ridge(god.train, #{ folds: 3 }), god.test), "sim.png");
let img = load_image(png);
img.width == 900 && img.height == 800"#,
};

pub fn register(reg: &mut Registry) {
    reg.legacy(&DOC, |engine, run| {
        engine.register_fn(DOC.name, move |path: &str| -> ScriptResult<ImageValue> {
            let file = run.read_data(path).or_fault(DOC.name)?;
            let image = images::read_rgb(&file).or_fault(DOC.name)?;
            Ok(ImageValue {
                image: Arc::new(image),
                path: path.to_string(),
            })
        });
    });
}
