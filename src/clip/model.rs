//! A whole CLIP model: both towers, their projections into the joint space and the logit scale.

use std::path::Path;

use burn::module::{Module, Param};
use burn::nn::Linear;
use burn::tensor::{Device, Tensor};

use super::ClipError;
use super::config::ClipConfig;
use super::image::ImageEncoder;
use super::text::TextTower;
use super::vision::projection;
use crate::tensors::l2_normalize;
use crate::weights::{ParamNames, TensorStore};

/// CLIP in burn, generic over the backend through its device (autodiff devices give gradients
/// through both towers).
#[derive(Module, Debug)]
pub struct ClipModel {
    vision: ImageEncoder,
    text: TextTower,
    text_projection: Linear,
    logit_scale: Param<Tensor<1>>,
}

/// Buffers some checkpoints carry that are not weights (BatchNorm's batch counter is an
/// integer and skipped when read; a floating-point copy is ignored too).
const IGNORED: &[&str] = &["position_ids", "num_batches_tracked"];

impl ClipModel {
    /// Build from a store holding Hugging Face `CLIPModel` tensor names (a modified ResNet image
    /// tower: OpenCLIP's `visual.*` names); every missing, unexpected or mis-shaped tensor is
    /// listed in the error.
    pub fn from_store(mut store: TensorStore, config: &ClipConfig) -> Result<Self, ClipError> {
        let model = Self::build(&mut store, config);
        store.finish(IGNORED)?;
        Ok(model)
    }

    /// A freshly initialised CLIP for `config` (seeded), with the Hugging Face name of every
    /// parameter for saving it.
    ///
    /// ```
    /// use brainclip::clip::{ClipConfig, ClipModel};
    /// let config = ClipConfig::from_hf_json(r#"{"projection_dim": 8,
    ///   "vision_config": {"hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 1,
    ///     "num_attention_heads": 2, "image_size": 8, "patch_size": 4},
    ///   "text_config": {"hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 1,
    ///     "num_attention_heads": 2, "vocab_size": 600, "max_position_embeddings": 6}}"#).unwrap();
    /// let (model, names) = ClipModel::random(&config, 0, &burn::tensor::Device::flex());
    /// let tensors = names.tensors(&model).unwrap();
    /// assert_eq!(tensors["vision_model.embeddings.patch_embedding.weight"].shape, vec![16, 3, 4, 4]);
    /// assert_eq!(tensors["text_projection.weight"].shape, vec![8, 16]);
    /// ```
    pub fn random(config: &ClipConfig, seed: u64, device: &Device) -> (Self, ParamNames) {
        let mut store = TensorStore::random(seed, device);
        let model = Self::build(&mut store, config);
        (model, store.names().clone())
    }

    fn build(store: &mut TensorStore, config: &ClipConfig) -> Self {
        let (tw, p) = (config.text.tower.width, config.projection_dim);
        Self {
            vision: ImageEncoder::load(store, &config.vision, p),
            text: TextTower::load(store, &config.text),
            text_projection: projection(store, "text_projection", tw, p),
            logit_scale: store.param("logit_scale", [1]),
        }
    }

    /// Load `model.safetensors` written by Hugging Face for `config`.
    pub fn load_hf(file: &Path, config: &ClipConfig, device: &Device) -> Result<Self, ClipError> {
        Self::load_store(TensorStore::open(file, device)?, config)
    }

    /// Load OpenCLIP's `open_clip_model.safetensors` for `config`.
    pub fn load_open_clip(file: &Path, config: &ClipConfig, device: &Device) -> Result<Self, ClipError> {
        let mut store = TensorStore::open(file, device)?;
        super::openclip::rename_to_hf(&mut store, &config.vision.kind);
        Self::load_store(store, config)
    }

    pub(crate) fn load_store(mut store: TensorStore, config: &ClipConfig) -> Result<Self, ClipError> {
        // The scalar logit scale is stored with shape [] (0-d); treat it as [1].
        if let Some(mut t) = store.remove("logit_scale") {
            if t.values.len() == 1 {
                t.shape = vec![1];
            }
            store.insert("logit_scale".into(), t);
        }
        Self::from_store(store, config)
    }

    /// Image embeddings (batch × projection), not normalised, of CLIP-normalised pixels
    /// (batch × 3 × `image_size` × `image_size`), through either kind of image tower.
    pub fn encode_images(&self, pixels: Tensor<4>) -> Result<Tensor<2>, ClipError> {
        self.vision.forward(pixels)
    }

    /// Text embeddings (batch × projection), not normalised, of token id rows.
    pub fn encode_text(&self, ids: &[Vec<u32>]) -> Result<Tensor<2>, ClipError> {
        Ok(self.text_projection.forward(self.text.forward(ids)?))
    }

    /// `logit_scale` as stored: ln of the inverse temperature.
    pub fn log_logit_scale(&self) -> Tensor<1> {
        self.logit_scale.val()
    }

    /// `exp(logit_scale)`, the inverse temperature of the image–text logits.
    pub fn logit_scale(&self) -> Tensor<1> {
        self.logit_scale.val().exp()
    }

    /// Image-by-text logits: scale · cos(image, text).
    pub fn logits(&self, image: Tensor<2>, text: Tensor<2>) -> Tensor<2> {
        let (image, text) = (l2_normalize(image), l2_normalize(text));
        image.matmul(text.transpose()) * self.logit_scale().unsqueeze::<2>()
    }
}
