//! One AdamW step over a parameter, its gradient and its two moments, in a single parallel pass.

use rayon::prelude::*;

/// Elements per parallel work item: scheduling costs are negligible at this size, and a
/// 1,024 × 1,024 weight still splits over every core.
pub const CHUNK: usize = 1 << 15;

/// The scalars of one AdamW step (decoupled weight decay, bias-corrected moments).
///
/// ```
/// use brainclip_kernels::adamw::{AdamWStep, step};
/// let s = AdamWStep::new(1e-3, 0.9, 0.999, 1e-8, 0.0, 1, 1.0);
/// let (mut p, g, mut m, mut v) = (vec![1.0f32], vec![0.5f32], vec![0.0f32], vec![0.0f32]);
/// step(&s, &mut p, &g, &mut m, &mut v);
/// assert!((p[0] - (1.0 - 1e-3)).abs() < 1e-6); // the first step moves by lr · sign(g)
/// ```
#[derive(Clone, Copy, Debug)]
pub struct AdamWStep {
    lr: f32,
    beta_1: f32,
    beta_2: f32,
    epsilon: f32,
    decay: f32,
    inv_c1: f32,
    inv_c2: f32,
    grad_scale: f32,
}

impl AdamWStep {
    /// Step number `time` (1-based) with learning rate `lr`, weight decay `weight_decay`, and
    /// the gradient multiplied by `grad_scale` (a clipping coefficient, 1 for none).
    pub fn new(lr: f64, beta_1: f32, beta_2: f32, epsilon: f32, weight_decay: f32, time: i32, grad_scale: f32) -> Self {
        Self {
            lr: lr as f32,
            beta_1,
            beta_2,
            epsilon,
            decay: 1.0 - (lr * f64::from(weight_decay)) as f32,
            inv_c1: 1.0 / (1.0 - beta_1.powi(time)),
            inv_c2: 1.0 / (1.0 - beta_2.powi(time)),
            grad_scale,
        }
    }
}

/// `m ← β₁m + (1−β₁)g′`, `v ← β₂v + (1−β₂)g′²`, `p ← p·(1 − lr·λ) − lr·m̂/(√v̂ + ε)` with
/// `g′ = grad_scale · g`, in place. All four slices must have the same length.
///
/// # Panics
/// If the lengths differ.
pub fn step(s: &AdamWStep, p: &mut [f32], g: &[f32], m: &mut [f32], v: &mut [f32]) {
    assert!(
        p.len() == g.len() && p.len() == m.len() && p.len() == v.len(),
        "AdamW buffers differ in length"
    );
    p.par_chunks_mut(CHUNK)
        .zip(g.par_chunks(CHUNK))
        .zip(m.par_chunks_mut(CHUNK))
        .zip(v.par_chunks_mut(CHUNK))
        .for_each(|(((p, g), m), v)| chunk(s, p, g, m, v));
}

fn chunk(s: &AdamWStep, p: &mut [f32], g: &[f32], m: &mut [f32], v: &mut [f32]) {
    let (b1, b2, one_b1, one_b2) = (s.beta_1, s.beta_2, 1.0 - s.beta_1, 1.0 - s.beta_2);
    for (((p, &g), m), v) in p.iter_mut().zip(g).zip(m.iter_mut()).zip(v.iter_mut()) {
        let g = g * s.grad_scale;
        *m = *m * b1 + g * one_b1;
        *v = *v * b2 + g * g * one_b2;
        let update = (*m * s.inv_c1) / ((*v * s.inv_c2).sqrt() + s.epsilon);
        *p = *p * s.decay - update * s.lr;
    }
}

/// The L2 norm of `x`, accumulated in f64: chunk sums in parallel, added in chunk order, so the
/// result is the same for any number of threads and any scheduling.
///
/// ```
/// assert_eq!(brainclip_kernels::adamw::norm(&[3.0, 4.0]), 5.0);
/// ```
pub fn norm(x: &[f32]) -> f32 {
    let sums: Vec<f64> = x
        .par_chunks(CHUNK)
        .map(|c| c.iter().map(|&v| f64::from(v) * f64::from(v)).sum::<f64>())
        .collect();
    sums.iter().sum::<f64>().sqrt() as f32
}
