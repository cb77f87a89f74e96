//! The pieces every UNet block is made of, loaded from diffusers tensor names: the residual
//! block with its time-embedding injection, spatial self-attention, and the 2× down/up-samplers.

use burn::module::Module;
use burn::nn::conv::Conv2d;
use burn::nn::{GroupNorm, Linear, PaddingConfig2d};
use burn::tensor::Tensor;
use burn::tensor::activation::{silu, softmax};
use burn::tensor::module::avg_pool2d;
use burn::tensor::ops::AvgPoolOptions;

use super::config::TimeScaleShift;
use crate::weights::TensorStore;

/// A 3×3 convolution keeping the image size.
pub(crate) fn conv3(store: &mut TensorStore, prefix: &str, channels: (usize, usize)) -> Conv2d {
    store.conv2d(prefix, channels, (3, 1), PaddingConfig2d::Explicit(1, 1, 1, 1))
}

/// Nearest-neighbour 2× up-sampling (as `F.interpolate(scale_factor=2, mode="nearest")`).
pub(crate) fn upsample_nearest(x: Tensor<4>) -> Tensor<4> {
    let [b, c, h, w] = x.dims();
    x.reshape([b, c, h, 1, w, 1])
        .expand([b, c, h, 2, w, 2])
        .reshape([b, c, 2 * h, 2 * w])
}

/// What a residual block does to the image size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Resize {
    Keep,
    Down,
    Up,
}

/// Sizes a residual block is built from.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ResnetSpec {
    pub c_in: usize,
    pub c_out: usize,
    pub temb: usize,
    pub groups: usize,
    pub eps: f64,
    pub shift: TimeScaleShift,
    pub output_scale: f64,
    pub resize: Resize,
}

/// diffusers' `ResnetBlock2D`: GroupNorm → SiLU → (resample) → conv → time embedding → GroupNorm
/// → SiLU → conv, plus the (resampled, projected) input.
#[derive(Module, Debug)]
pub struct ResnetBlock {
    norm1: GroupNorm,
    conv1: Conv2d,
    time_emb_proj: Linear,
    norm2: GroupNorm,
    conv2: Conv2d,
    shortcut: Option<Conv2d>,
    #[module(skip)]
    scale_shift: bool,
    #[module(skip)]
    resize: Resize,
    output_scale: f64,
}

impl ResnetBlock {
    pub(crate) fn load(store: &mut TensorStore, prefix: &str, s: ResnetSpec) -> Self {
        let temb_out = match s.shift {
            TimeScaleShift::Add => s.c_out,
            TimeScaleShift::ScaleShift => 2 * s.c_out,
        };
        Self {
            norm1: store.group_norm(&format!("{prefix}.norm1"), s.groups, s.c_in, s.eps),
            conv1: conv3(store, &format!("{prefix}.conv1"), (s.c_in, s.c_out)),
            time_emb_proj: store.linear(&format!("{prefix}.time_emb_proj"), s.temb, temb_out, true),
            norm2: store.group_norm(&format!("{prefix}.norm2"), s.groups, s.c_out, s.eps),
            conv2: conv3(store, &format!("{prefix}.conv2"), (s.c_out, s.c_out)),
            shortcut: (s.c_in != s.c_out).then(|| {
                store.conv2d(
                    &format!("{prefix}.conv_shortcut"),
                    (s.c_in, s.c_out),
                    (1, 1),
                    PaddingConfig2d::Valid,
                )
            }),
            scale_shift: s.shift == TimeScaleShift::ScaleShift,
            resize: s.resize,
            output_scale: s.output_scale,
        }
    }

    /// `x`: batch × c_in × h × w; `temb`: batch × time-embedding width.
    pub fn forward(&self, x: Tensor<4>, temb: Tensor<2>) -> Tensor<4> {
        let resample = |t: Tensor<4>| match self.resize {
            Resize::Keep => t,
            Resize::Down => avg_pool2d(t, AvgPoolOptions::new([2, 2])),
            Resize::Up => upsample_nearest(t),
        };
        let h = resample(silu(self.norm1.forward(x.clone())));
        let input = resample(x);
        let h = self.conv1.forward(h);
        let t: Tensor<2> = self.time_emb_proj.forward(silu(temb));
        let [b, tw] = t.dims();
        let t: Tensor<4> = t.reshape([b, tw, 1, 1]);
        let h = if self.scale_shift {
            let c = tw / 2;
            let scale = t.clone().narrow(1, 0, c);
            let shift = t.narrow(1, c, c);
            self.norm2.forward(h) * (scale + 1.0) + shift
        } else {
            self.norm2.forward(h + t)
        };
        let h = self.conv2.forward(silu(h));
        let input = match &self.shortcut {
            Some(conv) => conv.forward(input),
            None => input,
        };
        let out = input + h;
        if self.output_scale == 1.0 {
            out
        } else {
            out / self.output_scale
        }
    }
}

/// diffusers' spatial self-attention block (`Attention` with a GroupNorm and a residual
/// connection): every pixel attends to every pixel.
#[derive(Module, Debug)]
pub struct SpatialAttention {
    norm: Option<GroupNorm>,
    to_q: Linear,
    to_k: Linear,
    to_v: Linear,
    to_out: Linear,
    heads: usize,
    output_scale: f64,
}

impl SpatialAttention {
    pub(crate) fn load(
        store: &mut TensorStore,
        prefix: &str,
        channels: usize,
        head_dim: usize,
        groups: Option<usize>,
        eps: f64,
        output_scale: f64,
    ) -> Self {
        let lin =
            |store: &mut TensorStore, name: &str| store.linear(&format!("{prefix}.{name}"), channels, channels, true);
        Self {
            norm: groups.map(|g| store.group_norm(&format!("{prefix}.group_norm"), g, channels, eps)),
            to_q: lin(store, "to_q"),
            to_k: lin(store, "to_k"),
            to_v: lin(store, "to_v"),
            to_out: lin(store, "to_out.0"),
            heads: channels / head_dim,
            output_scale,
        }
    }

    /// `x`: batch × channels × h × w.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let [b, c, h, w] = x.dims();
        let n = h * w;
        let normed = match &self.norm {
            Some(norm) => norm.forward(x.clone()),
            None => x.clone(),
        };
        let tokens: Tensor<3> = normed.reshape([b, c, n]).swap_dims(1, 2);
        let hd = c / self.heads;
        let split = |t: Tensor<3>| t.reshape([b, n, self.heads, hd]).swap_dims(1, 2);
        let q = split(self.to_q.forward(tokens.clone())) * (hd as f64).powf(-0.5);
        let k = split(self.to_k.forward(tokens.clone()));
        let v = split(self.to_v.forward(tokens));
        let attended = softmax(q.matmul(k.swap_dims(2, 3)), 3).matmul(v);
        let merged: Tensor<3> = attended.swap_dims(1, 2).reshape([b, n, c]);
        let out: Tensor<4> = self.to_out.forward(merged).swap_dims(1, 2).reshape([b, c, h, w]);
        let out = out + x;
        if self.output_scale == 1.0 {
            out
        } else {
            out / self.output_scale
        }
    }
}

/// A 2× down-sampler: a stride-2 convolution, or a residual block that average-pools.
#[derive(Module, Debug)]
#[allow(clippy::large_enum_variant)] // a handful per model, built once
pub enum Downsampler {
    /// `Downsample2D(use_conv=True)`.
    Conv(Conv2d),
    /// `ResnetBlock2D(down=True)`.
    Resnet(ResnetBlock),
}

impl Downsampler {
    pub(crate) fn conv(store: &mut TensorStore, prefix: &str, channels: usize, padding: usize) -> Self {
        let pad = if padding == 1 {
            PaddingConfig2d::Explicit(1, 1, 1, 1)
        } else {
            // diffusers pads (0, 1, 0, 1) by hand before a padding-0 convolution.
            PaddingConfig2d::Explicit(0, 0, 1, 1)
        };
        Self::Conv(store.conv2d(&format!("{prefix}.conv"), (channels, channels), (3, 2), pad))
    }

    /// Halve the image.
    pub fn forward(&self, x: Tensor<4>, temb: Tensor<2>) -> Tensor<4> {
        match self {
            Self::Conv(conv) => conv.forward(x),
            Self::Resnet(block) => block.forward(x, temb),
        }
    }
}

/// A 2× up-sampler: nearest up-sampling and a convolution, or a residual block that up-samples.
#[derive(Module, Debug)]
#[allow(clippy::large_enum_variant)] // a handful per model, built once
pub enum Upsampler {
    /// `Upsample2D(use_conv=True)`.
    Conv(Conv2d),
    /// `ResnetBlock2D(up=True)`.
    Resnet(ResnetBlock),
}

impl Upsampler {
    /// Double the image.
    pub fn forward(&self, x: Tensor<4>, temb: Tensor<2>) -> Tensor<4> {
        match self {
            Self::Conv(conv) => conv.forward(upsample_nearest(x)),
            Self::Resnet(block) => block.forward(x, temb),
        }
    }
}

/// diffusers' sinusoidal `Timesteps` projection of (possibly fractional) timesteps.
pub(crate) fn timestep_features(t: Tensor<1>, dim: usize, flip_sin_to_cos: bool, freq_shift: f64) -> Tensor<2> {
    let half = dim / 2;
    let device = t.device();
    let freqs: Vec<f32> = (0..half)
        .map(|i| {
            // In f32, as PyTorch computes it, so the phases of late timesteps agree.
            let exponent = -(10000f64.ln() as f32) * i as f32 / (half as f32 - freq_shift as f32);
            exponent.exp()
        })
        .collect();
    let freqs: Tensor<2> = Tensor::<1>::from_floats(freqs.as_slice(), &device).reshape([1, half]);
    let n = t.dims()[0];
    let args = t.reshape([n, 1]).matmul(freqs);
    let (sin, cos) = (args.clone().sin(), args.cos());
    let emb = if flip_sin_to_cos {
        Tensor::cat(vec![cos, sin], 1)
    } else {
        Tensor::cat(vec![sin, cos], 1)
    };
    if dim % 2 == 1 {
        Tensor::cat(vec![emb, Tensor::zeros([n, 1], &device)], 1)
    } else {
        emb
    }
}
