use std::sync::Arc;

use rhai::{Array, Map};

use crate::plot::{ImageGrid, image_grid};
use crate::script::fault::{OrFault, ScriptFault, ScriptResult};
use crate::ErrorKind;
use crate::script::options::Options;
use crate::script::registry::{FnDoc, Registry};
use crate::script::values::{FigureValue, ImageValue, legacy_cast_array};

pub const DOC: FnDoc = FnDoc {
    name: "plot_images",
    area: "plot",
    signatures: &[
        "plot_images(images: array) -> Figure",
        "plot_images(images: array, options: map) -> Figure",
    ],
    summary: "A grid of images with captions, e.g. each stimulus next to what was retrieved or generated for it.",
    details: "Images come from load_image(). Put them in reading order: with columns: 2 and
[stimulus1, retrieved1, stimulus2, retrieved2, ...] each row compares a pair.

Options:
  captions  array    one caption per image (default none)
  columns   integer  images per row (default 4)
  cell      integer  width of each image in pixels (default 160)
  title     string   figure title (default \"Images\")",
    example: r#"let god = god_synthetic(#{ voxels: 70, dim: 16 });
let img = load_image(save_figure(plot_confusion(ridge(god.train, #{ folds: 3 }), god.test), "c.png"));
let fig = plot_images([img, img, img], #{ captions: ["stimulus", "retrieved", "generated"], columns: 3, cell: 100 });
let wide = plot_images([img, img, img], #{ columns: 3 });
// three cells with 12-pixel gaps in one row
fig.width == 3 * (100 + 12) + 12 && wide.width == 3 * (160 + 12) + 12 && fig.title == "Images""#,
};

const OPTIONS: &[&str] = &["captions", "columns", "cell", "title"];

fn draw(images: Array, options: Options) -> ScriptResult<FigureValue> {
    let name = DOC.name;
    let images: Vec<ImageValue> = legacy_cast_array(images, name, "images (from load_image)")?;
    let captions: Vec<String> = match options.array("captions").or_fault(name)? {
        Some(list) => legacy_cast_array(list, name, "caption strings")?,
        None => Vec::new(),
    };
    if !captions.is_empty() && captions.len() != images.len() {
        return Err(ScriptFault::new(
            ErrorKind::DimensionMismatch,
            format!("plot_images(): {} images but {} captions", images.len(), captions.len()),
        )
        .with_hint("give one caption per image, or none")
        .into());
    }
    let columns = options.usize("columns", 4).or_fault(name)?;
    let title = options.string("title", "Images").or_fault(name)?;
    let mut spec = ImageGrid::new(title, images.iter().map(|i| (*i.image).clone()).collect(), columns);
    spec.captions = captions;
    spec.cell = options.usize("cell", spec.cell as usize).or_fault(name)? as u32;
    Ok(FigureValue(Arc::new(image_grid(&spec).or_fault(name)?)))
}

pub fn register(reg: &mut Registry) {
    reg.legacy(&DOC, |engine, _run| {
        engine.register_fn(DOC.name, |images: Array| draw(images, Options::empty(DOC.name)));
        engine.register_fn(DOC.name, |images: Array, options: Map| {
            draw(images, Options::new(DOC.name, options, OPTIONS).or_fault(DOC.name)?)
        });
    });
}
