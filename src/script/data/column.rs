use rhai::{Array, Dynamic};

use crate::script::fault::{OrFault, ScriptResult};
use crate::script::registry::{FnDoc, Registry};
use crate::script::values::TableValue;

pub const DOC: FnDoc = FnDoc {
    name: "column",
    area: "data",
    signatures: &["column(table: Table, name: string) -> array"],
    summary: "The values of one table column: numbers when every cell is numeric, strings otherwise.",
    details: "",
    example: r#"let t = load_table(save_csv([#{ id: "a", x: 1.5 }, #{ id: "b", x: 2.5 }], "c.csv"));
t.column("x") == [1.5, 2.5] && t.column("id") == ["a", "b"]"#,
};

pub fn register(reg: &mut Registry) {
    reg.legacy(&DOC, |engine, _run| {
        engine.register_fn(DOC.name, |table: TableValue, name: &str| -> ScriptResult<Array> {
            let values = table.0.column(name).or_fault(DOC.name)?;
            if table.0.numeric_columns().iter().any(|c| c == name) {
                let numbers = table.0.numeric(&[name]).or_fault(DOC.name)?;
                Ok(numbers.iter().map(|&v| Dynamic::from(v as f64)).collect())
            } else {
                Ok(values.into_iter().map(Dynamic::from).collect())
            }
        });
    });
}
