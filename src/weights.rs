//! Reading checkpoint tensors into burn modules (CLIP towers, diffusion UNets): every tensor is
//! taken by name with the shape the config implies; at the end, what was missing, mis-shaped or
//! left over is reported at once.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use burn::module::Param;
use burn::nn::conv::Conv2d;
use burn::nn::{GroupNorm, LayerNorm, LayerNormConfig, Linear, PaddingConfig2d};
use burn::tensor::{Device, Tensor, TensorData};
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
#[derive(Debug)]
pub struct TensorStore {
    file: PathBuf,
    tensors: BTreeMap<String, HostTensor>,
    missing: Vec<String>,
    mismatched: Vec<String>,
    device: Device,
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
    let parsed = SafeTensors::deserialize(&bytes).map_err(|e| WeightsError::Safetensors {
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
        }
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
    pub fn names(&self) -> impl Iterator<Item = &str> {
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
            None => {
                self.missing.push(format!("{name} {shape:?}"));
                vec![0.0; shape.iter().product()]
            }
        }
    }

    /// A device tensor of `shape`.
    pub fn tensor<const D: usize>(&mut self, name: &str, shape: [usize; D]) -> Tensor<D> {
        let values = self.take(name, &shape);
        Tensor::from_data(TensorData::new(values, shape), &self.device)
    }

    /// A parameter of `shape`.
    pub fn param<const D: usize>(&mut self, name: &str, shape: [usize; D]) -> Param<Tensor<D>> {
        Param::from_tensor(self.tensor(name, shape))
    }

    /// A linear layer from PyTorch's `weight` (out × in) and optional `bias`.
    pub fn linear(&mut self, prefix: &str, d_in: usize, d_out: usize, bias: bool) -> Linear {
        let weight = self.tensor(&format!("{prefix}.weight"), [d_out, d_in]).transpose();
        Linear {
            weight: Param::from_tensor(weight),
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
