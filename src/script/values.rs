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

/// A trained mapping network and its label.
#[derive(Clone)]
pub struct ModelValue {
    /// The trained model.
    pub model: Arc<TrainedModel>,
    /// Its name in tables, plots and `history.csv`.
    pub label: String,
    /// The device it was trained on, e.g. `cuda:0` (recorded in checkpoints).
    pub trained_on: String,
}

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
        Ok(self.decoder.decode(data.fmri().view())?)
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

/// One readable property of a value type.
struct Property<T> {
    name: &'static str,
    doc: &'static str,
    get: fn(&T) -> Dynamic,
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

fn int(n: usize) -> Dynamic {
    Dynamic::from(n as i64)
}

fn matrix(m: &Array2<f32>) -> Dynamic {
    Dynamic::from(MatrixValue(Arc::new(m.clone())))
}

fn strings(items: impl IntoIterator<Item = String>) -> Dynamic {
    Dynamic::from(items.into_iter().map(Dynamic::from).collect::<Array>())
}

/// Register every value type with its properties.
pub fn register(reg: &mut Registry) {
    register_value_type::<ClipValue>(
        reg,
        "Clip",
        "A CLIP model (image and text towers, tokenizer) loaded from a checkpoint folder.",
        vec![
            Property {
                name: "name",
                doc: "the checkpoint's name (recorded in embedding caches)",
                get: |c| Dynamic::from(c.0.name.clone()),
            },
            Property {
                name: "dim",
                doc: "width of the joint embedding space",
                get: |c| int(c.0.config.projection_dim),
            },
            Property {
                name: "image_size",
                doc: "input side in pixels",
                get: |c| int(c.0.config.vision.image_size),
            },
            Property {
                name: "patch_size",
                doc: "ViT patch side in pixels (0 for a ResNet image tower)",
                get: |c| int(c.0.config.vision.patch_size().unwrap_or(0)),
            },
            Property {
                name: "image_tower",
                doc: "\"vit\" or \"resnet\" (OpenAI's modified ResNet, as RN50/RN101)",
                get: |c| {
                    Dynamic::from(match c.0.config.vision.kind {
                        VisionKind::Vit(_) => "vit",
                        VisionKind::ResNet(_) => "resnet",
                    })
                },
            },
            Property {
                name: "vocab_size",
                doc: "tokenizer vocabulary size",
                get: |c| int(c.0.config.text.vocab_size),
            },
            Property {
                name: "path",
                doc: "the checkpoint folder",
                get: |c| Dynamic::from(c.0.folder.display().to_string()),
            },
        ],
        |c| {
            format!(
                "Clip {}: {}, text {} layers width {}, D = {}",
                c.0.name,
                c.0.config.vision.describe(),
                c.0.config.text.tower.layers,
                c.0.config.text.tower.width,
                c.0.config.projection_dim
            )
        },
    );
    register_value_type::<ReconValue>(
        reg,
        "Reconstruction",
        "Reconstruction metrics (PixCorr, SSIM, feature identification) with their settings; prints as a table.",
        vec![
            Property {
                name: "pairs",
                doc: "number of real/generated pairs",
                get: |r| int(r.0.pairs),
            },
            Property {
                name: "pixcorr",
                doc: "mean PixCorr (() without images)",
                get: |r| r.0.pixcorr.as_ref().map_or(Dynamic::UNIT, |p| Dynamic::from(p.mean)),
            },
            Property {
                name: "ssim",
                doc: "mean SSIM (() without images)",
                get: |r| r.0.ssim.as_ref().map_or(Dynamic::UNIT, |s| Dynamic::from(s.mean)),
            },
            Property {
                name: "metrics",
                doc: "everything as a map (per-pair values and settings included), for save_metrics",
                get: |r| to_dynamic(&*r.0),
            },
        ],
        |r| r.0.to_table(),
    );
    register_value_type::<DiffusionValue>(
        reg,
        "Diffusion",
        "A pixel-space diffusion UNet (diffusers UNet2DModel layout) loaded with diffusion_load.",
        vec![
            Property {
                name: "name",
                doc: "the model folder's name",
                get: |d| Dynamic::from(d.0.name.clone()),
            },
            Property {
                name: "sample_size",
                doc: "the image side it was trained at (the default image_size of generate)",
                get: |d| int(d.0.config.sample_size),
            },
            Property {
                name: "learns_sigma",
                doc: "whether it predicts its variance (6 output channels; sampler variance \"learned_range\")",
                get: |d| Dynamic::from(d.0.config.learns_sigma()),
            },
            Property {
                name: "levels",
                doc: "resolution levels (image sides must be multiples of 2^(levels − 1))",
                get: |d| int(d.0.config.block_out_channels.len()),
            },
            Property {
                name: "channels",
                doc: "channels per level",
                get: |d| Dynamic::from(d.0.config.block_out_channels.iter().map(|&c| int(c)).collect::<Array>()),
            },
            Property {
                name: "path",
                doc: "the model folder",
                get: |d| Dynamic::from(d.0.folder.display().to_string()),
            },
        ],
        |d| {
            let c = &d.0.config;
            format!(
                "Diffusion {}: UNet {}px, channels {:?}, {} per level, {} output channels",
                d.0.name, c.sample_size, c.block_out_channels, c.layers_per_block, c.out_channels
            )
        },
    );
    register_value_type::<DatasetValue>(
        reg,
        "Dataset",
        "fMRI samples (samples × voxels) with their stimuli's ids, categories and CLIP embeddings.",
        vec![
            Property {
                name: "name",
                doc: "name used in messages",
                get: |d| Dynamic::from(d.0.name().to_string()),
            },
            Property {
                name: "split",
                doc: "\"train\" or \"test\"",
                get: |d| Dynamic::from(d.0.split().to_string()),
            },
            Property {
                name: "n_samples",
                doc: "number of samples",
                get: |d| int(d.0.n_samples()),
            },
            Property {
                name: "n_voxels",
                doc: "number of voxels",
                get: |d| int(d.0.n_voxels()),
            },
            Property {
                name: "dim",
                doc: "embedding width D (0 without embeddings)",
                get: |d| int(d.0.embedding_dim().unwrap_or(0)),
            },
            Property {
                name: "n_categories",
                doc: "number of categories",
                get: |d| int(d.0.categories().len()),
            },
            Property {
                name: "categories",
                doc: "category short names, e.g. \"goldfish\"",
                get: |d| strings(d.0.categories().iter().map(|c| c.short_name().to_string())),
            },
            Property {
                name: "ids",
                doc: "sample (image) ids",
                get: |d| strings(d.0.sample_ids().iter().cloned()),
            },
            Property {
                name: "captions",
                doc: "one caption per sample (may be empty)",
                get: |d| strings(d.0.captions().iter().cloned()),
            },
            Property {
                name: "fmri",
                doc: "the fMRI matrix (samples × voxels)",
                get: |d| matrix(d.0.fmri()),
            },
            Property {
                name: "image_embeddings",
                doc: "image embeddings (samples × D), or ()",
                get: |d| d.0.image_embeddings().map_or(Dynamic::UNIT, matrix),
            },
            Property {
                name: "text_embeddings",
                doc: "caption embeddings (samples × D), or ()",
                get: |d| d.0.text_embeddings().map_or(Dynamic::UNIT, matrix),
            },
            Property {
                name: "class_embeddings",
                doc: "category prompt embeddings (categories × D), or ()",
                get: |d| d.0.class_embeddings().map_or(Dynamic::UNIT, matrix),
            },
            Property {
                name: "category_ids",
                doc: "category ids, e.g. \"n01443537\"",
                get: |d| strings(d.0.categories().iter().map(|c| c.id.clone())),
            },
            Property {
                name: "labels",
                doc: "each sample's category index (into categories)",
                get: |d| Dynamic::from(d.0.labels().iter().map(|&l| int(l)).collect::<Array>()),
            },
            Property {
                name: "rois",
                doc: "map of ROI name → number of voxels",
                get: |d| {
                    Dynamic::from(
                        d.0.roi_sizes()
                            .into_iter()
                            .map(|(k, n)| (k.into(), int(n)))
                            .collect::<Map>(),
                    )
                },
            },
        ],
        |d| d.0.to_string(),
    );
    register_value_type::<NetValue>(
        reg,
        "MappingNet",
        "An untrained mapping network (its configuration); train(net, data, #{...}) fits it.",
        vec![
            Property {
                name: "config",
                doc: "the resolved configuration as a map",
                get: |n| to_dynamic(&n.0),
            },
            Property {
                name: "input_dim",
                doc: "number of voxels",
                get: |n| int(n.0.input_dim),
            },
            Property {
                name: "output_dim",
                doc: "embedding width D",
                get: |n| int(n.0.output_dim),
            },
        ],
        |n| describe_net(&n.0),
    );
    register_value_type::<ModelValue>(
        reg,
        "Model",
        "A trained mapping network with its training history.",
        vec![
            Property {
                name: "label",
                doc: "name in tables, plots and history.csv",
                get: |m| Dynamic::from(m.label.clone()),
            },
            Property {
                name: "history",
                doc: "array of per-epoch maps: epoch, lr, train_loss, val_loss, temperature, loss terms",
                get: |m| to_dynamic(&m.model.history),
            },
            Property {
                name: "temperature",
                doc: "final contrastive temperature",
                get: |m| Dynamic::from(m.model.temperature),
            },
            Property {
                name: "best_epoch",
                doc: "epoch whose weights were kept (() without validation)",
                get: |m| m.model.best_epoch.map_or(Dynamic::UNIT, int),
            },
            Property {
                name: "stop_reason",
                doc: "\"completed\", \"early_stopped\" or \"interrupted\"",
                get: |m| to_dynamic(&m.model.stop_reason),
            },
            Property {
                name: "epochs_run",
                doc: "number of epochs run",
                get: |m| int(m.model.history.len()),
            },
            Property {
                name: "n_train",
                doc: "samples trained on (the rest of the dataset was held out for validation)",
                get: |m| int(m.model.n_train),
            },
            Property {
                name: "trained_on",
                doc: "the device it was trained on, e.g. \"cpu:flex\" or \"cuda:0\"",
                get: |m| Dynamic::from(m.trained_on.clone()),
            },
            Property {
                name: "config",
                doc: "network and training configuration as a map",
                get: |m| model_config(&m.model),
            },
        ],
        describe_model,
    );
    register_value_type::<RidgeValue>(
        reg,
        "RidgeModel",
        "A ridge regression baseline fMRI → embedding, penalty chosen by cross-validation.",
        vec![
            Property {
                name: "label",
                doc: "name in tables",
                get: |r| Dynamic::from(r.label.clone()),
            },
            Property {
                name: "alpha",
                doc: "chosen penalty relative to the mean eigenvalue of X Xᵀ",
                get: |r| Dynamic::from(r.model.alpha),
            },
            Property {
                name: "lambda",
                doc: "chosen absolute penalty",
                get: |r| Dynamic::from(r.model.lambda),
            },
            Property {
                name: "target",
                doc: "\"image\" or \"text\"",
                get: |r| Dynamic::from(r.target.to_string()),
            },
            Property {
                name: "cv_error",
                doc: "array of #{alpha, error}: mean cross-validated squared error per candidate",
                get: |r| {
                    let rows: Array = r
                        .model
                        .cv_error
                        .iter()
                        .map(|(a, e)| {
                            Dynamic::from(
                                [("alpha".into(), Dynamic::from(*a)), ("error".into(), Dynamic::from(*e))]
                                    .into_iter()
                                    .collect::<Map>(),
                            )
                        })
                        .collect();
                    Dynamic::from(rows)
                },
            },
        ],
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
        vec![
            Property {
                name: "rows",
                doc: "number of rows",
                get: |m| int(m.0.nrows()),
            },
            Property {
                name: "cols",
                doc: "number of columns",
                get: |m| int(m.0.ncols()),
            },
            Property {
                name: "shape",
                doc: "[rows, cols]",
                get: |m| Dynamic::from(vec![int(m.0.nrows()), int(m.0.ncols())]),
            },
        ],
        |m| format!("Matrix {} × {}", m.0.nrows(), m.0.ncols()),
    );
    register_value_type::<TableValue>(
        reg,
        "Table",
        "A CSV/TSV table with named columns; column(table, name) and matrix(table, names) read it.",
        vec![
            Property {
                name: "columns",
                doc: "column names",
                get: |t| strings(t.0.headers().iter().cloned()),
            },
            Property {
                name: "n_rows",
                doc: "number of data rows",
                get: |t| int(t.0.n_rows()),
            },
            Property {
                name: "numeric_columns",
                doc: "columns whose every cell is a number",
                get: |t| strings(t.0.numeric_columns()),
            },
        ],
        |t| {
            format!(
                "Table {} rows × {} columns ({})",
                t.0.n_rows(),
                t.0.headers().len(),
                t.0.headers().join(", ")
            )
        },
    );
    register_value_type::<EmbeddingsValue>(
        reg,
        "Embeddings",
        "A named embedding matrix with one id per row and its provenance (model, preprocessing, kind).",
        vec![
            Property {
                name: "name",
                doc: "the cache's name",
                get: |e| Dynamic::from(e.0.name().to_string()),
            },
            Property {
                name: "kind",
                doc: "\"image\", \"text\" or \"class\"",
                get: |e| Dynamic::from(e.0.meta().kind.name()),
            },
            Property {
                name: "model",
                doc: "the model that produced them",
                get: |e| Dynamic::from(e.0.meta().model.clone()),
            },
            Property {
                name: "preprocessing",
                doc: "how inputs were prepared",
                get: |e| Dynamic::from(e.0.meta().preprocessing.clone()),
            },
            Property {
                name: "count",
                doc: "number of rows",
                get: |e| int(e.0.ids().len()),
            },
            Property {
                name: "dim",
                doc: "embedding width D",
                get: |e| int(e.0.dim()),
            },
            Property {
                name: "ids",
                doc: "row ids",
                get: |e| strings(e.0.ids().iter().cloned()),
            },
        ],
        |e| {
            format!(
                "Embeddings `{}` ({}, {} × {}, model {})",
                e.0.name(),
                e.0.meta().kind.name(),
                e.0.ids().len(),
                e.0.dim(),
                e.0.meta().model
            )
        },
    );
    register_value_type::<BDataValue>(
        reg,
        "BData",
        "An open BData (bdpy / BrainDecoderToolbox2 HDF5) file: a samples × columns dataset with metadata keys.",
        vec![
            Property {
                name: "path",
                doc: "the file",
                get: |b| Dynamic::from(b.0.path().display().to_string()),
            },
            Property {
                name: "shape",
                doc: "[samples, columns] of /dataset",
                get: |b| {
                    let (r, c) = b.0.dataset_shape();
                    Dynamic::from(vec![int(r), int(c)])
                },
            },
            Property {
                name: "keys",
                doc: "metadata keys (VoxelData, ROI_V1, DataType, Label, ...)",
                get: |b| strings(b.0.metadata_keys()),
            },
            Property {
                name: "vmap_keys",
                doc: "keys with value-label maps",
                get: |b| strings(b.0.vmap_keys()),
            },
        ],
        |b| {
            let (r, c) = b.0.dataset_shape();
            format!(
                "BData {} ({r} samples × {c} columns, {} metadata keys)",
                b.0.path().display(),
                b.0.metadata_keys().len()
            )
        },
    );
    register_value_type::<EvaluationValue>(
        reg,
        "Evaluation",
        "All metrics of one evaluate() call with their settings; print() shows them as a table.",
        vec![
            Property {
                name: "model",
                doc: "the evaluated model's label",
                get: |e| Dynamic::from(e.model.clone()),
            },
            Property {
                name: "split",
                doc: "the evaluated split",
                get: |e| Dynamic::from(e.report.split.clone()),
            },
            Property {
                name: "name",
                doc: "the report's name in the run directory",
                get: |e| Dynamic::from(e.name.clone()),
            },
            Property {
                name: "settings",
                doc: "k, similarity, bootstrap, permutations, n_way, repeats, identification, seed",
                get: |e| to_dynamic(&e.report.settings),
            },
            Property {
                name: "metrics",
                doc: "the whole report as a map (zero_shot, retrieval: one entry per direction)",
                get: |e| to_dynamic(&*e.report),
            },
        ],
        |e| format!("{} on {}\n{}", e.model, e.report.split, e.report.to_table()),
    );
    register_value_type::<NiftiValue>(
        reg,
        "Nifti",
        "A NIfTI-1/2 volume (3-D) or series (4-D), scaled by scl_slope/scl_inter, held as f32.",
        vec![
            Property {
                name: "path",
                doc: "the file",
                get: |n| Dynamic::from(n.0.source.clone()),
            },
            Property {
                name: "format",
                doc: "\"nifti1\" or \"nifti2\"",
                get: |n| to_dynamic(&n.0.header.format),
            },
            Property {
                name: "shape",
                doc: "[x, y, z] or [x, y, z, t]",
                get: |n| Dynamic::from(n.0.header.shape.iter().map(|&d| int(d)).collect::<Array>()),
            },
            Property {
                name: "n_volumes",
                doc: "volumes in a series (1 for a 3-D image)",
                get: |n| int(n.0.header.shape.get(3).copied().unwrap_or(1)),
            },
            Property {
                name: "datatype",
                doc: "stored datatype, e.g. \"int16\"",
                get: |n| Dynamic::from(n.0.header.datatype.clone()),
            },
            Property {
                name: "voxel_size",
                doc: "voxel size in mm (x, y, z)",
                get: |n| to_dynamic(&n.0.header.voxel_size),
            },
            Property {
                name: "tr",
                doc: "repetition time in seconds, or () when the header has none",
                get: |n| n.0.header.tr.map(Dynamic::from).unwrap_or(Dynamic::UNIT),
            },
            Property {
                name: "affine",
                doc: "voxel → world 4×4 matrix, row-major (sform, else qform, else pixdim)",
                get: |n| to_dynamic(&n.0.header.affine),
            },
            Property {
                name: "scl_slope",
                doc: "the header's scl_slope (0 means no scaling)",
                get: |n| Dynamic::from(n.0.header.scl_slope),
            },
            Property {
                name: "scl_inter",
                doc: "the header's scl_inter",
                get: |n| Dynamic::from(n.0.header.scl_inter),
            },
        ],
        |n| format!("Nifti {} ({:?}, {})", n.0.source, n.0.header.shape, n.0.header.datatype),
    );
    register_value_type::<MaskValue>(
        reg,
        "Mask",
        "Voxels selected on a 3-D grid, from a mask volume or atlas labels; apply_mask(series, mask) uses it.",
        vec![
            Property {
                name: "n_voxels",
                doc: "voxels selected",
                get: |m| int(m.0.len()),
            },
            Property {
                name: "shape",
                doc: "the grid [x, y, z]",
                get: |m| Dynamic::from(m.0.shape().iter().map(|&d| int(d)).collect::<Array>()),
            },
            Property {
                name: "source",
                doc: "the file it was made from",
                get: |m| Dynamic::from(m.0.source().to_string()),
            },
        ],
        |m| format!("Mask of {} voxels on {:?} ({})", m.0.len(), m.0.shape(), m.0.source()),
    );
    register_value_type::<EventsValue>(
        reg,
        "Events",
        "Events of a BIDS events.tsv file: onset and duration in seconds, and a label per event.",
        vec![
            Property {
                name: "len",
                doc: "number of events",
                get: |e| int(e.0.len()),
            },
            Property {
                name: "onsets",
                doc: "onsets in seconds",
                get: |e| to_dynamic(&e.0.onset),
            },
            Property {
                name: "durations",
                doc: "durations in seconds (NaN for n/a)",
                get: |e| to_dynamic(&e.0.duration),
            },
            Property {
                name: "labels",
                doc: "the label column's values",
                get: |e| strings(e.0.label.iter().cloned()),
            },
        ],
        |e| format!("Events ({} events)", e.0.len()),
    );
    register_value_type::<ImageValue>(
        reg,
        "Image",
        "A stimulus image (8-bit RGB) read from PNG or JPEG.",
        vec![
            Property {
                name: "width",
                doc: "width in pixels",
                get: |i| int(i.image.width() as usize),
            },
            Property {
                name: "height",
                doc: "height in pixels",
                get: |i| int(i.image.height() as usize),
            },
            Property {
                name: "path",
                doc: "the file it was read from",
                get: |i| Dynamic::from(i.path.clone()),
            },
        ],
        |i| format!("Image {}×{} ({})", i.image.width(), i.image.height(), i.path),
    );
    register_value_type::<FigureValue>(
        reg,
        "Figure",
        "A rendered figure (PNG and SVG); save_figure(fig, name) writes it into the run directory.",
        vec![
            Property {
                name: "title",
                doc: "the figure's title",
                get: |f| Dynamic::from(f.0.title().to_string()),
            },
            Property {
                name: "width",
                doc: "width in pixels",
                get: |f| int(f.0.width() as usize),
            },
            Property {
                name: "height",
                doc: "height in pixels",
                get: |f| int(f.0.height() as usize),
            },
        ],
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

fn model_config(model: &TrainedModel) -> Dynamic {
    let mut map = Map::new();
    map.insert("network".into(), to_dynamic(&model.mapping));
    map.insert("training".into(), to_dynamic(&model.config));
    Dynamic::from(map)
}

fn describe_net(cfg: &MappingConfig) -> String {
    use crate::model::Architecture;
    let arch = match &cfg.architecture {
        Architecture::Linear => "linear".to_string(),
        Architecture::Mlp { hidden } => format!("MLP {hidden:?}"),
        Architecture::Residual { width, blocks } => format!("residual MLP (width {width}, {blocks} blocks)"),
    };
    format!(
        "MappingNet: {} voxels → {} ({arch}, dropout {}, {:?} heads)",
        cfg.input_dim, cfg.output_dim, cfg.dropout, cfg.heads
    )
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

/// The dataset handle inside a script value, or a clear error.
pub fn fault_if_empty(data: &Dataset) -> Result<(), ScriptFault> {
    data.require_samples()
        .map_err(|e| ScriptFault::new(ErrorKind::Data, e.to_string()))
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
