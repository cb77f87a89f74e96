use burn::module::Module;
use burn::nn::{Dropout, DropoutConfig, Gelu, LayerNorm, LayerNormConfig, Linear};
use burn::tensor::module::linear;
use burn::tensor::{Device, FloatDType, Tensor};
use ndarray::{Array2, ArrayView2, Axis, concatenate};

use super::init::Initialiser;
use super::{Architecture, HeadMode, MappingConfig, ModelError};
use crate::tensors::{from_tensor, to_tensor};

/// A pre-LayerNorm residual block: `x + Dropout(GELU(Linear(LayerNorm(x))))`.
#[derive(Module, Debug)]
pub struct ResidualBlock {
    norm: LayerNorm,
    linear: Linear,
}

/// The mapping network: fMRI (batch × voxels) → embeddings for the image and text targets.
///
/// ```
/// use brainclip::model::{MappingConfig, MappingNet};
/// let device = burn::tensor::Device::flex();
/// let net = MappingNet::new(&MappingConfig::new(20, 8), &device).unwrap();
/// let (image, text) = net.predict(ndarray::Array2::zeros((3, 20)).view(), &device).unwrap();
/// assert_eq!((image.dim(), text.dim()), ((3, 8), (3, 8)));
/// ```
#[derive(Module, Debug)]
pub struct MappingNet {
    /// MLP hidden layers, or the residual stem (one layer).
    layers: Vec<Linear>,
    blocks: Vec<ResidualBlock>,
    final_norm: Option<LayerNorm>,
    image_head: Linear,
    text_head: Option<Linear>,
    dropout: Dropout,
    activation: Gelu,
    input_dim: usize,
}

/// The network's two outputs (identical tensors when the head is shared).
#[derive(Debug, Clone)]
pub struct Prediction {
    /// Embedding compared with CLIP image embeddings.
    pub image: Tensor<2>,
    /// Embedding compared with CLIP text embeddings.
    pub text: Tensor<2>,
}

impl MappingNet {
    /// Build a network with seeded weights on `device`.
    pub fn new(config: &MappingConfig, device: &Device) -> Result<Self, ModelError> {
        config.validate()?;
        let mut init = Initialiser::new(config.seed, device);
        let norm = |d: usize| LayerNormConfig::new(d).init(device);
        let (layers, blocks, final_norm, trunk_width) = match &config.architecture {
            Architecture::Linear => (Vec::new(), Vec::new(), None, config.input_dim),
            Architecture::Mlp { hidden } => {
                let mut widths = vec![config.input_dim];
                widths.extend(hidden);
                let layers = widths.windows(2).map(|w| init.linear(w[0], w[1])).collect();
                (layers, Vec::new(), None, *widths.last().unwrap_or(&config.input_dim))
            }
            Architecture::Residual { width, blocks } => {
                let stem = init.linear(config.input_dim, *width);
                let blocks = (0..*blocks)
                    .map(|_| ResidualBlock {
                        norm: norm(*width),
                        linear: init.linear(*width, *width),
                    })
                    .collect();
                (vec![stem], blocks, Some(norm(*width)), *width)
            }
        };
        let image_head = init.linear(trunk_width, config.output_dim);
        let text_head = match config.heads {
            HeadMode::Shared => None,
            HeadMode::Separate => Some(init.linear(trunk_width, config.output_dim)),
        };
        Ok(Self {
            layers,
            blocks,
            final_norm,
            image_head,
            text_head,
            dropout: DropoutConfig::new(config.dropout).init(),
            activation: Gelu::new(),
            input_dim: config.input_dim,
        })
    }

    /// This network behind a linear `input` layer (voxels × this network's input), folded into
    /// its first linear map: the same function of the input layer's voxels, as one ordinary
    /// network (a shared-subject model seen by one subject).
    pub(crate) fn behind(&self, input: &Linear) -> MappingNet {
        let device = self.image_head.weight.device();
        let (w_in, b_in) = host(input);
        let fold = |layer: &Linear| -> Linear {
            let (w, b) = host(layer);
            let weight = w_in.dot(&w);
            let bias = b_in.dot(&w) + &b;
            Linear {
                weight: burn::module::Param::from_tensor(to_tensor(weight.view(), &device)),
                bias: Some(burn::module::Param::from_tensor(Tensor::from_data(
                    burn::tensor::TensorData::new(bias.to_vec(), [bias.len()]),
                    &device,
                ))),
            }
        };
        let mut net = self.clone();
        if let Some(first) = net.layers.first_mut() {
            *first = fold(first);
        } else {
            net.image_head = fold(&self.image_head);
            net.text_head = self.text_head.as_ref().map(fold);
        }
        net.input_dim = w_in.nrows();
        net
    }

    /// Number of voxels the network expects.
    pub fn input_dim(&self) -> usize {
        self.input_dim
    }

    /// The image head's weights (trunk width × D). For a linear network the trunk is the input,
    /// so this is the voxel → embedding weight map (voxels × D) used to interpret a decoder.
    pub fn image_head_weights(&self) -> Array2<f32> {
        from_tensor(self.image_head.weight.val())
    }

    /// Forward pass on a batch.
    pub fn forward(&self, fmri: Tensor<2>) -> Prediction {
        self.forward_in(fmri, None)
    }

    /// Forward pass with the matrix products in `compute` (e.g. bf16 mixed precision; `None`:
    /// the weights' own f32). Weights stay f32 and are cast per use, so their gradients and
    /// the optimiser state are f32; layer norms run in f32; the outputs are f32.
    ///
    /// ```
    /// use brainclip::model::{MappingConfig, MappingNet};
    /// use burn::tensor::{Device, FloatDType, Tensor};
    /// let device = Device::flex();
    /// let net = MappingNet::new(&MappingConfig::new(20, 8), &device).unwrap();
    /// let x = Tensor::<2>::ones([3, 20], &device);
    /// let full = net.forward(x.clone()).image;
    /// let mixed = net.forward_in(x, Some(FloatDType::BF16)).image;
    /// assert_eq!(mixed.dtype(), full.dtype());
    /// let diff = (full - mixed).abs().max().into_scalar::<f32>();
    /// assert!(diff < 0.05, "{diff}");
    /// ```
    pub fn forward_in(&self, fmri: Tensor<2>, compute: Option<FloatDType>) -> Prediction {
        let dense = |layer: &Linear, x: Tensor<2>| match compute {
            None => layer.forward(x),
            Some(dtype) => linear(
                x.cast(dtype),
                layer.weight.val().cast(dtype),
                layer.bias.as_ref().map(|b| b.val().cast(dtype)),
            ),
        };
        let full = |x: Tensor<2>| match compute {
            None => x,
            Some(_) => x.cast(FloatDType::F32),
        };
        let mut x = fmri;
        for layer in &self.layers {
            x = self.dropout.forward(self.activation.forward(dense(layer, x)));
        }
        for block in &self.blocks {
            let update = dense(&block.linear, block.norm.forward(full(x.clone())));
            x = full(x) + full(self.dropout.forward(self.activation.forward(update)));
        }
        if let Some(norm) = &self.final_norm {
            x = norm.forward(full(x));
        }
        let image = full(dense(&self.image_head, x.clone()));
        let text = match &self.text_head {
            Some(head) => full(dense(head, x)),
            None => image.clone(),
        };
        Prediction { image, text }
    }

    /// Predict image- and text-head embeddings for host fMRI, in evaluation mode (no dropout),
    /// in batches of 256 samples.
    pub fn predict(&self, fmri: ArrayView2<f32>, device: &Device) -> Result<(Array2<f32>, Array2<f32>), ModelError> {
        if fmri.ncols() != self.input_dim {
            return Err(ModelError::DimensionMismatch {
                what: "number of voxels",
                expected: self.input_dim,
                found: fmri.ncols(),
            });
        }
        let net = self.valid();
        let device = device.clone().inner();
        let mut images = Vec::new();
        let mut texts = Vec::new();
        for chunk in fmri.axis_chunks_iter(Axis(0), 256) {
            let out = net.forward(to_tensor(chunk, &device));
            images.push(from_tensor(out.image));
            texts.push(from_tensor(out.text));
        }
        let stack = |parts: Vec<Array2<f32>>| -> Result<Array2<f32>, ModelError> {
            if parts.is_empty() {
                return Ok(Array2::zeros((0, self.image_head.weight.dims()[1])));
            }
            let views: Vec<_> = parts.iter().map(|p| p.view()).collect();
            concatenate(Axis(0), &views).map_err(|e| ModelError::Numerical(e.to_string()))
        };
        Ok((stack(images)?, stack(texts)?))
    }
}

/// A linear layer's weight (in × out) and bias on the host.
fn host(layer: &Linear) -> (Array2<f32>, ndarray::Array1<f32>) {
    let w = from_tensor(layer.weight.val());
    let b = match &layer.bias {
        Some(b) => ndarray::Array1::from(b.val().into_data().try_into_vec_as::<f32>().unwrap_or_default()),
        None => ndarray::Array1::zeros(w.ncols()),
    };
    (w, b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::MappingConfig;

    #[test]
    fn every_architecture_builds_and_predicts() {
        let device = Device::flex();
        for arch in [
            Architecture::Linear,
            Architecture::Mlp { hidden: vec![16, 12] },
            Architecture::Residual { width: 16, blocks: 2 },
        ] {
            for heads in [HeadMode::Shared, HeadMode::Separate] {
                let cfg = MappingConfig {
                    architecture: arch.clone(),
                    heads,
                    ..MappingConfig::new(10, 4)
                };
                let net = MappingNet::new(&cfg, &device).unwrap();
                let x = Array2::from_shape_fn((5, 10), |(i, j)| (i + j) as f32 / 10.0);
                let (img, txt) = net.predict(x.view(), &device).unwrap();
                assert_eq!(img.dim(), (5, 4));
                assert_eq!(img == txt, heads == HeadMode::Shared, "{arch:?} {heads:?}");
            }
        }
    }

    #[test]
    fn same_seed_same_weights() {
        let device = Device::flex();
        let cfg = MappingConfig::new(10, 4);
        let x = Array2::from_elem((2, 10), 0.5f32);
        let a = MappingNet::new(&cfg, &device)
            .unwrap()
            .predict(x.view(), &device)
            .unwrap();
        let b = MappingNet::new(&cfg, &device)
            .unwrap()
            .predict(x.view(), &device)
            .unwrap();
        assert_eq!(a, b);
        let c = MappingNet::new(&MappingConfig { seed: 1, ..cfg }, &device)
            .unwrap()
            .predict(x.view(), &device)
            .unwrap();
        assert_ne!(a, c);
    }

    #[test]
    fn wrong_voxel_count_is_an_error() {
        let device = Device::flex();
        let net = MappingNet::new(&MappingConfig::new(10, 4), &device).unwrap();
        let err = net.predict(Array2::zeros((2, 7)).view(), &device).unwrap_err();
        assert_eq!(
            err.to_string(),
            "number of voxels: the model expects 10, the data has 7"
        );
    }
}
