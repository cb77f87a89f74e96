//! `brainclip inspect FILE`: what a data file holds, as a human summary or as JSON, for every
//! format brainclip reads. The kind of file follows its extension (`.nii.gz` counts as NIfTI).

use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;
use serde_json::{Value, json};
use thiserror::Error;

use crate::data::bdata::{BData, BDataError};
use crate::data::embeddings::Embeddings;
use crate::data::formats::{FormatError, captions, images, npy, table, tensors};
use crate::data::nifti::{NiftiError, read_image, stats};

/// Why a file could not be inspected.
#[derive(Debug, Error)]
pub enum InspectError {
    /// The extension names no format brainclip reads.
    #[error(
        "{path}: expected a file brainclip reads (.nii, .nii.gz, .h5, .npy, .npz, .csv, .tsv, .json, .jsonl, \
         .safetensors, .png, .jpg), found extension \"{extension}\""
    )]
    Unsupported {
        /// The file.
        path: String,
        /// Its extension ("" when it has none).
        extension: String,
    },
    /// A NIfTI file could not be read.
    #[error(transparent)]
    Nifti(#[from] NiftiError),
    /// An HDF5 file could not be read as BData.
    #[error(transparent)]
    BData(#[from] BDataError),
    /// Another format could not be read.
    #[error(transparent)]
    Format(#[from] FormatError),
}

/// What `inspect` found: a JSON object whose `kind` names the format, and a readable rendering.
#[derive(Clone, Debug, PartialEq)]
pub struct Inspection {
    /// Machine-readable summary (`brainclip inspect --json`).
    pub json: Value,
    /// Human summary, one fact per line.
    pub text: String,
}

/// Summarise any file brainclip reads.
///
/// ```
/// let found = brainclip::inspect::inspect("tests/data/nifti/standard.nii.gz".as_ref()).unwrap();
/// assert_eq!(found.json["format"], "nifti1");
/// assert_eq!(found.json["shape"], serde_json::json!([4, 5, 7]));
/// assert!(found.text.contains("datatype"));
/// ```
pub fn inspect(path: &Path) -> Result<Inspection, InspectError> {
    let name = path.to_string_lossy().to_lowercase();
    let extension = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_lowercase();
    let json = if name.ends_with(".nii") || name.ends_with(".nii.gz") {
        nifti(path)?
    } else {
        match extension.as_str() {
            "h5" | "hdf5" | "hdf" => bdata(path)?,
            "npy" => with_kind("npy", npy::npy_summary(path)?),
            "npz" => npz(path)?,
            "csv" | "tsv" | "tab" => with_kind("table", table::read_table(path, None)?.summary()),
            "safetensors" => json!({ "kind": "safetensors", "tensors": tensors::safetensors_summary(path)? }),
            "png" | "jpg" | "jpeg" => with_kind("image", images::image_summary(path)?),
            "json" | "jsonl" => json_file(path)?,
            _ => {
                return Err(InspectError::Unsupported {
                    path: path.display().to_string(),
                    extension,
                });
            }
        }
    };
    let mut object = json;
    if let Value::Object(map) = &mut object {
        map.insert("file".into(), Value::String(path.display().to_string()));
    }
    let text = render(&object);
    Ok(Inspection { json: object, text })
}

fn with_kind(kind: &str, summary: impl Serialize) -> Value {
    let mut value = serde_json::to_value(summary).unwrap_or(Value::Null);
    match &mut value {
        Value::Object(map) => {
            map.insert("kind".into(), Value::String(kind.into()));
            value
        }
        other => json!({ "kind": kind, "summary": other }),
    }
}

/// Header facts plus statistics of the scaled data (NaN/Inf excluded and counted).
fn nifti(path: &Path) -> Result<Value, InspectError> {
    let image = read_image(path)?;
    let values = stats(&image);
    let header = &image.header;
    Ok(json!({
        "kind": "nifti",
        "format": header.format,
        "shape": header.shape,
        "datatype": header.datatype,
        "byte_order": header.byte_order,
        "voxel_size": header.voxel_size,
        "affine": header.affine,
        "affine_source": header.affine_source,
        "tr": header.tr,
        "scl_slope": header.scl_slope,
        "scl_inter": header.scl_inter,
        "extensions": header.extensions.iter().map(|(code, size)| json!({ "code": code, "bytes": size })).collect::<Vec<_>>(),
        "min": finite_or_null(values.min),
        "max": finite_or_null(values.max),
        "mean": finite_or_null(values.mean),
        "non_finite": values.non_finite,
    }))
}

fn finite_or_null(v: f64) -> Value {
    if v.is_finite() { json!(v) } else { Value::Null }
}

fn bdata(path: &Path) -> Result<Value, InspectError> {
    let summary = BData::open(path)?.summary();
    let (rows, cols) = summary.dataset_shape;
    Ok(json!({
        "kind": "bdata",
        "dataset_shape": [rows, cols],
        "metadata_keys": summary.metadata.iter().map(|k| k.key.clone()).collect::<Vec<_>>(),
        "columns_per_key": summary.metadata.iter().map(|k| (k.key.clone(), json!(k.columns))).collect::<serde_json::Map<_, _>>(),
        "metadata": summary.metadata,
        "vmap_keys": summary.vmap_keys,
    }))
}

fn npz(path: &Path) -> Result<Value, InspectError> {
    let mut arrays = Vec::new();
    for name in npy::npz_names(path)? {
        let array = npy::read_npz_any(path, Some(&name))?;
        arrays.push(json!({ "name": name, "shape": array.shape() }));
    }
    Ok(json!({ "kind": "npz", "arrays": arrays }))
}

/// A `.json` file is either an embeddings cache's sidecar or a captions file.
fn json_file(path: &Path) -> Result<Value, InspectError> {
    let is_sidecar = std::fs::read(path)
        .ok()
        .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok())
        .is_some_and(|v| v.get("tensor_file").is_some() && v.get("ids").is_some());
    if is_sidecar {
        let cache = Embeddings::load(path)?;
        return Ok(json!({
            "kind": "embeddings",
            "name": cache.name(),
            "shape": [cache.ids().len(), cache.dim()],
            "meta": cache.meta(),
            "first_ids": cache.ids().iter().take(5).collect::<Vec<_>>(),
        }));
    }
    let caps = captions::read_captions(path)?;
    let total: usize = caps.by_image.values().map(Vec::len).sum();
    Ok(json!({
        "kind": "captions",
        "images": caps.by_image.len(),
        "captions": total,
        "with_category": caps.category.len(),
        "first_ids": caps.by_image.keys().take(5).collect::<Vec<_>>(),
    }))
}

/// `key: value` lines; arrays of objects (BData metadata) become an aligned table.
fn render(value: &Value) -> String {
    let mut out = String::new();
    let Value::Object(map) = value else {
        return value.to_string();
    };
    let width = map.keys().map(String::len).max().unwrap_or(0);
    let mut tables = Vec::new();
    for (key, v) in map {
        match v {
            Value::Array(items) if items.first().is_some_and(Value::is_object) => tables.push((key, items)),
            Value::Object(_) if key == "columns_per_key" => {}
            Value::String(s) => {
                let _ = writeln!(out, "{key:width$}  {s}");
            }
            Value::Null => {
                let _ = writeln!(out, "{key:width$}  none");
            }
            other => {
                let _ = writeln!(out, "{key:width$}  {other}");
            }
        }
    }
    for (key, items) in tables {
        let _ = writeln!(out, "\n{key}:");
        // Name-like columns first, then the rest as serde_json orders them (alphabetically).
        let mut columns: Vec<&String> = items
            .first()
            .and_then(Value::as_object)
            .map(|o| o.keys().collect())
            .unwrap_or_default();
        columns.sort_by_key(|c| !matches!(c.as_str(), "key" | "name"));
        let cell = |item: &Value, c: &str| match item.get(c) {
            Some(Value::String(s)) => s.clone(),
            Some(v) => v.to_string(),
            None => String::new(),
        };
        let widths: Vec<usize> = columns
            .iter()
            .map(|c| {
                items
                    .iter()
                    .map(|i| cell(i, c).chars().count())
                    .chain([c.len()])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let line = |cells: Vec<String>| {
            cells
                .iter()
                .zip(&widths)
                .map(|(c, w)| format!("{c:w$}"))
                .collect::<Vec<_>>()
                .join("  ")
                .trim_end()
                .to_string()
        };
        let _ = writeln!(out, "  {}", line(columns.iter().map(|c| c.to_string()).collect()));
        for item in items {
            let _ = writeln!(out, "  {}", line(columns.iter().map(|c| cell(item, c)).collect()));
        }
    }
    out
}
