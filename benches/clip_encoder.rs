//! Images per second of the CLIP image encoder on the CPU: the tiny fixture model
//! (`tests/data/clip/tiny`, ViT 32 px / patch 8, 2 layers, width 64) on batches of 32, and
//! ViT-B/32 projected from the tiny model's measured FLOP rate. `benches/clip_vs_torch.sh` runs
//! this and the PyTorch reference (`reference/clip_encoder.py`, the same model) in one go.
//!
//! FLOPs count the matrix products only (see `ClipConfig::image_flops`):
//! `2·[(N−1)·3p²·w + L·(4·N·w² + 2·N²·w + 2·N·w·m) + w·P]`.

use std::hint::black_box;
use std::path::Path;

use brainclip::clip::{Clip, ClipConfig};
use burn::tensor::{Device, Tensor, TensorData};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const BATCH: usize = 32;

fn pixels(size: usize, device: &Device) -> Tensor<4> {
    let values: Vec<f32> = (0..BATCH * 3 * size * size)
        .map(|i| ((i * 7919 % 1009) as f32 / 1009.0 - 0.5) * 3.0)
        .collect();
    Tensor::from_data(TensorData::new(values, [BATCH, 3, size, size]), device)
}

fn bench(c: &mut Criterion) {
    let device = Device::flex();
    let clip = Clip::load(Path::new("tests/data/clip/tiny"), &device).expect("the fixture model");
    let x = pixels(clip.config.vision.image_size, &device);
    let tiny_flops = clip.config.image_flops();
    let b32 = ClipConfig::vit_b_32().image_flops();
    println!(
        "FLOPs per image: tiny {:.3} MFLOPs, ViT-B/32 {:.3} GFLOPs (ratio {:.0})",
        tiny_flops / 1e6,
        b32 / 1e9,
        b32 / tiny_flops
    );
    let mut group = c.benchmark_group("clip_image_encoder");
    group.throughput(Throughput::Elements(BATCH as u64));
    group.bench_function("tiny_batch32", |b| {
        b.iter(|| {
            let e = clip.model.encode_images(black_box(x.clone())).expect("encode");
            black_box(e.into_data())
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
