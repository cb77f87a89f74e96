use std::sync::Arc;

use rhai::Map;

use crate::data::formats::table;
use crate::script::fault::{OrFault, ScriptFault, ScriptResult};
use crate::ErrorKind;
use crate::script::options::Options;
use crate::script::registry::{FnDoc, Registry};
use crate::script::values::TableValue;

pub const DOC: FnDoc = FnDoc {
    name: "load_table",
    area: "data",
    signatures: &[
        "load_table(path: string) -> Table",
        "load_table(path: string, options: map) -> Table",
    ],
    summary: "Read a CSV or TSV file with a header row; rows with a different number of fields are an error.",
    details: "The delimiter follows the extension (tab for .tsv/.tab, comma otherwise) unless given.
Read columns with column(table, name) and numeric blocks with matrix(table, names).

Options:
  delimiter  string  one character, e.g. \"\\t\" or \";\"",
    example: r#"let path = save_csv([#{ id: "a", x: 1.0 }, #{ id: "b", x: 2.0 }], "t.csv");
let t = load_table(path);
t.n_rows == 2 && t.columns == ["id", "x"]"#,
};

pub fn register(reg: &mut Registry) {
    reg.legacy(&DOC, |engine, run| {
        let load = move |path: &str, options: Options| -> ScriptResult<TableValue> {
            let delimiter = options.string("delimiter", "").or_fault(DOC.name)?;
            let delimiter = match delimiter.as_bytes() {
                [] => None,
                [d] => Some(*d),
                _ => {
                    return Err(ScriptFault::new(
                        ErrorKind::InvalidValue,
                        format!("option `delimiter` of load_table() must be one character, got \"{delimiter}\""),
                    )
                    .into());
                }
            };
            let file = run.read_data(path).or_fault(DOC.name)?;
            Ok(TableValue(Arc::new(
                table::read_table(&file, delimiter).or_fault(DOC.name)?,
            )))
        };
        let plain = load.clone();
        engine.register_fn(DOC.name, move |path: &str| plain(path, Options::empty(DOC.name)));
        engine.register_fn(DOC.name, move |path: &str, options: Map| {
            load(
                path,
                Options::new(DOC.name, options, &["delimiter"]).or_fault(DOC.name)?,
            )
        });
    });
}
