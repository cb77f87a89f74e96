//! The 1,000 × 1,000 × 768 retrieval evaluation (fMRI → image over 1,000 candidates, CLIP
//! ViT-L/14 width): `cargo bench --bench retrieval_eval`, or `benches/retrieval_vs_numpy.sh` to
//! compare with numpy doing the same computation in the same run.
//!
//! The data are a deterministic integer hash (identical in `reference/retrieval_eval.py`), so
//! both programs print the same accuracies before timing.
//!
//! - `core`: similarity (normalise, one matrix product), top-1, top-5, ranks, median rank, MRR —
//!   exactly what the numpy reference computes;
//! - `similarity`: the cosine similarity matrix alone;
//! - `default_report`: `eval::retrieval(q, c, &[1, 5])` with its defaults (adds 1,000 bootstrap
//!   resamples and exact 2-way identification);
//! - `n_way_300x30`: MindEye's 300-way protocol, 30 seeded repeats.

use std::hint::black_box;

use brainclip::eval::{EvalConfig, Similarity, n_way, retrieval, retrieval_with, similarity_matrix};
use criterion::{Criterion, criterion_group, criterion_main};
use ndarray::Array2;

const N: usize = 1000;
const D: usize = 768;

/// Same formula as `reference/retrieval_eval.py`: exact in integers, then centred to ±0.5.
fn data() -> (Array2<f32>, Array2<f32>) {
    let hash = |i: usize, d: usize, a: usize, b: usize| ((i * a + d * b + i * d * 31) % 1009) as f32 / 1009.0 - 0.5;
    let candidates = Array2::from_shape_fn((N, D), |(i, d)| hash(i, d, 7919, 104_729));
    let noise = Array2::from_shape_fn((N, D), |(i, d)| hash(i, d, 4993, 65_537));
    (&candidates + &(noise * 4.0), candidates)
}

struct Core {
    top1: f64,
    top5: f64,
    median_rank: f64,
    mrr: f64,
}

/// What `retrieval` runs for one direction (as `compare retrieval` in benches/run.sh): one product,
/// one pass over the scores for top-1, top-5, median rank and MRR; no bootstrap or identification,
/// which the numpy reference does not compute.
fn core(q: &Array2<f32>, c: &Array2<f32>) -> Core {
    let settings = EvalConfig {
        bootstrap: 0,
        identification: Vec::new(),
        ..EvalConfig::with_ks(&[1, 5])
    };
    let r = retrieval_with(q.view(), c.view(), &settings).expect("retrieval");
    Core {
        top1: r.accuracy(1).unwrap_or(f64::NAN),
        top5: r.accuracy(5).unwrap_or(f64::NAN),
        median_rank: r.median_rank,
        mrr: r.mrr,
    }
}

fn bench(c: &mut Criterion) {
    let (q, cand) = data();
    let r = core(&q, &cand);
    println!(
        "brainclip: top-1 {:.4}  top-5 {:.4}  median rank {:.1}  MRR {:.4}",
        r.top1, r.top5, r.median_rank, r.mrr
    );
    let mut group = c.benchmark_group("retrieval_1000x1000x768");
    group.sample_size(20);
    group.bench_function("core", |b| b.iter(|| core(black_box(&q), black_box(&cand))));
    group.bench_function("similarity", |b| {
        b.iter(|| similarity_matrix(black_box(q.view()), black_box(cand.view()), Similarity::Cosine))
    });
    group.bench_function("default_report", |b| {
        b.iter(|| retrieval(black_box(q.view()), black_box(cand.view()), &[1, 5]))
    });
    let s = similarity_matrix(q.view(), cand.view(), Similarity::Cosine).expect("similarity");
    let targets: Vec<usize> = (0..N).collect();
    let cfg = EvalConfig::default();
    group.bench_function("n_way_300x30", |b| {
        b.iter(|| n_way(black_box(s.view()), &targets, 300, &cfg.ks, 30, cfg.seed))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
