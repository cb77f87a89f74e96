//! Where the sampler's Gaussian noise comes from: a seeded generator (the same seed gives the
//! same image on the CPU, on every backend) or given tensors (to replay a reference run).

use std::collections::VecDeque;

use burn::tensor::{Device, Tensor, TensorData};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

/// A source of standard normal noise tensors.
pub trait NoiseSource {
    /// The next noise tensor of `shape` on `device`.
    fn next(&mut self, shape: [usize; 4], device: &Device) -> Tensor<4>;
}

/// Noise drawn on the host from a seeded ChaCha8 generator, so it does not depend on the backend.
///
/// ```
/// use brainclip::generate::{NoiseSource, SeededNoise};
/// let d = burn::tensor::Device::flex();
/// let a = SeededNoise::new(5).next([1, 3, 4, 4], &d).into_data();
/// let b = SeededNoise::new(5).next([1, 3, 4, 4], &d).into_data();
/// assert_eq!(a, b);
/// ```
#[derive(Debug)]
pub struct SeededNoise {
    rng: ChaCha8Rng,
}

impl SeededNoise {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            rng: ChaCha8Rng::seed_from_u64(seed),
        }
    }
}

impl NoiseSource for SeededNoise {
    fn next(&mut self, shape: [usize; 4], device: &Device) -> Tensor<4> {
        let n: usize = shape.iter().product();
        let values: Vec<f32> = (0..n).map(|_| StandardNormal.sample(&mut self.rng)).collect();
        Tensor::from_data(TensorData::new(values, shape), device)
    }
}

/// Noise replayed from given host values, in order (the initial noise first, then one per step);
/// zeros once they run out.
#[derive(Debug, Default)]
pub struct ReplayNoise {
    queue: VecDeque<Vec<f32>>,
}

impl ReplayNoise {
    /// Replay `tensors` (each flattened row-major) in order.
    pub fn new(tensors: Vec<Vec<f32>>) -> Self {
        Self { queue: tensors.into() }
    }
}

impl NoiseSource for ReplayNoise {
    fn next(&mut self, shape: [usize; 4], device: &Device) -> Tensor<4> {
        let n: usize = shape.iter().product();
        match self.queue.pop_front() {
            Some(values) if values.len() == n => Tensor::from_data(TensorData::new(values, shape), device),
            _ => Tensor::zeros(shape, device),
        }
    }
}
