use crate::script::prelude::*;

pub static SPEC: FnSpec = FnSpec::new("select_columns", Area::Data)
    .params(&[param("bdata", "BData"), param("expression", "string")])
    .returns("array")
    .summary("The dataset columns a bdpy selection expression picks, ascending (e.g. \"ROI_V1 + ROI_V2\").")
    .details(
        "A key selects the columns whose metadata value is 1; * is a wildcard (ROI_V*); + and |
are unions, & an intersection, - a difference (left to right); `A = 0` inverts; parentheses group.",
    )
    .example(
        r#"let b = load_bdata("tests/data/god_tiny.h5");
let columns = select_columns(b, "ROI_V1 + ROI_V2");
columns.len() == 15 && columns[0] == 0 && columns[14] == 14"#,
    );

pub fn register(reg: &mut Registry) {
    reg.plain(
        &SPEC,
        |b: BDataValue, expression: ImmutableString| -> Result<Array, ScriptFault> {
            let columns = b.0.select(&expression)?;
            Ok(columns.into_iter().map(|c| Dynamic::from(c as i64)).collect())
        },
    );
}
