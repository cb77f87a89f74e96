//! The residual attention block both towers share: pre-LayerNorm multi-head self-attention and a
//! two-layer feed-forward network, each added back to the residual stream.

use burn::module::Module;
use burn::nn::{LayerNorm, Linear};
use burn::tensor::activation::{gelu, sigmoid, softmax};
use burn::tensor::{Bool, Tensor};

use super::config::Activation;

/// The feed-forward non-linearity as a module-free function.
pub(crate) fn activate(x: Tensor<3>, activation: Activation) -> Tensor<3> {
    match activation {
        Activation::QuickGelu => x.clone() * sigmoid(x * 1.702),
        Activation::Gelu => gelu(x),
        Activation::GeluTanh => {
            let inner = (x.clone() + x.clone().powf_scalar(3.0) * 0.044715) * (2.0f32 / std::f32::consts::PI).sqrt();
            x * (inner.tanh() + 1.0) * 0.5
        }
    }
}

/// Multi-head self-attention with separate query, key, value and output projections.
#[derive(Module, Debug)]
pub struct Attention {
    pub(crate) q: Linear,
    pub(crate) k: Linear,
    pub(crate) v: Linear,
    pub(crate) out: Linear,
    heads: usize,
}

impl Attention {
    pub(crate) fn new(q: Linear, k: Linear, v: Linear, out: Linear, heads: usize) -> Self {
        Self { q, k, v, out, heads }
    }

    /// `x`: batch × tokens × width; `mask`: tokens × tokens, true where attention is forbidden.
    pub fn forward(&self, x: Tensor<3>, mask: Option<Tensor<2, Bool>>) -> Tensor<3> {
        let [b, n, w] = x.dims();
        let hd = w / self.heads;
        let split = |t: Tensor<3>| t.reshape([b, n, self.heads, hd]).swap_dims(1, 2);
        let q = split(self.q.forward(x.clone())) * (hd as f32).powf(-0.5);
        let k = split(self.k.forward(x.clone()));
        let v = split(self.v.forward(x));
        let mut scores = q.matmul(k.swap_dims(2, 3));
        if let Some(mask) = mask {
            let mask: Tensor<4, Bool> = mask.unsqueeze::<4>().expand([b, self.heads, n, n]);
            scores = scores.mask_fill(mask, f32::NEG_INFINITY);
        }
        let attended = softmax(scores, 3).matmul(v);
        self.out.forward(attended.swap_dims(1, 2).reshape([b, n, w]))
    }
}

/// One residual attention block.
#[derive(Module, Debug)]
pub struct Block {
    pub(crate) norm1: LayerNorm,
    pub(crate) attention: Attention,
    pub(crate) norm2: LayerNorm,
    pub(crate) fc1: Linear,
    pub(crate) fc2: Linear,
    #[module(skip)]
    activation: Activation,
}

impl Block {
    pub(crate) fn new(
        norm1: LayerNorm,
        attention: Attention,
        norm2: LayerNorm,
        (fc1, fc2): (Linear, Linear),
        activation: Activation,
    ) -> Self {
        Self {
            norm1,
            attention,
            norm2,
            fc1,
            fc2,
            activation,
        }
    }

    /// `x + attn(ln1(x))`, then `x + fc2(act(fc1(ln2(x))))`.
    pub fn forward(&self, x: Tensor<3>, mask: Option<Tensor<2, Bool>>) -> Tensor<3> {
        let x = x.clone() + self.attention.forward(self.norm1.forward(x), mask);
        let hidden = activate(self.fc1.forward(self.norm2.forward(x.clone())), self.activation);
        x + self.fc2.forward(hidden)
    }
}

/// A stack of blocks.
#[derive(Module, Debug)]
pub struct Encoder {
    pub(crate) blocks: Vec<Block>,
}

impl Encoder {
    /// Run every block.
    pub fn forward(&self, mut x: Tensor<3>, mask: Option<Tensor<2, Bool>>) -> Tensor<3> {
        for block in &self.blocks {
            x = block.forward(x, mask.clone());
        }
        x
    }
}
