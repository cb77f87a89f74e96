use rhai::Array;

use super::rows::flatten_rows;
use crate::run::FileError;
use crate::script::fault::{OrFault, ScriptResult};
use crate::script::registry::{FnDoc, Registry};

pub const DOC: FnDoc = FnDoc {
    name: "save_csv",
    area: "run",
    signatures: &["save_csv(rows: array, name: string) -> string"],
    summary: "Write an array of maps into the run directory as a CSV table (one row per map); returns its path.",
    details: "Columns are every key (nested maps become dotted columns such as image.top1), in first-seen
order; a missing value is an empty cell. A name without extension gets .csv.",
    example: r#"save_csv([#{ model: "ridge", top1: 0.2 }, #{ model: "net", top1: 0.3 }], "results").ends_with("results.csv")"#,
};

pub fn register(reg: &mut Registry) {
    reg.legacy(&DOC, |engine, run| {
        engine.register_fn(DOC.name, move |rows: Array, name: &str| -> ScriptResult<String> {
            let file = if name.ends_with(".csv") {
                name.to_string()
            } else {
                format!("{name}.csv")
            };
            let flat = flatten_rows(DOC.name, rows)?;
            let mut out = csv::Writer::from_writer(Vec::new());
            let io = |e: csv::Error| FileError::Io {
                path: file.clone().into(),
                source: std::io::Error::other(e),
            };
            out.write_record(&flat.header).map_err(io).or_fault(DOC.name)?;
            for cells in flat.cells(
                &flat.header,
                |v| if v.is_unit() { String::new() } else { v.to_string() },
            ) {
                out.write_record(&cells).map_err(io).or_fault(DOC.name)?;
            }
            let bytes = out
                .into_inner()
                .map_err(|e| FileError::Io {
                    path: file.clone().into(),
                    source: e.into_error(),
                })
                .or_fault(DOC.name)?;
            Ok(run
                .write_output(&file, &bytes)
                .or_fault(DOC.name)?
                .display()
                .to_string())
        });
    });
}
