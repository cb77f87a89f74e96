use crate::script::prelude::*;

use crate::data::formats::images;

pub static SPEC: FnSpec = FnSpec::new("load_image", Area::Data)
    .params(&[param("path", "string")])
    .returns("Image")
    .summary("Read a PNG or JPEG stimulus image (converted to 8-bit RGB).")
    .example(
        r#"let god = god_synthetic(#{ voxels: 70, dim: 16 });
let png = save_figure(plot_similarity(ridge(god.train, #{ folds: 3 }), god.test), "sim.png");
let img = load_image(png);
img.width == 900 && img.height == 800 && img.path == png"#,
    );

pub fn register(reg: &mut Registry) {
    let run = reg.run();
    reg.plain(&SPEC, move |path: ImmutableString| {
        let file = run.read_data(&path)?;
        let image = images::read_rgb(&file)?;
        Ok(ImageValue::new(image, path.to_string()))
    });
}
