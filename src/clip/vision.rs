//! The CLIP ViT image tower: patch embedding, class token, positional embedding, pre-LayerNorm,
//! residual attention blocks, post-LayerNorm on the class token, projection.

use burn::module::{Module, Param};
use burn::nn::{LayerNorm, Linear};
use burn::tensor::Tensor;

use super::ClipError;
use super::config::{VisionConfig, VitConfig};
use super::layers::Encoder;
use super::tower::load_encoder;
use crate::weights::TensorStore;

/// The image tower (without the final projection).
#[derive(Module, Debug)]
pub struct VisionTower {
    /// Patch embedding as a matrix: (channels·p·p) × width (a stride-p convolution without bias).
    patch: Param<Tensor<2>>,
    class: Param<Tensor<1>>,
    position: Param<Tensor<2>>,
    pre_norm: LayerNorm,
    encoder: Encoder,
    post_norm: LayerNorm,
    image_size: usize,
    patch_size: usize,
    channels: usize,
}

impl VisionTower {
    /// Load from Hugging Face names under `vision_model`.
    pub(crate) fn load(store: &mut TensorStore, c: &VisionConfig, vit: &VitConfig) -> Self {
        let (w, p, ch, eps) = (vit.tower.width, vit.patch_size, c.channels, vit.tower.layer_norm_eps);
        Self {
            patch: store.transposed("vision_model.embeddings.patch_embedding.weight", [w, ch, p, p]),
            class: store.param("vision_model.embeddings.class_embedding", [w]),
            position: store.param("vision_model.embeddings.position_embedding.weight", [c.tokens(), w]),
            pre_norm: store.layer_norm("vision_model.pre_layrnorm", w, eps),
            encoder: load_encoder(store, "vision_model", &vit.tower),
            post_norm: store.layer_norm("vision_model.post_layernorm", w, eps),
            image_size: c.image_size,
            patch_size: p,
            channels: ch,
        }
    }

    /// Pooled features (batch × width) of normalised images (batch × channels × size × size).
    pub fn forward(&self, pixels: Tensor<4>) -> Result<Tensor<2>, ClipError> {
        let [b, ch, h, wd] = pixels.dims();
        if ch != self.channels || h != self.image_size || wd != self.image_size {
            return Err(ClipError::Shape {
                what: "image batch",
                expected: format!("N × {} × {} × {}", self.channels, self.image_size, self.image_size),
                found: format!("{b} × {ch} × {h} × {wd}"),
            });
        }
        let (p, g) = (self.patch_size, self.image_size / self.patch_size);
        // b × ch × (g p) × (g p) → b × g × g × ch × p × p → b × g² × (ch p p)
        let patches: Tensor<2> = pixels
            .reshape([b, ch, g, p, g, p])
            .permute([0, 2, 4, 1, 3, 5])
            .reshape([b * g * g, ch * p * p]);
        let width = self.class.val().dims()[0];
        let embedded = patches.matmul(self.patch.val()).reshape([b, g * g, width]);
        let class = self.class.val().reshape([1, 1, width]).expand([b, 1, width]);
        let x = Tensor::cat(vec![class, embedded], 1) + self.position.val().unsqueeze::<3>();
        let x = self.encoder.forward(self.pre_norm.forward(x), None);
        let pooled: Tensor<2> = x.narrow(1, 0, 1).reshape([b, width]);
        Ok(self.post_norm.forward(pooled))
    }
}

/// A projection without bias from PyTorch's weight (out × in).
pub(crate) fn projection(store: &mut TensorStore, name: &str, d_in: usize, d_out: usize) -> Linear {
    store.linear(name, d_in, d_out, false)
}
