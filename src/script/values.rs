//! The value types scripts hold: cheap-to-clone handles on domain values, each with its
//! properties declared once (the same table registers the getters and documents them).

use std::rc::Rc;
use std::sync::Arc;

use ndarray::Array2;
use rhai::{Array, Dynamic, Engine, Map};

use super::fault::ScriptFault;
use super::opts::Opts;
use super::registry::{Registry, TypeDoc};
use super::spec::FnSpec;
use crate::ErrorKind;
use crate::clip::Clip;
use crate::clip::config::VisionKind;
use crate::data::Dataset;
use crate::data::bdata::BData;
use crate::data::embeddings::Embeddings;
use crate::data::formats::table::Table;
use crate::data::nifti::{Events, Mask, NiftiImage};
use crate::eval::EvaluationReport;
use crate::model::{Decoded, Decoder, MappingConfig, RidgeModel};
use crate::plot::Figure;
use crate::train::{StopReason, TrainedModel};

/// A loaded CLIP model with its tokenizer (shared; its tokenizer's cache is single-threaded).
#[derive(Clone)]
pub struct ClipValue(pub Rc<Clip>);

/// Reconstruction metrics of generated images (recon_metrics).
#[derive(Clone)]
pub struct ReconValue(pub Arc<crate::eval::recon::ReconReport>);

/// A loaded diffusion UNet.
#[derive(Clone)]
pub struct DiffusionValue(pub Rc<crate::generate::DiffusionModel>);

/// A dataset (shared, never copied by scripts).
#[derive(Clone)]
pub struct DatasetValue(pub Arc<Dataset>);

/// An untrained mapping network: its resolved configuration.
#[derive(Clone)]
pub struct NetValue(pub MappingConfig);

/// A trained network with its label and the device it was trained on.
#[derive(Clone)]
pub struct TrainedValue<M> {
    /// The trained model.
    pub model: Arc<M>,
    /// Its name in tables, plots and `history.csv`.
    pub label: String,
    /// The device it was trained on, e.g. `cuda:0` (recorded in checkpoints).
    pub trained_on: String,
}

impl<M> TrainedValue<M> {
    /// `model` named `label`, trained on the device `trained_on`.
    pub fn new(model: M, label: String, trained_on: String) -> Self {
        Self {
            model: Arc::new(model),
            label,
            trained_on,
        }
    }
}

/// A trained mapping network.
pub type ModelValue = TrainedValue<TrainedModel>;

/// An untrained shared-subject network: its resolved configuration.
#[derive(Clone)]
pub struct SharedNetValue(pub crate::model::SharedConfig);

/// A trained shared-subject network.
pub type SharedModelValue = TrainedValue<crate::train::SharedModel>;

/// A fitted ridge baseline, with the target it was fitted to.
#[derive(Clone)]
pub struct RidgeValue {
    /// The fit.
    pub model: Arc<RidgeModel>,
    /// `image` or `text`.
    pub target: &'static str,
    /// Its name in tables.
    pub label: String,
}

/// A rendered figure.
#[derive(Clone)]
pub struct FigureValue(pub Arc<Figure>);

/// A numeric matrix (rows × columns), e.g. read from NPY, CSV or safetensors.
#[derive(Clone)]
pub struct MatrixValue(pub Arc<Array2<f32>>);

/// A text table read from CSV/TSV.
#[derive(Clone)]
pub struct TableValue(pub Arc<Table>);

/// A named embedding matrix with ids and provenance (an embedding cache).
#[derive(Clone)]
pub struct EmbeddingsValue(pub Arc<Embeddings>);

/// An open BData (bdpy HDF5) file.
#[derive(Clone)]
pub struct BDataValue(pub Arc<BData>);

/// An evaluation report (`evaluate()`), with the model it evaluated and its name in the run.
#[derive(Clone)]
pub struct EvaluationValue {
    /// The metrics and their settings.
    pub report: Arc<EvaluationReport>,
    /// The evaluated model's label.
    pub model: String,
    /// The report's name (`evaluation_<name>.json`).
    pub name: String,
}

/// A NIfTI volume or series, read and scaled.
#[derive(Clone)]
pub struct NiftiValue(pub Arc<NiftiImage>);

/// A voxel mask on a NIfTI grid.
#[derive(Clone)]
pub struct MaskValue(pub Arc<Mask>);

/// The events of a BIDS `events.tsv` file.
#[derive(Clone)]
pub struct EventsValue(pub Arc<Events>);

/// A stimulus image (8-bit RGB).
#[derive(Clone)]
pub struct ImageValue {
    /// The pixels.
    pub image: Arc<image::RgbImage>,
    /// The file it came from.
    pub path: String,
}

impl ImageValue {
    /// An image named by `path` (a file, or a name such as `world/ID.png`).
    pub fn new(image: image::RgbImage, path: impl Into<String>) -> Self {
        Self {
            image: Arc::new(image),
            path: path.into(),
        }
    }
}

/// What eval, plot and generation functions accept as `model`: a Model or a RidgeModel, as a
/// decoder with its label.
#[derive(Clone)]
pub struct DecoderArg {
    /// The predictions.
    pub decoder: Arc<dyn Decoder>,
    /// Its name in tables.
    pub label: String,
}

impl DecoderArg {
    /// A Model or RidgeModel script value as a decoder; `None` for anything else.
    pub fn from_value(value: &Dynamic) -> Option<Self> {
        if let Some(m) = value.read_lock::<ModelValue>() {
            return Some(m.clone().into());
        }
        value.read_lock::<RidgeValue>().map(|r| r.clone().into())
    }

    /// Predictions for every sample of `data`.
    pub fn decode(&self, data: &Dataset) -> Result<Decoded, ScriptFault> {
        Ok(self.on(data).decoded()?)
    }

    /// This decoder assessed on `data`.
    pub fn on<'a>(&'a self, data: &'a Dataset) -> crate::assess::Decoding<'a> {
        crate::assess::Decoding {
            decoder: &*self.decoder,
            label: &self.label,
            data,
        }
    }
}

impl From<ModelValue> for DecoderArg {
    fn from(m: ModelValue) -> Self {
        Self {
            decoder: m.model,
            label: m.label,
        }
    }
}

impl From<RidgeValue> for DecoderArg {
    fn from(r: RidgeValue) -> Self {
        Self {
            decoder: r.model,
            label: r.label,
        }
    }
}

/// Register `f` as `spec`'s function for every decoder type (Model, RidgeModel) as its first
/// parameter, each with and without the options map.
pub fn register_decoder_fn<R, F>(reg: &mut Registry, spec: &'static FnSpec, f: F)
where
    R: Clone + 'static,
    F: Fn(DecoderArg, DatasetValue, Opts) -> Result<R, ScriptFault> + Clone + 'static,
{
    let g = f.clone();
    reg.function(spec, move |m: ModelValue, d: DatasetValue, o: Opts| g(m.into(), d, o));
    reg.function(spec, move |m: RidgeValue, d: DatasetValue, o: Opts| f(m.into(), d, o));
}

/// The items of a script array as values of one type; another type is an error naming the
/// `expected` type.
pub fn cast_array<T: Clone + 'static>(items: Array, expected: &str) -> Result<Vec<T>, ScriptFault> {
    items
        .into_iter()
        .map(|item| {
            let type_name = item.type_name().to_string();
            item.try_cast::<T>().ok_or_else(|| {
                ScriptFault::new(
                    ErrorKind::WrongType,
                    format!("expected an array of {expected} values, found a {type_name}"),
                )
            })
        })
        .collect()
}

/// A Rust value as a script value: integers as `int`, floats as `float`, matrices as `Matrix`,
/// vectors as arrays and `None` as `()`.
///
/// ```
/// use brainclip::script::values::IntoScript;
/// assert_eq!(Some(3usize).into_script().as_int(), Ok(3));
/// assert!(None::<f64>.into_script().is_unit());
/// ```
pub trait IntoScript {
    /// The script value.
    fn into_script(self) -> Dynamic;
}

impl IntoScript for Dynamic {
    fn into_script(self) -> Dynamic {
        self
    }
}

macro_rules! into_script_as {
    ($via:ty: $($t:ty),*) => {$(
        impl IntoScript for $t {
            fn into_script(self) -> Dynamic {
                Dynamic::from(self as $via)
            }
        }
    )*};
}
into_script_as!(i64: usize, u32, u64, i64);
into_script_as!(f64: f32, f64);

macro_rules! into_script_from {
    ($($t:ty),*) => {$(
        impl IntoScript for $t {
            fn into_script(self) -> Dynamic {
                Dynamic::from(self)
            }
        }
    )*};
}
into_script_from!(bool, String, &'static str, Map, MatrixValue, ImageValue);

impl IntoScript for Dataset {
    fn into_script(self) -> Dynamic {
        Dynamic::from(DatasetValue(Arc::new(self)))
    }
}

/// A script map from `(key, value)` pairs.
pub fn map_of<const N: usize>(entries: [(&str, Dynamic); N]) -> Map {
    entries.into_iter().map(|(key, value)| (key.into(), value)).collect()
}

impl<T: IntoScript> IntoScript for Vec<T> {
    fn into_script(self) -> Dynamic {
        Dynamic::from(self.into_iter().map(IntoScript::into_script).collect::<Array>())
    }
}

impl<T: IntoScript> IntoScript for Option<T> {
    fn into_script(self) -> Dynamic {
        self.map_or(Dynamic::UNIT, IntoScript::into_script)
    }
}

/// One readable property of a value type.
struct Property<T> {
    name: &'static str,
    doc: &'static str,
    get: Box<dyn Fn(&T) -> Dynamic>,
}

/// Properties, one per line: `"name" => "what it means", |value| how to read it;`.
macro_rules! props {
    ($($name:literal => $doc:literal, $get:expr;)*) => {
        vec![$(prop($name, $doc, $get)),*]
    };
}

/// A property: its name, what it means, and how to read it.
fn prop<T: 'static, R: IntoScript + 'static>(name: &'static str, doc: &'static str, get: fn(&T) -> R) -> Property<T> {
    Property {
        name,
        doc,
        get: Box::new(move |v| get(v).into_script()),
    }
}

fn register_value_type<T: Clone + 'static>(
    reg: &mut Registry,
    name: &'static str,
    summary: &'static str,
    properties: Vec<Property<T>>,
    display: fn(&T) -> String,
) {
    let doc = TypeDoc {
        name,
        summary,
        properties: properties.iter().map(|p| (p.name, p.doc)).collect(),
    };
    reg.value_type(doc, move |engine: &mut Engine| {
        engine.register_type_with_name::<T>(name);
        for p in properties {
            let get = p.get;
            engine.register_get(p.name, move |v: &mut T| get(v));
        }
        engine.register_fn("to_string", move |v: &mut T| display(v));
        engine.register_fn("to_debug", move |v: &mut T| display(v));
    });
}

fn matrix(m: &Array2<f32>) -> MatrixValue {
    MatrixValue(Arc::new(m.clone()))
}

/// Register every value type with its properties.
pub fn register(reg: &mut Registry) {
    register_value_type::<ClipValue>(
        reg,
        "Clip",
        "A CLIP model (image and text towers, tokenizer) loaded from a checkpoint folder.",
        props! {
            "name" => "the checkpoint's name (recorded in embedding caches)", |c| c.0.name.clone();
            "dim" => "width of the joint embedding space", |c| c.0.config.projection_dim;
            "image_size" => "input side in pixels", |c| c.0.config.vision.image_size;
            "patch_size" => "ViT patch side in pixels (0 for a ResNet image tower)",
                |c| c.0.config.vision.patch_size().unwrap_or(0);
            "image_tower" => "\"vit\" or \"resnet\" (OpenAI's modified ResNet, as RN50/RN101)",
                |c| match c.0.config.vision.kind { VisionKind::Vit(_) => "vit", VisionKind::ResNet(_) => "resnet" };
            "vocab_size" => "tokenizer vocabulary size", |c| c.0.config.text.vocab_size;
            "path" => "the checkpoint folder", |c| c.0.folder.display().to_string();
        },
        |c| c.0.to_string(),
    );
    register_value_type::<ReconValue>(
        reg,
        "Reconstruction",
        "Reconstruction metrics (PixCorr, SSIM, feature identification) with their settings; prints as a table.",
        props! {
            "pairs" => "number of real/generated pairs", |r| r.0.pairs;
            "pixcorr" => "mean PixCorr (() without images)", |r| r.0.pixcorr.as_ref().map(|p| p.mean);
            "ssim" => "mean SSIM (() without images)", |r| r.0.ssim.as_ref().map(|s| s.mean);
            "metrics" => "everything as a map (per-pair values and settings included), for save_metrics",
                |r| to_dynamic(&*r.0);
        },
        |r| r.0.to_table(),
    );
    register_value_type::<DiffusionValue>(
        reg,
        "Diffusion",
        "A pixel-space diffusion UNet (diffusers UNet2DModel layout) loaded with diffusion_load.",
        props! {
            "name" => "the model folder's name", |d| d.0.name.clone();
            "sample_size" => "the image side it was trained at (the default image_size of generate)",
                |d| d.0.config.sample_size;
            "learns_sigma" => "whether it predicts its variance (6 output channels; sampler variance \"learned_range\")",
                |d| d.0.config.learns_sigma();
            "levels" => "resolution levels (image sides must be multiples of 2^(levels − 1))",
                |d| d.0.config.block_out_channels.len();
            "channels" => "channels per level", |d| d.0.config.block_out_channels.clone();
            "path" => "the model folder", |d| d.0.folder.display().to_string();
        },
        |d| d.0.to_string(),
    );
    register_value_type::<DatasetValue>(
        reg,
        "Dataset",
        "fMRI samples (samples × voxels) with their stimuli's ids, categories and CLIP embeddings.",
        props! {
            "name" => "name used in messages", |d| d.0.name().to_string();
            "split" => "\"train\" or \"test\"", |d| d.0.split().to_string();
            "n_samples" => "number of samples", |d| d.0.n_samples();
            "n_voxels" => "number of voxels", |d| d.0.n_voxels();
            "dim" => "embedding width D (0 without embeddings)", |d| d.0.embedding_dim().unwrap_or(0);
            "n_categories" => "number of categories", |d| d.0.categories().len();
            "categories" => "category short names, e.g. \"goldfish\"",
                |d| d.0.categories().iter().map(|c| c.short_name().to_string()).collect::<Vec<_>>();
            "ids" => "sample (image) ids", |d| d.0.sample_ids().to_vec();
            "captions" => "one caption per sample (may be empty)", |d| d.0.captions().to_vec();
            "fmri" => "the fMRI matrix (samples × voxels)", |d| matrix(d.0.fmri());
            "image_embeddings" => "image embeddings (samples × D), or ()", |d| d.0.image_embeddings().map(matrix);
            "text_embeddings" => "caption embeddings (samples × D), or ()", |d| d.0.text_embeddings().map(matrix);
            "class_embeddings" => "category prompt embeddings (categories × D), or ()",
                |d| d.0.class_embeddings().map(matrix);
            "category_ids" => "category ids, e.g. \"n01443537\"",
                |d| d.0.categories().iter().map(|c| c.id.clone()).collect::<Vec<_>>();
            "labels" => "each sample's category index (into categories)", |d| d.0.labels().to_vec();
            "subjects" => "each sample's subject (empty for one subject)", |d| d.0.subjects().to_vec();
            "rois" => "map of ROI name → number of voxels",
                |d| d.0.roi_sizes().into_iter().map(|(k, n)| (k.into(), n.into_script())).collect::<Map>();
        },
        |d| d.0.to_string(),
    );
    register_value_type::<NetValue>(
        reg,
        "MappingNet",
        "An untrained mapping network (its configuration); train(net, data, #{...}) fits it.",
        props! {
            "config" => "the resolved configuration as a map", |n| to_dynamic(&n.0);
            "input_dim" => "number of voxels", |n| n.0.input_dim;
            "output_dim" => "embedding width D", |n| n.0.output_dim;
        },
        |n| describe_net(&n.0),
    );
    register_value_type::<ModelValue>(
        reg,
        "Model",
        "A trained mapping network with its training history.",
        props! {
            "label" => "name in tables, plots and history.csv", |m| m.label.clone();
            "history" => "array of per-epoch maps: epoch, lr, train_loss, val_loss, temperature, loss terms",
                |m| to_dynamic(&m.model.history);
            "temperature" => "final contrastive temperature", |m| m.model.temperature;
            "best_epoch" => "epoch whose weights were kept (() without validation)", |m| m.model.best_epoch;
            "stop_reason" => "\"completed\", \"early_stopped\" or \"interrupted\"",
                |m| to_dynamic(&m.model.stop_reason);
            "epochs_run" => "number of epochs run", |m| m.model.history.len();
            "n_train" => "samples trained on (the rest of the dataset was held out for validation)",
                |m| m.model.n_train;
            "trained_on" => "the device it was trained on, e.g. \"cpu:flex\" or \"cuda:0\"", |m| m.trained_on.clone();
            "config" => "network and training configuration as a map",
                |m| config_map(&m.model.mapping, &m.model.config);
        },
        describe_model,
    );
    register_value_type::<SharedNetValue>(
        reg,
        "SharedNet",
        "An untrained shared-subject network (shared_net): one input layer per subject, one shared trunk.",
        props! {
            "subjects" => "subject names, in input-layer order",
                |n| n.0.subjects.iter().map(|s| s.name.clone()).collect::<Vec<_>>();
            "voxels" => "each subject's voxels", |n| n.0.subjects.iter().map(|s| s.voxels).collect::<Vec<_>>();
            "shared_width" => "width of the shared space", |n| n.0.trunk.input_dim;
            "config" => "the resolved configuration as a map", |n| to_dynamic(&n.0);
        },
        |n| {
            format!(
                "SharedNet: {} subjects → shared {} → {}",
                n.0.subjects.len(),
                n.0.trunk.input_dim,
                describe_net(&n.0.trunk)
            )
        },
    );
    register_value_type::<SharedModelValue>(
        reg,
        "SharedModel",
        "A trained shared-subject network; subject_model(model, name) is one subject's Model, fine_tune adds a subject.",
        props! {
            "label" => "name in tables and history.csv", |m| m.label.clone();
            "subjects" => "subject names, in input-layer order",
                |m| m.model.config.subjects.iter().map(|s| s.name.clone()).collect::<Vec<_>>();
            "history" => "per-epoch maps of the last training (as Model.history)", |m| to_dynamic(&m.model.history);
            "epochs_run" => "epochs of the last training", |m| m.model.history.len();
            "n_train" => "samples of the last training, over its subjects", |m| m.model.n_train;
            "temperature" => "final contrastive temperature", |m| m.model.temperature;
            "trained_on" => "the device it was trained on", |m| m.trained_on.clone();
            "config" => "subjects, trunk and last training options as a map",
                |m| config_map(&m.model.config, &m.model.training);
        },
        |m| {
            format!(
                "SharedModel `{}`: subjects {}; {} epochs",
                m.label,
                m.model
                    .config
                    .subjects
                    .iter()
                    .map(|s| s.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                m.model.history.len()
            )
        },
    );
    register_value_type::<RidgeValue>(
        reg,
        "RidgeModel",
        "A ridge regression baseline fMRI → embedding, penalty chosen by cross-validation.",
        props! {
            "label" => "name in tables", |r| r.label.clone();
            "alpha" => "chosen penalty relative to the mean eigenvalue of X Xᵀ (with per_target, the median)",
                |r| r.model.alpha;
            "lambda" => "chosen absolute penalty", |r| r.model.lambda;
            "alphas_per_target" => "array of each embedding dimension's chosen relative penalty (per_target), else ()",
                |r| r.model.alphas_per_target.clone();
            "target" => "\"image\" or \"text\"", |r| r.target.to_string();
            "cv_error" => "array of #{alpha, error}: mean cross-validated squared error per candidate",
                |r| r.model.cv_error.iter().map(|&(alpha, error)| alpha_error(alpha, error)).collect::<Vec<_>>();
        },
        |r| {
            format!(
                "RidgeModel `{}` ({} target, {} voxels, alpha = {:.3})",
                r.label,
                r.target,
                r.model.input_dim(),
                r.model.alpha
            )
        },
    );
    register_value_type::<MatrixValue>(
        reg,
        "Matrix",
        "A numeric matrix (rows × columns, f32), e.g. read with load_npy or from a table.",
        props! {
            "rows" => "number of rows", |m| m.0.nrows();
            "cols" => "number of columns", |m| m.0.ncols();
            "shape" => "[rows, cols]", |m| vec![m.0.nrows(), m.0.ncols()];
            "column_means" => "the mean of each column", |m| m.0.mean_axis(ndarray::Axis(0)).map(|a| a.to_vec());
            "column_sds" => "the population standard deviation of each column",
                |m| m.0.std_axis(ndarray::Axis(0), 0.0).to_vec();
        },
        |m| format!("Matrix {} × {}", m.0.nrows(), m.0.ncols()),
    );
    register_value_type::<TableValue>(
        reg,
        "Table",
        "A CSV/TSV table with named columns; column(table, name) and matrix(table, names) read it.",
        props! {
            "columns" => "column names", |t| t.0.headers().to_vec();
            "n_rows" => "number of data rows", |t| t.0.n_rows();
            "numeric_columns" => "columns whose every cell is a number", |t| t.0.numeric_columns();
        },
        |t| t.0.to_string(),
    );
    register_value_type::<EmbeddingsValue>(
        reg,
        "Embeddings",
        "A named embedding matrix with one id per row and its provenance (model, preprocessing, kind).",
        props! {
            "name" => "the cache's name", |e| e.0.name().to_string();
            "kind" => "\"image\", \"text\" or \"class\"", |e| e.0.meta().kind.name();
            "model" => "the model that produced them", |e| e.0.meta().model.clone();
            "preprocessing" => "how inputs were prepared", |e| e.0.meta().preprocessing.clone();
            "count" => "number of rows", |e| e.0.ids().len();
            "dim" => "embedding width D", |e| e.0.dim();
            "ids" => "row ids", |e| e.0.ids().to_vec();
        },
        |e| e.0.to_string(),
    );
    register_value_type::<BDataValue>(
        reg,
        "BData",
        "An open BData (bdpy / BrainDecoderToolbox2 HDF5) file: a samples × columns dataset with metadata keys.",
        props! {
            "path" => "the file", |b| b.0.path().display().to_string();
            "shape" => "[samples, columns] of /dataset", |b| { let (r, c) = b.0.dataset_shape(); vec![r, c] };
            "keys" => "metadata keys (VoxelData, ROI_V1, DataType, Label, ...)", |b| b.0.metadata_keys();
            "vmap_keys" => "keys with value-label maps", |b| b.0.vmap_keys();
        },
        |b| b.0.to_string(),
    );
    register_value_type::<EvaluationValue>(
        reg,
        "Evaluation",
        "All metrics of one evaluate() call with their settings; print() shows them as a table.",
        props! {
            "model" => "the evaluated model's label", |e| e.model.clone();
            "split" => "the evaluated split", |e| e.report.split.clone();
            "name" => "the report's name in the run directory", |e| e.name.clone();
            "settings" => "k, similarity, bootstrap, permutations, n_way, repeats, identification, seed",
                |e| to_dynamic(&e.report.settings);
            "metrics" => "the whole report as a map (zero_shot, retrieval: one entry per direction)",
                |e| to_dynamic(&*e.report);
        },
        |e| format!("{} on {}\n{}", e.model, e.report.split, e.report.to_table()),
    );
    register_value_type::<NiftiValue>(
        reg,
        "Nifti",
        "A NIfTI-1/2 volume (3-D) or series (4-D), scaled by scl_slope/scl_inter, held as f32.",
        props! {
            "path" => "the file", |n| n.0.source.clone();
            "format" => "\"nifti1\" or \"nifti2\"", |n| to_dynamic(&n.0.header.format);
            "shape" => "[x, y, z] or [x, y, z, t]", |n| n.0.header.shape.clone();
            "n_volumes" => "volumes in a series (1 for a 3-D image)", |n| n.0.header.shape.get(3).copied().unwrap_or(1);
            "datatype" => "stored datatype, e.g. \"int16\"", |n| n.0.header.datatype.clone();
            "voxel_size" => "voxel size in mm (x, y, z)", |n| to_dynamic(&n.0.header.voxel_size);
            "tr" => "repetition time in seconds, or () when the header has none", |n| n.0.header.tr;
            "affine" => "voxel → world 4×4 matrix, row-major (sform, else qform, else pixdim)",
                |n| to_dynamic(&n.0.header.affine);
            "scl_slope" => "the header's scl_slope (0 means no scaling)", |n| n.0.header.scl_slope;
            "scl_inter" => "the header's scl_inter", |n| n.0.header.scl_inter;
        },
        |n| format!("Nifti {} ({:?}, {})", n.0.source, n.0.header.shape, n.0.header.datatype),
    );
    register_value_type::<MaskValue>(
        reg,
        "Mask",
        "Voxels selected on a 3-D grid, from a mask volume or atlas labels; apply_mask(series, mask) uses it.",
        props! {
            "n_voxels" => "voxels selected", |m| m.0.len();
            "shape" => "the grid [x, y, z]", |m| m.0.shape().to_vec();
            "source" => "the file it was made from", |m| m.0.source().to_string();
        },
        |m| format!("Mask of {} voxels on {:?} ({})", m.0.len(), m.0.shape(), m.0.source()),
    );
    register_value_type::<EventsValue>(
        reg,
        "Events",
        "Events of a BIDS events.tsv file: onset and duration in seconds, and a label per event.",
        props! {
            "len" => "number of events", |e| e.0.len();
            "onsets" => "onsets in seconds", |e| to_dynamic(&e.0.onset);
            "durations" => "durations in seconds (NaN for n/a)", |e| to_dynamic(&e.0.duration);
            "labels" => "the label column's values", |e| e.0.label.clone();
        },
        |e| format!("Events ({} events)", e.0.len()),
    );
    register_value_type::<ImageValue>(
        reg,
        "Image",
        "A stimulus image (8-bit RGB) read from PNG or JPEG.",
        props! {
            "width" => "width in pixels", |i| i.image.width() as usize;
            "height" => "height in pixels", |i| i.image.height() as usize;
            "path" => "the file it was read from", |i| i.path.clone();
        },
        |i| format!("Image {}×{} ({})", i.image.width(), i.image.height(), i.path),
    );
    register_value_type::<FigureValue>(
        reg,
        "Figure",
        "A rendered figure (PNG and SVG); save_figure(fig, name) writes it into the run directory.",
        props! {
            "title" => "the figure's title", |f| f.0.title().to_string();
            "width" => "width in pixels", |f| f.0.width() as usize;
            "height" => "height in pixels", |f| f.0.height() as usize;
        },
        |f| f.0.to_string(),
    );
}

/// A copy of `value` that serde can store as JSON: matrices become arrays of rows, evaluation
/// reports their metrics map, and other brainclip values their printed form.
pub fn json_ready(value: &Dynamic) -> Dynamic {
    if let Some(map) = value.read_lock::<Map>() {
        let plain: Map = map.iter().map(|(k, v)| (k.clone(), json_ready(v))).collect();
        return Dynamic::from(plain);
    }
    if let Some(items) = value.read_lock::<Array>() {
        return Dynamic::from(items.iter().map(json_ready).collect::<Array>());
    }
    if let Some(m) = value.read_lock::<MatrixValue>() {
        let rows: Array =
            m.0.rows()
                .into_iter()
                .map(|row| Dynamic::from(row.iter().map(|&v| Dynamic::from(f64::from(v))).collect::<Array>()))
                .collect();
        return Dynamic::from(rows);
    }
    if let Some(e) = value.read_lock::<EvaluationValue>() {
        return to_dynamic(&*e.report);
    }
    if let Some(r) = value.read_lock::<ReconValue>() {
        return to_dynamic(&*r.0);
    }
    if value.is_variant() {
        return Dynamic::from(value.to_string());
    }
    value.clone()
}

/// Serialise any serde value into a Rhai value (maps, arrays, numbers, strings).
pub fn to_dynamic<T: serde::Serialize>(value: &T) -> Dynamic {
    rhai::serde::to_dynamic(value).unwrap_or(Dynamic::UNIT)
}

/// `#{ network, training }`: a trained model's configuration.
fn config_map(network: &impl serde::Serialize, training: &impl serde::Serialize) -> Map {
    map_of([("network", to_dynamic(network)), ("training", to_dynamic(training))])
}

fn alpha_error(alpha: f64, error: f64) -> Map {
    map_of([("alpha", alpha.into()), ("error", error.into())])
}

fn describe_net(cfg: &MappingConfig) -> String {
    format!("MappingNet: {cfg}")
}

fn describe_model(m: &ModelValue) -> String {
    let model = &m.model;
    let stop = match model.stop_reason {
        StopReason::Completed => "completed",
        StopReason::EarlyStopped => "stopped early",
        StopReason::Interrupted => "interrupted",
    };
    let best = model
        .best_epoch
        .map(|e| format!(", best epoch {e}"))
        .unwrap_or_default();
    format!(
        "Model `{}`: {}; {} epochs ({stop}{best}), temperature {:.3}",
        m.label,
        describe_net(&model.mapping),
        model.history.len(),
        model.temperature
    )
}

/// The numbers of a script array (integers count as numbers); anything else is an error naming
/// its type.
pub fn numbers(items: Array) -> Result<Vec<f64>, ScriptFault> {
    items
        .iter()
        .map(|v| {
            v.as_float().or_else(|_| v.as_int().map(|i| i as f64)).map_err(|t| {
                ScriptFault::new(
                    ErrorKind::WrongType,
                    format!("expected an array of numbers, found a {t}"),
                )
            })
        })
        .collect()
}
