use std::sync::Arc;

use rhai::Array;

use crate::script::fault::{OrFault, ScriptResult};
use crate::script::registry::{FnDoc, Registry};
use crate::script::values::{MatrixValue, TableValue};

pub const DOC: FnDoc = FnDoc {
    name: "matrix",
    area: "data",
    signatures: &["matrix(table: Table, columns: array) -> Matrix"],
    summary: "The named numeric columns of a table as a matrix (rows × columns); a non-number names its line.",
    details: "Empty cells and BIDS's n/a become NaN.",
    example: r#"let t = load_table(save_csv([#{ a: 1, b: 2 }, #{ a: 3, b: 4 }], "m.csv"));
let m = t.matrix(["a", "b"]);
m.shape == [2, 2]"#,
};

pub fn register(reg: &mut Registry) {
    reg.legacy(&DOC, |engine, _run| {
        engine.register_fn(
            DOC.name,
            |table: TableValue, columns: Array| -> ScriptResult<MatrixValue> {
                let names: Vec<String> = columns.iter().map(|c| c.to_string()).collect();
                let refs: Vec<&str> = names.iter().map(String::as_str).collect();
                Ok(MatrixValue(Arc::new(table.0.numeric(&refs).or_fault(DOC.name)?)))
            },
        );
    });
}
