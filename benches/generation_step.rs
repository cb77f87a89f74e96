//! Seconds per CLIP-guided diffusion step on the CPU: the tiny ADM fixture
//! (`tests/data/generation/adm`, converted as `brainclip convert-adm` does) guided by the tiny CLIP
//! (`tests/data/clip/tiny`) at 48×48 with the authors' 16 cutouts × 2 batches: one UNet forward
//! and backward, 32 CLIP image forwards and backwards, the DDPM step.
//! `benches/generation_vs_torch.sh` runs this and the PyTorch reference
//! (`reference/generation_step.py`: guided-diffusion + transformers, the same models) in one go.

use std::hint::black_box;
use std::path::Path;

use brainclip::clip::Clip;
use brainclip::generate::sample::guided_prediction;
use brainclip::generate::sampler::ddpm_step;
use brainclip::generate::{
    BetaSchedule, CutoutDraw, DiffusionModel, GuidanceConfig, Guide, Heads, Sampler, Schedule, SeededNoise, Variance,
    convert_adm_file,
};
use burn::tensor::Device;
use criterion::{Criterion, criterion_group, criterion_main};

pub const SIDE: usize = 48;

fn bench(c: &mut Criterion) {
    let device = Device::flex();
    let dir = tempfile::tempdir().expect("a temporary folder");
    let out = dir.path().join("adm");
    convert_adm_file(
        Path::new("tests/data/generation/adm/model.pt"),
        &out,
        Heads::Channels(8),
        32,
    )
    .expect("convert");
    let model = DiffusionModel::load(&out, &device).expect("the converted fixture");
    let clip = Clip::load(Path::new("tests/data/clip/tiny"), &device).expect("the fixture CLIP");
    let schedule = Schedule::new(BetaSchedule::Linear, 1000, "10").expect("schedule");
    let mut noise = SeededNoise::new(1);
    use brainclip::generate::NoiseSource;
    let x = noise.next([1, 3, SIDE, SIDE], &device);
    let step_noise = noise.next([1, 3, SIDE, SIDE], &device);
    let target = noise.next([1, 1, 1, 32], &device).reshape([1, 32]);
    let guide = Guide {
        clip: &clip.model,
        clip_size: 32,
        target,
        config: GuidanceConfig::default(),
    };
    let boxes = CutoutDraw::new(2).draw(32, SIDE, 32, 1.0);
    let sampler = Sampler::Ddpm(Variance::LearnedRange);
    c.bench_function("guided_step/tiny_adm_48px_16x2_cutouts", |b| {
        b.iter(|| {
            let (p, grad, _) = guided_prediction(
                &model.unet,
                &schedule,
                7,
                black_box(x.clone()),
                sampler,
                true,
                &guide,
                &boxes,
            )
            .expect("guided step");
            black_box(ddpm_step(&p, 7, step_noise.clone(), Some(grad)).sample.into_data())
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = bench
}
criterion_main!(benches);
