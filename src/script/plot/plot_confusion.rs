use std::sync::Arc;

use rhai::Dynamic;

use crate::eval::{EvalConfig, zero_shot_with};
use crate::plot::{Heatmap, heatmap};
use crate::script::fault::{OrFault, ScriptResult};
use crate::script::options::Options;
use crate::script::registry::{FnDoc, Registry};
use crate::script::values::{DatasetValue, Decoder, FigureValue, register_decoder_fn};

pub const DOC: FnDoc = FnDoc {
    name: "plot_confusion",
    area: "plot",
    signatures: &[
        "plot_confusion(model: Model | RidgeModel, data: Dataset) -> Figure",
        "plot_confusion(model: Model | RidgeModel, data: Dataset, options: map) -> Figure",
    ],
    summary: "Zero-shot confusion matrix (true category × decoded category) as a heat-map with a colour bar.",
    details: "Each sample adds 1 to the cell of its top-scoring category (split evenly among tied ones).

Options:
  head      string  \"text\" (default) or \"image\": which head of a Model is compared
  annotate  bool    write the counts in the cells (default: when there are at most 20 categories)
  title     string  figure title",
    example: r#"let god = god_synthetic(#{ voxels: 70, dim: 16 });
let fig = plot_confusion(ridge(god.train, #{ folds: 3 }), god.test);
fig.title == "ridge: zero-shot confusion (50 categories)" && fig.width == 900"#,
};

const OPTIONS: &[&str] = &["head", "annotate", "title"];

fn draw(model: &dyn Decoder, data: &DatasetValue, options: Options) -> ScriptResult<Dynamic> {
    let name = DOC.name;
    let head = options.choice("head", &["text", "image"], "text").or_fault(name)?;
    let classes = data.0.require_class_embeddings().or_fault(name)?;
    let decoded = model.decode(&data.0).or_fault(name)?;
    let predicted = if head == "image" { decoded.image } else { decoded.text };
    let config = EvalConfig {
        bootstrap: 0,
        permutations: 0,
        ..EvalConfig::with_ks(&[1])
    };
    let report = zero_shot_with(predicted.view(), classes.view(), data.0.labels(), &config).or_fault(name)?;
    let names: Vec<String> = data.0.categories().iter().map(|c| c.short_name().to_string()).collect();
    let default_title = format!("{}: zero-shot confusion ({} categories)", model.label(), names.len());
    let title = options.string("title", &default_title).or_fault(name)?;
    let mut spec = Heatmap::new(
        title,
        "decoded category",
        "true category",
        report.confusion.mapv(|v| v as f32),
    );
    spec.colour_bar_label = "samples".into();
    spec.annotate = options.bool("annotate", names.len() <= 20).or_fault(name)?;
    spec.row_ticks = names.clone();
    spec.col_ticks = names;
    Ok(Dynamic::from(FigureValue(Arc::new(heatmap(&spec).or_fault(name)?))))
}

pub fn register(reg: &mut Registry) {
    reg.function(&DOC, |engine, _run| {
        register_decoder_fn(engine, DOC.name, OPTIONS, draw)
    });
}
