//! Caption files in the two shapes GOD labs use:
//! the BrainCLIP authors' JSON object `{image_id: ["an image of X.", caption, ...]}` and Kamitani
//! lab's JSONL, one `{"image_id": ..., "category_id": ..., "captions": [...]}` per line (a JSON
//! array of such objects is read too).

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use super::{FormatError, read_bytes};

/// Captions by image id, with the category of each image when the file gives it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Captions {
    /// Image id → its captions, in file order.
    pub by_image: BTreeMap<String, Vec<String>>,
    /// Image id → category id, when known.
    pub category: BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct Record {
    image_id: Value,
    #[serde(default)]
    category_id: Option<Value>,
    captions: Vec<String>,
}

fn id_string(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Read a caption file of either shape (the shape is detected from the content).
///
/// ```
/// # let dir = tempfile::tempdir().unwrap();
/// # let path = dir.path().join("caps.json");
/// std::fs::write(&path, r#"{"n01_1": ["an image of ostrich.", "a big bird"]}"#).unwrap();
/// let caps = brainclip::data::formats::captions::read_captions(&path).unwrap();
/// assert_eq!(caps.by_image["n01_1"][1], "a big bird");
/// ```
pub fn read_captions(path: &Path) -> Result<Captions, FormatError> {
    let bytes = read_bytes(path)?;
    let text = String::from_utf8(bytes).map_err(|e| FormatError::invalid(path, "UTF-8 text", e.to_string()))?;
    let trimmed = text.trim_start();
    let mut captions = Captions::default();
    let add = |captions: &mut Captions, r: Record| {
        let id = id_string(&r.image_id);
        if let Some(c) = r.category_id {
            captions.category.insert(id.clone(), id_string(&c));
        }
        captions.by_image.entry(id).or_default().extend(r.captions);
    };
    let parse_err = |what: &str, e: serde_json::Error| FormatError::invalid(path, what.to_string(), e.to_string());
    if trimmed.starts_with('{') && serde_json::from_str::<Value>(trimmed).is_ok() {
        let map: BTreeMap<String, Vec<String>> = serde_json::from_str(trimmed)
            .map_err(|e| parse_err("a JSON object of image id → list of caption strings", e))?;
        captions.by_image = map;
    } else if trimmed.starts_with('[') {
        let records: Vec<Record> =
            serde_json::from_str(trimmed).map_err(|e| parse_err("a JSON array of {image_id, captions} objects", e))?;
        for r in records {
            add(&mut captions, r);
        }
    } else {
        for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
            let r: Record = serde_json::from_str(line).map_err(|e| {
                FormatError::invalid(
                    path,
                    "one {\"image_id\", \"captions\"} JSON object per line",
                    format!("line {}: {e}", n + 1),
                )
            })?;
            add(&mut captions, r);
        }
    }
    if captions.by_image.is_empty() {
        return Err(FormatError::invalid(path, "captions for at least one image", "none"));
    }
    Ok(captions)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_shapes() {
        let dir = tempfile::tempdir().unwrap();
        let jsonl = dir.path().join("caps.jsonl");
        std::fs::write(
            &jsonl,
            "{\"image_id\": \"n01518878_10042\", \"category_id\": 1, \"captions\": [\"an ostrich\", \"a bird\"]}\n\
             {\"image_id\": \"n01518878_12028\", \"category_id\": 1, \"captions\": [\"two ostriches\"]}\n",
        )
        .unwrap();
        let c = read_captions(&jsonl).unwrap();
        assert_eq!(c.by_image.len(), 2);
        assert_eq!(c.by_image["n01518878_10042"], vec!["an ostrich", "a bird"]);
        assert_eq!(c.category["n01518878_12028"], "1");
        let json = dir.path().join("caps.json");
        std::fs::write(
            &json,
            r#"{"n01518878_10042": ["an image of ostrich.", "an ostrich in a field"]}"#,
        )
        .unwrap();
        assert_eq!(read_captions(&json).unwrap().by_image["n01518878_10042"].len(), 2);
    }

    #[test]
    fn bad_lines_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("bad.jsonl");
        std::fs::write(
            &p,
            "{\"image_id\": \"a\", \"captions\": [\"x\"]}\n{\"image_id\": \"b\"}\n",
        )
        .unwrap();
        let err = read_captions(&p).unwrap_err().to_string();
        assert!(err.contains("line 2"), "{err}");
        let q = dir.path().join("bad.json");
        std::fs::write(&q, r#"{"a": "not a list"}"#).unwrap();
        assert!(read_captions(&q).is_err());
    }
}
