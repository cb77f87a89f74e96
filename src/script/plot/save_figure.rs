use crate::script::prelude::*;

use crate::data::formats::images::png_bytes;

pub static SPEC: FnSpec = FnSpec::new("save_figure", Area::Plot)
    .params(&[param("figure", "Figure | Image"), param("name", "string")])
    .returns("string")
    .summary(
        "Write a figure into the run directory as NAME.png and NAME.svg (an Image as NAME.png); returns the PNG's path.",
    )
    .details(
        "A name ending in .png or .svg writes only that format. Names may contain sub-folders
(\"figures/curves\") but never leave the run directory. Images (load_image, generate) are
written as PNG.",
    )
    .example(
        r#"let god = god_synthetic(#{ voxels: 70, dim: 16 });
let fig = plot_similarity(ridge(god.train, #{ folds: 3 }), god.test);
let png = save_figure(fig, "similarity");
let copy = save_figure(load_image(png), "copy.png");
png == `${run_dir()}/similarity.png` && copy == `${run_dir()}/copy.png` && load_image(copy).width == fig.width"#,
    );

pub fn register(reg: &mut Registry) {
    let run = reg.run();
    reg.plain(
        &SPEC,
        move |figure: FigureValue, name: ImmutableString| -> Result<String, ScriptFault> {
            let mut png = String::new();
            for (file, bytes) in figure.0.files(&name) {
                png = run.write_output(&file, bytes)?.display().to_string();
            }
            Ok(png)
        },
    );
    let run = reg.run();
    reg.plain(
        &SPEC,
        move |image: ImageValue, name: ImmutableString| -> Result<String, ScriptFault> {
            let stem = name.strip_suffix(".png").unwrap_or(&name);
            let path = run.write_output(&format!("{stem}.png"), &png_bytes(&image.image))?;
            Ok(path.display().to_string())
        },
    );
}
