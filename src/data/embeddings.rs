//! Embedding caches: a named matrix of CLIP embeddings with one id per row, saved as safetensors
//! (or NPY) plus a JSON sidecar recording the model and preprocessing, so a dataset's embeddings
//! are computed once and shared between scripts and labs. Joining attaches them to a dataset by id.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use ndarray::{Array2, Axis};
use serde::{Deserialize, Serialize};

use super::formats::{FormatError, npy, read_bytes, tensors};
use super::{DataError, Dataset};

/// What an embedding matrix describes, which decides how it joins a dataset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EmbeddingKind {
    /// One row per stimulus image, joined by sample id.
    Image,
    /// One row per stimulus caption, joined by sample id.
    Text,
    /// One row per category prompt ("an image of {name}."), joined by category id.
    Class,
}

impl EmbeddingKind {
    /// Parse `image`, `text` or `class`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "image" => Some(Self::Image),
            "text" | "caption" => Some(Self::Text),
            "class" | "prompt" => Some(Self::Class),
            _ => None,
        }
    }

    /// Lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Image => "image",
            Self::Text => "text",
            Self::Class => "class",
        }
    }
}

/// Provenance of an embedding matrix.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EmbeddingMeta {
    /// The model that produced them, e.g. `openai/clip-vit-base-patch32`.
    pub model: String,
    /// How inputs were prepared, e.g. `CLIP preprocessing (resize 224 bicubic, centre crop)`.
    pub preprocessing: String,
    /// Image, text or class embeddings.
    pub kind: EmbeddingKind,
}

/// A named embedding matrix with one id per row.
///
/// ```
/// use brainclip::data::embeddings::{EmbeddingKind, EmbeddingMeta, Embeddings};
/// let meta = EmbeddingMeta { model: "m".into(), preprocessing: "p".into(), kind: EmbeddingKind::Image };
/// let e = Embeddings::new("clip/image", vec!["a".into(), "b".into()], ndarray::Array2::zeros((2, 4)), meta).unwrap();
/// assert_eq!(e.dim(), 4);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Embeddings {
    name: String,
    ids: Vec<String>,
    matrix: Array2<f32>,
    meta: EmbeddingMeta,
}

/// The JSON sidecar of a cache file.
#[derive(Serialize, Deserialize)]
struct Sidecar {
    format: String,
    version: u32,
    name: String,
    model: String,
    preprocessing: String,
    kind: EmbeddingKind,
    count: usize,
    dim: usize,
    tensor_file: String,
    #[serde(default = "default_tensor")]
    tensor: String,
    ids: Vec<String>,
    #[serde(default)]
    created_at: Option<String>,
    #[serde(default)]
    brainclip_version: Option<String>,
}

fn default_tensor() -> String {
    "embeddings".into()
}

const FORMAT: &str = "brainclip-embeddings";

/// ``Embeddings `clip/image` (image, 4 × 512, model openai/clip-vit-base-patch32)``.
impl std::fmt::Display for Embeddings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let meta = self.meta();
        write!(
            f,
            "Embeddings `{}` ({}, {} × {}, model {})",
            self.name(),
            meta.kind.name(),
            self.ids().len(),
            self.dim(),
            meta.model
        )
    }
}

impl Embeddings {
    /// Embeddings `matrix` (rows × D) with one unique id per row.
    pub fn new(
        name: impl Into<String>,
        ids: Vec<String>,
        matrix: Array2<f32>,
        meta: EmbeddingMeta,
    ) -> Result<Self, DataError> {
        let name = name.into();
        if ids.len() != matrix.nrows() {
            return Err(DataError::ShapeMismatch {
                what: format!("embeddings `{name}`: number of ids"),
                expected: matrix.nrows(),
                found: ids.len(),
            });
        }
        let mut seen = std::collections::HashSet::new();
        if let Some(dup) = ids.iter().find(|id| !seen.insert(id.as_str())) {
            return Err(DataError::InvalidOption {
                option: "ids",
                expected: "unique ids",
                found: format!("`{dup}` twice"),
            });
        }
        Ok(Self {
            name,
            ids,
            matrix,
            meta,
        })
    }

    /// The cache's name.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// Row ids.
    pub fn ids(&self) -> &[String] {
        &self.ids
    }
    /// The matrix (rows × D).
    pub fn matrix(&self) -> &Array2<f32> {
        &self.matrix
    }
    /// Provenance.
    pub fn meta(&self) -> &EmbeddingMeta {
        &self.meta
    }
    /// Embedding width D.
    pub fn dim(&self) -> usize {
        self.matrix.ncols()
    }

    /// The files of the cache: `(file name, bytes)` for `<stem>.safetensors` and `<stem>.json`.
    pub fn to_files(&self, stem: &str, created_at: &str) -> Result<Vec<(String, Vec<u8>)>, std::io::Error> {
        let base = Path::new(stem)
            .file_name()
            .and_then(|s| s.to_str())
            .unwrap_or(stem)
            .to_string();
        let tensor_file = format!("{base}.safetensors");
        let sidecar = Sidecar {
            format: FORMAT.into(),
            version: 1,
            name: self.name.clone(),
            model: self.meta.model.clone(),
            preprocessing: self.meta.preprocessing.clone(),
            kind: self.meta.kind,
            count: self.ids.len(),
            dim: self.dim(),
            tensor_file: tensor_file.clone(),
            tensor: default_tensor(),
            ids: self.ids.clone(),
            created_at: Some(created_at.to_string()),
            brainclip_version: Some(env!("CARGO_PKG_VERSION").to_string()),
        };
        let json = serde_json::to_vec_pretty(&sidecar).map_err(std::io::Error::other)?;
        let tensor = tensors::safetensors_bytes(&[("embeddings", &self.matrix)], None)?;
        Ok(vec![
            (format!("{stem}.safetensors"), tensor),
            (format!("{stem}.json"), json),
        ])
    }

    /// Load a cache from its sidecar (`x.json`) or its tensor file (`x.safetensors`, `x.npy`)
    /// with the sidecar beside it.
    pub fn load(path: &Path) -> Result<Self, FormatError> {
        let sidecar_path = if path.extension().is_some_and(|e| e == "json") {
            path.to_path_buf()
        } else {
            path.with_extension("json")
        };
        let bytes = read_bytes(&sidecar_path)?;
        let sidecar: Sidecar = serde_json::from_slice(&bytes).map_err(|e| {
            FormatError::invalid(
                &sidecar_path,
                "a brainclip embeddings sidecar (name, model, preprocessing, kind, ids, tensor_file)",
                e.to_string(),
            )
        })?;
        if sidecar.format != FORMAT {
            return Err(FormatError::invalid(
                &sidecar_path,
                format!("\"format\": \"{FORMAT}\""),
                format!("{:?}", sidecar.format),
            ));
        }
        let dir = sidecar_path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        let tensor_path = dir.join(&sidecar.tensor_file);
        let matrix = if tensor_path.extension().is_some_and(|e| e == "safetensors") {
            tensors::read_tensor_matrix(&tensor_path, &sidecar.tensor)?
        } else {
            npy::read_matrix(&tensor_path, None)?
        };
        if matrix.nrows() != sidecar.ids.len() || matrix.nrows() != sidecar.count || matrix.ncols() != sidecar.dim {
            return Err(FormatError::invalid(
                &tensor_path,
                format!(
                    "{} × {} embeddings with {} ids (as the sidecar says)",
                    sidecar.count,
                    sidecar.dim,
                    sidecar.ids.len()
                ),
                format!("{} × {}", matrix.nrows(), matrix.ncols()),
            ));
        }
        let meta = EmbeddingMeta {
            model: sidecar.model,
            preprocessing: sidecar.preprocessing,
            kind: sidecar.kind,
        };
        Embeddings::new(sidecar.name, sidecar.ids, matrix, meta)
            .map_err(|e| FormatError::invalid(&sidecar_path, "unique ids", e.to_string()))
    }
}

/// Attach embeddings to a dataset by id: image and text embeddings by sample id, class
/// embeddings by category id. Every id the dataset needs must be present; extra rows are ignored.
///
/// ```
/// use brainclip::data::{Category, Dataset, Split, embeddings::*};
/// let cats = vec![Category { id: "n1".into(), name: "cat".into() }];
/// let data = Dataset::new("d", Split::Train, ndarray::Array2::zeros((2, 3)), vec!["a".into(), "b".into()], vec![0, 0], cats).unwrap();
/// let meta = EmbeddingMeta { model: "m".into(), preprocessing: "p".into(), kind: EmbeddingKind::Image };
/// let emb = Embeddings::new("e", vec!["b".into(), "a".into(), "z".into()], ndarray::array![[2.0f32], [1.0], [9.0]], meta).unwrap();
/// let joined = attach(&data, &emb).unwrap();
/// assert_eq!(joined.image_embeddings().unwrap().column(0).to_vec(), vec![1.0, 2.0]);
/// ```
pub fn attach(data: &Dataset, emb: &Embeddings) -> Result<Dataset, DataError> {
    if let Some(d) = data.embedding_dim()
        && d != emb.dim()
    {
        return Err(DataError::ShapeMismatch {
            what: format!(
                "embedding width of `{}` vs the embeddings already in `{}`",
                emb.name,
                data.name()
            ),
            expected: d,
            found: emb.dim(),
        });
    }
    let wanted: Vec<&str> = match emb.meta.kind {
        EmbeddingKind::Class => data.categories().iter().map(|c| c.id.as_str()).collect(),
        _ => data.sample_ids().iter().map(String::as_str).collect(),
    };
    let rows = match_ids(&wanted, emb.ids(), &emb.name, data.name())?;
    let matrix = emb.matrix.select(Axis(0), &rows);
    let joined = data.clone();
    match emb.meta.kind {
        EmbeddingKind::Image => joined.with_image_embeddings(matrix),
        EmbeddingKind::Text => joined.with_text_embeddings(matrix),
        EmbeddingKind::Class => joined.with_class_embeddings(matrix),
    }
}

/// The row of `available` for each of `wanted`, or an error listing what is missing on each side.
fn match_ids(wanted: &[&str], available: &[String], emb_name: &str, data_name: &str) -> Result<Vec<usize>, DataError> {
    let index: HashMap<&str, usize> = available.iter().enumerate().map(|(i, id)| (id.as_str(), i)).collect();
    let missing: Vec<&str> = wanted.iter().copied().filter(|id| !index.contains_key(id)).collect();
    if missing.is_empty() {
        return Ok(wanted.iter().map(|id| index[id]).collect());
    }
    let wanted_set: std::collections::HashSet<&str> = wanted.iter().copied().collect();
    let extra: Vec<&str> = available
        .iter()
        .map(String::as_str)
        .filter(|id| !wanted_set.contains(id))
        .collect();
    let examples = |ids: &[&str]| {
        let shown: Vec<&str> = ids.iter().take(5).copied().collect();
        format!("{}{}", shown.join(", "), if ids.len() > 5 { ", ..." } else { "" })
    };
    let mut found = format!(
        "{} of {} ids missing from the embeddings ({})",
        missing.len(),
        wanted.len(),
        examples(&missing)
    );
    if !extra.is_empty() {
        found.push_str(&format!(
            "; {} embedding ids match nothing in the dataset ({})",
            extra.len(),
            examples(&extra)
        ));
    }
    Err(DataError::IdMismatch {
        what: format!("embeddings `{emb_name}` for dataset `{data_name}`"),
        found,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Category, Split};

    fn meta(kind: EmbeddingKind) -> EmbeddingMeta {
        EmbeddingMeta {
            model: "test-model".into(),
            preprocessing: "none".into(),
            kind,
        }
    }

    fn dataset() -> Dataset {
        let cats = vec![
            Category {
                id: "n1".into(),
                name: "cat".into(),
            },
            Category {
                id: "n2".into(),
                name: "dog".into(),
            },
        ];
        Dataset::new(
            "d",
            Split::Test,
            Array2::zeros((3, 2)),
            vec!["a".into(), "b".into(), "c".into()],
            vec![0, 1, 1],
            cats,
        )
        .unwrap()
    }

    #[test]
    fn save_load_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let emb = Embeddings::new(
            "clip",
            vec!["a".into(), "b".into()],
            ndarray::array![[1.0f32, 2.0], [3.0, 4.0]],
            meta(EmbeddingKind::Text),
        )
        .unwrap();
        for (name, bytes) in emb.to_files("cache/clip_text", "2026-01-01T00:00:00Z").unwrap() {
            let p = dir.path().join(name);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, bytes).unwrap();
        }
        let back = Embeddings::load(&dir.path().join("cache/clip_text.json")).unwrap();
        assert_eq!(back, emb);
        let via_tensor = Embeddings::load(&dir.path().join("cache/clip_text.safetensors")).unwrap();
        assert_eq!(via_tensor.meta().kind, EmbeddingKind::Text);
    }

    #[test]
    fn missing_ids_are_listed_on_both_sides() {
        let emb = Embeddings::new(
            "e",
            vec!["a".into(), "x".into()],
            Array2::zeros((2, 4)),
            meta(EmbeddingKind::Image),
        )
        .unwrap();
        let err = attach(&dataset(), &emb).unwrap_err().to_string();
        assert!(err.contains("2 of 3 ids missing from the embeddings (b, c)"), "{err}");
        assert!(
            err.contains("1 embedding ids match nothing in the dataset (x)"),
            "{err}"
        );
    }

    #[test]
    fn class_embeddings_join_by_category() {
        let emb = Embeddings::new(
            "p",
            vec!["n2".into(), "n1".into()],
            ndarray::array![[2.0f32], [1.0]],
            meta(EmbeddingKind::Class),
        )
        .unwrap();
        let joined = attach(&dataset(), &emb).unwrap();
        assert_eq!(joined.class_embeddings().unwrap().column(0).to_vec(), vec![1.0, 2.0]);
        let wide = Embeddings::new(
            "w",
            vec!["a".into(), "b".into(), "c".into()],
            Array2::zeros((3, 3)),
            meta(EmbeddingKind::Image),
        )
        .unwrap();
        assert!(attach(&joined, &wide).is_err(), "widths must agree");
    }

    #[test]
    fn a_sidecar_that_disagrees_with_its_tensor_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let emb = Embeddings::new("e", vec!["a".into()], Array2::zeros((1, 2)), meta(EmbeddingKind::Image)).unwrap();
        let files = emb.to_files("e", "now").unwrap();
        std::fs::write(dir.path().join(&files[0].0), &files[0].1).unwrap();
        let json = String::from_utf8(files[1].1.clone())
            .unwrap()
            .replace("\"count\": 1", "\"count\": 2");
        std::fs::write(dir.path().join(&files[1].0), json).unwrap();
        let err = Embeddings::load(&dir.path().join("e.json")).unwrap_err().to_string();
        assert!(err.contains("2 × 2 embeddings"), "{err}");
        assert!(
            Embeddings::new(
                "d",
                vec!["a".into(), "a".into()],
                Array2::zeros((2, 1)),
                meta(EmbeddingKind::Image)
            )
            .is_err()
        );
    }
}
