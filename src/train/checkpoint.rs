//! Checkpoints of trained models: the weights as burnpack bytes (burn's own format, which records
//! each tensor's data, not its device) plus a JSON description of the network and its training.
//! A model trained on a GPU loads on a laptop's CPU and the other way round.

use burn::module::Module;
use burn::tensor::{Bytes, Device};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use std::path::{Path, PathBuf};

use super::{EpochRecord, SharedModel, StopReason, TrainConfig, TrainedModel};
use crate::model::{MappingConfig, MappingNet, ModelError};

/// Format version written into every checkpoint description.
const FORMAT: u32 = 1;

/// Why a checkpoint could not be written or read.
#[derive(Debug, Error)]
pub enum CheckpointError {
    /// The weights could not be (de)serialised or do not fit the described network.
    #[error("checkpoint weights: {0}")]
    Weights(String),
    /// The JSON description is not a brainclip checkpoint description.
    #[error("checkpoint description: {0}")]
    Description(String),
    /// The described network cannot be built.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// A checkpoint file could not be read.
    #[error("cannot read {}: {message}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        message: String,
    },
}

/// A model `save_model` wrote: a mapping network or a shared-subject network.
pub enum SavedModel {
    /// A mapping network.
    Mapping(TrainedModel),
    /// A shared-subject network.
    Shared(SharedModel),
}

/// A saved model read back, with its name (the files' stem) and the device it was trained on.
pub struct LoadedModel {
    /// The model.
    pub model: SavedModel,
    /// The files' stem, e.g. `decoder` for `decoder.bpk` + `decoder.json`.
    pub label: String,
    /// Where it was trained, e.g. `cuda:0`.
    pub trained_on: String,
}

impl LoadedModel {
    /// Read `STEM.bpk` and `STEM.json` (`path` names either) onto `device`, whichever kind of
    /// network they describe.
    pub fn read(path: &Path, device: &Device) -> Result<Self, CheckpointError> {
        let read = |ext: &str| {
            let file = path.with_extension(ext);
            std::fs::read(&file).map_err(|e| CheckpointError::Io {
                path: file,
                message: e.to_string(),
            })
        };
        let (weights, description) = (read("bpk")?, read("json")?);
        let label = path
            .file_stem()
            .map_or_else(|| "model".into(), |s| s.to_string_lossy().into_owned());
        let trained_on = CheckpointMeta::from_json(&description)?.trained_on;
        let kind = serde_json::from_slice::<serde_json::Value>(&description)
            .ok()
            .and_then(|v| v.get("kind").and_then(|k| k.as_str()).map(str::to_string));
        let model = if kind.as_deref() == Some("shared_subject") {
            SavedModel::Shared(SharedModel::from_checkpoint(&weights, &description, device)?)
        } else {
            SavedModel::Mapping(TrainedModel::from_checkpoint(&weights, &description, device)?)
        };
        Ok(Self {
            model,
            label,
            trained_on,
        })
    }
}

/// The JSON half of a checkpoint.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CheckpointMeta {
    /// Checkpoint format version.
    pub format: u32,
    /// brainclip version that wrote it.
    pub brainclip_version: String,
    /// The network's architecture.
    pub mapping: MappingConfig,
    /// The training options.
    pub training: TrainConfig,
    /// One record per epoch run.
    pub history: Vec<EpochRecord>,
    /// The epoch whose weights these are, if validating.
    pub best_epoch: Option<usize>,
    /// Why training ended.
    pub stop_reason: StopReason,
    /// Final contrastive temperature.
    pub temperature: f64,
    /// Training / validation sample counts.
    pub n_train: usize,
    /// Validation sample count.
    pub n_validation: usize,
    /// The device it was trained on, e.g. `cuda:0`.
    pub trained_on: String,
}

impl CheckpointMeta {
    /// Read a checkpoint description (the JSON half), refusing formats this brainclip does not
    /// read.
    ///
    /// ```
    /// use brainclip::model::MappingConfig;
    /// use brainclip::train::checkpoint::CheckpointMeta;
    /// use brainclip::train::{StopReason, TrainConfig};
    /// let meta = CheckpointMeta { format: 1, brainclip_version: "0.1.0".into(), mapping: MappingConfig::new(4, 2),
    ///     training: TrainConfig::default(), history: vec![], best_epoch: None, stop_reason: StopReason::Completed,
    ///     temperature: 0.05, n_train: 8, n_validation: 0, trained_on: "cuda:0".into() };
    /// let json = serde_json::to_vec(&meta).unwrap();
    /// assert_eq!(CheckpointMeta::from_json(&json).unwrap().trained_on, "cuda:0");
    /// let newer = serde_json::to_vec(&CheckpointMeta { format: 99, ..meta }).unwrap();
    /// assert!(CheckpointMeta::from_json(&newer).unwrap_err().to_string().contains("format 99"));
    /// ```
    pub fn from_json(meta: &[u8]) -> Result<Self, CheckpointError> {
        let meta: CheckpointMeta =
            serde_json::from_slice(meta).map_err(|e| CheckpointError::Description(e.to_string()))?;
        if meta.format != FORMAT {
            return Err(CheckpointError::Description(format!(
                "format {} is not supported by brainclip {} (it reads format {FORMAT})",
                meta.format,
                env!("CARGO_PKG_VERSION")
            )));
        }
        Ok(meta)
    }
}

impl CheckpointMeta {
    /// The description of `model`, trained on `trained_on`.
    pub(crate) fn describe(model: &TrainedModel, trained_on: &str) -> Self {
        Self {
            format: FORMAT,
            brainclip_version: env!("CARGO_PKG_VERSION").to_string(),
            mapping: model.mapping.clone(),
            training: model.config.clone(),
            history: model.history.clone(),
            best_epoch: model.best_epoch,
            stop_reason: model.stop_reason,
            temperature: model.temperature,
            n_train: model.n_train,
            n_validation: model.n_validation,
            trained_on: trained_on.to_string(),
        }
    }
}

/// The burnpack bytes of `net` and the pretty JSON of `meta`.
pub(crate) fn checkpoint<M: Module>(net: &M, meta: &impl Serialize) -> Result<Checkpoint, CheckpointError> {
    let weights = net
        .clone()
        .into_record()
        .into_bytes()
        .map_err(|e| CheckpointError::Weights(e.to_string()))?;
    Ok(Checkpoint {
        weights: weights.to_vec(),
        meta: serde_json::to_vec_pretty(meta).map_err(|e| CheckpointError::Description(e.to_string()))?,
    })
}

/// `module` with the weights of a checkpoint loaded into it.
pub(crate) fn load_weights<M: Module>(module: M, weights: &[u8]) -> Result<M, CheckpointError> {
    let record = burn::store::ModuleRecord::from_bytes(Bytes::from_bytes_vec(weights.to_vec()))
        .map_err(|e| CheckpointError::Weights(e.to_string()))?;
    module
        .try_load_record(record)
        .map_err(|e| CheckpointError::Weights(format!("{e} (do the weights belong to this description?)")))
}

/// A checkpoint in memory: weights and description, ready to be written as two files.
#[derive(Clone, Debug)]
pub struct Checkpoint {
    /// burnpack bytes of the network's parameters.
    pub weights: Vec<u8>,
    /// Pretty-printed JSON of [`CheckpointMeta`].
    pub meta: Vec<u8>,
}

impl TrainedModel {
    /// Serialise the model; `trained_on` is the device label recorded in the description.
    ///
    /// ```
    /// use brainclip::data::{synthetic::generate, SyntheticConfig};
    /// use brainclip::model::{Architecture, MappingConfig};
    /// use brainclip::train::{train, SilentObserver, TrainConfig, TrainedModel};
    /// use burn::tensor::Device;
    /// let god = generate(&SyntheticConfig { n_voxels: 32, embedding_dim: 8, ..Default::default() }).unwrap();
    /// let mapping = MappingConfig { architecture: Architecture::Linear, ..MappingConfig::new(32, 8) };
    /// let cfg = TrainConfig { epochs: 1, ..Default::default() };
    /// let model = train(&god.train, &mapping, &cfg, &Device::flex(), &mut SilentObserver).unwrap();
    /// let saved = model.to_checkpoint("cpu:flex").unwrap();
    /// #[allow(deprecated)]
    /// let loaded = TrainedModel::from_checkpoint(&saved.weights, &saved.meta, &Device::ndarray()).unwrap();
    /// let x = god.test.fmri();
    /// assert_eq!(model.predict(x.view()).unwrap(), loaded.predict(x.view()).unwrap());
    /// ```
    pub fn to_checkpoint(&self, trained_on: &str) -> Result<Checkpoint, CheckpointError> {
        checkpoint(&self.net, &CheckpointMeta::describe(self, trained_on))
    }

    /// Rebuild a model from its checkpoint on `device` (any backend, whatever it was trained on).
    pub fn from_checkpoint(weights: &[u8], meta: &[u8], device: &Device) -> Result<Self, CheckpointError> {
        let meta = CheckpointMeta::from_json(meta)?;
        let device = device.clone().inner();
        let net = load_weights(MappingNet::new(&meta.mapping, &device)?, weights)?;
        Ok(TrainedModel {
            net,
            mapping: meta.mapping,
            config: meta.training,
            history: meta.history,
            best_epoch: meta.best_epoch,
            stop_reason: meta.stop_reason,
            temperature: meta.temperature,
            n_train: meta.n_train,
            n_validation: meta.n_validation,
            device,
        })
    }
}

impl crate::Classified for CheckpointError {
    fn kind(&self) -> crate::ErrorKind {
        match self {
            CheckpointError::Model(m) => m.kind(),
            _ => crate::ErrorKind::File,
        }
    }
    fn hint(&self) -> Option<crate::Hint> {
        match self {
            CheckpointError::Model(m) => m.hint(),
            _ => Some(crate::Hint::Remedy(crate::Remedy::GiveSavedModel)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::SyntheticConfig;
    use crate::data::synthetic::generate;
    use crate::model::Architecture;
    use crate::train::{SilentObserver, train};

    fn trained() -> (TrainedModel, crate::data::SyntheticGod) {
        let god = generate(&SyntheticConfig {
            n_voxels: 24,
            embedding_dim: 8,
            ..Default::default()
        })
        .unwrap();
        let mapping = MappingConfig {
            architecture: Architecture::Residual { width: 16, blocks: 1 },
            dropout: 0.0, // the backend's shared dropout generator would couple parallel tests
            ..MappingConfig::new(24, 8)
        };
        let cfg = TrainConfig {
            epochs: 2,
            ..Default::default()
        };
        let _rng = crate::train::backend_rng_lock();
        (
            train(&god.train, &mapping, &cfg, &Device::flex(), &mut SilentObserver).unwrap(),
            god,
        )
    }

    #[test]
    fn weights_that_do_not_fit_are_refused() {
        let (model, _) = trained();
        let saved = model.to_checkpoint("cpu:flex").unwrap();
        let mut meta: serde_json::Value = serde_json::from_slice(&saved.meta).unwrap();
        meta["mapping"]["input_dim"] = 25.into();
        let wrong = serde_json::to_vec(&meta).unwrap();
        let err = TrainedModel::from_checkpoint(&saved.weights, &wrong, &Device::flex()).unwrap_err();
        assert!(err.to_string().contains("weights"), "{err}");
        let err = TrainedModel::from_checkpoint(b"not burnpack", &saved.meta, &Device::flex()).unwrap_err();
        assert!(matches!(err, CheckpointError::Weights(_)), "{err}");
        let err = TrainedModel::from_checkpoint(&saved.weights, b"{}", &Device::flex()).unwrap_err();
        assert!(matches!(err, CheckpointError::Description(_)), "{err}");
    }

    #[test]
    fn history_and_settings_survive() {
        let (model, god) = trained();
        let saved = model.to_checkpoint("cpu:flex").unwrap();
        let loaded = TrainedModel::from_checkpoint(&saved.weights, &saved.meta, &Device::flex()).unwrap();
        // serde_json's default float parser may round the last digit; the weights are exact.
        assert_eq!(loaded.history.len(), model.history.len());
        for (a, b) in loaded.history.iter().zip(&model.history) {
            assert_eq!(a.epoch, b.epoch);
            assert!((a.train_loss - b.train_loss).abs() < 1e-12 * b.train_loss.abs());
        }
        assert_eq!(loaded.config, model.config);
        assert_eq!(loaded.temperature, model.temperature);
        let x = god.test.fmri();
        assert_eq!(model.predict(x.view()).unwrap(), loaded.predict(x.view()).unwrap());
    }

    #[test]
    fn saved_files_read_back_by_either_name_with_their_stem_as_label() {
        let (model, god) = trained();
        let saved = model.to_checkpoint("cuda:0").unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("decoder.bpk"), &saved.weights).unwrap();
        std::fs::write(dir.path().join("decoder.json"), &saved.meta).unwrap();
        let loaded = LoadedModel::read(&dir.path().join("decoder.json"), &Device::flex()).unwrap();
        assert_eq!(
            (loaded.label.as_str(), loaded.trained_on.as_str()),
            ("decoder", "cuda:0")
        );
        let SavedModel::Mapping(again) = loaded.model else {
            panic!("a mapping network")
        };
        let x = god.test.fmri();
        assert_eq!(model.predict(x.view()).unwrap(), again.predict(x.view()).unwrap());
        std::fs::remove_file(dir.path().join("decoder.bpk")).unwrap();
        let err = LoadedModel::read(&dir.path().join("decoder.json"), &Device::flex())
            .err()
            .unwrap();
        assert!(
            matches!(&err, CheckpointError::Io { path, .. } if path.ends_with("decoder.bpk")),
            "{err}"
        );
    }
}
