//! The image encoder of a CLIP: a ViT with its projection, or a modified ResNet whose attention
//! pool projects; both map CLIP-normalised pixels to joint-space embeddings.

use burn::module::Module;
use burn::nn::Linear;
use burn::tensor::Tensor;

use super::ClipError;
use super::config::{VisionConfig, VisionKind};
use super::resnet::ModifiedResNet;
use super::vision::{VisionTower, projection};
use crate::weights::TensorStore;

/// A ViT image tower and its projection (without bias) into the joint space.
#[derive(Module, Debug)]
pub struct VitEncoder {
    tower: VisionTower,
    projection: Linear,
}

/// The image tower of a CLIP, with its projection.
#[derive(Module, Debug)]
pub enum ImageEncoder {
    /// A vision transformer (Hugging Face names `vision_model.*`, `visual_projection`).
    Vit(VitEncoder),
    /// OpenAI's modified ResNet (OpenCLIP names `visual.*`).
    ResNet(ModifiedResNet),
}

impl ImageEncoder {
    /// Load the tower `config` describes, projecting into `projection_dim` dimensions.
    pub(crate) fn load(store: &mut TensorStore, config: &VisionConfig, projection_dim: usize) -> Self {
        match &config.kind {
            VisionKind::Vit(vit) => Self::Vit(VitEncoder {
                tower: VisionTower::load(store, config, vit),
                projection: projection(store, "visual_projection", vit.tower.width, projection_dim),
            }),
            VisionKind::ResNet(r) => Self::ResNet(ModifiedResNet::load(store, config, r, projection_dim)),
        }
    }

    /// Image embeddings (batch × projection), not normalised, of CLIP-normalised pixels.
    pub fn forward(&self, pixels: Tensor<4>) -> Result<Tensor<2>, ClipError> {
        match self {
            Self::Vit(v) => Ok(v.projection.forward(v.tower.forward(pixels)?)),
            Self::ResNet(r) => r.forward(pixels),
        }
    }
}
