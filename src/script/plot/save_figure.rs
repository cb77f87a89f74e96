use crate::script::fault::{OrFault, ScriptResult};
use crate::script::registry::{FnDoc, Registry};
use crate::script::values::FigureValue;

pub const DOC: FnDoc = FnDoc {
    name: "save_figure",
    area: "plot",
    signatures: &["save_figure(figure: Figure, name: string) -> string"],
    summary: "Write a figure into the run directory as NAME.png and NAME.svg; returns the PNG's path.",
    details: "A name ending in .png or .svg writes only that format. Names may contain sub-folders
(\"figures/curves\") but never leave the run directory.",
    example: r#"let god = god_synthetic(#{ voxels: 70, dim: 16 });
let fig = plot_similarity(ridge(god.train, #{ folds: 3 }), god.test);
save_figure(fig, "similarity").ends_with("similarity.png")"#,
};

pub fn register(reg: &mut Registry) {
    reg.function(&DOC, |engine, run| {
        engine.register_fn(
            DOC.name,
            move |figure: FigureValue, name: &str| -> ScriptResult<String> {
                let fig = &figure.0;
                let path = if let Some(stem) = name.strip_suffix(".svg") {
                    run.write_output(&format!("{stem}.svg"), fig.svg().as_bytes())
                        .or_fault(DOC.name)?
                } else if name.ends_with(".png") {
                    run.write_output(name, fig.png()).or_fault(DOC.name)?
                } else {
                    run.write_output(&format!("{name}.svg"), fig.svg().as_bytes())
                        .or_fault(DOC.name)?;
                    run.write_output(&format!("{name}.png"), fig.png()).or_fault(DOC.name)?
                };
                Ok(path.display().to_string())
            },
        );
    });
}
