//! The architecture of a diffusers `UNet2DModel`, read from its `config.json` with diffusers'
//! defaults for absent keys, and checked for what brainclip builds before any tensor is made.

use serde::{Deserialize, Serialize};

use crate::generate::GenerateError;

/// A down-sampling block type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum DownBlock {
    /// Residual blocks, then a stride-2 convolution.
    Down,
    /// Residual blocks each followed by self-attention, then a convolution or residual down-sampler.
    AttnDown,
    /// Residual blocks, then a residual block that down-samples (ADM's `resblock_updown`).
    ResnetDownsample,
}

/// An up-sampling block type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum UpBlock {
    /// Residual blocks over the skip connections, then nearest up-sampling and a convolution.
    Up,
    /// Residual blocks each followed by self-attention, then a convolution or residual up-sampler.
    AttnUp,
    /// Residual blocks, then a residual block that up-samples.
    ResnetUpsample,
}

/// How a residual block injects the time embedding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum TimeScaleShift {
    /// Added after the first convolution (`"default"`).
    Add,
    /// Scale and shift after the second GroupNorm (`"scale_shift"`, ADM's `use_scale_shift_norm`).
    ScaleShift,
}

/// How an attention block's down/up-sampler is built.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Resample {
    /// A (strided or up-sampled) 3×3 convolution.
    Conv,
    /// A residual block that down- or up-samples.
    Resnet,
}

/// A `UNet2DModel` configuration.
///
/// ```
/// use brainclip::generate::UNetConfig;
/// let json = r#"{"sample_size": 16, "block_out_channels": [32, 64], "layers_per_block": 1,
///   "down_block_types": ["DownBlock2D", "AttnDownBlock2D"], "up_block_types": ["AttnUpBlock2D", "UpBlock2D"],
///   "norm_num_groups": 8}"#;
/// let config = UNetConfig::from_json(json, "config.json")?;
/// assert_eq!(config.time_embed_dim(), 128);
/// assert_eq!(config.downsampling_factor(), 2);
/// # Ok::<(), brainclip::generate::GenerateError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct UNetConfig {
    /// The training image side (images of other sides divisible by the down-sampling factor work too).
    pub sample_size: usize,
    /// Input channels (3).
    pub in_channels: usize,
    /// Output channels: 3 (ε) or 6 (ε and the learned variance interpolation).
    pub out_channels: usize,
    /// Whether inputs are mapped from [0, 1] to [-1, 1] first.
    pub center_input_sample: bool,
    /// Sinusoid order: `[cos, sin]` when true.
    pub flip_sin_to_cos: bool,
    /// diffusers' `freq_shift` (downscale_freq_shift).
    pub freq_shift: f64,
    /// Width of the time embedding MLP.
    pub time_embedding_dim: Option<usize>,
    /// Down block types, one per level.
    pub down_blocks: Vec<DownBlock>,
    /// Up block types, one per level.
    pub up_blocks: Vec<UpBlock>,
    /// Whether there is a `UNetMidBlock2D`.
    pub mid_block: bool,
    /// Channels per level.
    pub block_out_channels: Vec<usize>,
    /// Residual blocks per down level (up levels have one more).
    pub layers_per_block: usize,
    /// Output divisor of the mid block's residual blocks.
    pub mid_block_scale_factor: f64,
    /// Padding of the down-sampling convolution (1, or 0 with a (0,1,0,1) pad first).
    pub downsample_padding: usize,
    /// Down-sampler of attention down blocks.
    pub downsample_type: Resample,
    /// Up-sampler of attention up blocks.
    pub upsample_type: Resample,
    /// Channels per attention head.
    pub attention_head_dim: Option<usize>,
    /// GroupNorm groups.
    pub norm_num_groups: usize,
    /// GroupNorm groups of the mid block's attention (`None` and scale-shift: no GroupNorm there).
    pub attn_norm_num_groups: Option<usize>,
    /// GroupNorm epsilon.
    pub norm_eps: f64,
    /// Time-embedding injection.
    pub time_scale_shift: TimeScaleShift,
    /// Whether the mid block has attention.
    pub add_attention: bool,
}

#[derive(Deserialize)]
struct RawConfig {
    #[serde(default)]
    sample_size: Option<serde_json::Value>,
    #[serde(default = "three")]
    in_channels: usize,
    #[serde(default = "three")]
    out_channels: usize,
    #[serde(default)]
    center_input_sample: bool,
    #[serde(default = "positional")]
    time_embedding_type: String,
    #[serde(default)]
    time_embedding_dim: Option<usize>,
    #[serde(default)]
    freq_shift: f64,
    #[serde(default = "yes")]
    flip_sin_to_cos: bool,
    #[serde(default = "default_down")]
    down_block_types: Vec<String>,
    #[serde(default = "default_mid")]
    mid_block_type: Option<String>,
    #[serde(default = "default_up")]
    up_block_types: Vec<String>,
    #[serde(default = "default_channels")]
    block_out_channels: Vec<usize>,
    #[serde(default = "two")]
    layers_per_block: usize,
    #[serde(default = "one")]
    mid_block_scale_factor: f64,
    #[serde(default = "one_usize")]
    downsample_padding: usize,
    #[serde(default = "conv")]
    downsample_type: String,
    #[serde(default = "conv")]
    upsample_type: String,
    #[serde(default = "silu")]
    act_fn: String,
    #[serde(default = "eight")]
    attention_head_dim: Option<usize>,
    #[serde(default = "thirty_two")]
    norm_num_groups: Option<usize>,
    #[serde(default)]
    attn_norm_num_groups: Option<usize>,
    #[serde(default = "norm_eps")]
    norm_eps: f64,
    #[serde(default = "default_shift")]
    resnet_time_scale_shift: String,
    #[serde(default = "yes")]
    add_attention: bool,
    #[serde(default)]
    class_embed_type: Option<String>,
    #[serde(default)]
    num_class_embeds: Option<usize>,
}

fn three() -> usize {
    3
}
fn two() -> usize {
    2
}
fn one() -> f64 {
    1.0
}
fn one_usize() -> usize {
    1
}
fn eight() -> Option<usize> {
    Some(8)
}
fn thirty_two() -> Option<usize> {
    Some(32)
}
fn norm_eps() -> f64 {
    1e-5
}
fn yes() -> bool {
    true
}
fn positional() -> String {
    "positional".into()
}
fn conv() -> String {
    "conv".into()
}
fn silu() -> String {
    "silu".into()
}
fn default_shift() -> String {
    "default".into()
}
fn default_mid() -> Option<String> {
    Some("UNetMidBlock2D".into())
}
fn default_down() -> Vec<String> {
    ["DownBlock2D", "AttnDownBlock2D", "AttnDownBlock2D", "AttnDownBlock2D"]
        .map(String::from)
        .to_vec()
}
fn default_up() -> Vec<String> {
    ["AttnUpBlock2D", "AttnUpBlock2D", "AttnUpBlock2D", "UpBlock2D"]
        .map(String::from)
        .to_vec()
}
fn default_channels() -> Vec<usize> {
    vec![224, 448, 672, 896]
}

const DOWN_TYPES: &str = "DownBlock2D, AttnDownBlock2D, ResnetDownsampleBlock2D";
const UP_TYPES: &str = "UpBlock2D, AttnUpBlock2D, ResnetUpsampleBlock2D";

impl UNetConfig {
    /// Parse diffusers' `config.json` text; `file` names it in errors.
    pub fn from_json(text: &str, file: &str) -> Result<Self, GenerateError> {
        let fail = |message: String| GenerateError::Config {
            file: file.to_string(),
            message,
        };
        let raw: RawConfig = serde_json::from_str(text).map_err(|e| fail(format!("not a UNet2DModel config: {e}")))?;
        if raw.time_embedding_type != "positional" {
            return Err(fail(format!(
                "time_embedding_type `{}` is not supported (only \"positional\", the sinusoidal embedding ADM and DDPM use)",
                raw.time_embedding_type
            )));
        }
        if raw.act_fn != "silu" && raw.act_fn != "swish" {
            return Err(fail(format!(
                "act_fn `{}` is not supported (only \"silu\")",
                raw.act_fn
            )));
        }
        if raw.class_embed_type.is_some() || raw.num_class_embeds.is_some() {
            return Err(fail(
                "class-conditional UNets are not supported: generation guides an unconditional model with CLIP \
                 (remove class_embed_type/num_class_embeds, or use an unconditional checkpoint)"
                    .into(),
            ));
        }
        let down_blocks = raw
            .down_block_types
            .iter()
            .map(|name| match name.trim_start_matches("UNetRes") {
                "DownBlock2D" => Ok(DownBlock::Down),
                "AttnDownBlock2D" => Ok(DownBlock::AttnDown),
                "ResnetDownsampleBlock2D" => Ok(DownBlock::ResnetDownsample),
                other => Err(fail(format!(
                    "down block type `{other}` is not supported; brainclip builds {DOWN_TYPES} \
                     (the blocks that express ADM and DDPM UNets)"
                ))),
            })
            .collect::<Result<Vec<_>, _>>()?;
        let up_blocks = raw
            .up_block_types
            .iter()
            .map(|name| match name.trim_start_matches("UNetRes") {
                "UpBlock2D" => Ok(UpBlock::Up),
                "AttnUpBlock2D" => Ok(UpBlock::AttnUp),
                "ResnetUpsampleBlock2D" => Ok(UpBlock::ResnetUpsample),
                other => Err(fail(format!(
                    "up block type `{other}` is not supported; brainclip builds {UP_TYPES}"
                ))),
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mid_block = match raw.mid_block_type.as_deref() {
            None => false,
            Some("UNetMidBlock2D") => true,
            Some(other) => {
                return Err(fail(format!(
                    "mid_block_type `{other}` is not supported (only \"UNetMidBlock2D\" or null)"
                )));
            }
        };
        let resample = |option: &str, value: &str| match value {
            "conv" => Ok(Resample::Conv),
            "resnet" => Ok(Resample::Resnet),
            other => Err(fail(format!(
                "{option} `{other}` is not supported (\"conv\" or \"resnet\")"
            ))),
        };
        let time_scale_shift = match raw.resnet_time_scale_shift.as_str() {
            "default" => TimeScaleShift::Add,
            "scale_shift" => TimeScaleShift::ScaleShift,
            other => {
                return Err(fail(format!(
                    "resnet_time_scale_shift `{other}` is not supported (\"default\" or \"scale_shift\")"
                )));
            }
        };
        let sample_size = match &raw.sample_size {
            None | Some(serde_json::Value::Null) => 256,
            Some(serde_json::Value::Number(n)) => n.as_u64().unwrap_or(0) as usize,
            Some(serde_json::Value::Array(a)) if a.len() == 2 && a[0] == a[1] => a[0].as_u64().unwrap_or(0) as usize,
            Some(other) => return Err(fail(format!("sample_size {other} is not a square image side"))),
        };
        let config = Self {
            sample_size,
            in_channels: raw.in_channels,
            out_channels: raw.out_channels,
            center_input_sample: raw.center_input_sample,
            flip_sin_to_cos: raw.flip_sin_to_cos,
            freq_shift: raw.freq_shift,
            time_embedding_dim: raw.time_embedding_dim,
            down_blocks,
            up_blocks,
            mid_block,
            block_out_channels: raw.block_out_channels,
            layers_per_block: raw.layers_per_block,
            mid_block_scale_factor: raw.mid_block_scale_factor,
            downsample_padding: raw.downsample_padding,
            downsample_type: resample("downsample_type", &raw.downsample_type)?,
            upsample_type: resample("upsample_type", &raw.upsample_type)?,
            attention_head_dim: raw.attention_head_dim,
            norm_num_groups: raw.norm_num_groups.unwrap_or(32),
            attn_norm_num_groups: raw.attn_norm_num_groups,
            norm_eps: raw.norm_eps,
            time_scale_shift,
            add_attention: raw.add_attention,
        };
        config.validate().map_err(fail)?;
        Ok(config)
    }

    /// Check the sizes fit together (diffusers checks some of these by failing deep inside).
    fn validate(&self) -> Result<(), String> {
        let levels = self.block_out_channels.len();
        if levels == 0 {
            return Err("block_out_channels is empty".into());
        }
        if self.down_blocks.len() != levels || self.up_blocks.len() != levels {
            return Err(format!(
                "{} down and {} up block types for {levels} block_out_channels: give one of each per level",
                self.down_blocks.len(),
                self.up_blocks.len()
            ));
        }
        if self.in_channels == 0 || self.out_channels == 0 || self.layers_per_block == 0 {
            return Err("in_channels, out_channels and layers_per_block must be positive".into());
        }
        if self.downsample_padding > 1 {
            return Err(format!(
                "downsample_padding {} is not supported (0 or 1)",
                self.downsample_padding
            ));
        }
        let groups = self.norm_num_groups;
        for &c in &self.block_out_channels {
            if groups == 0 || c % groups != 0 {
                return Err(format!(
                    "block_out_channels {c} is not divisible by norm_num_groups {groups} (GroupNorm needs whole groups)"
                ));
            }
            if let Some(g) = self.attn_norm_num_groups
                && (g == 0 || c % g != 0)
            {
                return Err(format!(
                    "block_out_channels {c} is not divisible by attn_norm_num_groups {g}"
                ));
            }
            let head = self.attention_head_dim.unwrap_or(c);
            if head == 0 || c % head != 0 {
                return Err(format!(
                    "block_out_channels {c} is not divisible by attention_head_dim {head}"
                ));
            }
        }
        if self.sample_size == 0 || !self.sample_size.is_multiple_of(self.downsampling_factor()) {
            return Err(format!(
                "sample_size {} is not divisible by the down-sampling factor {}",
                self.sample_size,
                self.downsampling_factor()
            ));
        }
        Ok(())
    }

    /// Width of the time embedding (diffusers: `time_embedding_dim` or 4 × the first level's channels).
    pub fn time_embed_dim(&self) -> usize {
        self.time_embedding_dim.unwrap_or(self.block_out_channels[0] * 4)
    }

    /// How much the image shrinks from the first level to the last: image sides must be multiples.
    pub fn downsampling_factor(&self) -> usize {
        1 << (self.block_out_channels.len() - 1)
    }

    /// Whether the model predicts the variance interpolation too (out_channels = 2 × in_channels).
    pub fn learns_sigma(&self) -> bool {
        self.out_channels == 2 * self.in_channels
    }

    /// Check an image side the model can take.
    pub fn check_image_size(&self, side: usize) -> Result<(), GenerateError> {
        let f = self.downsampling_factor();
        if side == 0 || !side.is_multiple_of(f) {
            return Err(GenerateError::Shape {
                what: "image size",
                expected: format!(
                    "a multiple of {f} (the UNet halves the image {} times)",
                    self.block_out_channels.len() - 1
                ),
                found: side.to_string(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ADM_LIKE: &str = r#"{"_class_name": "UNet2DModel", "sample_size": 32, "out_channels": 6,
        "layers_per_block": 1, "block_out_channels": [32, 64],
        "down_block_types": ["ResnetDownsampleBlock2D", "AttnDownBlock2D"],
        "up_block_types": ["AttnUpBlock2D", "ResnetUpsampleBlock2D"],
        "downsample_type": "resnet", "upsample_type": "resnet", "norm_num_groups": 8,
        "resnet_time_scale_shift": "scale_shift"}"#;

    #[test]
    fn reads_an_adm_like_config() {
        let c = UNetConfig::from_json(ADM_LIKE, "c.json").unwrap();
        assert_eq!(c.down_blocks, vec![DownBlock::ResnetDownsample, DownBlock::AttnDown]);
        assert_eq!(c.time_scale_shift, TimeScaleShift::ScaleShift);
        assert!(c.learns_sigma());
        assert_eq!(c.attention_head_dim, Some(8));
        assert!(c.check_image_size(48).is_ok());
        assert!(c.check_image_size(33).is_err());
    }

    #[test]
    fn unsupported_block_types_name_the_supported_ones() {
        let text = ADM_LIKE.replace("\"AttnDownBlock2D\"", "\"CrossAttnDownBlock2D\"");
        let err = UNetConfig::from_json(&text, "unet/config.json")
            .unwrap_err()
            .to_string();
        assert!(err.contains("unet/config.json"), "{err}");
        assert!(
            err.contains("CrossAttnDownBlock2D") && err.contains("ResnetDownsampleBlock2D"),
            "{err}"
        );
    }

    #[test]
    fn mismatched_sizes_are_reported() {
        let text = ADM_LIKE.replace("\"norm_num_groups\": 8", "\"norm_num_groups\": 7");
        let err = UNetConfig::from_json(&text, "c.json").unwrap_err().to_string();
        assert!(err.contains("norm_num_groups 7"), "{err}");
        let text = ADM_LIKE.replace("[32, 64]", "[32, 64, 64]");
        assert!(
            UNetConfig::from_json(&text, "c.json")
                .unwrap_err()
                .to_string()
                .contains("per level")
        );
        let text = ADM_LIKE.replace("\"out_channels\": 6,", "\"out_channels\": 6, \"num_class_embeds\": 10,");
        assert!(
            UNetConfig::from_json(&text, "c.json")
                .unwrap_err()
                .to_string()
                .contains("class-conditional")
        );
    }
}
