//! diffusers' `UNet2DModel` in burn: input convolution, sinusoidal time embedding and its MLP,
//! down blocks that keep their outputs as skip connections, the mid block, up blocks that
//! consume them, and the output head.

use std::path::{Path, PathBuf};

use burn::module::Module;
use burn::nn::conv::Conv2d;
use burn::nn::{GroupNorm, Linear};
use burn::tensor::activation::silu;
use burn::tensor::{Device, Tensor};

use super::config::{DownBlock, Resample, TimeScaleShift, UNetConfig, UpBlock};
use super::layers::{
    Downsampler, Resize, ResnetBlock, ResnetSpec, SpatialAttention, Upsampler, conv3, timestep_features,
};
use crate::generate::GenerateError;
use crate::weights::{ParamNames, TensorStore};

/// One level of the down path.
#[derive(Module, Debug)]
pub struct DownLevel {
    resnets: Vec<ResnetBlock>,
    attentions: Vec<SpatialAttention>,
    downsampler: Option<Downsampler>,
}

/// The bottleneck: residual block, optional attention, residual block.
#[derive(Module, Debug)]
pub struct MidLevel {
    first: ResnetBlock,
    attention: Option<SpatialAttention>,
    second: ResnetBlock,
}

/// One level of the up path.
#[derive(Module, Debug)]
pub struct UpLevel {
    resnets: Vec<ResnetBlock>,
    attentions: Vec<SpatialAttention>,
    upsampler: Option<Upsampler>,
}

/// A diffusers `UNet2DModel` (the layout of ADM/DDPM pixel-space diffusion models).
#[derive(Module, Debug)]
pub struct UNet {
    conv_in: Conv2d,
    time_linear_1: Linear,
    time_linear_2: Linear,
    down: Vec<DownLevel>,
    mid: Option<MidLevel>,
    up: Vec<UpLevel>,
    norm_out: GroupNorm,
    conv_out: Conv2d,
    #[module(skip)]
    time: TimeFeatures,
    center_input: bool,
}

#[derive(Clone, Copy, Debug)]
struct TimeFeatures {
    dim: usize,
    flip_sin_to_cos: bool,
    freq_shift: f64,
}

/// The weights file of a diffusers model folder.
pub const WEIGHTS_FILE: &str = "diffusion_pytorch_model.safetensors";

impl UNet {
    /// Build from a store holding diffusers tensor names; every missing, unexpected or mis-shaped
    /// tensor is listed in the error.
    pub fn from_store(mut store: TensorStore, c: &UNetConfig) -> Result<Self, GenerateError> {
        let unet = Self::build(&mut store, c);
        store.finish(&[])?;
        Ok(unet)
    }

    /// A freshly initialised UNet for `config` (PyTorch's default initialisation, seeded), with
    /// the diffusers name of every parameter for saving it.
    pub fn random(c: &UNetConfig, seed: u64, device: &Device) -> (Self, ParamNames) {
        let mut store = TensorStore::random(seed, device);
        let unet = Self::build(&mut store, c);
        (unet, store.names().clone())
    }

    fn build(s: &mut TensorStore, c: &UNetConfig) -> Self {
        let temb = c.time_embed_dim();
        let ch = &c.block_out_channels;
        let levels = ch.len();
        let spec = |c_in: usize, c_out: usize, resize: Resize, output_scale: f64| ResnetSpec {
            c_in,
            c_out,
            temb,
            groups: c.norm_num_groups,
            eps: c.norm_eps,
            shift: c.time_scale_shift,
            output_scale,
            resize,
        };
        let head = |channels: usize| c.attention_head_dim.unwrap_or(channels);
        // Down and up blocks' attention normalises with the resnets' groups (diffusers).
        let level_attention = |s: &mut TensorStore, prefix: &str, channels: usize| {
            SpatialAttention::load(
                s,
                prefix,
                channels,
                head(channels),
                Some(c.norm_num_groups),
                c.norm_eps,
                1.0,
            )
        };
        let conv_in = conv3(s, "conv_in", (c.in_channels, ch[0]));
        let time_linear_1 = s.linear("time_embedding.linear_1", ch[0], temb, true);
        let time_linear_2 = s.linear("time_embedding.linear_2", temb, temb, true);

        let mut down = Vec::with_capacity(levels);
        let mut out_ch = ch[0];
        for (i, kind) in c.down_blocks.iter().enumerate() {
            let (in_ch, last) = (out_ch, i + 1 == levels);
            out_ch = ch[i];
            let p = format!("down_blocks.{i}");
            let mut resnets = Vec::new();
            let mut attentions = Vec::new();
            for j in 0..c.layers_per_block {
                let c_in = if j == 0 { in_ch } else { out_ch };
                resnets.push(ResnetBlock::load(
                    s,
                    &format!("{p}.resnets.{j}"),
                    spec(c_in, out_ch, Resize::Keep, 1.0),
                ));
                if *kind == DownBlock::AttnDown {
                    attentions.push(level_attention(s, &format!("{p}.attentions.{j}"), out_ch));
                }
            }
            let resnet_down = |s: &mut TensorStore| {
                Downsampler::Resnet(ResnetBlock::load(
                    s,
                    &format!("{p}.downsamplers.0"),
                    spec(out_ch, out_ch, Resize::Down, 1.0),
                ))
            };
            let downsampler = (!last).then(|| match (kind, c.downsample_type) {
                (DownBlock::Down, _) | (DownBlock::AttnDown, Resample::Conv) => {
                    Downsampler::conv(s, &format!("{p}.downsamplers.0"), out_ch, c.downsample_padding)
                }
                (DownBlock::AttnDown, Resample::Resnet) | (DownBlock::ResnetDownsample, _) => resnet_down(s),
            });
            down.push(DownLevel {
                resnets,
                attentions,
                downsampler,
            });
        }

        let mid = c.mid_block.then(|| {
            let last = ch[levels - 1];
            let scale = c.mid_block_scale_factor;
            let groups = c.attn_norm_num_groups.or(match c.time_scale_shift {
                TimeScaleShift::Add => Some(c.norm_num_groups),
                TimeScaleShift::ScaleShift => None,
            });
            MidLevel {
                first: ResnetBlock::load(s, "mid_block.resnets.0", spec(last, last, Resize::Keep, scale)),
                attention: c.add_attention.then(|| {
                    SpatialAttention::load(s, "mid_block.attentions.0", last, head(last), groups, c.norm_eps, scale)
                }),
                second: ResnetBlock::load(s, "mid_block.resnets.1", spec(last, last, Resize::Keep, scale)),
            }
        });

        let reversed: Vec<usize> = ch.iter().rev().copied().collect();
        let mut up = Vec::with_capacity(levels);
        let mut out_ch = reversed[0];
        for (i, kind) in c.up_blocks.iter().enumerate() {
            let prev_out = out_ch;
            out_ch = reversed[i];
            let in_ch = reversed[(i + 1).min(levels - 1)];
            let last = i + 1 == levels;
            let layers = c.layers_per_block + 1;
            let p = format!("up_blocks.{i}");
            let mut resnets = Vec::new();
            let mut attentions = Vec::new();
            for j in 0..layers {
                let skip = if j + 1 == layers { in_ch } else { out_ch };
                let res_in = if j == 0 { prev_out } else { out_ch };
                resnets.push(ResnetBlock::load(
                    s,
                    &format!("{p}.resnets.{j}"),
                    spec(res_in + skip, out_ch, Resize::Keep, 1.0),
                ));
                if *kind == UpBlock::AttnUp {
                    attentions.push(level_attention(s, &format!("{p}.attentions.{j}"), out_ch));
                }
            }
            let upsampler = (!last).then(|| match (kind, c.upsample_type) {
                (UpBlock::Up, _) | (UpBlock::AttnUp, Resample::Conv) => {
                    Upsampler::Conv(conv3(s, &format!("{p}.upsamplers.0.conv"), (out_ch, out_ch)))
                }
                (UpBlock::AttnUp, Resample::Resnet) | (UpBlock::ResnetUpsample, _) => Upsampler::Resnet(
                    ResnetBlock::load(s, &format!("{p}.upsamplers.0"), spec(out_ch, out_ch, Resize::Up, 1.0)),
                ),
            });
            up.push(UpLevel {
                resnets,
                attentions,
                upsampler,
            });
        }
        let norm_out = s.group_norm("conv_norm_out", c.norm_num_groups, ch[0], c.norm_eps);
        let conv_out = conv3(s, "conv_out", (ch[0], c.out_channels));
        Self {
            conv_in,
            time_linear_1,
            time_linear_2,
            down,
            mid,
            up,
            norm_out,
            conv_out,
            time: TimeFeatures {
                dim: ch[0],
                flip_sin_to_cos: c.flip_sin_to_cos,
                freq_shift: c.freq_shift,
            },
            center_input: c.center_input_sample,
        }
    }

    /// Load `diffusion_pytorch_model.safetensors` of a diffusers folder for `config`.
    pub fn load(file: &Path, config: &UNetConfig, device: &Device) -> Result<Self, GenerateError> {
        let store = TensorStore::open(file, device)?;
        Self::from_store(store, config)
    }

    /// The model output (batch × out_channels × h × w) for images `x` (batch × in_channels × h × w)
    /// at (possibly fractional) timesteps `t` (batch).
    pub fn forward(&self, x: Tensor<4>, t: Tensor<1>) -> Tensor<4> {
        let x = if self.center_input { x * 2.0 - 1.0 } else { x };
        let features = timestep_features(t, self.time.dim, self.time.flip_sin_to_cos, self.time.freq_shift);
        let temb = self.time_linear_2.forward(silu(self.time_linear_1.forward(features)));

        let mut h = self.conv_in.forward(x);
        let mut skips = vec![h.clone()];
        for level in &self.down {
            for (j, resnet) in level.resnets.iter().enumerate() {
                h = resnet.forward(h, temb.clone());
                if let Some(attention) = level.attentions.get(j) {
                    h = attention.forward(h);
                }
                skips.push(h.clone());
            }
            if let Some(down) = &level.downsampler {
                h = down.forward(h, temb.clone());
                skips.push(h.clone());
            }
        }
        if let Some(mid) = &self.mid {
            h = mid.first.forward(h, temb.clone());
            if let Some(attention) = &mid.attention {
                h = attention.forward(h);
            }
            h = mid.second.forward(h, temb.clone());
        }
        for level in &self.up {
            for (j, resnet) in level.resnets.iter().enumerate() {
                // The config check makes the skip count match the resnets; an empty list here
                // would be a loader bug, not user input.
                let skip = skips
                    .pop()
                    .unwrap_or_else(|| unreachable!("one skip connection per up resnet"));
                h = resnet.forward(Tensor::cat(vec![h, skip], 1), temb.clone());
                if let Some(attention) = level.attentions.get(j) {
                    h = attention.forward(h);
                }
            }
            if let Some(upsampler) = &level.upsampler {
                h = upsampler.forward(h, temb.clone());
            }
        }
        self.conv_out.forward(silu(self.norm_out.forward(h)))
    }
}

/// A diffusers UNet folder: `config.json` and `diffusion_pytorch_model.safetensors`.
#[derive(Debug)]
pub struct DiffusionModel {
    /// The network.
    pub unet: UNet,
    /// Its architecture.
    pub config: UNetConfig,
    /// The folder it came from.
    pub folder: PathBuf,
    /// A name for provenance (the folder's name).
    pub name: String,
    /// The device it lives on.
    pub device: Device,
}

/// `Diffusion NAME: UNet 64px, channels [64, 128], 2 per level, 6 output channels`.
impl std::fmt::Display for DiffusionModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let c = &self.config;
        write!(
            f,
            "Diffusion {}: UNet {}px, channels {:?}, {} per level, {} output channels",
            self.name, c.sample_size, c.block_out_channels, c.layers_per_block, c.out_channels
        )
    }
}

impl DiffusionModel {
    /// A diffusers UNet held in memory: its `config.json` text and weights bytes (the built-in
    /// models are compiled in this way); `name` names it in provenance and errors.
    pub fn from_memory(name: &str, config_json: &str, weights: &[u8], device: &Device) -> Result<Self, GenerateError> {
        let config = UNetConfig::from_json(config_json, name)?;
        let path = Path::new(name);
        let tensors = crate::weights::parse_safetensors(weights, path)?;
        let unet = UNet::from_store(TensorStore::from_tensors(path, tensors, device), &config)?.no_grad();
        Ok(Self {
            unet,
            config,
            folder: path.to_path_buf(),
            name: name.to_string(),
            device: device.clone(),
        })
    }

    /// Load a diffusers `UNet2DModel` folder onto `device`.
    pub fn load(folder: &Path, device: &Device) -> Result<Self, GenerateError> {
        let not_a_model = |message: String| GenerateError::NotAModel {
            folder: folder.to_path_buf(),
            message,
        };
        if !folder.is_dir() {
            return Err(not_a_model(
                "not a folder (give the folder holding config.json and diffusion_pytorch_model.safetensors; \
                 `brainclip convert-adm` makes one from a guided-diffusion checkpoint)"
                    .into(),
            ));
        }
        let config_path = folder.join("config.json");
        let weights = folder.join(WEIGHTS_FILE);
        if !config_path.is_file() {
            return Err(not_a_model("no config.json".into()));
        }
        if !weights.is_file() {
            let hint = if folder.join("diffusion_pytorch_model.bin").is_file() {
                " (it has diffusion_pytorch_model.bin: re-save it with `save_pretrained(..., safe_serialization=True)`)"
            } else {
                ""
            };
            return Err(not_a_model(format!("no {WEIGHTS_FILE}{hint}")));
        }
        let text = std::fs::read_to_string(&config_path).map_err(|e| GenerateError::io(&config_path, e))?;
        let config = UNetConfig::from_json(&text, &config_path.display().to_string())?;
        let unet = UNet::load(&weights, &config, device)?.no_grad();
        let name = folder
            .file_name()
            .map_or_else(|| folder.display().to_string(), |n| n.to_string_lossy().into_owned());
        Ok(Self {
            unet,
            config,
            folder: folder.to_path_buf(),
            name,
            device: device.clone(),
        })
    }
}
