use rhai::{Array, Dynamic, Map};

use crate::script::fault::{FaultKind, ScriptFault, ScriptResult};
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

fn flatten(prefix: &str, map: &Map, out: &mut Vec<(String, Dynamic)>) {
    for (k, v) in map {
        let key = if prefix.is_empty() {
            k.to_string()
        } else {
            format!("{prefix}.{k}")
        };
        match v.read_lock::<Map>() {
            Some(inner) => flatten(&key, &inner, out),
            None => out.push((key, v.clone())),
        }
    }
}

fn cell(v: &Dynamic) -> String {
    if let Ok(f) = v.as_float() {
        if f != 0.0 && (f.abs() < 1e-3 || f.abs() >= 1e5) {
            format!("{f:.3e}")
        } else {
            format!("{f:.4}")
        }
    } else if v.is_unit() {
        String::new()
    } else {
        v.to_string()
    }
}

fn render(header: &[String], rows: &[Vec<String>]) -> String {
    let widths: Vec<usize> = (0..header.len())
        .map(|c| {
            rows.iter()
                .map(|r| r[c].chars().count())
                .chain([header[c].chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &[String]| {
        cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    let mut out = vec![
        line(header),
        widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>().join("  "),
    ];
    out.extend(rows.iter().map(|r| line(r)));
    out.join("\n")
}

fn rows_table(rows: Array, columns: Option<Vec<String>>) -> ScriptResult<String> {
    let mut flat_rows = Vec::new();
    for (i, row) in rows.into_iter().enumerate() {
        let type_name = row.type_name().to_string();
        let map = row.try_cast::<Map>().ok_or_else(|| {
            ScriptFault::new(
                FaultKind::WrongType,
                format!("table: row {i} is a {type_name}, not a map"),
            )
            .with_hint("pass an array of maps, e.g. [#{ model: \"ridge\", top1: 0.2 }]")
        })?;
        let mut flat = Vec::new();
        flatten("", &map, &mut flat);
        flat_rows.push(flat);
    }
    let header = columns.unwrap_or_else(|| {
        let mut keys: Vec<String> = Vec::new();
        for row in &flat_rows {
            for (k, _) in row {
                if !keys.contains(k) {
                    keys.push(k.clone());
                }
            }
        }
        keys.sort_by_key(|k| !matches!(k.as_str(), "model" | "label" | "name"));
        keys
    });
    let cells: Vec<Vec<String>> = flat_rows
        .iter()
        .map(|row| {
            header
                .iter()
                .map(|h| {
                    row.iter()
                        .find(|(k, _)| k == h)
                        .map(|(_, v)| cell(v))
                        .unwrap_or_default()
                })
                .collect()
        })
        .collect();
    Ok(render(&header, &cells))
}

pub fn register(reg: &mut Registry) {
    reg.function(&DOC, |engine, _run| {
        engine.register_fn(DOC.name, |rows: Array| rows_table(rows, None));
        engine.register_fn(DOC.name, |rows: Array, columns: Array| {
            let columns = columns.into_iter().map(|c| c.to_string()).collect();
            rows_table(rows, Some(columns))
        });
        engine.register_fn(DOC.name, |metrics: Map| {
            let mut flat = Vec::new();
            flatten("", &metrics, &mut flat);
            let rows: Vec<Vec<String>> = flat.iter().map(|(k, v)| vec![k.clone(), cell(v)]).collect();
            render(&["metric".into(), "value".into()], &rows)
        });
    });
}

#[cfg(test)]
mod tests {
    use super::*;

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
