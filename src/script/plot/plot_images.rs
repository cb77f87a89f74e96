use crate::script::prelude::*;

use crate::plot::{ImageGrid, image_grid};

pub static SPEC: FnSpec = FnSpec::new("plot_images", Area::Plot)
    .params(&[param("images", "array")])
    .returns("Figure")
    .summary("A grid of images with captions, e.g. each stimulus next to what was retrieved or generated for it.")
    .details(
        "Images come from load_image(). Put them in reading order: with columns: 2 and
[stimulus1, retrieved1, stimulus2, retrieved2, ...] each row compares a pair.",
    )
    .options(&[
        Opt::strings("captions", &[], "one caption per image (none when empty)"),
        Opt::int("columns", 4, "images per row").min(1.0),
        Opt::int("cell", 160, "width of each image in pixels").range(16.0, 1024.0),
        Opt::string("title", "Images", "figure title"),
    ])
    .example(
        r#"let god = god_synthetic(#{ voxels: 70, dim: 16 });
let img = load_image(save_figure(plot_confusion(ridge(god.train, #{ folds: 3 }), god.test), "c.png"));
let fig = plot_images([img, img, img], #{ captions: ["stimulus", "retrieved", "generated"], columns: 3, cell: 100 });
let wide = plot_images([img, img, img], #{ columns: 3 });
// three cells with 12-pixel gaps in one row
fig.width == 3 * (100 + 12) + 12 && wide.width == 3 * (160 + 12) + 12 && fig.title == "Images""#,
    );

fn draw(images: Array, options: Opts) -> Result<FigureValue, ScriptFault> {
    let images: Vec<ImageValue> = cast_array(images, "images (from load_image)")?;
    let captions: Vec<String> = options.get("captions")?;
    if !captions.is_empty() && captions.len() != images.len() {
        return Err(ScriptFault::new(
            ErrorKind::DimensionMismatch,
            format!("plot_images(): {} images but {} captions", images.len(), captions.len()),
        )
        .with_hint("give one caption per image, or none"));
    }
    let images = images.iter().map(|i| (*i.image).clone()).collect();
    let mut spec = ImageGrid::new(options.get::<String>("title")?, images, options.get("columns")?);
    spec.captions = captions;
    spec.cell = options.get("cell")?;
    Ok(FigureValue(Arc::new(image_grid(&spec)?)))
}

pub fn register(reg: &mut Registry) {
    reg.function(&SPEC, draw);
}
