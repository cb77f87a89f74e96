//! CLIP embeddings as embedding caches: what a request to embed is, which existing cache may
//! answer it instead of embedding again, and the cache a computed answer becomes.
//!
//! ```
//! use brainclip::clip::cache::EmbeddingRequest;
//! use brainclip::data::embeddings::EmbeddingKind;
//! let request = EmbeddingRequest::new("builtin:world", EmbeddingKind::Text, "tokenizer", vec!["0".into()]);
//! let computed = request.clone().answer("clip/text", ndarray::Array2::zeros((1, 4))).unwrap();
//! assert!(request.is_answered_by(&computed));
//! assert_eq!(computed.meta().model, "builtin:world");
//! ```

use ndarray::Array2;

use crate::data::DataError;
use crate::data::embeddings::{EmbeddingKind, EmbeddingMeta, Embeddings};

/// What a call asks to embed: with which model, what kind of input, prepared how, one row per id.
#[derive(Clone, Debug, PartialEq)]
pub struct EmbeddingRequest {
    /// The model's name (as [`Clip::name`](super::Clip)), recorded in the cache.
    pub model: String,
    /// Image, text or class embeddings.
    pub kind: EmbeddingKind,
    /// How the inputs are prepared (tokenizer, prompt templates, image preprocessing).
    pub preprocessing: String,
    /// One id per input, in order.
    pub ids: Vec<String>,
}

impl EmbeddingRequest {
    /// A request for `ids.len()` rows of `kind` embeddings by `model`.
    ///
    /// ```
    /// use brainclip::clip::cache::EmbeddingRequest;
    /// use brainclip::data::embeddings::EmbeddingKind;
    /// let r = EmbeddingRequest::new("m", EmbeddingKind::Image, "crop", vec!["cat".into()]);
    /// assert_eq!((r.model.as_str(), r.ids.len()), ("m", 1));
    /// ```
    pub fn new(
        model: impl Into<String>,
        kind: EmbeddingKind,
        preprocessing: impl Into<String>,
        ids: Vec<String>,
    ) -> Self {
        Self {
            model: model.into(),
            kind,
            preprocessing: preprocessing.into(),
            ids,
        }
    }

    /// Whether an existing cache may stand in for embedding again: it holds the same model's
    /// embeddings of the same kind, prepared the same way (so the same prompt templates), of the
    /// same ids in the same order. Its name does not matter.
    ///
    /// ```
    /// use brainclip::clip::cache::EmbeddingRequest;
    /// use brainclip::data::embeddings::EmbeddingKind;
    /// let ids = vec!["cat".to_string(), "dog".to_string()];
    /// let request = EmbeddingRequest::new("m", EmbeddingKind::Class, "1 template", ids.clone());
    /// let cache = request.clone().answer("mine", ndarray::Array2::zeros((2, 4))).unwrap();
    /// assert!(request.is_answered_by(&cache));
    /// let reordered = EmbeddingRequest { ids: vec!["dog".into(), "cat".into()], ..request.clone() };
    /// let other_model = EmbeddingRequest { model: "n".into(), ..request.clone() };
    /// let other_templates = EmbeddingRequest { preprocessing: "80 templates".into(), ..request.clone() };
    /// let as_text = EmbeddingRequest { kind: EmbeddingKind::Text, ..request };
    /// for r in [reordered, other_model, other_templates, as_text] {
    ///     assert!(!r.is_answered_by(&cache));
    /// }
    /// ```
    pub fn is_answered_by(&self, cache: &Embeddings) -> bool {
        let meta = cache.meta();
        meta.model == self.model
            && meta.kind == self.kind
            && meta.preprocessing == self.preprocessing
            && cache.ids() == self.ids.as_slice()
    }

    /// The computed embeddings (one row per id) as a cache named `name`, recording the model,
    /// kind and preprocessing.
    ///
    /// ```
    /// use brainclip::clip::cache::EmbeddingRequest;
    /// use brainclip::data::embeddings::EmbeddingKind;
    /// let r = EmbeddingRequest::new("m", EmbeddingKind::Text, "t", vec!["a".into(), "b".into()]);
    /// let e = r.clone().answer("clip/text", ndarray::Array2::zeros((2, 3))).unwrap();
    /// assert_eq!((e.name(), e.dim(), e.ids()[1].as_str()), ("clip/text", 3, "b"));
    /// assert!(r.answer("clip/text", ndarray::Array2::zeros((3, 3))).is_err(), "one row per id");
    /// ```
    pub fn answer(self, name: impl Into<String>, matrix: Array2<f32>) -> Result<Embeddings, DataError> {
        let meta = EmbeddingMeta {
            model: self.model,
            preprocessing: self.preprocessing,
            kind: self.kind,
        };
        Embeddings::new(name, self.ids, matrix, meta)
    }
}
