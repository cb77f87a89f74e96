//! Reading checkpoint tensors into burn modules (CLIP towers, diffusion UNets): every tensor is
//! taken by name with the shape the config implies; at the end, what was missing, mis-shaped or
//! left over is reported at once.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use burn::module::{Module, ModuleVisitor, Param, ParamId};
use burn::nn::conv::Conv2d;
use burn::nn::{GroupNorm, LayerNorm, LayerNormConfig, Linear, PaddingConfig2d};
use burn::tensor::{Device, Tensor, TensorData};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use safetensors::{Dtype, SafeTensors};
use thiserror::Error;

/// Errors of reading checkpoint tensors; each model family turns them into its own error.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum WeightsError {
    /// The file could not be read.
    #[error("cannot read {path}: {message}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// The safetensors file itself is malformed.
    #[error("{file}: {message}")]
    Safetensors {
        /// The file.
        file: PathBuf,
        /// The parser's complaint.
        message: String,
    },
    /// The tensors do not fit the configured architecture.
    #[error("weights in {file} do not fit the config:\n{report}")]
    Mismatch {
        /// The file.
        file: PathBuf,
        /// Missing, unexpected and mis-shaped tensors, one per line.
        report: String,
    },
}

/// One host tensor: shape and f32 values.
#[derive(Clone, Debug)]
pub struct HostTensor {
    /// Dimensions.
    pub shape: Vec<usize>,
    /// Row-major values.
    pub values: Vec<f32>,
}

/// The tensors of a checkpoint by name, consumed as the model is built.
///
/// A store made by [`TensorStore::random`] holds no tensors and draws every one it is asked for
/// with PyTorch's default initialisation instead, so the same building code that reads a
/// checkpoint makes a fresh model to train. Either way the store remembers which parameter came
/// from which checkpoint name ([`TensorStore::names`]), so a trained model saves under the names
/// it is read back with.
#[derive(Debug)]
pub struct TensorStore {
    file: PathBuf,
    tensors: BTreeMap<String, HostTensor>,
    missing: Vec<String>,
    mismatched: Vec<String>,
    device: Device,
    init: Option<ChaCha8Rng>,
    names: ParamNames,
}

/// How a parameter is laid out relative to its checkpoint tensor.
#[derive(Clone, Debug, PartialEq)]
enum Layout {
    /// Stored as it is.
    AsIs,
    /// Flattened to `shape[0] × rest` and transposed (PyTorch's out × in linear weights; a
    /// patch-embedding convolution used as a matrix).
    Transposed(Vec<usize>),
}

/// The checkpoint name of each parameter of a model built from a [`TensorStore`].
#[derive(Clone, Debug, Default)]
pub struct ParamNames {
    entries: Vec<(ParamId, String, Layout)>,
}

impl ParamNames {
    fn push(&mut self, id: ParamId, name: &str, layout: Layout) {
        self.entries.push((id, name.to_string(), layout));
    }

    /// Every parameter of `module` as checkpoint tensors (names and layouts as they were read);
    /// a parameter that did not come from the store is an error naming how many.
    ///
    /// ```
    /// use brainclip::weights::TensorStore;
    /// let mut store = TensorStore::random(0, &burn::tensor::Device::flex());
    /// let layer = store.linear("fc", 3, 2, true);
    /// let tensors = store.names().tensors(&layer).unwrap();
    /// assert_eq!(tensors["fc.weight"].shape, vec![2, 3]); // PyTorch's out × in
    /// assert_eq!(tensors["fc.bias"].values, vec![0.0, 0.0]);
    /// ```
    pub fn tensors<M: Module>(&self, module: &M) -> Result<BTreeMap<String, HostTensor>, WeightsError> {
        let mut collect = Collect {
            names: self,
            out: BTreeMap::new(),
            unnamed: 0,
        };
        module.visit(&mut collect);
        if collect.unnamed > 0 {
            return Err(WeightsError::Mismatch {
                file: PathBuf::from("(model being saved)"),
                report: format!("{} parameter(s) have no checkpoint name", collect.unnamed),
            });
        }
        Ok(collect.out)
    }
}

struct Collect<'a> {
    names: &'a ParamNames,
    out: BTreeMap<String, HostTensor>,
    unnamed: usize,
}

impl ModuleVisitor for Collect<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let Some((_, name, layout)) = self.names.entries.iter().find(|(id, ..)| *id == param.id) else {
            self.unnamed += 1;
            return;
        };
        let tensor = param.val();
        let shape = tensor.dims().to_vec();
        let values = tensor
            .into_data()
            .try_into_vec_as::<f32>()
            .unwrap_or_else(|e| unreachable!("a float parameter converts to f32: {e:?}"));
        let host = match layout {
            Layout::AsIs => HostTensor { shape, values },
            Layout::Transposed(original) => {
                let (rows, cols) = (shape[0], shape.get(1).copied().unwrap_or(1));
                let mut t = vec![0.0; values.len()];
                for r in 0..rows {
                    for c in 0..cols {
                        t[c * rows + r] = values[r * cols + c];
                    }
                }
                HostTensor {
                    shape: original.clone(),
                    values: t,
                }
            }
        };
        self.out.insert(name.clone(), host);
    }
}

/// PyTorch's default initial value of a tensor, chosen by its name and shape: biases 0,
/// normalisation weights 1, embeddings N(0, 0.02²), CLIP's logit scale ln(1/0.07), and weight
/// matrices and kernels U(−1/√fan_in, 1/√fan_in) (`kaiming_uniform_(a=√5)`).
fn initial_values(name: &str, shape: &[usize], rng: &mut ChaCha8Rng) -> Vec<f32> {
    let n: usize = shape.iter().product();
    let leaf = name.rsplit('.').next().unwrap_or(name);
    if leaf == "logit_scale" {
        return vec![(1.0f32 / 0.07).ln(); n];
    }
    if name.contains("embedding") {
        let normal = Normal::new(0.0f32, 0.02).unwrap_or_else(|e| unreachable!("{e}"));
        return (0..n).map(|_| normal.sample(rng)).collect();
    }
    if leaf == "bias" || leaf.starts_with("running_mean") {
        return vec![0.0; n];
    }
    if shape.len() == 1 {
        return vec![1.0; n];
    }
    let fan_in: usize = shape[1..].iter().product::<usize>().max(1);
    let bound = 1.0 / (fan_in as f32).sqrt();
    (0..n).map(|_| rng.random_range(-bound..=bound)).collect()
}

/// Little-endian `bytes` of a floating-point `dtype` as f32 (`None` for other dtypes).
pub fn to_f32(dtype: Dtype, bytes: &[u8]) -> Option<Vec<f32>> {
    let pairs = || bytes.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]]));
    Some(match dtype {
        Dtype::F32 => bytes
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect(),
        Dtype::F16 => pairs().map(|b| half::f16::from_bits(b).to_f32()).collect(),
        Dtype::BF16 => pairs().map(|b| half::bf16::from_bits(b).to_f32()).collect(),
        Dtype::F64 => bytes
            .chunks_exact(8)
            .map(|c| f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]) as f32)
            .collect(),
        _ => return None,
    })
}

/// Every floating-point tensor of a safetensors file as f32, by name (integer buffers such as
/// `position_ids` are skipped: they are not weights).
pub fn read_safetensors(file: &Path) -> Result<BTreeMap<String, HostTensor>, WeightsError> {
    let bytes = std::fs::read(file).map_err(|e| WeightsError::Io {
        path: file.to_path_buf(),
        message: e.to_string(),
    })?;
    parse_safetensors(&bytes, file)
}

/// Every floating-point tensor of safetensors `bytes` as f32, by name (`file` names them in
/// errors).
pub fn parse_safetensors(bytes: &[u8], file: &Path) -> Result<BTreeMap<String, HostTensor>, WeightsError> {
    let parsed = SafeTensors::deserialize(bytes).map_err(|e| WeightsError::Safetensors {
        file: file.to_path_buf(),
        message: e.to_string(),
    })?;
    let mut tensors = BTreeMap::new();
    for (name, view) in parsed.tensors() {
        if let Some(values) = to_f32(view.dtype(), view.data()) {
            tensors.insert(
                name,
                HostTensor {
                    shape: view.shape().to_vec(),
                    values,
                },
            );
        }
    }
    Ok(tensors)
}

impl TensorStore {
    /// Read every floating-point tensor of a safetensors file (integer buffers such as
    /// `position_ids` are skipped: they are not weights).
    pub fn open(file: &Path, device: &Device) -> Result<Self, WeightsError> {
        Ok(Self::from_tensors(file, read_safetensors(file)?, device))
    }

    /// A store over tensors already in memory (`file` names them in messages).
    pub fn from_tensors(file: &Path, tensors: BTreeMap<String, HostTensor>, device: &Device) -> Self {
        Self {
            file: file.to_path_buf(),
            tensors,
            missing: Vec::new(),
            mismatched: Vec::new(),
            device: device.clone(),
            init: None,
            names: ParamNames::default(),
        }
    }

    /// An empty store that draws every tensor a model asks for (see [`initial_values`]) from a
    /// ChaCha8 stream of `seed`: the same seed and architecture give the same initial model.
    pub fn random(seed: u64, device: &Device) -> Self {
        let mut store = Self::from_tensors(Path::new("(random initialisation)"), BTreeMap::new(), device);
        store.init = Some(ChaCha8Rng::seed_from_u64(seed));
        store
    }

    /// The checkpoint names of the parameters built so far.
    pub fn names(&self) -> &ParamNames {
        &self.names
    }

    /// Whether a tensor of this name is present (and not yet taken).
    pub fn contains(&self, name: &str) -> bool {
        self.tensors.contains_key(name)
    }

    /// The device tensors are put on.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// Names not yet taken.
    pub fn remaining(&self) -> impl Iterator<Item = &str> {
        self.tensors.keys().map(String::as_str)
    }

    /// Remove and return a tensor (no shape check; for renaming layouts).
    pub fn remove(&mut self, name: &str) -> Option<HostTensor> {
        self.tensors.remove(name)
    }

    /// Put a tensor in (for renaming layouts).
    pub fn insert(&mut self, name: String, tensor: HostTensor) {
        self.tensors.insert(name, tensor);
    }

    /// Take `name` with `shape`; a missing or mis-shaped tensor is recorded and zeros returned, so
    /// that building continues and every problem is reported together by [`TensorStore::finish`].
    pub fn take(&mut self, name: &str, shape: &[usize]) -> Vec<f32> {
        match self.tensors.remove(name) {
            Some(t) if t.shape == shape => t.values,
            Some(t) => {
                self.mismatched.push(format!(
                    "{name}: checkpoint has {:?}, the config needs {shape:?}",
                    t.shape
                ));
                vec![0.0; shape.iter().product()]
            }
            None => match self.init.as_mut() {
                Some(rng) => initial_values(name, shape, rng),
                None => {
                    self.missing.push(format!("{name} {shape:?}"));
                    vec![0.0; shape.iter().product()]
                }
            },
        }
    }

    /// A device tensor of `shape`.
    pub fn tensor<const D: usize>(&mut self, name: &str, shape: [usize; D]) -> Tensor<D> {
        let values = self.take(name, &shape);
        Tensor::from_data(TensorData::new(values, shape), &self.device)
    }

    /// A parameter of `shape`.
    pub fn param<const D: usize>(&mut self, name: &str, shape: [usize; D]) -> Param<Tensor<D>> {
        let param = Param::from_tensor(self.tensor(name, shape));
        self.names.push(param.id, name, Layout::AsIs);
        param
    }

    /// A matrix parameter from a tensor of `shape` flattened to `shape[0] × rest` and transposed
    /// (PyTorch's out × in weights become burn's in × out).
    pub fn transposed<const D: usize>(&mut self, name: &str, shape: [usize; D]) -> Param<Tensor<2>> {
        let rest: usize = shape[1..].iter().product();
        let t: Tensor<D> = self.tensor(name, shape);
        let param = Param::from_tensor(t.reshape([shape[0], rest]).transpose());
        self.names.push(param.id, name, Layout::Transposed(shape.to_vec()));
        param
    }

    /// A linear layer from PyTorch's `weight` (out × in) and optional `bias`.
    pub fn linear(&mut self, prefix: &str, d_in: usize, d_out: usize, bias: bool) -> Linear {
        Linear {
            weight: self.transposed(&format!("{prefix}.weight"), [d_out, d_in]),
            bias: bias.then(|| self.param(&format!("{prefix}.bias"), [d_out])),
        }
    }

    /// A LayerNorm from `weight` and `bias`.
    pub fn layer_norm(&mut self, prefix: &str, width: usize, eps: f64) -> LayerNorm {
        let mut norm = LayerNormConfig::new(width).with_epsilon(eps).init(&self.device);
        norm.gamma = self.param(&format!("{prefix}.weight"), [width]);
        norm.beta = Some(self.param(&format!("{prefix}.bias"), [width]));
        norm
    }

    /// A convolution with bias from PyTorch's `weight` (out × in × k × k) and `bias`.
    pub fn conv2d(
        &mut self,
        prefix: &str,
        (c_in, c_out): (usize, usize),
        (kernel, stride): (usize, usize),
        padding: PaddingConfig2d,
    ) -> Conv2d {
        Conv2d {
            weight: self.param(&format!("{prefix}.weight"), [c_out, c_in, kernel, kernel]),
            bias: Some(self.param(&format!("{prefix}.bias"), [c_out])),
            stride: [stride, stride],
            kernel_size: [kernel, kernel],
            dilation: [1, 1],
            groups: 1,
            padding,
        }
    }

    /// A GroupNorm from affine `weight` and `bias`.
    pub fn group_norm(&mut self, prefix: &str, groups: usize, channels: usize, eps: f64) -> GroupNorm {
        GroupNorm {
            gamma: Some(self.param(&format!("{prefix}.weight"), [channels])),
            beta: Some(self.param(&format!("{prefix}.bias"), [channels])),
            num_groups: groups,
            num_channels: channels,
            epsilon: eps,
            affine: true,
        }
    }

    /// Succeed when every tensor was found with its shape and none is left over (names in
    /// `ignored` may be left over: buffers such as `position_ids`).
    pub fn finish(self, ignored: &[&str]) -> Result<(), WeightsError> {
        let unexpected: Vec<String> = self
            .tensors
            .iter()
            .filter(|(name, _)| !ignored.iter().any(|i| name.ends_with(i)))
            .map(|(name, t)| format!("{name} {:?}", t.shape))
            .collect();
        if self.missing.is_empty() && self.mismatched.is_empty() && unexpected.is_empty() {
            return Ok(());
        }
        let mut report = String::new();
        for (title, list) in [
            ("missing", &self.missing),
            ("shape mismatch", &self.mismatched),
            ("unexpected", &unexpected),
        ] {
            if !list.is_empty() {
                report.push_str(&format!("  {title} ({}):\n", list.len()));
                for line in list.iter().take(40) {
                    report.push_str(&format!("    {line}\n"));
                }
                if list.len() > 40 {
                    report.push_str(&format!("    ... and {} more\n", list.len() - 40));
                }
            }
        }
        Err(WeightsError::Mismatch {
            file: self.file,
            report: report.trim_end().to_string(),
        })
    }
}

/// The bytes of a safetensors file holding `tensors` as f32.
pub fn safetensors_bytes(tensors: &BTreeMap<String, HostTensor>) -> Result<Vec<u8>, std::io::Error> {
    let list: Vec<(String, Vec<usize>, &[f32])> = tensors
        .iter()
        .map(|(name, t)| (name.clone(), t.shape.clone(), t.values.as_slice()))
        .collect();
    crate::data::formats::tensors::f32_safetensors_bytes(&list, None)
}

/// Write a model folder of `files` (name, bytes) all at once: into a staging folder beside it,
/// then renamed into place, replacing an older version only once the new one is complete — a run
/// killed while saving leaves the previous checkpoint intact.
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// let folder = dir.path().join("model");
/// brainclip::weights::write_model_folder(&folder, &[("config.json", b"{}".to_vec())]).unwrap();
/// brainclip::weights::write_model_folder(&folder, &[("config.json", b"{\"a\": 1}".to_vec())]).unwrap();
/// assert_eq!(std::fs::read_to_string(folder.join("config.json")).unwrap(), "{\"a\": 1}");
/// ```
pub fn write_model_folder(folder: &Path, files: &[(&str, Vec<u8>)]) -> Result<(), std::io::Error> {
    let name = folder
        .file_name()
        .map_or_else(|| "model".into(), |n| n.to_string_lossy().into_owned());
    let parent = folder.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent)?;
    let staging = parent.join(format!(".{name}.partial"));
    let old = parent.join(format!(".{name}.old"));
    for stale in [&staging, &old] {
        if stale.exists() {
            std::fs::remove_dir_all(stale)?;
        }
    }
    std::fs::create_dir_all(&staging)?;
    for (file, bytes) in files {
        std::fs::write(staging.join(file), bytes)?;
    }
    if folder.exists() {
        std::fs::rename(folder, &old)?;
    }
    std::fs::rename(&staging, folder)?;
    if old.exists() {
        std::fs::remove_dir_all(&old)?;
    }
    Ok(())
}

/// SHA-256 (hex) of each file of a model folder by name, except its `training.json` (which
/// records these hashes).
pub fn folder_sha256(folder: &Path) -> Result<BTreeMap<String, String>, std::io::Error> {
    use sha2::{Digest, Sha256};
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(folder)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name != "training.json" && entry.path().is_file() {
            out.insert(name, format!("{:x}", Sha256::digest(std::fs::read(entry.path())?)));
        }
    }
    Ok(out)
}
