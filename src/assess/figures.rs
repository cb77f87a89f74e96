//! The figures of decoding: top-k curves, the zero-shot confusion matrix, the similarity of
//! predicted and true embeddings, and their PCA scatter. Each settings struct is what the
//! matching script function takes as options.

use ndarray::{Array2, Axis};
use serde::{Deserialize, Serialize};

use super::{AssessError, Decoding, Head};
use crate::data::Dataset;
use crate::eval::{EvalConfig, cosine_similarity, similarity_matrix, topk_curve, zero_shot_with};
use crate::model::{Decoded, Decoder};
use crate::plot::{
    EmbeddingScatter, Figure, Heatmap, Series, TopKCurve, embedding_scatter, heatmap, topk_curve as draw_curve,
};

/// Which predictions a figure compares with which embeddings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Modality {
    /// The image head against the image embeddings.
    #[default]
    Image,
    /// The text head against the caption embeddings.
    Text,
}

impl Modality {
    fn name(self) -> &'static str {
        match self {
            Modality::Image => "image",
            Modality::Text => "text",
        }
    }

    /// The dataset's true embeddings of this modality.
    fn truth(self, data: &Dataset) -> Result<&Array2<f32>, AssessError> {
        Ok(match self {
            Modality::Image => data.require_image_embeddings()?,
            Modality::Text => data.require_text_embeddings()?,
        })
    }

    /// This modality's head of the predictions.
    fn predicted(self, decoded: Decoded) -> Array2<f32> {
        match self {
            Modality::Image => decoded.image,
            Modality::Text => decoded.text,
        }
    }

    /// This modality's predictions and the dataset's true embeddings of it.
    fn pair(self, decoded: Decoded, data: &Dataset) -> Result<(Array2<f32>, &Array2<f32>), AssessError> {
        Ok((self.predicted(decoded), self.truth(data)?))
    }
}

/// The candidates of a top-k curve.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TopKTask {
    /// The class prompts, with the text head.
    #[default]
    ZeroShot,
    /// Retrieval among the image embeddings, with the image head.
    Image,
    /// Retrieval among the caption embeddings, with the text head.
    Text,
}

/// A top-k accuracy curve (k = 1..K) of several decoders with the chance line k / N.
///
/// ```
/// use brainclip::assess::TopKFigure;
/// use brainclip::data::{SyntheticConfig, synthetic::generate};
/// use brainclip::model::{RidgeConfig, RidgeModel};
/// let god = generate(&SyntheticConfig { n_voxels: 60, embedding_dim: 16, ..Default::default() })?;
/// let t = &god.train;
/// let ridge = RidgeModel::fit(t.fmri().view(), t.require_image_embeddings()?.view(), &RidgeConfig::default())?;
/// let fig = TopKFigure { max_k: Some(10), ..TopKFigure::default() }.draw(&[(&ridge, "ridge")], &god.test)?;
/// assert_eq!(fig.title(), "Top-k accuracy, zero-shot decoding (50-way)");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct TopKFigure {
    /// zero_shot: class prompts with the text head; image or text: retrieval.
    pub task: TopKTask,
    /// The largest k; none: the number of candidates, at most 50.
    #[schemars(range(min = 1))]
    pub max_k: Option<usize>,
    /// Figure title; none: "Top-k accuracy, <task> (<n>-way)".
    pub title: Option<String>,
}

impl TopKFigure {
    /// One curve per decoder (with its label) on `data`.
    pub fn draw(&self, decoders: &[(&dyn Decoder, &str)], data: &Dataset) -> Result<Figure, AssessError> {
        let all: Vec<usize> = (0..data.n_samples()).collect();
        // Zero-shot compares the text head with the class prompts.
        let (head, truth, targets, what) = match self.task {
            TopKTask::Image => (
                Modality::Image,
                Modality::Image.truth(data)?,
                all,
                "fMRI→image retrieval",
            ),
            TopKTask::Text => (Modality::Text, Modality::Text.truth(data)?, all, "fMRI→text retrieval"),
            TopKTask::ZeroShot => (
                Modality::Text,
                data.require_class_embeddings()?,
                data.labels().to_vec(),
                "zero-shot decoding",
            ),
        };
        let n = truth.nrows();
        let title = self
            .title
            .clone()
            .unwrap_or_else(|| format!("Top-k accuracy, {what} ({n}-way)"));
        let mut spec = TopKCurve::new(title, n);
        for &(decoder, label) in decoders {
            let decoded = Decoding { decoder, label, data }.decoded()?;
            let predicted = head.predicted(decoded);
            let scores = similarity_matrix(predicted.view(), truth.view(), Default::default())?;
            let curve = topk_curve(scores.view(), &targets, self.max_k.unwrap_or(n.min(50)))?;
            let points = curve.iter().map(|t| (t.k as f64, t.accuracy)).collect();
            spec.curves.push(Series::new(label, points));
        }
        Ok(draw_curve(&spec)?)
    }
}

/// The zero-shot confusion matrix (true category × decoded category) as a heat-map; each sample
/// adds 1 to the cell of its top-scoring category (split evenly among tied ones).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct ConfusionFigure {
    /// Which head of a mapping network is compared.
    pub head: Head,
    /// Write the counts in the cells; none: when there are at most 20 categories.
    pub annotate: Option<bool>,
    /// Figure title; none: "<model>: zero-shot confusion (<n> categories)".
    pub title: Option<String>,
}

impl ConfusionFigure {
    /// The figure of `decoding`.
    pub fn draw(&self, decoding: &Decoding) -> Result<Figure, AssessError> {
        let data = decoding.data;
        let classes = data.require_class_embeddings()?;
        let decoded = decoding.decoded()?;
        let config = EvalConfig {
            bootstrap: 0,
            permutations: 0,
            ..EvalConfig::with_ks(&[1])
        };
        let report = zero_shot_with(self.head.of(&decoded).view(), classes.view(), data.labels(), &config)?;
        let names: Vec<String> = data.categories().iter().map(|c| c.short_name().to_string()).collect();
        let title = self
            .title
            .clone()
            .unwrap_or_else(|| format!("{}: zero-shot confusion ({} categories)", decoding.label, names.len()));
        let annotate = self.annotate.unwrap_or(names.len() <= 20);
        let values = report.confusion.mapv(|v| v as f32);
        let mut spec = category_heatmap(title, "decoded category", "true category", values, "samples", names);
        spec.annotate = annotate;
        Ok(heatmap(&spec)?)
    }
}

/// The cosine similarity of predicted (rows) and true (columns) embeddings as a heat-map,
/// labelled with category names: a good decoder shows a bright diagonal.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct SimilarityFigure {
    /// image: the image head against image embeddings; text: the text head against captions.
    pub target: Modality,
    /// Figure title; none: "<model>: predicted vs true <target> embeddings".
    pub title: Option<String>,
}

impl SimilarityFigure {
    /// The figure of `decoding`.
    pub fn draw(&self, decoding: &Decoding) -> Result<Figure, AssessError> {
        let target = self.target.name();
        let title = self
            .title
            .clone()
            .unwrap_or_else(|| format!("{}: predicted vs true {target} embeddings", decoding.label));
        let (predicted, truth) = self.target.pair(decoding.decoded()?, decoding.data)?;
        let similarity = cosine_similarity(predicted.view(), truth.view())?;
        let labels = decoding.data.sample_category_names();
        let x_label = format!("true {target} embedding");
        let spec = category_heatmap(
            title,
            &x_label,
            "predicted from fMRI",
            similarity,
            "cosine similarity",
            labels,
        );
        Ok(heatmap(&spec)?)
    }
}

/// A 2-D PCA scatter of true (filled) and predicted (hollow) embeddings, coloured by category:
/// the components are fitted on the true embeddings of the samples shown, and the predictions
/// projected on the same axes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct EmbeddingFigure {
    /// image: the image head against image embeddings; text: the text head against captions.
    pub target: Modality,
    /// Show the samples of the first N categories.
    #[schemars(range(min = 1))]
    pub categories: usize,
    /// Join each prediction to its true embedding.
    pub connect: bool,
    /// Figure title; none: "<model>: predicted vs true <target> embeddings (PCA)".
    pub title: Option<String>,
}

impl Default for EmbeddingFigure {
    fn default() -> Self {
        Self {
            target: Modality::Image,
            categories: 8,
            connect: true,
            title: None,
        }
    }
}

impl EmbeddingFigure {
    /// The figure of `decoding`.
    pub fn draw(&self, decoding: &Decoding) -> Result<Figure, AssessError> {
        let target = self.target.name();
        let (predicted, truth) = self.target.pair(decoding.decoded()?, decoding.data)?;
        let shown = decoding.data.first_categories(self.categories);
        let title = self
            .title
            .clone()
            .unwrap_or_else(|| format!("{}: predicted vs true {target} embeddings (PCA)", decoding.label));
        let mut spec = EmbeddingScatter::new(title, truth.select(Axis(0), &shown.rows), shown.labels);
        spec.predicted = Some(predicted.select(Axis(0), &shown.rows));
        spec.category_names = shown.names;
        spec.connect = self.connect;
        spec.predicted_label = format!("predicted from fMRI ({})", decoding.label);
        Ok(embedding_scatter(&spec)?)
    }
}

/// A heat-map whose rows and columns are both labelled with `ticks` (category names).
fn category_heatmap(
    title: String,
    x_label: &str,
    y_label: &str,
    values: Array2<f32>,
    colour_bar: &str,
    ticks: Vec<String>,
) -> Heatmap {
    let mut spec = Heatmap::new(title, x_label, y_label, values);
    spec.colour_bar_label = colour_bar.into();
    spec.row_ticks = ticks.clone();
    spec.col_ticks = ticks;
    spec
}
