//! Training on the synthetic GOD-like data learns what the generator put in.

use brainclip::data::{SyntheticConfig, synthetic::generate};
use brainclip::eval::{cosine_similarity, zero_shot};
use brainclip::model::{Architecture, MappingConfig, RidgeConfig, RidgeModel};
use brainclip::train::{LossConfig, SilentObserver, TrainConfig, train};
use burn::tensor::Device;
use ndarray::{Array2, Axis};

fn data() -> brainclip::data::SyntheticGod {
    generate(&SyntheticConfig {
        n_voxels: 1500,
        embedding_dim: 128,
        ..Default::default()
    })
    .unwrap()
}

#[test]
fn contrastive_training_lowers_the_loss_and_beats_chance_widely() {
    let god = data();
    let mapping = MappingConfig {
        architecture: Architecture::Residual { width: 256, blocks: 1 },
        ..MappingConfig::new(1500, 128)
    };
    let cfg = TrainConfig {
        epochs: 15,
        ..Default::default()
    };
    let model = train(&god.train, &mapping, &cfg, &Device::flex(), &mut SilentObserver).unwrap();
    let (first, last) = (&model.history[0], model.history.last().unwrap());
    assert!(
        last.train_loss < 0.7 * first.train_loss,
        "{} → {}",
        first.train_loss,
        last.train_loss
    );
    let (_, text) = model.predict(god.test.fmri().view()).unwrap();
    let report = zero_shot(
        text.view(),
        god.test.class_embeddings().unwrap().view(),
        god.test.labels(),
        &[1, 5],
    )
    .unwrap();
    let (top1, top5) = (report.accuracy(1).unwrap(), report.accuracy(5).unwrap());
    // chance: 2 % and 10 %
    assert!(top1 >= 0.10, "zero-shot top-1 {top1}");
    assert!(top5 >= 0.35, "zero-shot top-5 {top5}");
}

/// Correlation of two equally shaped matrices' entries.
fn correlation(a: &Array2<f32>, b: &Array2<f32>) -> f64 {
    let (ma, mb) = (a.mean().unwrap(), b.mean().unwrap());
    let (mut ab, mut aa, mut bb) = (0.0f64, 0.0f64, 0.0f64);
    for (x, y) in a.iter().zip(b.iter()) {
        let (x, y) = ((x - ma) as f64, (y - mb) as f64);
        ab += x * y;
        aa += x * x;
        bb += y * y;
    }
    ab / (aa * bb).sqrt()
}

#[test]
fn a_linear_map_trained_with_mse_recovers_the_generators_structure() {
    let god = data();
    let mapping = MappingConfig {
        architecture: Architecture::Linear,
        dropout: 0.0,
        ..MappingConfig::new(1500, 128)
    };
    let loss = LossConfig {
        image: 0.0,
        text: 0.0,
        image_mse: 1.0,
        ..Default::default()
    };
    let cfg = TrainConfig {
        epochs: 30,
        lr: 1e-3,
        weight_decay: 0.1,
        loss,
        ..Default::default()
    };
    let model = train(&god.train, &mapping, &cfg, &Device::flex(), &mut SilentObserver).unwrap();

    // 1. The decoder's weight map resembles the generator's encoding weights of category-tuned
    //    voxels far more than any shuffled assignment of voxels does.
    let weights = model.net.image_head_weights();
    let high: Vec<usize> = (0..1500).filter(|&v| god.truth.high_level_weight[v] > 0.8).collect();
    let w = weights.select(Axis(0), &high);
    let truth = god.truth.encoding.select(Axis(0), &high);
    let observed = correlation(&w, &truth);
    let mut null = Vec::new();
    for shift in 1..=20 {
        let shuffled: Vec<usize> = (0..high.len()).map(|i| (i + shift * 37) % high.len()).collect();
        null.push(correlation(&w, &truth.select(Axis(0), &shuffled)).abs());
    }
    let max_null = null.iter().cloned().fold(0.0, f64::max);
    assert!(
        observed > 0.05 && observed > 5.0 * max_null,
        "observed {observed}, null max {max_null}"
    );

    // 2. Its predictions for novel test images are closest to their own true embeddings.
    let (pred, _) = model.predict(god.test.fmri().view()).unwrap();
    let sim = cosine_similarity(pred.view(), god.test.image_embeddings().unwrap().view()).unwrap();
    let hits = (0..50)
        .filter(|&i| (0..50).all(|j| j == i || sim[[i, j]] < sim[[i, i]]))
        .count();
    assert!(hits as f64 / 50.0 > 0.2, "identification top-1 {hits}/50 (chance 1/50)");
}

#[test]
fn ridge_baseline_lands_in_a_god_like_regime() {
    // The default synthetic data are tuned so that ridge decodes novel categories well above
    // chance but far from perfectly (GOD-like: roughly 10–30 % top-1 on 50 classes).
    let god = generate(&SyntheticConfig::default()).unwrap();
    let fit = RidgeModel::fit(
        god.train.fmri().view(),
        god.train.image_embeddings().unwrap().view(),
        &RidgeConfig::default(),
    )
    .unwrap();
    let pred = fit.predict(god.test.fmri().view()).unwrap();
    let report = zero_shot(
        pred.view(),
        god.test.class_embeddings().unwrap().view(),
        god.test.labels(),
        &[1],
    )
    .unwrap();
    let top1 = report.accuracy(1).unwrap();
    assert!((0.08..=0.40).contains(&top1), "ridge zero-shot top-1 {top1}");
}
