//! Script values as tables: maps become key/value listings, arrays of maps one row per map with
//! nested maps as dotted columns (`image.top1`). Shared by `table()`, `save_csv()` and the
//! notebook display of plain Rhai values.

use rhai::{Array, Dynamic, Map};

use super::fault::ScriptFault;
use crate::ErrorKind;
use crate::display::{MimeBundle, html_table, number_cell, text_table};

/// A table cell: floats with four decimals (scientific when tiny or huge), `()` empty.
///
/// ```
/// use brainclip::script::format::cell;
/// assert_eq!(cell(&rhai::Dynamic::from(0.25)), "0.2500");
/// assert_eq!(cell(&rhai::Dynamic::UNIT), "");
/// ```
pub fn cell(v: &Dynamic) -> String {
    if let Ok(f) = v.as_float() {
        number_cell(f)
    } else if v.is_unit() {
        String::new()
    } else {
        v.to_string()
    }
}

/// Rows of `(dotted key, value)` pairs and the union of their keys in first-seen order.
pub struct FlatRows {
    /// Every key, in first-seen order.
    pub header: Vec<String>,
    /// One list of pairs per row.
    pub rows: Vec<Vec<(String, Dynamic)>>,
}

impl FlatRows {
    /// The header with `model`, `label` and `name` first (the columns people look up rows by).
    pub fn header_names_first(&self) -> Vec<String> {
        let mut keys = self.header.clone();
        keys.sort_by_key(|k| !matches!(k.as_str(), "model" | "label" | "name"));
        keys
    }

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
pub fn flatten(map: &Map) -> Vec<(String, Dynamic)> {
    let mut out = Vec::new();
    flatten_into("", map, &mut out);
    out
}

fn flatten_into(prefix: &str, map: &Map, out: &mut Vec<(String, Dynamic)>) {
    for (k, v) in map {
        let key = if prefix.is_empty() {
            k.to_string()
        } else {
            format!("{prefix}.{k}")
        };
        match v.read_lock::<Map>() {
            Some(inner) => flatten_into(&key, &inner, out),
            None => out.push((key, v.clone())),
        }
    }
}

/// Flatten an array of maps; a row that is not a map is an error naming its index.
pub fn flatten_rows(rows: &[Dynamic]) -> Result<FlatRows, ScriptFault> {
    let mut flat_rows = Vec::new();
    let mut header: Vec<String> = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let map = row.read_lock::<Map>().ok_or_else(|| {
            ScriptFault::new(
                ErrorKind::WrongType,
                format!("row {i} is a {}, not a map", row.type_name()),
            )
            .with_hint("pass an array of maps, e.g. [#{ model: \"ridge\", top1: 0.2 }]")
        })?;
        let flat = flatten(&map);
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

/// The `metric  value` listing of a map.
pub fn metrics_rows(map: &Map) -> (Vec<String>, Vec<Vec<String>>) {
    let rows = flatten(map).iter().map(|(k, v)| vec![k.clone(), cell(v)]).collect();
    (vec!["metric".into(), "value".into()], rows)
}

/// An array of maps as an aligned text table; `columns` chooses and orders the columns (default:
/// every key, `model`/`label`/`name` first).
///
/// ```
/// let engine = rhai::Engine::new();
/// let rows: rhai::Array = engine.eval(r#"[#{ model: "ridge", image: #{ top1: 0.25 } }]"#).unwrap();
/// let text = brainclip::script::format::rows_text(&rows, None).unwrap();
/// assert_eq!(text, "model  image.top1\n-----  ----------\nridge  0.2500");
/// ```
pub fn rows_text(rows: &[Dynamic], columns: Option<Vec<String>>) -> Result<String, ScriptFault> {
    let flat = flatten_rows(rows)?;
    let header = columns.unwrap_or_else(|| flat.header_names_first());
    Ok(text_table(&header, &flat.cells(&header, cell)))
}

/// How a plain Rhai value shows: `None` for `()`; a map as a two-column table (HTML and text); an
/// array of maps as a table with one row per map; anything else as its text (strings without
/// quotes).
///
/// ```
/// use brainclip::script::format::value_bundle;
/// let engine = rhai::Engine::new();
/// let value: rhai::Dynamic = engine.eval("#{ top1: 0.25 }").unwrap();
/// let bundle = value_bundle(&value).unwrap();
/// assert!(bundle.html.unwrap().contains("<td>top1</td>") && bundle.text.contains("0.2500"));
/// assert_eq!(value_bundle(&rhai::Dynamic::UNIT), None);
/// ```
pub fn value_bundle(value: &Dynamic) -> Option<MimeBundle> {
    if value.is_unit() {
        return None;
    }
    if let Some(map) = value.read_lock::<Map>() {
        let (header, rows) = metrics_rows(&map);
        return Some(MimeBundle::html(html_table(&header, &rows), text_table(&header, &rows)));
    }
    if let Some(items) = value.read_lock::<Array>()
        && !items.is_empty()
        && items.iter().all(|r| r.is_map())
    {
        let flat = flatten_rows(&items).ok()?;
        let header = flat.header_names_first();
        let rows = flat.cells(&header, cell);
        return Some(MimeBundle::html(html_table(&header, &rows), text_table(&header, &rows)));
    }
    Some(MimeBundle::text(value.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrays_of_maps_become_tables() {
        let engine = rhai::Engine::new();
        let value: Dynamic = engine
            .eval(r#"[#{ top1: 0.5, model: "ridge" }, #{ model: "net", top1: 0.25, extra: 1 }]"#)
            .unwrap();
        let bundle = value_bundle(&value).unwrap();
        assert_eq!(
            bundle.text,
            "model  top1    extra\n-----  ------  -----\nridge  0.5000\nnet    0.2500  1"
        );
        assert!(bundle.html.unwrap().contains("<th>model</th>"));
        let plain: Dynamic = engine.eval("[1, 2]").unwrap();
        assert_eq!(value_bundle(&plain), Some(MimeBundle::text("[1, 2]")));
        let s: Dynamic = engine.eval(r#""a\nb""#).unwrap();
        assert_eq!(value_bundle(&s), Some(MimeBundle::text("a\nb")));
        let err = flatten_rows(&[Dynamic::from(3_i64)]).err().unwrap();
        assert_eq!(err.message, "row 0 is a i64, not a map");
    }
}
