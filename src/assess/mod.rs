//! A decoder assessed on a dataset: its predictions matched with the dataset's class, image and
//! caption embeddings for zero-shot decoding, retrieval both ways, the whole evaluation report
//! and the figures of decoding. `eval/` and `plot/` work on plain matrices; this is where a
//! [`Dataset`] and a [`Decoder`] meet them.

mod figures;

use serde::{Deserialize, Serialize};

pub use figures::{ConfusionFigure, EmbeddingFigure, Modality, SimilarityFigure, TopKFigure, TopKTask};

use crate::data::{DataError, Dataset};
use crate::eval::summary::{RetrievalSummary, ZeroShotSummary};
use crate::eval::{
    self, EvalConfig, EvalError, EvaluationInput, EvaluationReport, RetrievalInput, ZeroShotInput, ZeroShotReport,
};
use crate::model::{Decoded, Decoder, ModelError};
use crate::plot::PlotError;
use crate::{Classified, ErrorKind, Hint, Remedy};

/// Which head of a mapping network is compared with the class prompts (a ridge baseline has one
/// prediction, used for both).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Head {
    /// The text head (the prompts are text).
    #[default]
    Text,
    /// The image head.
    Image,
}

impl Head {
    /// `text` or `image`.
    pub fn name(self) -> &'static str {
        match self {
            Head::Text => "text",
            Head::Image => "image",
        }
    }

    /// This head's predictions.
    pub fn of(self, decoded: &Decoded) -> &ndarray::Array2<f32> {
        match self {
            Head::Text => &decoded.text,
            Head::Image => &decoded.image,
        }
    }
}

/// The options of zero-shot decoding and of a whole evaluation: the evaluation settings and the
/// head compared with the class prompts.
///
/// ```
/// use brainclip::assess::{AssessSettings, Head};
/// let s: AssessSettings = serde_json::from_str(r#"{ "head": "image", "k": [1, 10] }"#)?;
/// assert_eq!((s.head, s.eval.ks.clone()), (Head::Image, vec![1, 10]));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct AssessSettings {
    /// The evaluation settings.
    #[serde(flatten)]
    pub eval: EvalConfig,
    /// Which head of a mapping network is compared with the class prompts.
    pub head: Head,
}

/// Why a decoder could not be assessed on a dataset.
#[derive(Debug, thiserror::Error)]
pub enum AssessError {
    /// The dataset lacks what the assessment needs.
    #[error(transparent)]
    Data(#[from] DataError),
    /// The decoder does not fit the dataset.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// The evaluation settings or the metrics failed.
    #[error(transparent)]
    Eval(#[from] EvalError),
    /// The figure could not be drawn.
    #[error(transparent)]
    Plot(#[from] PlotError),
    /// The dataset has none of the embeddings the assessment compares predictions with.
    #[error("dataset `{dataset}` has no {needed}")]
    NoEmbeddings {
        /// Its name.
        dataset: String,
        /// What it lacks, e.g. "image or text embeddings".
        needed: &'static str,
    },
}

impl Classified for AssessError {
    fn kind(&self) -> ErrorKind {
        match self {
            AssessError::Data(e) => e.kind(),
            AssessError::Model(e) => e.kind(),
            AssessError::Eval(e) => e.kind(),
            AssessError::Plot(e) => e.kind(),
            AssessError::NoEmbeddings { .. } => ErrorKind::Data,
        }
    }
    fn hint(&self) -> Option<Hint> {
        match self {
            AssessError::Data(e) => e.hint(),
            AssessError::Model(e) => e.hint(),
            AssessError::Eval(e) => e.hint(),
            AssessError::Plot(e) => e.hint(),
            AssessError::NoEmbeddings { .. } => Some(Hint::Remedy(Remedy::AttachEmbeddings)),
        }
    }
}

/// A decoder, its name in tables and figures, and the dataset it is assessed on.
///
/// ```
/// use brainclip::assess::{Decoding, Head};
/// use brainclip::data::{SyntheticConfig, synthetic::generate};
/// use brainclip::eval::EvalConfig;
/// use brainclip::model::{RidgeConfig, RidgeModel};
/// let god = generate(&SyntheticConfig { n_voxels: 60, embedding_dim: 16, ..Default::default() })?;
/// let train = &god.train;
/// let ridge = RidgeModel::fit(train.fmri().view(), train.require_image_embeddings()?.view(),
///     &RidgeConfig { folds: 3, ..Default::default() })?;
/// let decoding = Decoding { decoder: &ridge, label: "ridge", data: &god.test };
/// let config = EvalConfig { permutations: 0, bootstrap: 0, ..EvalConfig::default() };
/// let (report, summary) = decoding.zero_shot(Head::Text, &config)?;
/// assert_eq!((report.n_classes, summary.model.as_str()), (50, "ridge"));
/// let both_ways = decoding.retrieval(&config)?;
/// assert!(both_ways.image.is_some() && both_ways.text_to_fmri.is_some());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy)]
pub struct Decoding<'a> {
    /// The predictions.
    pub decoder: &'a dyn Decoder,
    /// Its name in tables and figures.
    pub label: &'a str,
    /// The samples it predicts for.
    pub data: &'a Dataset,
}

impl Decoding<'_> {
    fn lacks(&self, needed: &'static str) -> AssessError {
        AssessError::NoEmbeddings {
            dataset: self.data.name().to_string(),
            needed,
        }
    }

    /// The decoder's predictions for every sample.
    pub fn decoded(&self) -> Result<Decoded, AssessError> {
        Ok(self.decoder.decode(self.data.fmri().view())?)
    }

    /// Zero-shot decoding of `head`'s predictions among the class prompt embeddings: the report
    /// and its summary (per-class rows named by category).
    pub fn zero_shot(&self, head: Head, config: &EvalConfig) -> Result<(ZeroShotReport, ZeroShotSummary), AssessError> {
        config.validate()?;
        let classes = self.data.require_class_embeddings()?;
        let decoded = self.decoded()?;
        let labels = self.data.labels();
        let report = eval::zero_shot_with(head.of(&decoded).view(), classes.view(), labels, config)?;
        let categories = self.data.categories();
        let summary = ZeroShotSummary::new(&report, labels, self.label, head.name(), |c| {
            categories.get(c).map_or("", |c| c.short_name()).to_string()
        })?;
        Ok((report, summary))
    }

    /// Retrieval of the image head among the image embeddings and of the text head among the
    /// caption embeddings, each both ways (whichever the dataset has; it needs one).
    pub fn retrieval(&self, config: &EvalConfig) -> Result<RetrievalSummary, AssessError> {
        config.validate()?;
        let (images, texts) = (self.data.image_embeddings(), self.data.text_embeddings());
        if images.is_none() && texts.is_none() {
            return Err(self.lacks("image or text embeddings"));
        }
        let decoded = self.decoded()?;
        Ok(RetrievalSummary::new(
            self.label,
            images.map(|m| (decoded.image.view(), m.view())),
            texts.map(|m| (decoded.text.view(), m.view())),
            config,
        )?)
    }

    /// Every metric in one report: zero-shot with `head` (when the dataset has class
    /// embeddings) and retrieval both ways for each modality it has.
    pub fn evaluate(&self, head: Head, config: &EvalConfig) -> Result<EvaluationReport, AssessError> {
        let data = self.data;
        if [data.class_embeddings(), data.image_embeddings(), data.text_embeddings()]
            .iter()
            .all(Option::is_none)
        {
            return Err(self.lacks("class, image or text embeddings"));
        }
        let decoded = self.decoded()?;
        let split = data.split().to_string();
        let input = EvaluationInput {
            split: &split,
            zero_shot: data.class_embeddings().map(|classes| ZeroShotInput {
                predicted: head.of(&decoded).view(),
                class_embeddings: classes.view(),
                labels: data.labels(),
            }),
            retrieval: [
                ("image", &decoded.image, data.image_embeddings()),
                ("text", &decoded.text, data.text_embeddings()),
            ]
            .into_iter()
            .filter_map(|(modality, predicted, truth)| {
                truth.map(|t| RetrievalInput {
                    modality,
                    predicted: predicted.view(),
                    embeddings: t.view(),
                })
            })
            .collect(),
        };
        Ok(eval::evaluate(&input, config)?)
    }
}

#[cfg(test)]
mod tests {
    use ndarray::{Array2, ArrayView2};

    use super::*;
    use crate::data::{Category, Split};

    /// Predicts the same vector for every sample.
    struct Constant;

    impl Decoder for Constant {
        fn decode(&self, fmri: ArrayView2<f32>) -> Result<Decoded, ModelError> {
            let same = Array2::from_elem((fmri.nrows(), 4), 0.5);
            Ok(Decoded {
                image: same.clone(),
                text: same,
            })
        }
    }

    fn bare() -> Dataset {
        let category = |id: &str| Category {
            id: id.into(),
            name: id.into(),
        };
        let ids = (0..4).map(|i| i.to_string()).collect();
        Dataset::new(
            "bare",
            Split::Test,
            Array2::zeros((4, 3)),
            ids,
            vec![0, 1, 0, 1],
            vec![category("a"), category("b")],
        )
        .unwrap()
    }

    #[test]
    fn a_dataset_without_embeddings_says_what_to_attach() {
        let data = bare();
        let decoding = Decoding {
            decoder: &Constant,
            label: "constant",
            data: &data,
        };
        let err = decoding.retrieval(&EvalConfig::default()).unwrap_err();
        assert_eq!(err.to_string(), "dataset `bare` has no image or text embeddings");
        assert_eq!(
            (err.kind(), err.hint()),
            (ErrorKind::Data, Some(Hint::Remedy(Remedy::AttachEmbeddings)))
        );
        let err = decoding.zero_shot(Head::Text, &EvalConfig::default()).unwrap_err();
        assert!(
            matches!(err, AssessError::Data(DataError::MissingField { .. })),
            "{err}"
        );
        let err = decoding.evaluate(Head::Text, &EvalConfig::default()).unwrap_err();
        assert_eq!(err.to_string(), "dataset `bare` has no class, image or text embeddings");
        assert_eq!(err.hint(), Some(Hint::Remedy(Remedy::AttachEmbeddings)));
    }
}
