//! Arrays of maps as rows of a table (shared by `table` and `save_csv`).

use rhai::{Array, Dynamic, Map};

use crate::ErrorKind;
use crate::script::fault::{ScriptFault, ScriptResult};

/// Rows of `(dotted key, value)` pairs and the union of their keys in first-seen order.
pub(super) struct FlatRows {
    /// Every key, in first-seen order.
    pub header: Vec<String>,
    /// One list of pairs per row.
    pub rows: Vec<Vec<(String, Dynamic)>>,
}

impl FlatRows {
    /// The cell of each row under each of `header`, rendered by `render` (empty when missing).
    pub fn cells(&self, header: &[String], render: impl Fn(&Dynamic) -> String) -> Vec<Vec<String>> {
        self.rows
            .iter()
            .map(|row| {
                header
                    .iter()
                    .map(|h| {
                        row.iter()
                            .find(|(k, _)| k == h)
                            .map(|(_, v)| render(v))
                            .unwrap_or_default()
                    })
                    .collect()
            })
            .collect()
    }
}

/// `(dotted key, value)` pairs of a map, nested maps expanded.
pub(super) fn flatten(prefix: &str, map: &Map, out: &mut Vec<(String, Dynamic)>) {
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

/// Flatten an array of maps; a non-map row is an error raised by `function`.
pub(super) fn flatten_rows(function: &str, rows: Array) -> ScriptResult<FlatRows> {
    let mut flat_rows = Vec::new();
    let mut header: Vec<String> = Vec::new();
    for (i, row) in rows.into_iter().enumerate() {
        let type_name = row.type_name().to_string();
        let map = row.try_cast::<Map>().ok_or_else(|| {
            ScriptFault::new(
                ErrorKind::WrongType,
                format!("{function}: row {i} is a {type_name}, not a map"),
            )
            .with_hint("pass an array of maps, e.g. [#{ model: \"ridge\", top1: 0.2 }]")
        })?;
        let mut flat = Vec::new();
        flatten("", &map, &mut flat);
        for (k, _) in &flat {
            if !header.contains(k) {
                header.push(k.clone());
            }
        }
        flat_rows.push(flat);
    }
    Ok(FlatRows {
        header,
        rows: flat_rows,
    })
}
