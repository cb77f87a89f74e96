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

/// A vision transformer's sizes.
///
/// ```
/// use brainclip::clip::ClipConfig;
/// use brainclip::clip::config::VisionKind;
/// let VisionKind::Vit(b16) = ClipConfig::vit_b_16().vision.kind else { unreachable!() };
/// assert_eq!((b16.patch_size, b16.tower.width, b16.tower.heads), (16, 768, 12));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct VitConfig {
    /// Transformer sizes.
    pub tower: TowerConfig,
    /// Patch side in pixels.
    pub patch_size: usize,
}

/// OpenAI's modified ResNet (CLIP RN50, RN101, ...): a three-convolution stem, four stages of
/// bottleneck blocks with anti-aliased (average-pooled) strides, and attention pooling.
///
/// ```
/// use brainclip::clip::config::ResNetConfig;
/// let rn50 = ResNetConfig { layers: [3, 4, 6, 3], width: 64, heads: 32 };
/// assert_eq!(rn50.feature_width(), 2048);
/// assert_eq!(rn50.head_width(), 64);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct ResNetConfig {
    /// Bottleneck blocks in each of the four stages (`[3, 4, 6, 3]` for RN50, `[3, 4, 23, 3]`
    /// for RN101).
    pub layers: [usize; 4],
    /// Stem width: stage `i` has `width·2^i` planes and puts out four times as many channels.
    pub width: usize,
    /// Heads of the attention pool (divides [`ResNetConfig::feature_width`]).
    pub heads: usize,
}

/// One bottleneck block of a modified ResNet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BottleneckShape {
    /// Stage (0–3) and index within it, as in the tensor names `layer{stage+1}.{index}`.
    pub stage: usize,
    /// Index within the stage.
    pub index: usize,
    /// Input channels.
    pub inplanes: usize,
    /// Width of the inner 1×1 and 3×3 convolutions; the block puts out `4·planes` channels.
    pub planes: usize,
    /// Spatial stride (an average pool before the last convolution and in the shortcut).
    pub stride: usize,
}

impl BottleneckShape {
    /// Output channels: `4·planes`.
    pub fn out_channels(&self) -> usize {
        4 * self.planes
    }
    /// Whether the shortcut is a (pooled) 1×1 convolution with BatchNorm rather than the identity.
    pub fn has_downsample(&self) -> bool {
        self.stride > 1 || self.inplanes != self.out_channels()
    }
}

impl ResNetConfig {
    /// Every bottleneck block in order, with its channels and stride (stage 0 keeps the
    /// resolution, stages 1–3 halve it in their first block).
    ///
    /// ```
    /// use brainclip::clip::config::ResNetConfig;
    /// let blocks = ResNetConfig { layers: [1, 2, 1, 1], width: 8, heads: 4 }.blocks();
    /// assert_eq!(blocks.len(), 5);
    /// assert_eq!((blocks[1].inplanes, blocks[1].planes, blocks[1].stride), (32, 16, 2));
    /// assert!(blocks[1].has_downsample() && !blocks[2].has_downsample());
    /// ```
    pub fn blocks(&self) -> Vec<BottleneckShape> {
        let mut inplanes = self.width;
        let mut out = Vec::new();
        for (stage, &count) in self.layers.iter().enumerate() {
            let planes = self.width << stage;
            for index in 0..count {
                let stride = if stage > 0 && index == 0 { 2 } else { 1 };
                out.push(BottleneckShape {
                    stage,
                    index,
                    inplanes,
                    planes,
                    stride,
                });
                inplanes = 4 * planes;
            }
        }
        out
    }

    /// Channels of the last stage, the attention pool's width: `32·width`.
    pub fn feature_width(&self) -> usize {
        self.width * 32
    }
    /// Width of one attention-pool head.
    pub fn head_width(&self) -> usize {
        self.feature_width() / self.heads
    }
}

/// The kind of image tower.
///
/// ```
/// use brainclip::clip::ClipConfig;
/// use brainclip::clip::config::VisionKind;
/// assert!(matches!(ClipConfig::rn50().vision.kind, VisionKind::ResNet(_)));
/// assert!(matches!(ClipConfig::vit_b_32().vision.kind, VisionKind::Vit(_)));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum VisionKind {
    /// A vision transformer (class token, projection without bias).
    Vit(VitConfig),
    /// OpenAI's modified ResNet (its attention pool projects into the joint space).
    ResNet(ResNetConfig),
}

/// The vision tower.
///
/// ```
/// use brainclip::clip::ClipConfig;
/// let (b32, rn50) = (ClipConfig::vit_b_32().vision, ClipConfig::rn50().vision);
/// // 7×7 patches or a 7×7 last feature map, plus the class or mean token.
/// assert_eq!((b32.tokens(), rn50.tokens()), (50, 50));
/// assert_eq!((b32.patch_size(), rn50.patch_size()), (Some(32), None));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct VisionConfig {
    /// ViT or ResNet, with its sizes.
    pub kind: VisionKind,
    /// Input side in pixels (square).
    pub image_size: usize,
    /// Input channels (3).
    pub channels: usize,
}

/// The total stride of a modified ResNet: its last feature map is `image_size / 32` on a side.
pub const RESNET_STRIDE: usize = 32;

impl VisionConfig {
    /// Side of the grid the tower attends over: patches per side for a ViT, the last feature
    /// map's side for a ResNet.
    pub fn grid(&self) -> usize {
        match &self.kind {
            VisionKind::Vit(v) => self.image_size / v.patch_size,
            VisionKind::ResNet(_) => self.image_size / RESNET_STRIDE,
        }
    }
    /// Sequence length: the grid plus the class token (ViT) or the mean token (ResNet's
    /// attention pool).
    pub fn tokens(&self) -> usize {
        self.grid() * self.grid() + 1
    }
    /// The ViT patch side (`None` for a ResNet).
    pub fn patch_size(&self) -> Option<usize> {
        match &self.kind {
            VisionKind::Vit(v) => Some(v.patch_size),
            VisionKind::ResNet(_) => None,
        }
    }
    /// A one-line description: `ViT 224 px / 32 (12 layers, width 768)` or
    /// `ResNet 224 px (blocks [3, 4, 6, 3], width 64)`.
    pub fn describe(&self) -> String {
        match &self.kind {
            VisionKind::Vit(v) => format!(
                "ViT {} px / {} ({} layers, width {})",
                self.image_size, v.patch_size, v.tower.layers, v.tower.width
            ),
            VisionKind::ResNet(r) => format!(
                "ResNet {} px (blocks {:?}, width {})",
                self.image_size, r.layers, r.width
            ),
        }
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
        let (image_size, patch_size) = (v.image_size.unwrap_or(224), v.patch_size.unwrap_or(32));
        if patch_size == 0 || !image_size.is_multiple_of(patch_size) {
            return Err(ClipError::Config(format!(
                "image_size {image_size} must be a multiple of patch_size {patch_size}"
            )));
        }
        let vision = VisionConfig {
            kind: VisionKind::Vit(VitConfig {
                tower: tower(&v, (768, 3072, 12, 12))?,
                patch_size,
            }),
            image_size,
            channels: v.num_channels.unwrap_or(3),
        };
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
                kind: VisionKind::Vit(VitConfig {
                    tower: tower(width, layers),
                    patch_size: patch,
                }),
                image_size: 224,
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

    /// OpenAI's RN50 (as OpenCLIP's `RN50-quickgelu`).
    pub fn rn50() -> Self {
        Self::resnet([3, 4, 6, 3], 1024)
    }
    /// OpenAI's RN101 (as OpenCLIP's `RN101-quickgelu`).
    pub fn rn101() -> Self {
        Self::resnet([3, 4, 23, 3], 512)
    }

    fn resnet(layers: [usize; 4], projection: usize) -> Self {
        let mut config = Self::standard(768, 12, 32, 512, projection);
        config.vision.kind = VisionKind::ResNet(ResNetConfig {
            layers,
            width: 64,
            heads: 32,
        });
        config
    }

    /// Multiply–add FLOPs (2 per multiply–add) of encoding one image, counting the matrix
    /// products and convolutions only (normalisation, pooling, softmax and activations are a few
    /// per cent).
    ///
    /// ViT: `2·[(N−1)·3p²·w + L·(4·N·w² + 2·N²·w + 2·N·w·m) + w·P]` with N tokens (patches +
    /// class), patch side p, width w, L layers, MLP width m and projection width P.
    ///
    /// ResNet: `2·Σ c_in·c_out·k²·h·w` over the convolutions (at their output resolution), plus the
    /// attention pool as brainclip computes it, with the mean token as the only query:
    /// `2·[2·N·C² + C² + 2·N·C + C·P]` for N tokens of width C.
    pub fn image_flops(&self) -> f64 {
        let v = &self.vision;
        let p = self.projection_dim as f64;
        match &v.kind {
            VisionKind::Vit(vit) => {
                let (n, w, m) = (v.tokens() as f64, vit.tower.width as f64, vit.tower.mlp_width as f64);
                let p2 = (vit.patch_size * vit.patch_size * v.channels) as f64;
                let per_layer = 4.0 * n * w * w + 2.0 * n * n * w + 2.0 * n * w * m;
                2.0 * ((n - 1.0) * p2 * w + vit.tower.layers as f64 * per_layer + w * p)
            }
            VisionKind::ResNet(r) => {
                // c_in · c_out · k² · side² multiply-adds of one convolution.
                let conv =
                    |c_in: usize, c_out: usize, k: usize, side: usize| (c_in * c_out * k * k * side * side) as f64;
                let (w, half) = (r.width, v.image_size / 2);
                let mut macs = conv(v.channels, w / 2, 3, half) + conv(w / 2, w / 2, 3, half) + conv(w / 2, w, 3, half);
                let mut side = half / 2;
                for b in r.blocks() {
                    let out = side / b.stride;
                    macs += conv(b.inplanes, b.planes, 1, side) + conv(b.planes, b.planes, 3, side);
                    macs += conv(b.planes, b.out_channels(), 1, out);
                    if b.has_downsample() {
                        macs += conv(b.inplanes, b.out_channels(), 1, out);
                    }
                    side = out;
                }
                let (n, c) = (v.tokens() as f64, r.feature_width() as f64);
                macs += 2.0 * n * c * c + c * c + 2.0 * n * c + c * p;
                2.0 * macs
            }
        }
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
    fn rn50_flops_match_torch_flop_counter() {
        // torch 2.9's FlopCounterMode counts 10 734 452 736 FLOPs of convolutions in OpenCLIP's
        // RN50 image tower at 224 px (generate_resnet.py prints it); the attention pool adds
        // 2·(2NC² + C² + 2NC + CP) with N = 50 tokens of width C = 2048, P = 1024.
        let (n, c, p) = (50.0, 2048.0, 1024.0);
        let pool = 2.0 * (2.0 * n * c * c + c * c + 2.0 * n * c + c * p);
        assert_eq!(ClipConfig::rn50().image_flops(), 10_734_452_736.0 + pool);
        // RN101: 17 more stage-3 blocks at 14×14 (1×1 1024→256, 3×3 256→256, 1×1 256→1024) and a
        // projection to 512 instead of 1024.
        let block = 2.0 * (1024.0 * 256.0 + 256.0 * 256.0 * 9.0 + 256.0 * 1024.0) * 196.0;
        let extra = 17.0 * block - 2.0 * c * 512.0;
        assert_eq!(
            ClipConfig::rn101().image_flops() - ClipConfig::rn50().image_flops(),
            extra
        );
    }

    #[test]
    fn towers_describe_themselves() {
        assert_eq!(
            ClipConfig::vit_b_32().vision.describe(),
            "ViT 224 px / 32 (12 layers, width 768)"
        );
        let rn50 = ClipConfig::rn50().vision;
        assert_eq!(rn50.describe(), "ResNet 224 px (blocks [3, 4, 6, 3], width 64)");
        assert_eq!((rn50.grid(), rn50.tokens(), rn50.patch_size()), (7, 50, None));
    }

    #[test]
    fn b32_flops_match_the_published_figure() {
        // OpenCLIP's table lists 4.41 GFLOPs (multiply-adds) for the ViT-B/32 image tower.
        let gmacs = ClipConfig::vit_b_32().image_flops() / 2e9;
        assert!((gmacs - 4.41).abs() < 0.05, "{gmacs}");
    }
}
