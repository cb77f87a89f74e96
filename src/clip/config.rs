//! CLIP's architecture sizes, read from a Hugging Face `config.json` (the `CLIPConfig` layout of
//! `openai/clip-vit-base-patch32` and friends), with Hugging Face's defaults for absent keys.

use serde::Deserialize;
use serde_json::Value;

use super::ClipError;

/// The feed-forward non-linearity of a tower.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Activation {
    /// `x · sigmoid(1.702 x)`, OpenAI's original CLIP.
    QuickGelu,
    /// The exact (erf) GELU.
    Gelu,
    /// GELU with the tanh approximation.
    GeluTanh,
}

impl Activation {
    /// Parse a Hugging Face `hidden_act` value.
    pub fn parse(name: &str) -> Result<Self, ClipError> {
        match name {
            "quick_gelu" => Ok(Self::QuickGelu),
            "gelu" => Ok(Self::Gelu),
            "gelu_new" | "gelu_pytorch_tanh" | "gelu_fast" => Ok(Self::GeluTanh),
            other => Err(ClipError::Config(format!(
                "hidden_act `{other}` is not supported (quick_gelu, gelu, gelu_new, gelu_pytorch_tanh)"
            ))),
        }
    }
}

/// Sizes shared by both transformer towers.
#[derive(Clone, Debug, PartialEq)]
pub struct TowerConfig {
    /// Residual width.
    pub width: usize,
    /// Number of residual attention blocks.
    pub layers: usize,
    /// Attention heads (divides `width`).
    pub heads: usize,
    /// Hidden width of the feed-forward block.
    pub mlp_width: usize,
    /// Feed-forward non-linearity.
    pub activation: Activation,
    /// LayerNorm epsilon.
    pub layer_norm_eps: f64,
}

/// The vision tower (a ViT).
#[derive(Clone, Debug, PartialEq)]
pub struct VisionConfig {
    /// Transformer sizes.
    pub tower: TowerConfig,
    /// Input side in pixels (square).
    pub image_size: usize,
    /// Patch side in pixels.
    pub patch_size: usize,
    /// Input channels (3).
    pub channels: usize,
}

impl VisionConfig {
    /// Patches per side.
    pub fn grid(&self) -> usize {
        self.image_size / self.patch_size
    }
    /// Sequence length: patches plus the class token.
    pub fn tokens(&self) -> usize {
        self.grid() * self.grid() + 1
    }
}

/// How the text tower picks the token whose features represent the sentence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextPooling {
    /// The position of the largest id (OpenAI's code; end-of-text has the largest id).
    ArgMax,
    /// The first position holding this end-of-text id.
    FirstEos(u32),
}

/// The text tower.
#[derive(Clone, Debug, PartialEq)]
pub struct TextConfig {
    /// Transformer sizes.
    pub tower: TowerConfig,
    /// Vocabulary size.
    pub vocab_size: usize,
    /// Context length (77).
    pub context_length: usize,
    /// Which token's features are pooled.
    pub pooling: TextPooling,
}

/// A whole CLIP model.
///
/// ```
/// use brainclip::clip::ClipConfig;
/// let b32 = ClipConfig::vit_b_32();
/// assert_eq!(b32.vision.tokens(), 50);
/// assert!(ClipConfig::vit_l_14().image_flops() > 10.0 * b32.image_flops());
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct ClipConfig {
    /// Vision tower.
    pub vision: VisionConfig,
    /// Text tower.
    pub text: TextConfig,
    /// Width of the joint embedding space.
    pub projection_dim: usize,
}

#[derive(Deserialize)]
struct HfTower {
    hidden_size: Option<usize>,
    intermediate_size: Option<usize>,
    num_hidden_layers: Option<usize>,
    num_attention_heads: Option<usize>,
    hidden_act: Option<String>,
    layer_norm_eps: Option<f64>,
    // vision
    image_size: Option<usize>,
    patch_size: Option<usize>,
    num_channels: Option<usize>,
    // text
    vocab_size: Option<usize>,
    max_position_embeddings: Option<usize>,
    eos_token_id: Option<u32>,
}

fn tower(hf: &HfTower, defaults: (usize, usize, usize, usize)) -> Result<TowerConfig, ClipError> {
    let (width, mlp, layers, heads) = defaults;
    let t = TowerConfig {
        width: hf.hidden_size.unwrap_or(width),
        layers: hf.num_hidden_layers.unwrap_or(layers),
        heads: hf.num_attention_heads.unwrap_or(heads),
        mlp_width: hf.intermediate_size.unwrap_or(mlp),
        activation: Activation::parse(hf.hidden_act.as_deref().unwrap_or("quick_gelu"))?,
        layer_norm_eps: hf.layer_norm_eps.unwrap_or(1e-5),
    };
    if t.width == 0 || t.heads == 0 || !t.width.is_multiple_of(t.heads) || t.layers == 0 || t.mlp_width == 0 {
        return Err(ClipError::Config(format!(
            "width {} must be a positive multiple of the heads ({}), with layers {} and mlp width {} positive",
            t.width, t.heads, t.layers, t.mlp_width
        )));
    }
    Ok(t)
}

fn section(json: &Value, key: &str) -> Result<HfTower, ClipError> {
    let value = json
        .get(key)
        .or_else(|| json.get(format!("{key}_dict")))
        .cloned()
        .unwrap_or(Value::Object(Default::default()));
    serde_json::from_value(value).map_err(|e| ClipError::Config(format!("{key}: {e}")))
}

impl ClipConfig {
    /// Parse a Hugging Face `CLIPModel` `config.json`.
    pub fn from_hf_json(text: &str) -> Result<Self, ClipError> {
        let json: Value = serde_json::from_str(text).map_err(|e| ClipError::Config(e.to_string()))?;
        if !json.is_object() {
            return Err(ClipError::Config("config.json is not a JSON object".into()));
        }
        let (v, t) = (section(&json, "vision_config")?, section(&json, "text_config")?);
        let vision = VisionConfig {
            tower: tower(&v, (768, 3072, 12, 12))?,
            image_size: v.image_size.unwrap_or(224),
            patch_size: v.patch_size.unwrap_or(32),
            channels: v.num_channels.unwrap_or(3),
        };
        if vision.patch_size == 0 || !vision.image_size.is_multiple_of(vision.patch_size) {
            return Err(ClipError::Config(format!(
                "image_size {} must be a multiple of patch_size {}",
                vision.image_size, vision.patch_size
            )));
        }
        let eos = t.eos_token_id.unwrap_or(49407);
        let text = TextConfig {
            tower: tower(&t, (512, 2048, 12, 8))?,
            vocab_size: t.vocab_size.unwrap_or(49408),
            context_length: t.max_position_embeddings.unwrap_or(77),
            // Hugging Face keeps OpenAI's arg-max for old configs whose eos id is the legacy 2.
            pooling: if eos == 2 {
                TextPooling::ArgMax
            } else {
                TextPooling::FirstEos(eos)
            },
        };
        let projection_dim = json.get("projection_dim").and_then(Value::as_u64).unwrap_or(512) as usize;
        Ok(Self {
            vision,
            text,
            projection_dim,
        })
    }

    fn standard(width: usize, layers: usize, patch: usize, text_width: usize, projection: usize) -> Self {
        let tower = |width: usize, layers: usize| TowerConfig {
            width,
            layers,
            heads: width / 64,
            mlp_width: 4 * width,
            activation: Activation::QuickGelu,
            layer_norm_eps: 1e-5,
        };
        Self {
            vision: VisionConfig {
                tower: tower(width, layers),
                image_size: 224,
                patch_size: patch,
                channels: 3,
            },
            text: TextConfig {
                tower: tower(text_width, 12),
                vocab_size: 49408,
                context_length: 77,
                pooling: TextPooling::ArgMax,
            },
            projection_dim: projection,
        }
    }

    /// OpenAI's ViT-B/32.
    pub fn vit_b_32() -> Self {
        Self::standard(768, 12, 32, 512, 512)
    }
    /// OpenAI's ViT-B/16.
    pub fn vit_b_16() -> Self {
        Self::standard(768, 12, 16, 512, 512)
    }
    /// OpenAI's ViT-L/14.
    pub fn vit_l_14() -> Self {
        Self::standard(1024, 24, 14, 768, 768)
    }

    /// Multiply–add FLOPs (2 per multiply–add) of encoding one image, counting the matrix
    /// products only (LayerNorm, softmax and activations are a few percent):
    ///
    /// `2·[(N−1)·3p²·w + L·(4·N·w² + 2·N²·w + 2·N·w·m) + w·P]` with N tokens (patches + class),
    /// patch side p, width w, L layers, MLP width m and projection width P.
    pub fn image_flops(&self) -> f64 {
        let v = &self.vision;
        let (n, w, m) = (v.tokens() as f64, v.tower.width as f64, v.tower.mlp_width as f64);
        let p2 = (v.patch_size * v.patch_size * v.channels) as f64;
        let per_layer = 4.0 * n * w * w + 2.0 * n * n * w + 2.0 * n * w * m;
        2.0 * ((n - 1.0) * p2 * w + v.tower.layers as f64 * per_layer + w * self.projection_dim as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openai_b32_config_parses_with_defaults() {
        // The keys openai/clip-vit-base-patch32's config.json sets (abridged): everything else
        // takes Hugging Face's defaults.
        let json = r#"{"architectures": ["CLIPModel"], "projection_dim": 512,
            "text_config": {"eos_token_id": 2, "bos_token_id": 0},
            "vision_config": {"hidden_size": 768, "intermediate_size": 3072, "num_attention_heads": 12}}"#;
        let c = ClipConfig::from_hf_json(json).unwrap();
        assert_eq!(c, ClipConfig::vit_b_32());
    }

    #[test]
    fn bad_configs_are_errors() {
        assert!(ClipConfig::from_hf_json("[]").is_err());
        assert!(ClipConfig::from_hf_json(r#"{"vision_config": {"hidden_size": 10}}"#).is_err());
        assert!(ClipConfig::from_hf_json(r#"{"vision_config": {"patch_size": 5}}"#).is_err());
        assert!(ClipConfig::from_hf_json(r#"{"text_config": {"hidden_act": "relu"}}"#).is_err());
        assert!(ClipConfig::from_hf_json(r#"{"text_config": {"hidden_size": "wide"}}"#).is_err());
    }

    #[test]
    fn b32_flops_match_the_published_figure() {
        // OpenCLIP's table lists 4.41 GFLOPs (multiply-adds) for the ViT-B/32 image tower.
        let gmacs = ClipConfig::vit_b_32().image_flops() / 2e9;
        assert!((gmacs - 4.41).abs() < 0.05, "{gmacs}");
    }
}
