//! Converting OpenAI guided-diffusion (ADM) checkpoints into diffusers' `UNet2DModel` layout, so
//! `256x256_diffusion_uncond.pt` (the model the BrainCLIP authors guide) loads like any diffusers
//! folder. The architecture is read from the tensors themselves; only the attention head size,
//! which no tensor shape records, is given (ADM's `num_head_channels`, 64 for the released models).

use std::collections::BTreeMap;
use std::path::Path;

use safetensors::Dtype;
use serde::Serialize;

use super::GenerateError;
use super::unet::WEIGHTS_FILE;
use crate::data::formats::tensors::f32_safetensors_bytes;
use crate::weights::{HostTensor, read_safetensors, to_f32};

/// How ADM splits channels into attention heads (its `num_head_channels` / `num_heads`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Heads {
    /// Channels per head (ADM's `num_head_channels`; 64 for the released unconditional models).
    Channels(usize),
    /// Heads per attention block (ADM's `num_heads` with `num_head_channels = -1`).
    Count(usize),
}

/// What the converter found and wrote.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Conversion {
    /// Channels per level (ADM's `num_channels × channel_mult`).
    pub block_out_channels: Vec<usize>,
    /// Residual blocks per level (`num_res_blocks`).
    pub num_res_blocks: usize,
    /// Levels with attention (0 = full resolution).
    pub attention_levels: Vec<usize>,
    /// `resblock_updown`.
    pub resblock_updown: bool,
    /// `use_scale_shift_norm`.
    pub scale_shift: bool,
    /// Output channels (6 with `learn_sigma`).
    pub out_channels: usize,
    /// Channels per attention head.
    pub head_dim: usize,
    /// Tensors read and written.
    pub tensors: usize,
    /// The diffusers `config.json` written.
    pub config: serde_json::Value,
}

fn checkpoint_error(file: &Path, message: impl Into<String>) -> GenerateError {
    GenerateError::Checkpoint {
        file: file.to_path_buf(),
        message: message.into(),
    }
}

/// Read every floating-point tensor of a PyTorch `.pt`/`.pth` state dict or a `.safetensors`
/// file (integer buffers are skipped).
pub fn read_checkpoint(file: &Path) -> Result<BTreeMap<String, HostTensor>, GenerateError> {
    if file.extension().is_some_and(|e| e == "safetensors") {
        return Ok(read_safetensors(file)?);
    }
    let mut out = BTreeMap::new();
    let reader = pytorch_reader::PytorchReader::new(file).map_err(|e| {
        checkpoint_error(
            file,
            format!("not a PyTorch checkpoint brainclip can read ({e}); give a state dict saved with torch.save or a .safetensors file"),
        )
    })?;
    for (name, tensor) in reader.into_tensors() {
        use pytorch_reader::DType as T;
        let dtype = match tensor.dtype() {
            T::F32 => Dtype::F32,
            T::F64 => Dtype::F64,
            T::F16 => Dtype::F16,
            T::BF16 => Dtype::BF16,
            _ => continue,
        };
        let mut bytes = tensor.read().map_err(|e| checkpoint_error(file, e.to_string()))?;
        // pytorch-reader gives native-endian bytes; `to_f32` reads little-endian ones.
        if cfg!(target_endian = "big") {
            bytes.chunks_exact_mut(tensor.dtype().size()).for_each(<[u8]>::reverse);
        }
        if let Some(values) = to_f32(dtype, &bytes) {
            out.insert(
                name,
                HostTensor {
                    shape: tensor.shape().to_vec(),
                    values,
                },
            );
        }
    }
    Ok(out)
}

/// The ADM → diffusers renaming, consuming `adm` and filling `out`.
struct Mapper<'a> {
    file: &'a Path,
    adm: BTreeMap<String, HostTensor>,
    out: BTreeMap<String, HostTensor>,
}

impl Mapper<'_> {
    fn take(&mut self, name: &str) -> Result<HostTensor, GenerateError> {
        self.adm.remove(name).ok_or_else(|| {
            checkpoint_error(
                self.file,
                format!("missing tensor `{name}` (is this an ADM UNet checkpoint?)"),
            )
        })
    }

    fn copy(&mut self, from: &str, to: &str) -> Result<(), GenerateError> {
        let t = self.take(from)?;
        self.out.insert(to.to_string(), t);
        Ok(())
    }

    /// A 1×1 Conv1d weight (out × in × 1) as a Linear weight (out × in).
    fn squeeze(&mut self, from: &str, to: &str) -> Result<(), GenerateError> {
        let mut t = self.take(from)?;
        if t.shape.len() == 3 && t.shape[2] == 1 {
            t.shape.pop();
        }
        self.out.insert(to.to_string(), t);
        Ok(())
    }

    fn resblock(&mut self, from: &str, to: &str) -> Result<(), GenerateError> {
        for (a, b) in [
            ("in_layers.0", "norm1"),
            ("in_layers.2", "conv1"),
            ("emb_layers.1", "time_emb_proj"),
            ("out_layers.0", "norm2"),
            ("out_layers.3", "conv2"),
        ] {
            for s in ["weight", "bias"] {
                self.copy(&format!("{from}.{a}.{s}"), &format!("{to}.{b}.{s}"))?;
            }
        }
        for s in ["weight", "bias"] {
            let name = format!("{from}.skip_connection.{s}");
            if self.adm.contains_key(&name) {
                self.copy(&name, &format!("{to}.conv_shortcut.{s}"))?;
            }
        }
        Ok(())
    }

    /// ADM's legacy attention: the fused QKV is head-major (`reshape(heads, 3, head_dim, C)`),
    /// so query, key and value rows interleave by head; a plain thirds split would be wrong.
    fn attention(&mut self, from: &str, to: &str, head_dim: usize) -> Result<(), GenerateError> {
        let w = self.take(&format!("{from}.qkv.weight"))?;
        let b = self.take(&format!("{from}.qkv.bias"))?;
        let c = w.shape.get(1).copied().unwrap_or(0);
        if w.shape.len() < 2
            || w.shape[2..].iter().any(|&d| d != 1)
            || c == 0
            || w.shape[0] != 3 * c
            || !c.is_multiple_of(head_dim)
            || b.values.len() != 3 * c
        {
            return Err(checkpoint_error(
                self.file,
                format!(
                    "{from}.qkv has shape {:?}: expected [3·C, C, 1] with C divisible by the head size {head_dim}",
                    w.shape
                ),
            ));
        }
        let heads = c / head_dim;
        for (k, name) in ["to_q", "to_k", "to_v"].into_iter().enumerate() {
            let mut weight = Vec::with_capacity(c * c);
            let mut bias = Vec::with_capacity(c);
            for h in 0..heads {
                for d in 0..head_dim {
                    let row = (h * 3 + k) * head_dim + d;
                    weight.extend_from_slice(&w.values[row * c..(row + 1) * c]);
                    bias.push(b.values[row]);
                }
            }
            self.out.insert(
                format!("{to}.{name}.weight"),
                HostTensor {
                    shape: vec![c, c],
                    values: weight,
                },
            );
            self.out.insert(
                format!("{to}.{name}.bias"),
                HostTensor {
                    shape: vec![c],
                    values: bias,
                },
            );
        }
        self.squeeze(&format!("{from}.proj_out.weight"), &format!("{to}.to_out.0.weight"))?;
        self.copy(&format!("{from}.proj_out.bias"), &format!("{to}.to_out.0.bias"))?;
        self.copy(&format!("{from}.norm.weight"), &format!("{to}.group_norm.weight"))?;
        self.copy(&format!("{from}.norm.bias"), &format!("{to}.group_norm.bias"))
    }
}

fn count_blocks(adm: &BTreeMap<String, HostTensor>, prefix: &str) -> usize {
    adm.keys()
        .filter_map(|k| k.strip_prefix(prefix)?.split('.').next()?.parse::<usize>().ok())
        .max()
        .map_or(0, |m| m + 1)
}

fn has(adm: &BTreeMap<String, HostTensor>, prefix: &str) -> bool {
    adm.keys().any(|k| k.starts_with(prefix))
}

/// Convert an ADM state dict into diffusers names and a diffusers `config.json`.
pub fn convert_adm(
    file: &Path,
    adm: BTreeMap<String, HostTensor>,
    heads: Heads,
    sample_size: usize,
) -> Result<(BTreeMap<String, HostTensor>, Conversion), GenerateError> {
    // Shapes of at least `rank` dimensions only: a malformed file is an error, never a panic.
    let shape_of = |name: &str, rank: usize| adm.get(name).map(|t| t.shape.clone()).filter(|s| s.len() >= rank);
    let shape = |name: &str| shape_of(name, 1);
    let conv_in = shape_of("input_blocks.0.0.weight", 2).ok_or_else(|| {
        checkpoint_error(
            file,
            "no input_blocks.0.0.weight: not a guided-diffusion (ADM) UNet state dict \
             (a diffusers folder loads directly with diffusion_load)",
        )
    })?;
    if has(&adm, "label_emb") {
        return Err(checkpoint_error(
            file,
            "this ADM model is class-conditional (label_emb); CLIP guidance uses an unconditional model \
             such as 256x256_diffusion_uncond.pt",
        ));
    }
    let in_channels = conv_in[1];
    let n_in = count_blocks(&adm, "input_blocks.");
    let n_out = count_blocks(&adm, "output_blocks.");
    // An output block is [ResBlock, (attention), (upsampler)]; the first with an upsampler ends
    // the first level, which has num_res_blocks + 1 blocks.
    let is_attention = |p: &str| has(&adm, &format!("{p}.qkv.weight"));
    let upsampler_at = |k: usize| -> Option<usize> {
        (1..3).find(|&m| {
            let p = format!("output_blocks.{k}.{m}");
            has(&adm, &format!("{p}.")) && !is_attention(&p)
        })
    };
    let per_level = (0..n_out).find(|&k| upsampler_at(k).is_some()).map_or(n_out, |k| k + 1);
    if per_level < 2 || !n_out.is_multiple_of(per_level) || n_in != n_out {
        return Err(checkpoint_error(
            file,
            format!("{n_in} input and {n_out} output blocks do not form ADM levels"),
        ));
    }
    let levels = n_out / per_level;
    let r = per_level - 1;
    let mut channels = Vec::with_capacity(levels);
    let mut attention_levels = Vec::new();
    for l in 0..levels {
        let first = format!("input_blocks.{}.0.out_layers.3.weight", 1 + l * per_level);
        let c = shape(&first).ok_or_else(|| checkpoint_error(file, format!("missing `{first}`")))?[0];
        channels.push(c);
        if is_attention(&format!("input_blocks.{}.1", 1 + l * per_level)) {
            attention_levels.push(l);
        }
    }
    let updown = levels > 1 && has(&adm, &format!("input_blocks.{}.0.in_layers.0.weight", 1 + r));
    let emb = shape("input_blocks.1.0.emb_layers.1.weight").map_or(0, |s| s[0]);
    let scale_shift = emb == 2 * channels[0];
    let out_channels = shape("out.2.weight").ok_or_else(|| checkpoint_error(file, "missing `out.2.weight`"))?[0];
    let attn_channels: Vec<usize> = attention_levels
        .iter()
        .map(|&l| channels[l])
        .chain(is_attention("middle_block.1").then(|| channels[levels - 1]))
        .collect();
    let head_dim = match heads {
        Heads::Channels(0) | Heads::Count(0) => {
            return Err(GenerateError::option(
                "num_head_channels",
                "must be positive (ADM-256 uses 64)",
            ));
        }
        Heads::Channels(d) => d,
        Heads::Count(n) => {
            let dims: Vec<usize> = attn_channels.iter().map(|c| c / n).collect();
            if dims.windows(2).any(|w| w[0] != w[1]) {
                return Err(GenerateError::option(
                    "num_heads",
                    format!(
                        "{n} heads give head sizes {dims:?} at the attention levels; diffusers' UNet2DModel has one head size \
                         for all of them, so this model cannot be expressed in its layout"
                    ),
                ));
            }
            dims.first().copied().unwrap_or(channels[0])
        }
    };
    if let Some(c) = attn_channels.iter().find(|c| !c.is_multiple_of(head_dim)) {
        return Err(GenerateError::option(
            "num_head_channels",
            format!("{head_dim} does not divide the attention width {c}; ADM-256 uses 64"),
        ));
    }

    let mut m = Mapper {
        file,
        adm,
        out: BTreeMap::new(),
    };
    for s in ["weight", "bias"] {
        m.copy(&format!("time_embed.0.{s}"), &format!("time_embedding.linear_1.{s}"))?;
        m.copy(&format!("time_embed.2.{s}"), &format!("time_embedding.linear_2.{s}"))?;
        m.copy(&format!("input_blocks.0.0.{s}"), &format!("conv_in.{s}"))?;
        m.copy(&format!("out.0.{s}"), &format!("conv_norm_out.{s}"))?;
        m.copy(&format!("out.2.{s}"), &format!("conv_out.{s}"))?;
    }
    let mut down_types = Vec::new();
    for l in 0..levels {
        let attn = attention_levels.contains(&l);
        for j in 0..r {
            let k = 1 + l * per_level + j;
            m.resblock(&format!("input_blocks.{k}.0"), &format!("down_blocks.{l}.resnets.{j}"))?;
            if attn {
                m.attention(
                    &format!("input_blocks.{k}.1"),
                    &format!("down_blocks.{l}.attentions.{j}"),
                    head_dim,
                )?;
            }
        }
        if l + 1 < levels {
            let k = 1 + l * per_level + r;
            if updown {
                m.resblock(
                    &format!("input_blocks.{k}.0"),
                    &format!("down_blocks.{l}.downsamplers.0"),
                )?;
            } else {
                for s in ["weight", "bias"] {
                    m.copy(
                        &format!("input_blocks.{k}.0.op.{s}"),
                        &format!("down_blocks.{l}.downsamplers.0.conv.{s}"),
                    )?;
                }
            }
        }
        down_types.push(match (attn, updown) {
            (true, _) => "AttnDownBlock2D",
            (false, true) => "ResnetDownsampleBlock2D",
            (false, false) => "DownBlock2D",
        });
    }
    m.resblock("middle_block.0", "mid_block.resnets.0")?;
    let mid_attention = is_attention_in(&m.adm, "middle_block.1");
    let mid_last = if mid_attention {
        m.attention("middle_block.1", "mid_block.attentions.0", head_dim)?;
        "middle_block.2"
    } else {
        "middle_block.1"
    };
    m.resblock(mid_last, "mid_block.resnets.1")?;
    let mut up_types = Vec::new();
    for i in 0..levels {
        let l = levels - 1 - i;
        let attn = attention_levels.contains(&l);
        for j in 0..per_level {
            let k = i * per_level + j;
            m.resblock(&format!("output_blocks.{k}.0"), &format!("up_blocks.{i}.resnets.{j}"))?;
            if attn {
                m.attention(
                    &format!("output_blocks.{k}.1"),
                    &format!("up_blocks.{i}.attentions.{j}"),
                    head_dim,
                )?;
            }
        }
        if i + 1 < levels {
            let k = i * per_level + r;
            let idx = if attn { 2 } else { 1 };
            let p = format!("output_blocks.{k}.{idx}");
            if updown {
                m.resblock(&p, &format!("up_blocks.{i}.upsamplers.0"))?;
            } else {
                for s in ["weight", "bias"] {
                    m.copy(
                        &format!("{p}.conv.{s}"),
                        &format!("up_blocks.{i}.upsamplers.0.conv.{s}"),
                    )?;
                }
            }
        }
        up_types.push(match (attn, updown) {
            (true, _) => "AttnUpBlock2D",
            (false, true) => "ResnetUpsampleBlock2D",
            (false, false) => "UpBlock2D",
        });
    }
    if !m.adm.is_empty() {
        let left: Vec<String> = m
            .adm
            .iter()
            .take(10)
            .map(|(k, t)| format!("{k} {:?}", t.shape))
            .collect();
        return Err(checkpoint_error(
            file,
            format!(
                "{} tensors the ADM layout does not use: {}",
                m.adm.len(),
                left.join(", ")
            ),
        ));
    }
    let resample = if updown { "resnet" } else { "conv" };
    let config = serde_json::json!({
        "_class_name": "UNet2DModel",
        "_brainclip_converted_from": file.display().to_string(),
        "sample_size": sample_size,
        "in_channels": in_channels,
        "out_channels": out_channels,
        "center_input_sample": false,
        "time_embedding_type": "positional",
        "flip_sin_to_cos": true,
        "freq_shift": 0,
        "down_block_types": down_types,
        "mid_block_type": "UNetMidBlock2D",
        "up_block_types": up_types,
        "block_out_channels": channels,
        "layers_per_block": r,
        "mid_block_scale_factor": 1,
        "downsample_padding": 1,
        "downsample_type": resample,
        "upsample_type": resample,
        "dropout": 0.0,
        "act_fn": "silu",
        "attention_head_dim": head_dim,
        "norm_num_groups": 32,
        "attn_norm_num_groups": 32,
        "norm_eps": 1e-5,
        "resnet_time_scale_shift": if scale_shift { "scale_shift" } else { "default" },
        "add_attention": mid_attention,
    });
    let tensors = m.out.len();
    Ok((
        m.out,
        Conversion {
            block_out_channels: channels,
            num_res_blocks: r,
            attention_levels,
            resblock_updown: updown,
            scale_shift,
            out_channels,
            head_dim,
            tensors,
            config,
        },
    ))
}

fn is_attention_in(adm: &BTreeMap<String, HostTensor>, p: &str) -> bool {
    has(adm, &format!("{p}.qkv.weight"))
}

/// Convert `input` (an ADM `.pt`/`.safetensors` state dict) into a diffusers folder `output`
/// (`config.json` + `diffusion_pytorch_model.safetensors`). The folder is written next to its
/// final place and renamed at the end, so a failed conversion leaves nothing half-written.
pub fn convert_adm_file(
    input: &Path,
    output: &Path,
    heads: Heads,
    sample_size: usize,
) -> Result<Conversion, GenerateError> {
    if output.exists() {
        return Err(GenerateError::io(
            output,
            "already exists; give a new folder name (brainclip does not overwrite a model folder)",
        ));
    }
    let adm = read_checkpoint(input)?;
    let (tensors, conversion) = convert_adm(input, adm, heads, sample_size)?;
    // Check the result builds before anything is written.
    let config_text = serde_json::to_string_pretty(&conversion.config).unwrap_or_default();
    super::unet::UNetConfig::from_json(&config_text, "the converted config")?;
    let parent = output
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| GenerateError::io(parent, e))?;
    let staging = tempfile::Builder::new()
        .prefix(".convert-adm-")
        .tempdir_in(parent)
        .map_err(|e| GenerateError::io(parent, e))?;
    let arrays: Vec<(String, Vec<usize>, &[f32])> = tensors
        .iter()
        .map(|(name, t)| (name.clone(), t.shape.clone(), t.values.as_slice()))
        .collect();
    let bytes = f32_safetensors_bytes(&arrays, None).map_err(|e| checkpoint_error(input, e.to_string()))?;
    let weights = staging.path().join(WEIGHTS_FILE);
    std::fs::write(&weights, bytes).map_err(|e| GenerateError::io(&weights, e))?;
    let config_path = staging.path().join("config.json");
    std::fs::write(&config_path, config_text + "\n").map_err(|e| GenerateError::io(&config_path, e))?;
    let staged = staging.keep();
    std::fs::rename(&staged, output).map_err(|e| {
        let _ = std::fs::remove_dir_all(&staged);
        GenerateError::io(output, e)
    })?;
    Ok(conversion)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(shape: &[usize]) -> HostTensor {
        HostTensor {
            shape: shape.to_vec(),
            values: vec![0.0; shape.iter().product()],
        }
    }

    #[test]
    fn malformed_state_dicts_are_errors_not_panics() {
        let file = Path::new("bad.safetensors");
        for dict in [
            BTreeMap::from([("input_blocks.0.0.weight".to_string(), t(&[32]))]),
            BTreeMap::from([("input_blocks.0.0.weight".to_string(), t(&[32, 3, 3, 3]))]),
            BTreeMap::from([
                ("input_blocks.0.0.weight".to_string(), t(&[32, 3, 3, 3])),
                ("input_blocks.1.0.out_layers.3.weight".to_string(), t(&[])),
                ("output_blocks.0.0.in_layers.0.weight".to_string(), t(&[64])),
                ("output_blocks.0.1.conv.weight".to_string(), t(&[32])),
                ("output_blocks.1.0.in_layers.0.weight".to_string(), t(&[64])),
                ("input_blocks.2.0.op.weight".to_string(), t(&[32])),
            ]),
        ] {
            assert!(convert_adm(file, dict, Heads::Channels(8), 32).is_err());
        }
    }
}
