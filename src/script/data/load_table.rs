use crate::script::prelude::*;

use crate::data::formats::table;

pub static SPEC: FnSpec = FnSpec::new("load_table", Area::Data)
    .params(&[param("path", "string")])
    .returns("Table")
    .summary("Read a CSV or TSV file with a header row; rows with a different number of fields are an error.")
    .details("Read columns with column(table, name) and numeric blocks with matrix(table, names).")
    .options(&[Opt::string("delimiter", "", "one character, e.g. \"\\t\" or \";\"")
        .computed("tab for .tsv/.tab, comma otherwise")])
    .example(
        r#"let path = save_csv([#{ id: "a", x: 1.0 }, #{ id: "b", x: 2.0 }], "t.csv");
let t = load_table(path);
let tabs = load_table(path, #{ delimiter: "\t" });
t.n_rows == 2 && t.columns == ["id", "x"] && t.numeric_columns == ["x"] && tabs.columns == ["id,x"]"#,
    );

pub fn register(reg: &mut Registry) {
    let run = reg.run();
    reg.function(&SPEC, move |path: ImmutableString, options: Opts| {
        let delimiter = match options.given::<String>("delimiter")? {
            None => None,
            Some(d) => match d.as_bytes() {
                [byte] => Some(*byte),
                _ => {
                    return Err(ScriptFault::new(
                        ErrorKind::InvalidValue,
                        format!("option `delimiter` of load_table() must be one character, got \"{d}\""),
                    ));
                }
            },
        };
        let file = run.read_data(&path)?;
        Ok(TableValue(Arc::new(table::read_table(&file, delimiter)?)))
    });
}
