//! OpenCLIP checkpoints (`open_clip_model.safetensors` + `open_clip_config.json`, ViT and
//! modified-ResNet image towers): their config is read into a [`ClipConfig`] and their tensor
//! names are rewritten to Hugging Face's, fused attention projections split into query, key and
//! value, so one loader serves both (a ResNet tower keeps OpenCLIP's `visual.*` names).

use serde::Deserialize;

use super::ClipError;
use super::config::{
    Activation, ClipConfig, RESNET_STRIDE, ResNetConfig, TextConfig, TextPooling, TowerConfig, VisionConfig,
    VisionKind, VitConfig,
};
use crate::weights::{HostTensor, TensorStore};

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
    layers: Layers,
    width: usize,
    patch_size: Option<usize>,
    #[serde(default = "head_width")]
    head_width: usize,
    #[serde(default = "mlp_ratio")]
    mlp_ratio: f64,
    timm_model_name: Option<String>,
}

/// `vision_cfg.layers`: a ViT's depth, or the blocks of a modified ResNet's four stages.
#[derive(Deserialize)]
#[serde(untagged)]
enum Layers {
    Depth(usize),
    Stages(Vec<usize>),
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
    /// Parse OpenCLIP's `open_clip_config.json`: ViT image towers (`vision_cfg.layers` a
    /// number, with `patch_size`) and OpenAI's modified ResNets (`layers` a list of four stage
    /// depths, `patch_size` null; the attention pool has `32·width / head_width` heads, as
    /// OpenCLIP's `_build_vision_tower` computes).
    ///
    /// ```
    /// use brainclip::clip::ClipConfig;
    /// let rn50 = r#"{"model_cfg": {"embed_dim": 1024, "quick_gelu": true,
    ///     "vision_cfg": {"image_size": 224, "layers": [3, 4, 6, 3], "width": 64, "patch_size": null},
    ///     "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 512, "heads": 8, "layers": 12}}}"#;
    /// let config = ClipConfig::from_open_clip_json(rn50).unwrap();
    /// assert_eq!(config, ClipConfig::rn50());
    /// assert_eq!(config.vision.tokens(), 50);
    /// ```
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
        if let Some(name) = &v.timm_model_name {
            return Err(ClipError::Config(format!(
                "vision_cfg: timm image towers (`{name}`) are not supported (ViT and modified ResNet only)"
            )));
        }
        if v.head_width == 0 {
            return Err(ClipError::Config("vision_cfg: head_width must be positive".into()));
        }
        let kind = match v.layers {
            Layers::Depth(layers) => {
                let patch_size = v.patch_size.unwrap_or(0);
                if patch_size == 0 || !v.image_size.is_multiple_of(patch_size) {
                    return Err(ClipError::Config(format!(
                        "vision_cfg: image_size {} must be a multiple of a positive patch_size ({:?})",
                        v.image_size, v.patch_size
                    )));
                }
                VisionKind::Vit(VitConfig {
                    tower: tower(v.width, layers, v.width / v.head_width, v.mlp_ratio)?,
                    patch_size,
                })
            }
            Layers::Stages(stages) => VisionKind::ResNet(resnet(&stages, v.width, v.head_width, v.image_size)?),
        };
        Ok(Self {
            vision: VisionConfig {
                kind,
                image_size: v.image_size,
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

/// A modified ResNet's sizes from `vision_cfg`, checked so that building it cannot fail.
fn resnet(stages: &[usize], width: usize, head_width: usize, image_size: usize) -> Result<ResNetConfig, ClipError> {
    let layers: [usize; 4] = stages.try_into().map_err(|_| {
        ClipError::Config(format!(
            "vision_cfg.layers: a modified ResNet has four stages, found {stages:?}"
        ))
    })?;
    if layers.contains(&0) {
        return Err(ClipError::Config(format!(
            "vision_cfg.layers: every stage needs at least one block, found {stages:?}"
        )));
    }
    if width < 2 || !width.is_multiple_of(2) {
        return Err(ClipError::Config(format!(
            "vision_cfg.width {width} must be even and positive (the stem halves it)"
        )));
    }
    if image_size == 0 || !image_size.is_multiple_of(RESNET_STRIDE) {
        return Err(ClipError::Config(format!(
            "vision_cfg.image_size {image_size} must be a positive multiple of {RESNET_STRIDE} for a ResNet"
        )));
    }
    let features = width * 32;
    let heads = features / head_width;
    if heads == 0 || !features.is_multiple_of(heads) {
        return Err(ClipError::Config(format!(
            "vision_cfg: the attention pool's width {features} is not divisible into {heads} heads (head_width {head_width})"
        )));
    }
    Ok(ResNetConfig { layers, width, heads })
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
/// are (and are reported as unexpected by the loader). A modified ResNet's `visual.*` tensors
/// have no Hugging Face counterpart and keep their OpenCLIP (= OpenAI) names.
pub fn rename_to_hf(store: &mut TensorStore, vision: &VisionKind) {
    let resnet = matches!(vision, VisionKind::ResNet(_));
    let names: Vec<String> = store.remaining().map(String::from).collect();
    for name in names {
        if resnet && name.starts_with("visual.") {
            continue;
        }
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

    fn open_clip_json(vision_cfg: &str, embed_dim: usize) -> String {
        format!(
            r#"{{"model_cfg": {{"embed_dim": {embed_dim}, "quick_gelu": true, "vision_cfg": {vision_cfg},
            "text_cfg": {{"context_length": 77, "vocab_size": 49408, "width": 512, "heads": 8, "layers": 12}}}}}}"#
        )
    }

    #[test]
    fn resnet_configs_parse() {
        // OpenCLIP's RN50-quickgelu.json and RN101-quickgelu.json (patch_size null).
        let rn50 = open_clip_json(
            r#"{"image_size": 224, "layers": [3, 4, 6, 3], "width": 64, "patch_size": null}"#,
            1024,
        );
        assert_eq!(ClipConfig::from_open_clip_json(&rn50).unwrap(), ClipConfig::rn50());
        let rn101 = open_clip_json(
            r#"{"image_size": 224, "layers": [3, 4, 23, 3], "width": 64, "patch_size": null}"#,
            512,
        );
        let c = ClipConfig::from_open_clip_json(&rn101).unwrap();
        assert_eq!(c, ClipConfig::rn101());
        assert_eq!(c.vision.patch_size(), None);
        assert_eq!((c.vision.grid(), c.vision.tokens()), (7, 50));
        // RN50x4: width 80 at 288 px, heads 80·32/64 = 40; patch_size may be absent.
        let x4 = open_clip_json(r#"{"image_size": 288, "layers": [4, 6, 10, 6], "width": 80}"#, 640);
        let VisionKind::ResNet(r) = ClipConfig::from_open_clip_json(&x4).unwrap().vision.kind else {
            panic!("not a ResNet")
        };
        assert_eq!(
            (r.layers, r.width, r.heads, r.feature_width()),
            ([4, 6, 10, 6], 80, 40, 2560)
        );
        // head_width sets the pool's heads as OpenCLIP's `width * 32 // head_width`.
        let narrow = open_clip_json(
            r#"{"image_size": 64, "layers": [1, 1, 1, 1], "width": 8, "head_width": 32}"#,
            32,
        );
        let VisionKind::ResNet(r) = ClipConfig::from_open_clip_json(&narrow).unwrap().vision.kind else {
            panic!("not a ResNet")
        };
        assert_eq!(r.heads, 8);
    }

    #[test]
    fn unbuildable_resnet_configs_are_errors() {
        for (vision_cfg, why) in [
            (
                r#"{"image_size": 224, "layers": [3, 4, 6], "width": 64}"#,
                "four stages",
            ),
            (
                r#"{"image_size": 224, "layers": [3, 0, 6, 3], "width": 64}"#,
                "at least one block",
            ),
            (
                r#"{"image_size": 200, "layers": [3, 4, 6, 3], "width": 64}"#,
                "multiple of 32",
            ),
            (r#"{"image_size": 224, "layers": [3, 4, 6, 3], "width": 63}"#, "even"),
            (
                r#"{"image_size": 224, "layers": [3, 4, 6, 3], "width": 64, "head_width": 0}"#,
                "head_width",
            ),
            (
                r#"{"image_size": 224, "layers": [3, 4, 6, 3], "width": 1, "head_width": 64}"#,
                "even",
            ),
            (
                r#"{"image_size": 224, "layers": [3, 4, 6, 3], "width": 2, "head_width": 128}"#,
                "heads",
            ),
            (
                r#"{"image_size": 224, "layers": "deep", "width": 64}"#,
                "open_clip_config.json",
            ),
            (r#"{"image_size": 224, "layers": 12, "width": 768}"#, "patch_size"),
            (
                r#"{"image_size": 224, "layers": 12, "width": 768, "patch_size": 16, "timm_model_name": "convnext_base"}"#,
                "timm",
            ),
        ] {
            let err = ClipConfig::from_open_clip_json(&open_clip_json(vision_cfg, 512)).unwrap_err();
            assert!(
                matches!(&err, ClipError::Config(m) if m.contains(why)),
                "{vision_cfg}: {err}"
            );
        }
    }

    #[test]
    fn resnet_tensors_keep_their_open_clip_names() {
        let t = |shape: Vec<usize>| HostTensor {
            values: vec![0.0; shape.iter().product()],
            shape,
        };
        let names = [
            "visual.conv1.weight",
            "visual.attnpool.q_proj.weight",
            "transformer.resblocks.0.ln_1.weight",
        ];
        let store = |names: &[&str]| {
            let tensors = names.iter().map(|n| (n.to_string(), t(vec![2, 2]))).collect();
            TensorStore::from_tensors(std::path::Path::new("x"), tensors, &burn::tensor::Device::flex())
        };
        let mut s = store(&names);
        rename_to_hf(&mut s, &ClipConfig::rn50().vision.kind);
        let renamed: Vec<&str> = s.remaining().collect();
        assert_eq!(
            renamed,
            [
                "text_model.encoder.layers.0.layer_norm1.weight",
                "visual.attnpool.q_proj.weight",
                "visual.conv1.weight"
            ]
        );
        // A ViT's conv1 is its patch embedding.
        let mut s = store(&names[..1]);
        rename_to_hf(&mut s, &ClipConfig::vit_b_32().vision.kind);
        assert!(s.contains("vision_model.embeddings.patch_embedding.weight"));
    }

    #[test]
    fn b32_config_parses() {
        let json = r#"{"model_cfg": {"embed_dim": 512, "quick_gelu": true,
            "vision_cfg": {"image_size": 224, "layers": 12, "width": 768, "patch_size": 32},
            "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 512, "heads": 8, "layers": 12}}}"#;
        assert_eq!(ClipConfig::from_open_clip_json(json).unwrap(), ClipConfig::vit_b_32());
    }
}
