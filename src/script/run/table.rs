use rhai::{Array, Map};

use crate::display::text_table;
use crate::script::format::cell;

use super::rows::{flatten, flatten_rows};
use crate::script::fault::ScriptResult;
use crate::script::registry::{FnDoc, Registry};

pub const DOC: FnDoc = FnDoc {
    name: "table",
    area: "run",
    signatures: &[
        "table(rows: array) -> string",
        "table(rows: array, columns: array) -> string",
        "table(metrics: map) -> string",
    ],
    summary: "Format maps as an aligned text table (nested maps become dotted columns such as image.top1).",
    details: "With an array of maps, one row per map; columns are the given names, or every key (model,
label and name first). With a single map, a two-column key/value listing. Numbers are shown with
four decimals.",
    example: r#"let t = table([#{ model: "ridge", top1: 0.2 }, #{ model: "net", top1: 0.3 }], ["model", "top1"]);
t.contains("ridge") && t.contains("0.3000")"#,
};

fn rows_table(rows: Array, columns: Option<Vec<String>>) -> ScriptResult<String> {
    let flat = flatten_rows("table", rows)?;
    let header = columns.unwrap_or_else(|| {
        let mut keys = flat.header.clone();
        keys.sort_by_key(|k| !matches!(k.as_str(), "model" | "label" | "name"));
        keys
    });
    Ok(text_table(&header, &flat.cells(&header, cell)))
}

pub fn register(reg: &mut Registry) {
    reg.legacy(&DOC, |engine, _run| {
        engine.register_fn(DOC.name, |rows: Array| rows_table(rows, None));
        engine.register_fn(DOC.name, |rows: Array, columns: Array| {
            let columns = columns.into_iter().map(|c| c.to_string()).collect();
            rows_table(rows, Some(columns))
        });
        engine.register_fn(DOC.name, |metrics: Map| {
            let mut flat = Vec::new();
            flatten("", &metrics, &mut flat);
            let rows: Vec<Vec<String>> = flat.iter().map(|(k, v)| vec![k.clone(), cell(v)]).collect();
            text_table(&["metric".into(), "value".into()], &rows)
        });
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use rhai::Dynamic;

    #[test]
    fn aligned_columns_and_flattened_maps() {
        let mut inner = Map::new();
        inner.insert("top1".into(), Dynamic::from(0.25));
        let mut row = Map::new();
        row.insert("model".into(), Dynamic::from("ridge"));
        row.insert("image".into(), Dynamic::from(inner));
        let text = rows_table(vec![Dynamic::from(row)], None).unwrap();
        assert_eq!(text, "model  image.top1\n-----  ----------\nridge  0.2500");
        assert!(rows_table(vec![Dynamic::from(3_i64)], None).is_err());
    }
}
