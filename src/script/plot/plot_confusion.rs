use crate::script::prelude::*;

use crate::eval::{EvalConfig, zero_shot_with};
use crate::plot::{Heatmap, heatmap};

pub static SPEC: FnSpec = FnSpec::new("plot_confusion", Area::Plot)
    .params(&[param("model", "Model | RidgeModel"), param("data", "Dataset")])
    .returns("Figure")
    .summary("Zero-shot confusion matrix (true category × decoded category) as a heat-map with a colour bar.")
    .details("Each sample adds 1 to the cell of its top-scoring category (split evenly among tied ones).")
    .options(&[
        Opt::choice("head", &["text", "image"], "text", "which head of a Model is compared"),
        Opt::bool("annotate", false, "write the counts in the cells").computed("when there are at most 20 categories"),
        Opt::string("title", "", "figure title").computed("\"<model>: zero-shot confusion (<n> categories)\""),
    ])
    .example(
        r#"let god = god_synthetic(#{ voxels: 70, dim: 16 });
let fig = plot_confusion(ridge(god.train, #{ folds: 3 }), god.test);
fig.title == "ridge: zero-shot confusion (50 categories)" && fig.width == 900"#,
    );

fn draw(
    model: DecoderArg,
    data: DatasetValue,
    options: Opts,
) -> Result<FigureValue, crate::script::fault::ScriptFault> {
    let head: String = options.get("head")?;
    let classes = data.0.require_class_embeddings()?;
    let decoded = model.decode(&data.0)?;
    let predicted = if head == "image" { decoded.image } else { decoded.text };
    let config = EvalConfig {
        bootstrap: 0,
        permutations: 0,
        ..EvalConfig::with_ks(&[1])
    };
    let report = zero_shot_with(predicted.view(), classes.view(), data.0.labels(), &config)?;
    let names: Vec<String> = data.0.categories().iter().map(|c| c.short_name().to_string()).collect();
    let title = options.get_or(
        "title",
        format!("{}: zero-shot confusion ({} categories)", model.label, names.len()),
    )?;
    let mut spec = Heatmap::new(
        title,
        "decoded category",
        "true category",
        report.confusion.mapv(|v| v as f32),
    );
    spec.colour_bar_label = "samples".into();
    spec.annotate = options.get_or("annotate", names.len() <= 20)?;
    spec.row_ticks = names.clone();
    spec.col_ticks = names;
    Ok(FigureValue(Arc::new(heatmap(&spec)?)))
}

pub fn register(reg: &mut Registry) {
    register_decoder_fn(reg, &SPEC, draw);
}
