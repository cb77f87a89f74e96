use crate::script::prelude::*;

pub static SPEC: FnSpec = FnSpec::new("column", Area::Data)
    .params(&[param("table", "Table"), param("name", "string")])
    .returns("array")
    .summary("The values of one table column: numbers when every cell is numeric, strings otherwise.")
    .example(
        r#"let t = load_table(save_csv([#{ id: "a", x: 1.5 }, #{ id: "b", x: 2.5 }], "c.csv"));
t.column("x") == [1.5, 2.5] && column(t, "id") == ["a", "b"]"#,
    );

pub fn register(reg: &mut Registry) {
    reg.plain(&SPEC, |table: TableValue, name: ImmutableString| {
        let values = table.0.column(&name)?;
        let column: Array = if table.0.numeric_columns().iter().any(|c| c == name.as_str()) {
            let numbers = table.0.numeric(&[&name])?;
            numbers.iter().map(|&v| Dynamic::from(v as f64)).collect()
        } else {
            values.into_iter().map(Dynamic::from).collect()
        };
        Ok(column)
    });
}
