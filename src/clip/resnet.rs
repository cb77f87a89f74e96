//! OpenAI's modified ResNet image tower (CLIP RN50, RN101, ...), as OpenCLIP builds it
//! (`open_clip/modified_resnet.py`):
//!
//! - a stem of three 3×3 convolutions (the first with stride 2), each with BatchNorm and ReLU,
//!   then a 2×2 average pool;
//! - four stages of bottleneck blocks (1×1, 3×3, 1×1 convolutions, four times as many output
//!   channels as inner ones) whose strides are anti-aliased: a block with stride 2 average-pools
//!   before its last convolution, and its shortcut is an average pool, a 1×1 convolution and a
//!   BatchNorm;
//! - attention pooling: the last feature map's positions plus their mean as a first token, a
//!   positional embedding, one multi-head attention whose only query is the mean token, and the
//!   output projection `c_proj` into the joint embedding space.
//!
//! BatchNorm runs in evaluation mode (running mean and variance, ε = 1e-5): a fixed affine map
//! per channel, folded into the convolution before it when the weights are loaded. Its output
//! is therefore the same under autodiff as without, unlike burn's `BatchNorm` module, which
//! uses batch statistics whenever the backend records gradients.
//!
//! Tensor names are OpenCLIP's (the same as OpenAI's checkpoints): `visual.conv1.weight`,
//! `visual.bn1.{weight,bias,running_mean,running_var}`, `visual.layer1.0.conv1.weight`,
//! `visual.layer2.0.downsample.0.weight` (convolution) and `downsample.1.*` (BatchNorm),
//! `visual.attnpool.positional_embedding`, `visual.attnpool.{q,k,v,c}_proj.{weight,bias}`.

use burn::module::{Module, Param};
use burn::nn::Linear;
use burn::tensor::activation::{relu, softmax};
use burn::tensor::module::{avg_pool2d, conv2d};
use burn::tensor::ops::{AvgPoolOptions, ConvOptions};
use burn::tensor::{Tensor, TensorData};

use super::ClipError;
use super::config::{BottleneckShape, ResNetConfig, VisionConfig};
use crate::weights::TensorStore;

/// BatchNorm's epsilon in OpenCLIP's (PyTorch's default) `BatchNorm2d`.
pub const BATCH_NORM_EPS: f32 = 1e-5;

/// A bias-free convolution followed by an evaluation-mode BatchNorm, folded into one
/// convolution with bias: `w' = w·γ/√(σ²+ε)` per output channel, `b' = β − μ·γ/√(σ²+ε)`.
#[derive(Module, Debug)]
pub struct ConvBn {
    weight: Param<Tensor<4>>,
    bias: Param<Tensor<1>>,
    stride: usize,
    padding: usize,
}

/// Fold BatchNorm statistics into a convolution's weights (out × in × k × k, row-major): the
/// folded weights and bias.
///
/// ```
/// use brainclip::clip::resnet::fold_batch_norm;
/// // One 1×1 convolution of weight 2; BatchNorm with γ 3, β 1, mean 4, variance 1 − ε.
/// let (w, b) = fold_batch_norm(&[2.0], [&[3.0], &[1.0], &[4.0], &[1.0 - 1e-5]]);
/// // bn(conv(x)) = 3·(2x − 4) + 1 = 6x − 11
/// assert!((w[0] - 6.0).abs() < 1e-6 && (b[0] + 11.0).abs() < 1e-5);
/// ```
pub fn fold_batch_norm(weight: &[f32], [gamma, beta, mean, var]: [&[f32]; 4]) -> (Vec<f32>, Vec<f32>) {
    let out = gamma.len();
    let per_out = weight.len() / out.max(1);
    let scale: Vec<f32> = gamma
        .iter()
        .zip(var)
        .map(|(g, v)| g / (v + BATCH_NORM_EPS).sqrt())
        .collect();
    let folded = weight
        .chunks(per_out.max(1))
        .zip(&scale)
        .flat_map(|(row, s)| row.iter().map(move |w| w * s))
        .collect();
    let bias = beta.iter().zip(mean).zip(&scale).map(|((b, m), s)| b - m * s).collect();
    (folded, bias)
}

impl ConvBn {
    /// Load `{conv}.weight` (c_out × c_in × k × k) and the BatchNorm `{bn}.*` after it.
    fn load(
        store: &mut TensorStore,
        (conv, bn): (&str, &str),
        (c_in, c_out, k): (usize, usize, usize),
        stride: usize,
    ) -> Self {
        let weight = store.take(&format!("{conv}.weight"), &[c_out, c_in, k, k]);
        let [gamma, beta, mean, var] =
            ["weight", "bias", "running_mean", "running_var"].map(|p| store.take(&format!("{bn}.{p}"), &[c_out]));
        let (weight, bias) = fold_batch_norm(&weight, [&gamma, &beta, &mean, &var]);
        let device = store.device().clone();
        Self {
            weight: Param::from_tensor(Tensor::from_data(TensorData::new(weight, [c_out, c_in, k, k]), &device)),
            bias: Param::from_tensor(Tensor::from_data(TensorData::new(bias, [c_out]), &device)),
            stride,
            padding: k / 2,
        }
    }

    /// `bn(conv(x))`.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let options = ConvOptions::new([self.stride; 2], [self.padding; 2], [1, 1], 1);
        conv2d(x, self.weight.val(), Some(self.bias.val()), options)
    }
}

/// `k×k` average pooling with stride `k` (PyTorch's `AvgPool2d(k)`).
fn pool(x: Tensor<4>, k: usize) -> Tensor<4> {
    if k == 1 {
        x
    } else {
        avg_pool2d(x, AvgPoolOptions::new([k, k]))
    }
}

/// One bottleneck block with its (optional) downsampling shortcut.
#[derive(Module, Debug)]
pub struct Bottleneck {
    conv1: ConvBn,
    conv2: ConvBn,
    conv3: ConvBn,
    downsample: Option<ConvBn>,
    stride: usize,
}

impl Bottleneck {
    fn load(store: &mut TensorStore, b: &BottleneckShape) -> Self {
        let p = format!("visual.layer{}.{}", b.stage + 1, b.index);
        let name = |s: &str| format!("{p}.{s}");
        let (conv1, bn1, conv2, bn2, conv3, bn3) = (
            name("conv1"),
            name("bn1"),
            name("conv2"),
            name("bn2"),
            name("conv3"),
            name("bn3"),
        );
        let out = b.out_channels();
        Self {
            conv1: ConvBn::load(store, (&conv1, &bn1), (b.inplanes, b.planes, 1), 1),
            conv2: ConvBn::load(store, (&conv2, &bn2), (b.planes, b.planes, 3), 1),
            conv3: ConvBn::load(store, (&conv3, &bn3), (b.planes, out, 1), 1),
            downsample: b.has_downsample().then(|| {
                let (conv, bn) = (name("downsample.0"), name("downsample.1"));
                ConvBn::load(store, (&conv, &bn), (b.inplanes, out, 1), 1)
            }),
            stride: b.stride,
        }
    }

    /// `relu(bn3(conv3(pool(relu(bn2(conv2(relu(bn1(conv1(x))))))))) + shortcut(x))`.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let out = relu(self.conv1.forward(x.clone()));
        let out = relu(self.conv2.forward(out));
        let out = self.conv3.forward(pool(out, self.stride));
        let identity = match &self.downsample {
            Some(d) => d.forward(pool(x, self.stride)),
            None => x,
        };
        relu(out + identity)
    }
}

/// Attention pooling: the feature map's positions and their mean, one query (the mean token),
/// projected by `c_proj`.
#[derive(Module, Debug)]
pub struct AttentionPool {
    position: Param<Tensor<2>>,
    q: Linear,
    k: Linear,
    v: Linear,
    c: Linear,
    heads: usize,
}

impl AttentionPool {
    fn load(store: &mut TensorStore, r: &ResNetConfig, tokens: usize, output: usize) -> Self {
        let c = r.feature_width();
        let proj = |store: &mut TensorStore, name: &str, out: usize| {
            store.linear(&format!("visual.attnpool.{name}"), c, out, true)
        };
        Self {
            position: store.param("visual.attnpool.positional_embedding", [tokens, c]),
            q: proj(store, "q_proj", c),
            k: proj(store, "k_proj", c),
            v: proj(store, "v_proj", c),
            c: proj(store, "c_proj", output),
            heads: r.heads,
        }
    }

    /// Pooled, projected features (batch × output) of a feature map (batch × C × g × g).
    pub fn forward(&self, x: Tensor<4>) -> Tensor<2> {
        let [b, c, h, w] = x.dims();
        let (n, heads) = (h * w + 1, self.heads);
        let hd = c / heads;
        let tokens = x.reshape([b, c, h * w]).swap_dims(1, 2);
        let mean = tokens.clone().mean_dim(1);
        let x = Tensor::cat(vec![mean, tokens], 1) + self.position.val().unsqueeze::<3>();
        // Only the first token's output is kept, so it is the only query (as OpenAI's code).
        let q = self
            .q
            .forward(x.clone().narrow(1, 0, 1))
            .reshape([b, 1, heads, hd])
            .swap_dims(1, 2)
            * (hd as f32).powf(-0.5);
        let split = |t: Tensor<3>| t.reshape([b, n, heads, hd]).swap_dims(1, 2);
        let k = split(self.k.forward(x.clone()));
        let v = split(self.v.forward(x));
        let attended = softmax(q.matmul(k.swap_dims(2, 3)), 3).matmul(v);
        self.c.forward(attended.reshape([b, c]))
    }
}

/// The modified ResNet image tower, projecting into the joint space through its attention pool.
///
/// ```
/// use brainclip::clip::Clip;
/// use burn::tensor::{Device, Tensor};
/// // A tiny random OpenCLIP RN model: 64 px, joint space of 32 dimensions.
/// let clip = Clip::load("tests/data/clip/tiny_resnet".as_ref(), &Device::flex()).unwrap();
/// let pixels = Tensor::<4>::zeros([2, 3, 64, 64], &clip.device);
/// assert_eq!(clip.model.encode_images(pixels).unwrap().dims(), [2, 32]);
/// ```
#[derive(Module, Debug)]
pub struct ModifiedResNet {
    stem: Vec<ConvBn>,
    blocks: Vec<Bottleneck>,
    pool: AttentionPool,
    image_size: usize,
    channels: usize,
}

impl ModifiedResNet {
    /// Load from OpenCLIP names under `visual.`, projecting into `output` dimensions.
    pub(crate) fn load(store: &mut TensorStore, c: &VisionConfig, r: &ResNetConfig, output: usize) -> Self {
        let (w, half) = (r.width, r.width / 2);
        let stem = [(c.channels, half, 2), (half, half, 1), (half, w, 1)]
            .iter()
            .enumerate()
            .map(|(i, &(c_in, c_out, stride))| {
                let (conv, bn) = (format!("visual.conv{}", i + 1), format!("visual.bn{}", i + 1));
                ConvBn::load(store, (&conv, &bn), (c_in, c_out, 3), stride)
            })
            .collect();
        Self {
            stem,
            blocks: r.blocks().iter().map(|b| Bottleneck::load(store, b)).collect(),
            pool: AttentionPool::load(store, r, c.tokens(), output),
            image_size: c.image_size,
            channels: c.channels,
        }
    }

    /// Image embeddings (batch × projection) of normalised images (batch × channels × size ×
    /// size).
    pub fn forward(&self, pixels: Tensor<4>) -> Result<Tensor<2>, ClipError> {
        let [b, ch, h, w] = pixels.dims();
        if ch != self.channels || h != self.image_size || w != self.image_size {
            return Err(ClipError::Shape {
                what: "image batch",
                expected: format!("N × {} × {} × {}", self.channels, self.image_size, self.image_size),
                found: format!("{b} × {ch} × {h} × {w}"),
            });
        }
        let mut x = pixels;
        for conv in &self.stem {
            x = relu(conv.forward(x));
        }
        x = pool(x, 2);
        for block in &self.blocks {
            x = block.forward(x);
        }
        Ok(self.pool.forward(x))
    }
}
