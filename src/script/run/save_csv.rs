use crate::script::prelude::*;

use crate::run::{FileError, csv_bytes, with_extension};
use crate::script::format::flatten_rows;

pub static SPEC: FnSpec = FnSpec::new("save_csv", Area::Run)
    .params(&[param("rows", "array"), param("name", "string")])
    .returns("string")
    .summary("Write an array of maps into the run directory as a CSV table (one row per map); returns its path.")
    .details(
        "Columns are every key (nested maps become dotted columns such as image.top1), in first-seen
order; a missing value is an empty cell. A name without extension gets .csv.",
    )
    .example(
        r#"let path = save_csv([#{ model: "ridge", top1: 0.2 }, #{ model: "net", top1: 0.3, image: #{ top5: 0.5 } }], "results");
let t = load_table(path);
path == `${run_dir()}/results.csv` && t.n_rows == 2 && t.columns == ["model", "top1", "image.top5"]"#,
    );

pub fn register(reg: &mut Registry) {
    let run = reg.run();
    reg.plain(
        &SPEC,
        move |rows: Array, name: ImmutableString| -> Result<String, ScriptFault> {
            let file = with_extension(&name, "csv");
            let flat = flatten_rows(&rows)?;
            let cells = flat.cells(
                &flat.header,
                |v| if v.is_unit() { String::new() } else { v.to_string() },
            );
            let bytes = csv_bytes(&flat.header, &cells).map_err(|e| FileError::Io {
                path: file.clone().into(),
                source: std::io::Error::other(e),
            })?;
            Ok(run.write_output(&file, &bytes)?.display().to_string())
        },
    );
}
