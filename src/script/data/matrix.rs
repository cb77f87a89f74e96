use crate::script::prelude::*;

pub static SPEC: FnSpec = FnSpec::new("matrix", Area::Data)
    .params(&[param("table", "Table"), param("columns", "array")])
    .returns("Matrix")
    .summary("The named numeric columns of a table as a matrix (rows × columns); a non-number names its line.")
    .details("Empty cells and BIDS's n/a become NaN.")
    .example(
        r#"let t = load_table(save_csv([#{ a: 1, b: 2, c: 3 }, #{ a: 4, b: 5, c: "n/a" }, #{ a: 7, b: 8, c: 9 }], "m.csv"));
let m = t.matrix(["a", "c"]);
m.shape == [3, 2] && matrix(t, ["b"]).shape == [3, 1]"#,
    );

pub fn register(reg: &mut Registry) {
    reg.plain(&SPEC, |table: TableValue, columns: Array| {
        let names: Vec<String> = columns.iter().map(|c| c.to_string()).collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        Ok(MatrixValue(Arc::new(table.0.numeric(&refs)?)))
    });
}
