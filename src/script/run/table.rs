use crate::script::prelude::*;

use crate::display::text_table;
use crate::script::format::{metrics_rows, rows_text};

pub static SPEC: FnSpec = FnSpec::new("table", Area::Run)
    .params(&[param("rows", "array | map"), optional("columns", "array")])
    .returns("string")
    .summary("Format maps as an aligned text table (nested maps become dotted columns such as image.top1).")
    .details(
        "With an array of maps, one row per map; columns are the given names, or every key (model,
label and name first). With a single map (and no columns), a two-column metric/value listing.
Numbers are shown with four decimals.",
    )
    .example(
        r#"let t = table([#{ model: "ridge", top1: 0.2 }, #{ model: "net", top1: 0.3 }], ["model", "top1"]);
t == "model  top1\n-----  ------\nridge  0.2000\nnet    0.3000"
    && table(#{ top1: 0.25 }) == "metric  value\n------  ------\ntop1    0.2500""#,
    );

pub fn register(reg: &mut Registry) {
    reg.plain(&SPEC, |rows: Array| rows_text(&rows, None));
    reg.plain(&SPEC, |rows: Array, columns: Array| {
        rows_text(&rows, Some(columns.iter().map(|c| c.to_string()).collect()))
    });
    reg.plain(&SPEC, |metrics: Map| -> Result<String, ScriptFault> {
        let (header, rows) = metrics_rows(&metrics);
        Ok(text_table(&header, &rows))
    });
}
