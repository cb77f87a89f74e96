//! OpenCLIP checkpoints (`open_clip_model.safetensors` + `open_clip_config.json`, ViT models):
//! their config is read into a [`ClipConfig`] and their tensor names are rewritten to Hugging
//! Face's, fused attention projections split into query, key and value, so one loader serves both.

use serde::Deserialize;

use super::ClipError;
use super::config::{Activation, ClipConfig, TextConfig, TextPooling, TowerConfig, VisionConfig};
use super::weights::{HostTensor, TensorStore};

#[derive(Deserialize)]
struct OpenClipFile {
    model_cfg: ModelCfg,
}

#[derive(Deserialize)]
struct ModelCfg {
    embed_dim: usize,
    #[serde(default)]
    quick_gelu: bool,
    vision_cfg: VisionCfg,
    text_cfg: TextCfg,
}

#[derive(Deserialize)]
struct VisionCfg {
    image_size: usize,
    layers: usize,
    width: usize,
    patch_size: usize,
    #[serde(default = "head_width")]
    head_width: usize,
    #[serde(default = "mlp_ratio")]
    mlp_ratio: f64,
}

#[derive(Deserialize)]
struct TextCfg {
    #[serde(default = "context")]
    context_length: usize,
    #[serde(default = "vocab")]
    vocab_size: usize,
    width: usize,
    heads: usize,
    layers: usize,
    #[serde(default = "mlp_ratio")]
    mlp_ratio: f64,
}

fn head_width() -> usize {
    64
}
fn mlp_ratio() -> f64 {
    4.0
}
fn context() -> usize {
    77
}
fn vocab() -> usize {
    49408
}

impl ClipConfig {
    /// Parse OpenCLIP's `open_clip_config.json` (ViT image towers only).
    pub fn from_open_clip_json(text: &str) -> Result<Self, ClipError> {
        let file: OpenClipFile =
            serde_json::from_str(text).map_err(|e| ClipError::Config(format!("open_clip_config.json: {e}")))?;
        let m = file.model_cfg;
        let activation = if m.quick_gelu {
            Activation::QuickGelu
        } else {
            Activation::Gelu
        };
        let tower = |width: usize, layers: usize, heads: usize, ratio: f64| -> Result<TowerConfig, ClipError> {
            if heads == 0 || !width.is_multiple_of(heads) || layers == 0 {
                return Err(ClipError::Config(format!(
                    "width {width} with {heads} heads and {layers} layers"
                )));
            }
            Ok(TowerConfig {
                width,
                layers,
                heads,
                mlp_width: (width as f64 * ratio) as usize,
                activation,
                layer_norm_eps: 1e-5,
            })
        };
        let v = m.vision_cfg;
        if v.head_width == 0 || v.patch_size == 0 || !v.image_size.is_multiple_of(v.patch_size) {
            return Err(ClipError::Config(
                "vision_cfg: bad head_width, patch_size or image_size".into(),
            ));
        }
        Ok(Self {
            vision: VisionConfig {
                tower: tower(v.width, v.layers, v.width / v.head_width, v.mlp_ratio)?,
                image_size: v.image_size,
                patch_size: v.patch_size,
                channels: 3,
            },
            text: TextConfig {
                tower: tower(
                    m.text_cfg.width,
                    m.text_cfg.layers,
                    m.text_cfg.heads,
                    m.text_cfg.mlp_ratio,
                )?,
                vocab_size: m.text_cfg.vocab_size,
                context_length: m.text_cfg.context_length,
                pooling: TextPooling::ArgMax,
            },
            projection_dim: m.embed_dim,
        })
    }
}

fn transpose(t: HostTensor) -> HostTensor {
    if t.shape.len() != 2 {
        return t;
    }
    let (r, c) = (t.shape[0], t.shape[1]);
    let mut values = vec![0.0; r * c];
    for i in 0..r {
        for j in 0..c {
            values[j * r + i] = t.values[i * c + j];
        }
    }
    HostTensor {
        shape: vec![c, r],
        values,
    }
}

/// Split a fused `in_proj` (3W × W weight or 3W bias) into three equal parts along the first axis.
fn split3(t: HostTensor) -> Option<[HostTensor; 3]> {
    let rows = *t.shape.first()?;
    if rows % 3 != 0 {
        return None;
    }
    let part = t.values.len() / 3;
    let mut shape = t.shape.clone();
    shape[0] = rows / 3;
    let piece = |k: usize| HostTensor {
        shape: shape.clone(),
        values: t.values[k * part..(k + 1) * part].to_vec(),
    };
    Some([piece(0), piece(1), piece(2)])
}

fn rename_block(rest: &str) -> Option<String> {
    let pairs = [
        ("ln_1.", "layer_norm1."),
        ("ln_2.", "layer_norm2."),
        ("attn.out_proj.", "self_attn.out_proj."),
        ("mlp.c_fc.", "mlp.fc1."),
        ("mlp.c_proj.", "mlp.fc2."),
    ];
    pairs
        .iter()
        .find_map(|(from, to)| rest.strip_prefix(from).map(|tail| format!("{to}{tail}")))
}

/// The Hugging Face name of an OpenCLIP tensor (fused projections and transposed matrices are
/// handled by [`rename_to_hf`]).
fn hf_name(name: &str) -> Option<String> {
    let fixed = [
        ("visual.class_embedding", "vision_model.embeddings.class_embedding"),
        (
            "visual.positional_embedding",
            "vision_model.embeddings.position_embedding.weight",
        ),
        ("visual.conv1.weight", "vision_model.embeddings.patch_embedding.weight"),
        ("token_embedding.weight", "text_model.embeddings.token_embedding.weight"),
        (
            "positional_embedding",
            "text_model.embeddings.position_embedding.weight",
        ),
        ("logit_scale", "logit_scale"),
    ];
    if let Some((_, to)) = fixed.iter().find(|(from, _)| *from == name) {
        return Some((*to).to_string());
    }
    let norms = [
        ("visual.ln_pre.", "vision_model.pre_layrnorm."),
        ("visual.ln_post.", "vision_model.post_layernorm."),
        ("ln_final.", "text_model.final_layer_norm."),
    ];
    if let Some(n) = norms
        .iter()
        .find_map(|(from, to)| name.strip_prefix(from).map(|tail| format!("{to}{tail}")))
    {
        return Some(n);
    }
    let (tower, rest) = if let Some(r) = name.strip_prefix("visual.transformer.resblocks.") {
        ("vision_model", r)
    } else {
        ("text_model", name.strip_prefix("transformer.resblocks.")?)
    };
    let (index, rest) = rest.split_once('.')?;
    Some(format!("{tower}.encoder.layers.{index}.{}", rename_block(rest)?))
}

/// Rewrite an OpenCLIP store in place to Hugging Face names; names it does not know stay as they
/// are (and are reported as unexpected by the loader).
pub fn rename_to_hf(store: &mut TensorStore) {
    let names: Vec<String> = store.names().map(String::from).collect();
    for name in names {
        let Some(t) = store.remove(&name) else { continue };
        if let Some(prefix) = name
            .strip_suffix(".attn.in_proj_weight")
            .or_else(|| name.strip_suffix(".attn.in_proj_bias"))
        {
            let kind = if name.ends_with("weight") { "weight" } else { "bias" };
            let tower = if prefix.starts_with("visual.") {
                "vision_model"
            } else {
                "text_model"
            };
            let index = prefix.rsplit('.').next().unwrap_or("0");
            match split3(t.clone()) {
                Some([q, k, v]) => {
                    for (p, part) in [("q_proj", q), ("k_proj", k), ("v_proj", v)] {
                        store.insert(format!("{tower}.encoder.layers.{index}.self_attn.{p}.{kind}"), part);
                    }
                }
                None => store.insert(name, t),
            }
            continue;
        }
        match name.as_str() {
            "visual.proj" => store.insert("visual_projection.weight".into(), transpose(t)),
            "text_projection" => store.insert("text_projection.weight".into(), transpose(t)),
            _ => match hf_name(&name) {
                Some(hf) => store.insert(hf, t),
                None => store.insert(name, t),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_map_to_hugging_face() {
        assert_eq!(
            hf_name("visual.transformer.resblocks.3.mlp.c_fc.weight").as_deref(),
            Some("vision_model.encoder.layers.3.mlp.fc1.weight")
        );
        assert_eq!(
            hf_name("transformer.resblocks.0.ln_2.bias").as_deref(),
            Some("text_model.encoder.layers.0.layer_norm2.bias")
        );
        assert_eq!(
            hf_name("ln_final.weight").as_deref(),
            Some("text_model.final_layer_norm.weight")
        );
        assert_eq!(hf_name("something.else"), None);
    }

    #[test]
    fn b32_config_parses() {
        let json = r#"{"model_cfg": {"embed_dim": 512, "quick_gelu": true,
            "vision_cfg": {"image_size": 224, "layers": 12, "width": 768, "patch_size": 32},
            "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 512, "heads": 8, "layers": 12}}}"#;
        assert_eq!(ClipConfig::from_open_clip_json(json).unwrap(), ClipConfig::vit_b_32());
    }
}
