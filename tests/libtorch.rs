//! The libtorch backend (`--features tch`, what CI builds) computes what the default pure-Rust
//! backend computes: losses, a whole training run, evaluation metrics, checkpoints across
//! devices, and the bf16 mixed-precision path, on libtorch's CPU device.
//!
//! Tolerances: single operations agree to 1e-5 (f32 rounding, different kernels); a training
//! run without dropout (dropout masks come from each backend's own generator) agrees per epoch
//! to 1e-3 relative, since rounding differences compound over steps; zero-shot metrics of the
//! two trained models agree to one test sample (2 %).
#![cfg(feature = "tch")]

use brainclip::data::{SyntheticConfig, SyntheticGod, synthetic::generate};
use brainclip::device::{Backend, resolve};
use brainclip::eval::zero_shot;
use brainclip::model::{Architecture, MappingConfig};
use brainclip::train::loss::{clip_loss, cosine_loss, mse_loss};
use brainclip::train::{Precision, SilentObserver, TrainConfig, TrainedModel, train};
use burn::tensor::{Device, Tensor, TensorData};
use ndarray::Array2;

fn flex() -> Device {
    resolve("cpu:flex").unwrap().device
}

fn libtorch() -> Device {
    let dev = resolve("cpu:libtorch").unwrap();
    assert_eq!(dev.backend, Backend::LibTorch);
    dev.device
}

fn matrix(rows: usize, cols: usize, seed: usize) -> Array2<f32> {
    Array2::from_shape_fn((rows, cols), |(i, j)| {
        (((i * 31 + j * 17 + seed * 7) % 23) as f32 - 11.0) / 7.0
    })
}

fn tensor(m: &Array2<f32>, device: &Device) -> Tensor<2> {
    let data = TensorData::new(m.iter().copied().collect::<Vec<_>>(), [m.nrows(), m.ncols()]);
    Tensor::from_data(data, device)
}

#[test]
fn losses_agree_with_the_default_backend() {
    let (pred, target) = (matrix(16, 8, 1), matrix(16, 8, 2));
    let groups: Vec<usize> = (0..16).map(|i| i % 5).collect();
    let on = |device: &Device| {
        let (p, t) = (tensor(&pred, device), tensor(&target, device));
        let scale = Tensor::<1>::from_floats([2.5], device);
        [
            clip_loss(p.clone(), t.clone(), scale.clone(), None),
            clip_loss(p.clone(), t.clone(), scale, Some(&groups)),
            mse_loss(p.clone(), t.clone()),
            cosine_loss(p, t),
        ]
        .map(|l| l.into_scalar::<f32>())
    };
    let (a, b) = (on(&flex()), on(&libtorch()));
    for (x, y) in a.iter().zip(&b) {
        assert!((x - y).abs() < 1e-5, "flex {a:?} vs libtorch {b:?}");
    }
}

fn data() -> SyntheticGod {
    generate(&SyntheticConfig {
        n_voxels: 300,
        embedding_dim: 32,
        snr: 1.0,
        ..Default::default()
    })
    .unwrap()
}

fn setup() -> (MappingConfig, TrainConfig) {
    let mapping = MappingConfig {
        architecture: Architecture::Residual { width: 64, blocks: 1 },
        dropout: 0.0,
        ..MappingConfig::new(300, 32)
    };
    let config = TrainConfig {
        epochs: 5,
        lr: 1e-3,
        patience: None,
        ..Default::default()
    };
    (mapping, config)
}

fn top_k(model: &TrainedModel, god: &SyntheticGod) -> (f64, f64) {
    let (_, text) = model.predict(god.test.fmri().view()).unwrap();
    let report = zero_shot(
        text.view(),
        god.test.class_embeddings().unwrap().view(),
        god.test.labels(),
        &[1, 5],
    )
    .unwrap();
    (report.accuracy(1).unwrap(), report.accuracy(5).unwrap())
}

#[test]
fn training_and_evaluation_agree_with_the_default_backend() {
    let god = data();
    let (mapping, config) = setup();
    let a = train(&god.train, &mapping, &config, &flex(), &mut SilentObserver).unwrap();
    let b = train(&god.train, &mapping, &config, &libtorch(), &mut SilentObserver).unwrap();
    for (x, y) in a.history.iter().zip(&b.history) {
        let rel = |u: f64, v: f64| (u - v).abs() / u.abs().max(1e-9);
        assert!(
            rel(x.train_loss, y.train_loss) < 1e-3,
            "epoch {}: {} vs {}",
            x.epoch,
            x.train_loss,
            y.train_loss
        );
        let (vx, vy) = (x.val_loss.unwrap(), y.val_loss.unwrap());
        assert!(rel(vx, vy) < 1e-3, "epoch {}: validation {vx} vs {vy}", x.epoch);
    }
    assert!(a.history.last().unwrap().train_loss < 0.9 * a.history[0].train_loss);
    let (ka, kb) = (top_k(&a, &god), top_k(&b, &god));
    assert!((ka.0 - kb.0).abs() <= 0.02 + 1e-9, "top-1 {ka:?} vs {kb:?}");
    assert!((ka.1 - kb.1).abs() <= 0.02 + 1e-9, "top-5 {ka:?} vs {kb:?}");
}

#[test]
fn checkpoints_move_between_devices() {
    let god = data();
    let (mapping, mut config) = setup();
    config.epochs = 2;
    let x = god.test.fmri();
    let on_torch = train(&god.train, &mapping, &config, &libtorch(), &mut SilentObserver).unwrap();
    let saved = on_torch.to_checkpoint("cpu:libtorch").unwrap();
    let on_flex = TrainedModel::from_checkpoint(&saved.weights, &saved.meta, &flex()).unwrap();
    let back = TrainedModel::from_checkpoint(
        &on_flex.to_checkpoint("cpu:flex").unwrap().weights,
        &saved.meta,
        &libtorch(),
    )
    .unwrap();
    let (t, f, r) = (
        on_torch.predict(x.view()).unwrap().0,
        on_flex.predict(x.view()).unwrap().0,
        back.predict(x.view()).unwrap().0,
    );
    let max_diff = |a: &Array2<f32>, b: &Array2<f32>| a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max);
    assert!(max_diff(&t, &f) < 1e-4, "libtorch → flex: {}", max_diff(&t, &f));
    assert_eq!(t, r, "a round trip through flex changed the weights");
}

#[test]
fn bf16_mixed_precision_runs_on_libtorch() {
    let god = data();
    let (mapping, mut config) = setup();
    config.precision = Precision::Bf16;
    let mixed = train(&god.train, &mapping, &config, &libtorch(), &mut SilentObserver).unwrap();
    config.precision = Precision::F32;
    let full = train(&god.train, &mapping, &config, &libtorch(), &mut SilentObserver).unwrap();
    let last = |m: &TrainedModel| m.history.last().unwrap().train_loss;
    assert!(last(&mixed) < 0.9 * mixed.history[0].train_loss, "bf16 did not learn");
    assert!(
        (last(&mixed) - last(&full)).abs() < 0.05 * last(&full),
        "{} vs {}",
        last(&mixed),
        last(&full)
    );
}

#[test]
fn cuda_is_either_usable_or_explained() {
    let report = brainclip::device::report();
    let torch = report.libtorch.as_ref().expect("a tch build reports its libtorch");
    assert!(torch.version.starts_with('2'), "libtorch version {}", torch.version);
    match resolve("cuda") {
        Ok(dev) => assert!(dev.is_gpu() && report.cuda_available),
        Err(e) => {
            assert!(!report.cuda_available);
            assert!(e.to_string().contains("CUDA is unavailable"), "{e}");
            assert!(
                e.to_string().len() > "device `cuda`: CUDA is unavailable: ".len() + 10,
                "{e}"
            );
        }
    }
}
