use rhai::{Array, Dynamic};

use crate::script::fault::{OrFault, ScriptResult};
use crate::script::registry::{FnDoc, Registry};
use crate::script::values::BDataValue;

pub const DOC: FnDoc = FnDoc {
    name: "select_columns",
    area: "data",
    signatures: &["select_columns(bdata: BData, expression: string) -> array"],
    summary: "The dataset columns a bdpy selection expression picks, ascending (e.g. \"ROI_V1 + ROI_V2\").",
    details: "A key selects the columns whose metadata value is 1; * is a wildcard (ROI_V*); + and |
are unions, & an intersection, - a difference (left to right); `A = 0` inverts; parentheses group.",
    example: r#"let b = load_bdata("tests/data/god_tiny.h5");
select_columns(b, "ROI_V1 + ROI_V2").len() == 15"#,
};

pub fn register(reg: &mut Registry) {
    reg.legacy(&DOC, |engine, _run| {
        engine.register_fn(DOC.name, |b: BDataValue, expression: &str| -> ScriptResult<Array> {
            let columns = b.0.select(expression).or_fault(DOC.name)?;
            Ok(columns.into_iter().map(|c| Dynamic::from(c as i64)).collect())
        });
    });
}
