//! Training throughput of the default mapping network on burn's two CPU backends, side by side
//! in one run: `cargo bench --bench backends`.
//!
//! Each backend trains the default network (residual MLP, width 512, 2 blocks, separate heads,
//! image + text CLIP losses, AdamW, batch 128) on the default synthetic data (4,500 voxels,
//! D = 512) for `EPOCHS` epochs; runs alternate between backends and the median is reported.

use std::time::Instant;

use brainclip::data::{SyntheticConfig, synthetic::generate};
use brainclip::device::resolve;
use brainclip::model::MappingConfig;
use brainclip::train::{SilentObserver, TrainConfig, train};

const EPOCHS: usize = 2;
const REPEATS: usize = 3;

fn main() {
    let god = generate(&SyntheticConfig::default()).expect("synthetic data");
    let mapping = MappingConfig::new(god.train.n_voxels(), 512);
    let cfg = TrainConfig {
        epochs: EPOCHS,
        validation: 0.0,
        patience: None,
        ..Default::default()
    };
    let backends = ["cpu:flex", "cpu:ndarray"];
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); backends.len()];
    let mut samples = 0;
    for _ in 0..REPEATS {
        for (i, name) in backends.iter().enumerate() {
            let device = resolve(name).expect("CPU backend");
            let start = Instant::now();
            let model = train(&god.train, &mapping, &cfg, &device.device, &mut SilentObserver).expect("training");
            times[i].push(start.elapsed().as_secs_f64());
            samples = model.n_train / cfg.batch_size * cfg.batch_size * EPOCHS;
        }
    }
    println!("training throughput, default network, {samples} samples per run, median of {REPEATS}");
    println!("{:<12} {:>10} {:>12} {:>8}", "backend", "seconds", "samples/s", "ratio");
    let medians: Vec<f64> = times
        .iter_mut()
        .map(|t| {
            t.sort_by(f64::total_cmp);
            t[t.len() / 2]
        })
        .collect();
    for (name, secs) in backends.iter().zip(&medians) {
        println!(
            "{name:<12} {secs:>10.2} {:>12.0} {:>8.2}",
            samples as f64 / secs,
            medians[0] / secs
        );
    }
}
