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

/// A property: its name, what it means, and how to read it.
fn prop<T>(name: &'static str, doc: &'static str, get: fn(&T) -> Dynamic) -> Property<T> {
    Property { name, doc, get }
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
            prop("name", "the checkpoint's name (recorded in embedding caches)", |c| {
                Dynamic::from(c.0.name.clone())
            }),
            prop("dim", "width of the joint embedding space", |c| {
                int(c.0.config.projection_dim)
            }),
            prop("image_size", "input side in pixels", |c| {
                int(c.0.config.vision.image_size)
            }),
            prop(
                "patch_size",
                "ViT patch side in pixels (0 for a ResNet image tower)",
                |c| int(c.0.config.vision.patch_size().unwrap_or(0)),
            ),
            prop(
                "image_tower",
                "\"vit\" or \"resnet\" (OpenAI's modified ResNet, as RN50/RN101)",
                |c| {
                    Dynamic::from(match c.0.config.vision.kind {
                        VisionKind::Vit(_) => "vit",
                        VisionKind::ResNet(_) => "resnet",
                    })
                },
            ),
            prop("vocab_size", "tokenizer vocabulary size", |c| {
                int(c.0.config.text.vocab_size)
            }),
            prop("path", "the checkpoint folder", |c| {
                Dynamic::from(c.0.folder.display().to_string())
            }),
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
            prop("pairs", "number of real/generated pairs", |r| int(r.0.pairs)),
            prop("pixcorr", "mean PixCorr (() without images)", |r| {
                r.0.pixcorr.as_ref().map_or(Dynamic::UNIT, |p| Dynamic::from(p.mean))
            }),
            prop("ssim", "mean SSIM (() without images)", |r| {
                r.0.ssim.as_ref().map_or(Dynamic::UNIT, |s| Dynamic::from(s.mean))
            }),
            prop(
                "metrics",
                "everything as a map (per-pair values and settings included), for save_metrics",
                |r| to_dynamic(&*r.0),
            ),
        ],
        |r| r.0.to_table(),
    );
    register_value_type::<DiffusionValue>(
        reg,
        "Diffusion",
        "A pixel-space diffusion UNet (diffusers UNet2DModel layout) loaded with diffusion_load.",
        vec![
            prop("name", "the model folder's name", |d| Dynamic::from(d.0.name.clone())),
            prop(
                "sample_size",
                "the image side it was trained at (the default image_size of generate)",
                |d| int(d.0.config.sample_size),
            ),
            prop(
                "learns_sigma",
                "whether it predicts its variance (6 output channels; sampler variance \"learned_range\")",
                |d| Dynamic::from(d.0.config.learns_sigma()),
            ),
            prop(
                "levels",
                "resolution levels (image sides must be multiples of 2^(levels − 1))",
                |d| int(d.0.config.block_out_channels.len()),
            ),
            prop("channels", "channels per level", |d| {
                Dynamic::from(d.0.config.block_out_channels.iter().map(|&c| int(c)).collect::<Array>())
            }),
            prop("path", "the model folder", |d| {
                Dynamic::from(d.0.folder.display().to_string())
            }),
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
            prop("name", "name used in messages", |d| {
                Dynamic::from(d.0.name().to_string())
            }),
            prop("split", "\"train\" or \"test\"", |d| {
                Dynamic::from(d.0.split().to_string())
            }),
            prop("n_samples", "number of samples", |d| int(d.0.n_samples())),
            prop("n_voxels", "number of voxels", |d| int(d.0.n_voxels())),
            prop("dim", "embedding width D (0 without embeddings)", |d| {
                int(d.0.embedding_dim().unwrap_or(0))
            }),
            prop("n_categories", "number of categories", |d| int(d.0.categories().len())),
            prop("categories", "category short names, e.g. \"goldfish\"", |d| {
                strings(d.0.categories().iter().map(|c| c.short_name().to_string()))
            }),
            prop("ids", "sample (image) ids", |d| {
                strings(d.0.sample_ids().iter().cloned())
            }),
            prop("captions", "one caption per sample (may be empty)", |d| {
                strings(d.0.captions().iter().cloned())
            }),
            prop("fmri", "the fMRI matrix (samples × voxels)", |d| matrix(d.0.fmri())),
            prop("image_embeddings", "image embeddings (samples × D), or ()", |d| {
                d.0.image_embeddings().map_or(Dynamic::UNIT, matrix)
            }),
            prop("text_embeddings", "caption embeddings (samples × D), or ()", |d| {
                d.0.text_embeddings().map_or(Dynamic::UNIT, matrix)
            }),
            prop(
                "class_embeddings",
                "category prompt embeddings (categories × D), or ()",
                |d| d.0.class_embeddings().map_or(Dynamic::UNIT, matrix),
            ),
            prop("category_ids", "category ids, e.g. \"n01443537\"", |d| {
                strings(d.0.categories().iter().map(|c| c.id.clone()))
            }),
            prop("labels", "each sample's category index (into categories)", |d| {
                Dynamic::from(d.0.labels().iter().map(|&l| int(l)).collect::<Array>())
            }),
            prop("rois", "map of ROI name → number of voxels", |d| {
                Dynamic::from(
                    d.0.roi_sizes()
                        .into_iter()
                        .map(|(k, n)| (k.into(), int(n)))
                        .collect::<Map>(),
                )
            }),
        ],
        |d| d.0.to_string(),
    );
    register_value_type::<NetValue>(
        reg,
        "MappingNet",
        "An untrained mapping network (its configuration); train(net, data, #{...}) fits it.",
        vec![
            prop("config", "the resolved configuration as a map", |n| to_dynamic(&n.0)),
            prop("input_dim", "number of voxels", |n| int(n.0.input_dim)),
            prop("output_dim", "embedding width D", |n| int(n.0.output_dim)),
        ],
        |n| describe_net(&n.0),
    );
    register_value_type::<ModelValue>(
        reg,
        "Model",
        "A trained mapping network with its training history.",
        vec![
            prop("label", "name in tables, plots and history.csv", |m| {
                Dynamic::from(m.label.clone())
            }),
            prop(
                "history",
                "array of per-epoch maps: epoch, lr, train_loss, val_loss, temperature, loss terms",
                |m| to_dynamic(&m.model.history),
            ),
            prop("temperature", "final contrastive temperature", |m| {
                Dynamic::from(m.model.temperature)
            }),
            prop(
                "best_epoch",
                "epoch whose weights were kept (() without validation)",
                |m| m.model.best_epoch.map_or(Dynamic::UNIT, int),
            ),
            prop(
                "stop_reason",
                "\"completed\", \"early_stopped\" or \"interrupted\"",
                |m| to_dynamic(&m.model.stop_reason),
            ),
            prop("epochs_run", "number of epochs run", |m| int(m.model.history.len())),
            prop(
                "n_train",
                "samples trained on (the rest of the dataset was held out for validation)",
                |m| int(m.model.n_train),
            ),
            prop(
                "trained_on",
                "the device it was trained on, e.g. \"cpu:flex\" or \"cuda:0\"",
                |m| Dynamic::from(m.trained_on.clone()),
            ),
            prop("config", "network and training configuration as a map", |m| {
                model_config(&m.model)
            }),
        ],
        describe_model,
    );
    register_value_type::<RidgeValue>(
        reg,
        "RidgeModel",
        "A ridge regression baseline fMRI → embedding, penalty chosen by cross-validation.",
        vec![
            prop("label", "name in tables", |r| Dynamic::from(r.label.clone())),
            prop(
                "alpha",
                "chosen penalty relative to the mean eigenvalue of X Xᵀ (with per_target, the median)",
                |r| Dynamic::from(r.model.alpha),
            ),
            prop("lambda", "chosen absolute penalty", |r| Dynamic::from(r.model.lambda)),
            prop(
                "alphas_per_target",
                "array of each embedding dimension's chosen relative penalty (per_target), else ()",
                |r| {
                    r.model.alphas_per_target.as_ref().map_or(Dynamic::UNIT, |a| {
                        Dynamic::from(a.iter().map(|&v| Dynamic::from(v)).collect::<Array>())
                    })
                },
            ),
            prop("target", "\"image\" or \"text\"", |r| {
                Dynamic::from(r.target.to_string())
            }),
            prop(
                "cv_error",
                "array of #{alpha, error}: mean cross-validated squared error per candidate",
                |r| {
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
            ),
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
            prop("rows", "number of rows", |m| int(m.0.nrows())),
            prop("cols", "number of columns", |m| int(m.0.ncols())),
            prop("shape", "[rows, cols]", |m| {
                Dynamic::from(vec![int(m.0.nrows()), int(m.0.ncols())])
            }),
        ],
        |m| format!("Matrix {} × {}", m.0.nrows(), m.0.ncols()),
    );
    register_value_type::<TableValue>(
        reg,
        "Table",
        "A CSV/TSV table with named columns; column(table, name) and matrix(table, names) read it.",
        vec![
            prop("columns", "column names", |t| strings(t.0.headers().iter().cloned())),
            prop("n_rows", "number of data rows", |t| int(t.0.n_rows())),
            prop("numeric_columns", "columns whose every cell is a number", |t| {
                strings(t.0.numeric_columns())
            }),
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
            prop("name", "the cache's name", |e| Dynamic::from(e.0.name().to_string())),
            prop("kind", "\"image\", \"text\" or \"class\"", |e| {
                Dynamic::from(e.0.meta().kind.name())
            }),
            prop("model", "the model that produced them", |e| {
                Dynamic::from(e.0.meta().model.clone())
            }),
            prop("preprocessing", "how inputs were prepared", |e| {
                Dynamic::from(e.0.meta().preprocessing.clone())
            }),
            prop("count", "number of rows", |e| int(e.0.ids().len())),
            prop("dim", "embedding width D", |e| int(e.0.dim())),
            prop("ids", "row ids", |e| strings(e.0.ids().iter().cloned())),
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
            prop("path", "the file", |b| Dynamic::from(b.0.path().display().to_string())),
            prop("shape", "[samples, columns] of /dataset", |b| {
                let (r, c) = b.0.dataset_shape();
                Dynamic::from(vec![int(r), int(c)])
            }),
            prop("keys", "metadata keys (VoxelData, ROI_V1, DataType, Label, ...)", |b| {
                strings(b.0.metadata_keys())
            }),
            prop("vmap_keys", "keys with value-label maps", |b| strings(b.0.vmap_keys())),
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
            prop("model", "the evaluated model's label", |e| {
                Dynamic::from(e.model.clone())
            }),
            prop("split", "the evaluated split", |e| {
                Dynamic::from(e.report.split.clone())
            }),
            prop("name", "the report's name in the run directory", |e| {
                Dynamic::from(e.name.clone())
            }),
            prop(
                "settings",
                "k, similarity, bootstrap, permutations, n_way, repeats, identification, seed",
                |e| to_dynamic(&e.report.settings),
            ),
            prop(
                "metrics",
                "the whole report as a map (zero_shot, retrieval: one entry per direction)",
                |e| to_dynamic(&*e.report),
            ),
        ],
        |e| format!("{} on {}\n{}", e.model, e.report.split, e.report.to_table()),
    );
    register_value_type::<NiftiValue>(
        reg,
        "Nifti",
        "A NIfTI-1/2 volume (3-D) or series (4-D), scaled by scl_slope/scl_inter, held as f32.",
        vec![
            prop("path", "the file", |n| Dynamic::from(n.0.source.clone())),
            prop("format", "\"nifti1\" or \"nifti2\"", |n| to_dynamic(&n.0.header.format)),
            prop("shape", "[x, y, z] or [x, y, z, t]", |n| {
                Dynamic::from(n.0.header.shape.iter().map(|&d| int(d)).collect::<Array>())
            }),
            prop("n_volumes", "volumes in a series (1 for a 3-D image)", |n| {
                int(n.0.header.shape.get(3).copied().unwrap_or(1))
            }),
            prop("datatype", "stored datatype, e.g. \"int16\"", |n| {
                Dynamic::from(n.0.header.datatype.clone())
            }),
            prop("voxel_size", "voxel size in mm (x, y, z)", |n| {
                to_dynamic(&n.0.header.voxel_size)
            }),
            prop(
                "tr",
                "repetition time in seconds, or () when the header has none",
                |n| n.0.header.tr.map(Dynamic::from).unwrap_or(Dynamic::UNIT),
            ),
            prop(
                "affine",
                "voxel → world 4×4 matrix, row-major (sform, else qform, else pixdim)",
                |n| to_dynamic(&n.0.header.affine),
            ),
            prop("scl_slope", "the header's scl_slope (0 means no scaling)", |n| {
                Dynamic::from(n.0.header.scl_slope)
            }),
            prop("scl_inter", "the header's scl_inter", |n| {
                Dynamic::from(n.0.header.scl_inter)
            }),
        ],
        |n| format!("Nifti {} ({:?}, {})", n.0.source, n.0.header.shape, n.0.header.datatype),
    );
    register_value_type::<MaskValue>(
        reg,
        "Mask",
        "Voxels selected on a 3-D grid, from a mask volume or atlas labels; apply_mask(series, mask) uses it.",
        vec![
            prop("n_voxels", "voxels selected", |m| int(m.0.len())),
            prop("shape", "the grid [x, y, z]", |m| {
                Dynamic::from(m.0.shape().iter().map(|&d| int(d)).collect::<Array>())
            }),
            prop("source", "the file it was made from", |m| {
                Dynamic::from(m.0.source().to_string())
            }),
        ],
        |m| format!("Mask of {} voxels on {:?} ({})", m.0.len(), m.0.shape(), m.0.source()),
    );
    register_value_type::<EventsValue>(
        reg,
        "Events",
        "Events of a BIDS events.tsv file: onset and duration in seconds, and a label per event.",
        vec![
            prop("len", "number of events", |e| int(e.0.len())),
            prop("onsets", "onsets in seconds", |e| to_dynamic(&e.0.onset)),
            prop("durations", "durations in seconds (NaN for n/a)", |e| {
                to_dynamic(&e.0.duration)
            }),
            prop("labels", "the label column's values", |e| {
                strings(e.0.label.iter().cloned())
            }),
        ],
        |e| format!("Events ({} events)", e.0.len()),
    );
    register_value_type::<ImageValue>(
        reg,
        "Image",
        "A stimulus image (8-bit RGB) read from PNG or JPEG.",
        vec![
            prop("width", "width in pixels", |i| int(i.image.width() as usize)),
            prop("height", "height in pixels", |i| int(i.image.height() as usize)),
            prop("path", "the file it was read from", |i| Dynamic::from(i.path.clone())),
        ],
        |i| format!("Image {}×{} ({})", i.image.width(), i.image.height(), i.path),
    );
    register_value_type::<FigureValue>(
        reg,
        "Figure",
        "A rendered figure (PNG and SVG); save_figure(fig, name) writes it into the run directory.",
        vec![
            prop("title", "the figure's title", |f| {
                Dynamic::from(f.0.title().to_string())
            }),
            prop("width", "width in pixels", |f| int(f.0.width() as usize)),
            prop("height", "height in pixels", |f| int(f.0.height() as usize)),
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
