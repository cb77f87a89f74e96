use std::collections::BTreeMap;
use std::time::Instant;

use burn::module::{Module, Param};
use burn::optim::GradientsParams;
use burn::tensor::{Device, FloatDType, Int, Tensor, TensorData};
use ndarray::{Array2, ArrayView2, Axis};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use super::config::TEMPERATURE_RANGE;
use super::loss::{Mix, clip_loss, cosine_loss, mixco_loss, mse_loss, soft_clip_loss};
use super::optim::FusedAdamW;
use super::schedule::warmup_cosine;
use super::{
    Contrastive, EpochRecord, LossConfig, Precision, StopReason, TextTarget, TrainConfig, TrainError, TrainObserver,
};
use crate::data::Dataset;
use crate::model::{MappingConfig, MappingNet, ModelError, Prediction};
use crate::tensors::{scalar, to_tensor};

/// The learnable contrastive temperature, stored as `ln(1/τ)`.
#[derive(Module, Debug)]
struct LogitScale {
    value: Param<Tensor<1>>,
}

impl LogitScale {
    fn new(temperature: f64, device: &Device) -> Self {
        let v = (1.0 / temperature).ln() as f32;
        Self {
            value: Param::from_tensor(Tensor::from_floats([v], device)),
        }
    }

    /// `ln(1/τ)` clamped so that τ stays in [`TEMPERATURE_RANGE`].
    fn clamped(&self) -> Tensor<1> {
        let (lo, hi) = TEMPERATURE_RANGE;
        self.value.val().clamp((1.0 / hi).ln(), (1.0 / lo).ln())
    }

    fn temperature(&self) -> f64 {
        (-scalar(self.clamped())).exp()
    }
}

/// A trained mapping network with everything needed to use and report it.
#[derive(Clone, Debug)]
pub struct TrainedModel {
    /// The network in evaluation mode (the best epoch's weights when validating).
    pub net: MappingNet,
    /// Its architecture.
    pub mapping: MappingConfig,
    /// The options it was trained with.
    pub config: TrainConfig,
    /// One record per epoch run.
    pub history: Vec<EpochRecord>,
    /// The epoch whose weights were kept (lowest validation loss), if validating.
    pub best_epoch: Option<usize>,
    /// Why training ended.
    pub stop_reason: StopReason,
    /// The final contrastive temperature.
    pub temperature: f64,
    /// Samples trained on / held out.
    pub n_train: usize,
    /// Samples held out for validation.
    pub n_validation: usize,
    /// Where the network lives.
    pub device: Device,
}

impl TrainedModel {
    /// Image-head and text-head embeddings of `fmri` (samples × voxels).
    pub fn predict(&self, fmri: ArrayView2<f32>) -> Result<(Array2<f32>, Array2<f32>), ModelError> {
        self.net.predict(fmri, &self.device)
    }
}

impl crate::model::Decoder for TrainedModel {
    fn decode(&self, fmri: ArrayView2<f32>) -> Result<crate::model::Decoded, ModelError> {
        let (image, text) = self.predict(fmri)?;
        Ok(crate::model::Decoded { image, text })
    }
}

/// Host-side training data: inputs, targets and the category groups of prompt targets.
struct Split {
    fmri: Array2<f32>,
    image: Option<Array2<f32>>,
    text: Option<Array2<f32>>,
    labels: Vec<usize>,
}

impl Split {
    fn len(&self) -> usize {
        self.fmri.nrows()
    }
}

/// The same split as device tensors.
struct DeviceSplit {
    fmri: Tensor<2>,
    image: Option<Tensor<2>>,
    text: Option<Tensor<2>>,
    labels: Vec<usize>,
}

impl DeviceSplit {
    fn new(split: &Split, device: &Device) -> Self {
        Self {
            fmri: to_tensor(split.fmri.view(), device),
            image: split.image.as_ref().map(|m| to_tensor(m.view(), device)),
            text: split.text.as_ref().map(|m| to_tensor(m.view(), device)),
            labels: split.labels.clone(),
        }
    }

    fn batch(
        &self,
        indices: &[usize],
        device: &Device,
    ) -> (Tensor<2>, Option<Tensor<2>>, Option<Tensor<2>>, Vec<usize>) {
        let idx: Vec<i64> = indices.iter().map(|&i| i as i64).collect();
        let idx = Tensor::<1, Int>::from_data(TensorData::new(idx, [indices.len()]), device);
        let pick = |t: &Tensor<2>| t.clone().select(0, idx.clone());
        (
            pick(&self.fmri),
            self.image.as_ref().map(pick),
            self.text.as_ref().map(pick),
            indices.iter().map(|&i| self.labels[i]).collect(),
        )
    }
}

/// How a batch's contrastive terms are targeted.
enum Targets<'a> {
    /// CLIP's hard targets.
    Hard,
    /// SoftCLIP's.
    Soft,
    /// BiMixCo's, for inputs mixed by this draw (the regression terms compare with the targets
    /// mixed the same way).
    Mixed(&'a Mix),
}

/// The weighted total loss and each active term's unweighted value.
fn loss_terms(
    pred: Prediction,
    image: Option<Tensor<2>>,
    text: Option<Tensor<2>>,
    groups: &[usize],
    logit_scale: Tensor<1>,
    cfg: &LossConfig,
    targets: &Targets,
) -> (Tensor<1>, Vec<(&'static str, Tensor<1>)>) {
    let text_groups = (cfg.text_target == TextTarget::Prompt).then_some(groups);
    let contrast = |pred: Tensor<2>, target: Tensor<2>, groups: Option<&[usize]>| match targets {
        Targets::Hard => clip_loss(pred, target, logit_scale.clone(), groups),
        Targets::Soft => soft_clip_loss(pred, target, logit_scale.clone()),
        Targets::Mixed(mix) => mixco_loss(pred, target, logit_scale.clone(), mix, groups),
    };
    let regression_target = |t: Tensor<2>| match targets {
        Targets::Mixed(mix) => mix.rows(t),
        _ => t,
    };
    let mut terms = Vec::new();
    if let Some(img) = image {
        if cfg.image > 0.0 {
            terms.push(("image_clip", cfg.image, contrast(pred.image.clone(), img.clone(), None)));
        }
        let img = regression_target(img);
        if cfg.image_mse > 0.0 {
            terms.push(("image_mse", cfg.image_mse, mse_loss(pred.image.clone(), img.clone())));
        }
        if cfg.image_cosine > 0.0 {
            terms.push(("image_cosine", cfg.image_cosine, cosine_loss(pred.image.clone(), img)));
        }
    }
    if let Some(txt) = text {
        if cfg.text > 0.0 {
            terms.push((
                "text_clip",
                cfg.text,
                contrast(pred.text.clone(), txt.clone(), text_groups),
            ));
        }
        let txt = regression_target(txt);
        if cfg.text_mse > 0.0 {
            terms.push(("text_mse", cfg.text_mse, mse_loss(pred.text.clone(), txt.clone())));
        }
        if cfg.text_cosine > 0.0 {
            terms.push(("text_cosine", cfg.text_cosine, cosine_loss(pred.text, txt)));
        }
    }
    let total = terms
        .iter()
        .map(|(_, w, t)| t.clone().mul_scalar(*w))
        .reduce(|a, b| a + b)
        .unwrap_or_else(|| unreachable!("LossConfig::validate guarantees a positive weight"));
    (total, terms.into_iter().map(|(name, _, t)| (name, t)).collect())
}

/// The targets of a validation or training pass in `mode`; `Mixed` needs the draw.
fn unmixed(mode: Contrastive) -> Targets<'static> {
    match mode {
        Contrastive::Softclip | Contrastive::Mindeye => Targets::Soft,
        Contrastive::Clip | Contrastive::Bimixco => Targets::Hard,
    }
}

/// Train a mapping network on `data` (its image and/or text embeddings as targets).
///
/// Holds out `config.validation` of the samples (seeded), trains with AdamW under a warm-up +
/// cosine schedule, evaluates the validation loss after every epoch, keeps the weights of the best
/// epoch and stops early after `patience` epochs without improvement. The observer sees every
/// step and epoch and may stop the run between batches.
///
/// ```
/// use brainclip::data::{synthetic::generate, SyntheticConfig};
/// use brainclip::model::{Architecture, MappingConfig};
/// use brainclip::train::{train, SilentObserver, TrainConfig};
/// let god = generate(&SyntheticConfig { n_voxels: 64, embedding_dim: 16, ..Default::default() }).unwrap();
/// let mapping = MappingConfig { architecture: Architecture::Linear, ..MappingConfig::new(64, 16) };
/// let cfg = TrainConfig { epochs: 2, ..Default::default() };
/// let model = train(&god.train, &mapping, &cfg, &burn::tensor::Device::flex(), &mut SilentObserver).unwrap();
/// assert_eq!(model.history.len(), 2);
/// ```
pub fn train(
    data: &Dataset,
    mapping: &MappingConfig,
    config: &TrainConfig,
    device: &Device,
    observer: &mut dyn TrainObserver,
) -> Result<TrainedModel, TrainError> {
    config.validate()?;
    mapping.validate()?;
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
    let parts = vec![prepare(data, mapping.input_dim, mapping.output_dim, config, &mut rng)?];
    let base = device.clone().inner();
    let ad = base.clone().autodiff();
    base.seed(config.seed);
    let net = MappingNet::new(mapping, &ad)?;
    let fitted = fit(net, &parts, 0, config, None, rng, &base, observer)?;
    Ok(TrainedModel {
        net: fitted.net,
        mapping: mapping.clone(),
        config: config.clone(),
        history: fitted.history,
        best_epoch: fitted.best_epoch,
        stop_reason: fitted.stop_reason,
        temperature: fitted.temperature,
        n_train: fitted.n_train,
        n_validation: fitted.n_validation,
        device: base,
    })
}

/// A network the training loop can fit: a forward pass for a batch of one subject, and one
/// optimiser update of its parameters.
pub(crate) trait Fit: Module + Clone + Sized {
    /// The prediction for subject `subject`'s batch.
    fn forward_subject(&self, x: Tensor<2>, subject: usize, compute: Option<FloatDType>) -> Prediction;
    /// One step: `optims.net` at `lr`; a shared trunk with `optims.trunk` at `lr · trunk_rate`.
    fn update(self, optims: &mut Optimisers, lr: f64, grads: &mut burn::tensor::Gradients) -> Self;
}

/// The optimisers of a network: everything, or subject layers and shared trunk apart.
pub(crate) struct Optimisers {
    net: burn::optim::ModuleOptimizer,
    trunk: burn::optim::ModuleOptimizer,
    /// The trunk's learning rate relative to `lr`; 0 freezes it.
    trunk_rate: f64,
}

impl Fit for MappingNet {
    fn forward_subject(&self, x: Tensor<2>, _subject: usize, compute: Option<FloatDType>) -> Prediction {
        self.forward_in(x, compute)
    }
    fn update(self, optims: &mut Optimisers, lr: f64, grads: &mut burn::tensor::Gradients) -> Self {
        let g = GradientsParams::from_module(grads, &self);
        optims.net.step(lr, self, g)
    }
}

impl Fit for crate::model::SharedNet {
    fn forward_subject(&self, x: Tensor<2>, subject: usize, compute: Option<FloatDType>) -> Prediction {
        self.forward_in(x, subject, compute)
    }
    fn update(self, optims: &mut Optimisers, lr: f64, grads: &mut burn::tensor::Gradients) -> Self {
        let Self { inputs, trunk } = self;
        let g = GradientsParams::from_module(grads, &inputs);
        let inputs = optims.net.step(lr, inputs, g);
        let trunk = if optims.trunk_rate > 0.0 {
            let g = GradientsParams::from_module(grads, &trunk);
            optims.trunk.step(lr * optims.trunk_rate, trunk, g)
        } else {
            trunk
        };
        Self { inputs, trunk }
    }
}

/// One subject's training and validation samples.
pub(crate) struct Part {
    train: Split,
    validation: Split,
}

/// The targets of `data` split (seeded, from `rng`) into training and validation samples.
pub(crate) fn prepare(
    data: &Dataset,
    input_dim: usize,
    output_dim: usize,
    config: &TrainConfig,
    rng: &mut ChaCha8Rng,
) -> Result<Part, TrainError> {
    data.require_samples()?;
    if input_dim != data.n_voxels() {
        return Err(ModelError::DimensionMismatch {
            what: "number of voxels",
            expected: input_dim,
            found: data.n_voxels(),
        }
        .into());
    }
    let loss_cfg = &config.loss;
    let image = if loss_cfg.uses_image() {
        Some(data.require_image_embeddings()?.clone())
    } else {
        None
    };
    let text = if loss_cfg.uses_text() {
        Some(match loss_cfg.text_target {
            TextTarget::Caption => data.require_text_embeddings()?.clone(),
            TextTarget::Prompt => data.require_class_embeddings()?.select(Axis(0), data.labels()),
        })
    } else {
        None
    };
    for target in image.iter().chain(text.iter()) {
        if target.ncols() != output_dim {
            return Err(ModelError::DimensionMismatch {
                what: "embedding width",
                expected: output_dim,
                found: target.ncols(),
            }
            .into());
        }
    }
    let n = data.n_samples();
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(rng);
    let n_val = (config.validation * n as f64).round() as usize;
    if config.validation > 0.0 && (n_val < 2 || n - n_val < 2) {
        return Err(TrainError::Data(format!(
            "{}: {n} samples are too few to hold out {} for validation; use validation: 0",
            data.name(),
            config.validation
        )));
    }
    let (val_idx, train_idx) = order.split_at(n_val);
    let take = |idx: &[usize]| Split {
        fmri: data.fmri().select(Axis(0), idx),
        image: image.as_ref().map(|m| m.select(Axis(0), idx)),
        text: text.as_ref().map(|m| m.select(Axis(0), idx)),
        labels: idx.iter().map(|&i| data.labels()[i]).collect(),
    };
    let (train, validation) = (take(train_idx), take(val_idx));
    if train.len() < 2 {
        return Err(TrainError::Data(format!(
            "training needs at least 2 samples, got {}",
            train.len()
        )));
    }
    Ok(Part { train, validation })
}

/// What [`fit`] returns.
pub(crate) struct Fitted<N> {
    pub(crate) net: N,
    pub(crate) history: Vec<EpochRecord>,
    pub(crate) best_epoch: Option<usize>,
    pub(crate) stop_reason: StopReason,
    pub(crate) temperature: f64,
    pub(crate) n_train: usize,
    pub(crate) n_validation: usize,
}

/// The training loop, for one subject or several: every epoch visits each subject's shuffled
/// training samples in batches of that subject alone (subjects taking turns), with AdamW under
/// a warm-up + cosine schedule, the validation loss after every epoch (averaged over subjects),
/// the best epoch's weights kept and early stopping. `trunk_rate` (shared networks) scales the
/// trunk's learning rate; `None` trains everything at `lr`. `parts[k]` is subject
/// `first_subject + k` of the network.
#[allow(clippy::too_many_arguments)]
pub(crate) fn fit<N: Fit>(
    mut net: N,
    parts: &[Part],
    first_subject: usize,
    config: &TrainConfig,
    trunk_rate: Option<f64>,
    mut rng: ChaCha8Rng,
    base: &Device,
    observer: &mut dyn TrainObserver,
) -> Result<Fitted<N>, TrainError> {
    let loss_cfg = &config.loss;
    let compute = match config.precision {
        Precision::F32 => None,
        Precision::Bf16 => Some(FloatDType::BF16),
    };
    let ad = base.clone().autodiff();
    let train_data: Vec<DeviceSplit> = parts.iter().map(|p| DeviceSplit::new(&p.train, &ad)).collect();
    let val_data: Vec<DeviceSplit> = parts
        .iter()
        .filter(|p| p.validation.len() > 0)
        .map(|p| DeviceSplit::new(&p.validation, base))
        .collect();
    let val_subjects: Vec<usize> = (0..parts.len()).filter(|&s| parts[s].validation.len() > 0).collect();

    let mut scale = LogitScale::new(loss_cfg.temperature, &ad);
    let adamw =
        || FusedAdamW::new(config.weight_decay as f32, config.grad_clip.map(|c| c as f32)).into_module_optimizer();
    let mut optims = Optimisers {
        net: adamw(),
        trunk: adamw(),
        trunk_rate: trunk_rate.unwrap_or(1.0),
    };
    // The temperature gets its own optimiser without weight decay, as in CLIP.
    let mut scale_optim = FusedAdamW::new(0.0, None).into_module_optimizer();

    let batch_sizes: Vec<usize> = parts.iter().map(|p| config.batch_size.min(p.train.len())).collect();
    let batches: Vec<usize> = parts
        .iter()
        .zip(&batch_sizes)
        .map(|(p, &b)| (p.train.len() / b).max(1))
        .collect();
    let batches_per_epoch: usize = batches.iter().sum();
    let total_steps = batches_per_epoch * config.epochs;
    let warmup_steps = (config.warmup * total_steps as f64).round() as usize;
    observer.on_start(total_steps);

    let started = Instant::now();
    let mut history = Vec::new();
    let mut best: Option<(f64, usize, N, f64)> = None;
    let mut since_best = 0;
    let mut stop_reason = StopReason::Completed;
    let mut step = 0;
    let mut orders: Vec<Vec<usize>> = parts.iter().map(|p| (0..p.train.len()).collect()).collect();

    'epochs: for epoch in 1..=config.epochs {
        for order in &mut orders {
            order.shuffle(&mut rng);
        }
        // Subjects take turns, batch by batch; one subject is the plain sequence of its batches.
        let mut schedule: Vec<(usize, &[usize])> = Vec::with_capacity(batches_per_epoch);
        let chunks: Vec<Vec<&[usize]>> = orders
            .iter()
            .zip(&batch_sizes)
            .zip(&batches)
            .map(|((o, &b), &n)| o.chunks(b).take(n).collect())
            .collect();
        for i in 0..batches.iter().copied().max().unwrap_or(0) {
            for (s, c) in chunks.iter().enumerate() {
                if let Some(batch) = c.get(i) {
                    schedule.push((s, batch));
                }
            }
        }
        // Loss terms are summed on the device and read once per epoch: every read-back waits for
        // the device, and on a GPU one per step is enough (the total, for divergence checks).
        let mut sums: BTreeMap<String, Tensor<1>> = BTreeMap::new();
        let mut total_sum = 0.0;
        let mut lr = config.lr;
        let mut batches_run = 0;
        for (subject, batch) in schedule {
            if observer.should_stop() {
                stop_reason = StopReason::Interrupted;
                if batches_run == 0 {
                    break 'epochs;
                }
                break;
            }
            lr = warmup_cosine(step, total_steps, warmup_steps, config.lr, config.min_lr_ratio);
            let (x, img, txt, groups) = train_data[subject].batch(batch, &ad);
            let logit_scale = if loss_cfg.learn_temperature {
                scale.clamped()
            } else {
                scale.clamped().detach()
            };
            // BiMixCo draws from the run's generator only when it is used, so other runs replay.
            let mix = (loss_cfg.contrastive_at(epoch, config.epochs) == Contrastive::Bimixco)
                .then(|| Mix::draw(batch.len(), loss_cfg.mixco_alpha, loss_cfg.mixco_prob, &mut rng));
            let (x, targets) = match &mix {
                Some(mix) => (mix.rows(x), Targets::Mixed(mix)),
                None => (x, unmixed(loss_cfg.contrastive_at(epoch, config.epochs))),
            };
            let pred = net.forward_subject(x, first_subject + subject, compute);
            let (total, terms) = loss_terms(pred, img, txt, &groups, logit_scale, loss_cfg, &targets);
            let loss_value = scalar(total.clone().detach());
            if !loss_value.is_finite() {
                return Err(TrainError::Diverged {
                    epoch,
                    step,
                    value: loss_value,
                });
            }
            for (name, t) in &terms {
                let t = t.clone().detach();
                let sum = match sums.remove(*name) {
                    Some(sum) => sum + t,
                    None => t,
                };
                sums.insert((*name).to_string(), sum);
            }
            total_sum += loss_value;
            let mut grads = total.backward();
            net = net.update(&mut optims, lr, &mut grads);
            if loss_cfg.learn_temperature {
                let scale_grads = GradientsParams::from_module(&mut grads, &scale);
                scale = scale_optim.step(lr, scale, scale_grads);
            }
            observer.on_step(step, loss_value);
            step += 1;
            batches_run += 1;
        }
        let mean = |s: f64| s / batches_run.max(1) as f64;
        let val_loss = (!val_data.is_empty()).then(|| {
            let losses: Vec<f64> = val_data
                .iter()
                .zip(&val_subjects)
                .map(|(v, &s)| {
                    validation_loss(
                        &net,
                        first_subject + s,
                        &scale,
                        v,
                        batch_sizes[s],
                        loss_cfg,
                        compute,
                        base,
                    )
                })
                .collect();
            losses.iter().sum::<f64>() / losses.len() as f64
        });
        let record = EpochRecord {
            epoch,
            lr,
            train_loss: mean(total_sum),
            terms: sums.into_iter().map(|(k, v)| (k, mean(scalar(v)))).collect(),
            temperature: scale.temperature(),
            val_loss,
            elapsed_s: started.elapsed().as_secs_f64(),
        };
        observer.on_epoch(&record);
        history.push(record);
        if let Some(v) = val_loss {
            if best.as_ref().is_none_or(|(b, ..)| v < *b) {
                best = Some((v, epoch, net.valid(), scale.temperature()));
                since_best = 0;
            } else {
                since_best += 1;
            }
            if config.patience.is_some_and(|p| since_best >= p) {
                stop_reason = StopReason::EarlyStopped;
                break;
            }
        }
        if stop_reason == StopReason::Interrupted {
            break;
        }
    }
    observer.on_finish();

    let (net, best_epoch, temperature) = match best {
        Some((_, epoch, best_net, temperature)) => (best_net, Some(epoch), temperature),
        None => (net.valid(), None, scale.temperature()),
    };
    Ok(Fitted {
        net,
        history,
        best_epoch,
        stop_reason,
        temperature,
        n_train: parts.iter().map(|p| p.train.len()).sum(),
        n_validation: parts.iter().map(|p| p.validation.len()).sum(),
    })
}

/// Total loss on the validation split in evaluation mode, averaged over batches of the training
/// batch size (the contrastive loss depends on the batch size, so the two stay comparable).
#[allow(clippy::too_many_arguments)]
fn validation_loss<N: Fit>(
    net: &N,
    subject: usize,
    scale: &LogitScale,
    data: &DeviceSplit,
    batch_size: usize,
    cfg: &LossConfig,
    compute: Option<FloatDType>,
    device: &Device,
) -> f64 {
    let net = net.valid();
    let logit_scale = scale.valid().clamped();
    let n = data.labels.len();
    let indices: Vec<usize> = (0..n).collect();
    let chunks: Vec<&[usize]> = indices.chunks(batch_size).filter(|c| c.len() >= 2).collect();
    let mut sum = 0.0;
    for chunk in &chunks {
        let (x, img, txt, groups) = data.batch(chunk, device);
        let targets = unmixed(cfg.validation_contrastive());
        let pred = net.forward_subject(x, subject, compute);
        let (total, _) = loss_terms(pred, img, txt, &groups, logit_scale.clone(), cfg, &targets);
        sum += scalar(total);
    }
    sum / chunks.len().max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::SyntheticConfig;
    use crate::data::synthetic::generate;
    use crate::model::Architecture;
    use crate::train::SilentObserver;

    fn small() -> crate::data::SyntheticGod {
        generate(&SyntheticConfig {
            n_voxels: 120,
            embedding_dim: 32,
            snr: 2.0,
            ..Default::default()
        })
        .unwrap()
    }

    #[test]
    fn training_lowers_the_loss() {
        let _rng = crate::train::backend_rng_lock();
        let god = small();
        let mapping = MappingConfig {
            architecture: Architecture::Residual { width: 64, blocks: 1 },
            dropout: 0.1,
            ..MappingConfig::new(120, 32)
        };
        let cfg = TrainConfig {
            epochs: 8,
            lr: 1e-3,
            patience: None,
            ..Default::default()
        };
        let model = train(&god.train, &mapping, &cfg, &Device::flex(), &mut SilentObserver).unwrap();
        let first = &model.history[0];
        let last = model.history.last().unwrap();
        assert!(
            last.train_loss < 0.8 * first.train_loss,
            "{} → {}",
            first.train_loss,
            last.train_loss
        );
        assert!(last.val_loss.unwrap() < first.val_loss.unwrap());
        assert!(last.terms.contains_key("image_clip") && last.terms.contains_key("text_clip"));
        assert_eq!(model.n_train + model.n_validation, 1200);
    }

    #[test]
    fn mindeye_schedule_learns_and_replays_its_mixing() {
        let _rng = crate::train::backend_rng_lock();
        let god = small();
        let mapping = MappingConfig {
            architecture: Architecture::Linear,
            ..MappingConfig::new(god.train.n_voxels(), 32)
        };
        let cfg = TrainConfig {
            epochs: 6,
            validation: 0.0,
            loss: LossConfig {
                contrastive: Contrastive::Mindeye,
                mixco_epochs: 0.5,
                ..LossConfig::default()
            },
            ..Default::default()
        };
        let run = || train(&god.train, &mapping, &cfg, &Device::flex(), &mut SilentObserver).unwrap();
        let (a, b) = (run(), run());
        let losses = |m: &TrainedModel| m.history.iter().map(|e| e.train_loss).collect::<Vec<_>>();
        assert_eq!(losses(&a), losses(&b));
        // Epochs 1-3 mixed (a harder task), 4-6 soft targets; each phase lowers its own loss.
        let l = losses(&a);
        assert!(l[2] < l[0] && l[5] < l[3], "{l:?}");
        let plain = train(
            &god.train,
            &mapping,
            &TrainConfig {
                loss: LossConfig::default(),
                ..cfg.clone()
            },
            &Device::flex(),
            &mut SilentObserver,
        )
        .unwrap();
        assert_ne!(losses(&plain), l);
    }

    #[test]
    fn same_seed_same_history() {
        let _rng = crate::train::backend_rng_lock();
        let god = small();
        let mapping = MappingConfig {
            architecture: Architecture::Mlp { hidden: vec![32] },
            ..MappingConfig::new(120, 32)
        };
        let cfg = TrainConfig {
            epochs: 2,
            ..Default::default()
        };
        let a = train(&god.train, &mapping, &cfg, &Device::flex(), &mut SilentObserver).unwrap();
        let b = train(&god.train, &mapping, &cfg, &Device::flex(), &mut SilentObserver).unwrap();
        let losses = |m: &TrainedModel| m.history.iter().map(|r| (r.train_loss, r.val_loss)).collect::<Vec<_>>();
        assert_eq!(losses(&a), losses(&b));
    }

    #[test]
    fn bf16_mixed_precision_learns_like_f32() {
        let _rng = crate::train::backend_rng_lock();
        let god = small();
        let mapping = MappingConfig {
            architecture: Architecture::Residual { width: 64, blocks: 1 },
            dropout: 0.0,
            ..MappingConfig::new(120, 32)
        };
        let run = |precision| {
            let cfg = TrainConfig {
                epochs: 6,
                lr: 1e-3,
                patience: None,
                precision,
                ..Default::default()
            };
            train(&god.train, &mapping, &cfg, &Device::flex(), &mut SilentObserver).unwrap()
        };
        let (full, mixed) = (run(Precision::F32), run(Precision::Bf16));
        let last = |m: &TrainedModel| m.history.last().unwrap().train_loss;
        assert!(last(&mixed) < 0.8 * mixed.history[0].train_loss, "bf16 did not learn");
        // bf16 keeps 8 bits of mantissa: the losses agree to a few per cent, not exactly.
        assert!(
            (last(&mixed) - last(&full)).abs() < 0.05 * last(&full),
            "{} vs {}",
            last(&mixed),
            last(&full)
        );
        assert_ne!(last(&mixed), last(&full), "the bf16 path was not taken");
    }

    struct StopAfter(usize, usize);
    impl TrainObserver for StopAfter {
        fn on_step(&mut self, _: usize, _: f64) {
            self.1 += 1;
        }
        fn should_stop(&self) -> bool {
            self.1 >= self.0
        }
    }

    #[test]
    fn an_observer_can_interrupt_between_batches() {
        let _rng = crate::train::backend_rng_lock();
        let god = small();
        let mapping = MappingConfig {
            architecture: Architecture::Linear,
            ..MappingConfig::new(120, 32)
        };
        let cfg = TrainConfig {
            epochs: 50,
            ..Default::default()
        };
        let mut stop = StopAfter(3, 0);
        let model = train(&god.train, &mapping, &cfg, &Device::flex(), &mut stop).unwrap();
        assert_eq!(model.stop_reason, StopReason::Interrupted);
        assert_eq!(stop.1, 3);
        assert_eq!(model.history.len(), 1);
    }

    #[test]
    fn early_stopping_keeps_the_best_epoch() {
        let _rng = crate::train::backend_rng_lock();
        let god = small();
        let mapping = MappingConfig {
            architecture: Architecture::Linear,
            ..MappingConfig::new(120, 32)
        };
        // A huge learning rate without decay makes validation loss bounce, triggering patience.
        let cfg = TrainConfig {
            epochs: 30,
            lr: 0.5,
            warmup: 0.0,
            min_lr_ratio: 1.0,
            grad_clip: None,
            patience: Some(2),
            ..Default::default()
        };
        let model = train(&god.train, &mapping, &cfg, &Device::flex(), &mut SilentObserver).unwrap();
        assert_eq!(model.stop_reason, StopReason::EarlyStopped);
        let best = model.best_epoch.unwrap();
        let best_val = model.history[best - 1].val_loss.unwrap();
        assert!(model.history.iter().all(|r| r.val_loss.unwrap() >= best_val));
        assert_eq!(model.history.len(), best + 2);
    }

    #[test]
    fn mismatched_dimensions_are_errors() {
        let _rng = crate::train::backend_rng_lock();
        let god = small();
        let err = train(
            &god.train,
            &MappingConfig::new(99, 32),
            &TrainConfig::default(),
            &Device::flex(),
            &mut SilentObserver,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "number of voxels: the model expects 99, the data has 120"
        );
        let err = train(
            &god.train,
            &MappingConfig::new(120, 16),
            &TrainConfig::default(),
            &Device::flex(),
            &mut SilentObserver,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "embedding width: the model expects 16, the data has 32"
        );
    }
}
