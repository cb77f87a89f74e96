//! Training a shared-subject network on several subjects at once, and fine-tuning it on a new
//! subject with its own input layer and a frozen or slower trunk.

use burn::module::Module;
use burn::tensor::Device;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::checkpoint::{Checkpoint, CheckpointError, CheckpointMeta, checkpoint, load_weights};
use super::trainer::{Part, fit, prepare};
use super::{EpochRecord, StopReason, TrainConfig, TrainError, TrainObserver, TrainedModel};
use crate::data::Dataset;
use crate::model::{ModelError, SharedConfig, SharedNet, SubjectInput};

/// A trained shared-subject network.
#[derive(Clone, Debug)]
pub struct SharedModel {
    /// The network in evaluation mode.
    pub net: SharedNet,
    /// Its architecture (subjects in input-layer order).
    pub config: SharedConfig,
    /// The options of its last training (the fine-tuning, for a fine-tuned model).
    pub training: TrainConfig,
    /// One record per epoch of the last training.
    pub history: Vec<EpochRecord>,
    /// The epoch whose weights were kept, if validating.
    pub best_epoch: Option<usize>,
    /// Why the last training ended.
    pub stop_reason: StopReason,
    /// The final contrastive temperature.
    pub temperature: f64,
    /// Samples trained on, over all subjects of the last training.
    pub n_train: usize,
    /// Where the network lives.
    pub device: Device,
}

impl SharedModel {
    /// Subject `name`'s decoder as an ordinary trained model: its input layer folded into the
    /// trunk's first layer, so every evaluation, prediction and checkpoint function takes it.
    pub fn subject_model(&self, name: &str) -> Result<TrainedModel, ModelError> {
        let s = self
            .config
            .subject_index(name)
            .ok_or_else(|| ModelError::InvalidOption {
                option: "subject",
                expected: "one of the model's subjects",
                found: format!(
                    "`{name}` (the model has {})",
                    self.config
                        .subjects
                        .iter()
                        .map(|s| s.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            })?;
        let net = self.net.trunk.behind(self.net.input_layer(s));
        let mapping = crate::model::MappingConfig {
            input_dim: self.config.subjects[s].voxels,
            ..self.config.trunk.clone()
        };
        Ok(self.as_trained(net, mapping))
    }

    /// `net` with this model's training record.
    fn as_trained(&self, net: crate::model::MappingNet, mapping: crate::model::MappingConfig) -> TrainedModel {
        TrainedModel {
            net,
            mapping,
            config: self.training.clone(),
            history: self.history.clone(),
            best_epoch: self.best_epoch,
            stop_reason: self.stop_reason,
            temperature: self.temperature,
            n_train: self.n_train,
            n_validation: 0,
            device: self.device.clone(),
        }
    }

    fn from_fitted(
        fitted: super::trainer::Fitted<SharedNet>,
        config: SharedConfig,
        training: &TrainConfig,
        device: Device,
    ) -> Self {
        Self {
            net: fitted.net,
            config,
            training: training.clone(),
            history: fitted.history,
            best_epoch: fitted.best_epoch,
            stop_reason: fitted.stop_reason,
            temperature: fitted.temperature,
            n_train: fitted.n_train,
            device,
        }
    }
}

/// The JSON half of a shared-subject checkpoint: the subjects beside the trunk's own description.
#[derive(serde::Serialize, serde::Deserialize)]
struct SharedMeta {
    kind: String,
    shared: SharedConfig,
}

const KIND: &str = "shared_subject";

impl SharedModel {
    /// Serialise every subject's input layer and the trunk (burnpack) with their description;
    /// `trained_on` is the device label recorded in it.
    pub fn to_checkpoint(&self, trained_on: &str) -> Result<Checkpoint, CheckpointError> {
        let trunk = self.as_trained(self.net.trunk.clone(), self.config.trunk.clone());
        let trunk = CheckpointMeta::describe(&trunk, trained_on);
        let mut meta = serde_json::to_value(trunk).map_err(|e| CheckpointError::Description(e.to_string()))?;
        let extra = serde_json::to_value(SharedMeta {
            kind: KIND.into(),
            shared: self.config.clone(),
        })
        .map_err(|e| CheckpointError::Description(e.to_string()))?;
        if let (Some(meta), serde_json::Value::Object(extra)) = (meta.as_object_mut(), extra) {
            meta.extend(extra);
        }
        checkpoint(&self.net, &meta)
    }

    /// Rebuild a shared-subject model from its checkpoint on `device`.
    pub fn from_checkpoint(weights: &[u8], meta: &[u8], device: &Device) -> Result<Self, CheckpointError> {
        let trunk = CheckpointMeta::from_json(meta)?;
        let shared: SharedMeta = serde_json::from_slice(meta)
            .map_err(|e| CheckpointError::Description(format!("{e} (not a shared-subject checkpoint description)")))?;
        if shared.kind != KIND {
            return Err(CheckpointError::Description(format!(
                "kind `{}`, not a shared-subject checkpoint",
                shared.kind
            )));
        }
        let device = device.clone().inner();
        let net = load_weights(SharedNet::new(&shared.shared, &device)?, weights)?;
        Ok(Self {
            net,
            config: shared.shared,
            training: trunk.training,
            history: trunk.history,
            best_epoch: trunk.best_epoch,
            stop_reason: trunk.stop_reason,
            temperature: trunk.temperature,
            n_train: trunk.n_train,
            device,
        })
    }
}

/// Train a shared-subject network on `subjects` (one dataset each, in `config.subjects` order,
/// voxels may differ): every epoch visits each subject's samples in batches of that subject.
///
/// ```
/// use brainclip::data::{synthetic::generate, SyntheticConfig};
/// use brainclip::model::{Architecture, MappingConfig, SharedConfig, SubjectInput};
/// use brainclip::train::{SilentObserver, TrainConfig, train_shared};
/// let a = generate(&SyntheticConfig { n_voxels: 40, embedding_dim: 16, ..Default::default() })?;
/// let b = generate(&SyntheticConfig { n_voxels: 60, embedding_dim: 16, subject: 1, ..Default::default() })?;
/// let config = SharedConfig {
///     subjects: vec![SubjectInput { name: "s1".into(), voxels: 40 }, SubjectInput { name: "s2".into(), voxels: 60 }],
///     trunk: MappingConfig { architecture: Architecture::Residual { width: 32, blocks: 1 }, ..MappingConfig::new(32, 16) },
///     seed: 0,
/// };
/// let cfg = TrainConfig { epochs: 2, ..Default::default() };
/// let model = train_shared(&[a.train, b.train], &config, &cfg, &burn::tensor::Device::flex(), &mut SilentObserver).unwrap();
/// assert_eq!(model.subject_model("s2").unwrap().predict(b.test.fmri().view()).unwrap().0.dim(), (50, 16));
/// # Ok::<(), brainclip::data::DataError>(())
/// ```
pub fn train_shared(
    subjects: &[Dataset],
    config: &SharedConfig,
    training: &TrainConfig,
    device: &Device,
    observer: &mut dyn TrainObserver,
) -> Result<SharedModel, TrainError> {
    training.validate()?;
    config.validate()?;
    if subjects.len() != config.subjects.len() {
        return Err(TrainError::Data(format!(
            "{} datasets for {} subjects; give one dataset per subject",
            subjects.len(),
            config.subjects.len()
        )));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(training.seed);
    let parts = subjects
        .iter()
        .zip(&config.subjects)
        .map(|(data, s)| prepare(data, s.voxels, config.trunk.output_dim, training, &mut rng))
        .collect::<Result<Vec<Part>, _>>()?;
    let base = device.clone().inner();
    base.seed(training.seed);
    let net = SharedNet::new(config, &base.clone().autodiff())?;
    let fitted = fit(net, &parts, 0, training, None, rng, &base, observer)?;
    Ok(SharedModel::from_fitted(fitted, config.clone(), training, base))
}

/// Fine-tune `model` on a new subject `name`: a fresh input layer for its voxels (seeded by
/// `training.seed`) trained at `training.lr`, the trunk at `trunk_rate × lr` (0 freezes it).
pub fn fine_tune(
    model: &SharedModel,
    data: &Dataset,
    name: &str,
    trunk_rate: f64,
    training: &TrainConfig,
    observer: &mut dyn TrainObserver,
) -> Result<SharedModel, TrainError> {
    training.validate()?;
    if !(trunk_rate.is_finite() && (0.0..=1.0).contains(&trunk_rate)) {
        return Err(TrainError::InvalidOption {
            option: "trunk_rate",
            expected: "between 0 (frozen) and 1",
            found: trunk_rate.to_string(),
        });
    }
    if model.config.subject_index(name).is_some() {
        return Err(TrainError::InvalidOption {
            option: "subject",
            expected: "a subject the model has no input layer for",
            found: format!("`{name}`"),
        });
    }
    let mut config = model.config.clone();
    config.subjects.push(SubjectInput {
        name: name.to_string(),
        voxels: data.n_voxels(),
    });
    let new = config.subjects.len() - 1;
    let mut rng = ChaCha8Rng::seed_from_u64(training.seed);
    let part = prepare(data, data.n_voxels(), config.trunk.output_dim, training, &mut rng)?;
    let base = model.device.clone();
    base.seed(training.seed);
    let ad = base.clone().autodiff();
    let net = model
        .net
        .clone()
        .with_subject(data.n_voxels(), training.seed, &base)
        .fork(&ad)
        .train();
    // Only the new subject trains; the other input layers stay as they are.
    let fitted = fit(net, &[part], new, training, Some(trunk_rate), rng, &base, observer)?;
    Ok(SharedModel::from_fitted(fitted, config, training, base))
}
