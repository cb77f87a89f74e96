//! A CLIP checkpoint folder as Hugging Face saves it (`config.json`, `model.safetensors`) or as
//! OpenCLIP does (`open_clip_config.json`, `open_clip_model.safetensors`), with the tokenizer's
//! `merges.txt` (or OpenAI's `bpe_simple_vocab_16e6.txt.gz`).

use std::path::{Path, PathBuf};

use burn::tensor::Device;

use super::ClipError;
use super::config::ClipConfig;
use super::model::ClipModel;
use super::tokenizer::ClipTokenizer;

/// A loaded CLIP: model, config and tokenizer, with the folder it came from.
#[derive(Debug)]
pub struct Clip {
    /// The network.
    pub model: ClipModel,
    /// Its sizes.
    pub config: ClipConfig,
    /// Its tokenizer.
    pub tokenizer: ClipTokenizer,
    /// The checkpoint folder.
    pub folder: PathBuf,
    /// A name for provenance: the folder's `_name_or_path` if recorded, else its file name.
    pub name: String,
    /// The device the model lives on.
    pub device: Device,
}

/// The tokenizer file of a checkpoint folder, in order of preference.
fn tokenizer_file(folder: &Path) -> Option<PathBuf> {
    [
        "merges.txt",
        "bpe_simple_vocab_16e6.txt.gz",
        "bpe_simple_vocab_16e6.txt",
    ]
    .iter()
    .map(|f| folder.join(f))
    .find(|p| p.is_file())
}

/// `Clip NAME: ViT-B/32 224px, text 12 layers width 512, D = 512`.
impl std::fmt::Display for Clip {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let c = &self.config;
        write!(
            f,
            "Clip {}: {}, text {} layers width {}, D = {}",
            self.name,
            c.vision.describe(),
            c.text.tower.layers,
            c.text.tower.width,
            c.projection_dim
        )
    }
}

impl Clip {
    /// Load a Hugging Face `CLIPModel` folder onto `device`.
    pub fn load(folder: &Path, device: &Device) -> Result<Self, ClipError> {
        let missing = |what: &str| ClipError::NotACheckpoint {
            folder: folder.to_path_buf(),
            message: format!("no {what}"),
        };
        if !folder.is_dir() {
            return Err(ClipError::NotACheckpoint {
                folder: folder.to_path_buf(),
                message: "not a folder (give the folder holding config.json and model.safetensors)".into(),
            });
        }
        let hf = folder.join("config.json").is_file() && folder.join("model.safetensors").is_file();
        let open_clip =
            folder.join("open_clip_config.json").is_file() && folder.join("open_clip_model.safetensors").is_file();
        let (config_path, weights) = match (hf, open_clip) {
            (true, _) => (folder.join("config.json"), folder.join("model.safetensors")),
            (false, true) => (
                folder.join("open_clip_config.json"),
                folder.join("open_clip_model.safetensors"),
            ),
            (false, false) => {
                return Err(missing(
                    "config.json + model.safetensors (Hugging Face) nor open_clip_config.json + open_clip_model.safetensors (OpenCLIP)",
                ));
            }
        };
        let text = std::fs::read_to_string(&config_path).map_err(|e| ClipError::io(&config_path, e))?;
        let config = if hf {
            ClipConfig::from_hf_json(&text)?
        } else {
            ClipConfig::from_open_clip_json(&text)?
        };
        let tok_path = tokenizer_file(folder).ok_or_else(|| missing("merges.txt or bpe_simple_vocab_16e6.txt.gz"))?;
        let tokenizer = ClipTokenizer::from_file(&tok_path)?;
        if tokenizer.vocab_size() != config.text.vocab_size {
            return Err(ClipError::Config(format!(
                "the tokenizer ({}) has {} tokens, the text tower {}",
                tok_path.display(),
                tokenizer.vocab_size(),
                config.text.vocab_size
            )));
        }
        let model = if hf {
            ClipModel::load_hf(&weights, &config, device)?
        } else {
            ClipModel::load_open_clip(&weights, &config, device)?
        };
        let name = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v.get("_name_or_path").and_then(|n| n.as_str()).map(String::from))
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| {
                folder
                    .file_name()
                    .map_or_else(|| folder.display().to_string(), |n| n.to_string_lossy().into_owned())
            });
        Ok(Self {
            model,
            config,
            tokenizer,
            folder: folder.to_path_buf(),
            name,
            device: device.clone(),
        })
    }

    /// A Hugging Face CLIP held in memory: its `config.json` text, `merges.txt` text and
    /// `model.safetensors` bytes (the built-in models are compiled in this way). `name` names it
    /// in provenance and errors.
    pub fn from_memory(
        name: &str,
        (config_json, merges, weights): (&str, &str, &[u8]),
        device: &Device,
    ) -> Result<Self, ClipError> {
        let config = ClipConfig::from_hf_json(config_json)?;
        let tokenizer = ClipTokenizer::from_merges(merges)?;
        let path = Path::new(name);
        let tensors = crate::weights::parse_safetensors(weights, path)?;
        let store = crate::weights::TensorStore::from_tensors(path, tensors, device);
        let model = ClipModel::load_store(store, &config)?;
        Ok(Self {
            model,
            config,
            tokenizer,
            folder: path.to_path_buf(),
            name: name.to_string(),
            device: device.clone(),
        })
    }
}
