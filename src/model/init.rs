//! Seeded host-side weight initialisation, so a model's starting point depends only on its
//! config's seed — not on the backend's global generator — and is identical on every backend.

use burn::module::Param;
use burn::nn::Linear;
use burn::tensor::{Device, Tensor, TensorData};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Draws layer weights from one seeded stream.
pub(crate) struct Initialiser {
    rng: ChaCha8Rng,
    device: Device,
}

impl Initialiser {
    pub(crate) fn new(seed: u64, device: &Device) -> Self {
        Self {
            rng: ChaCha8Rng::seed_from_u64(seed),
            device: device.clone(),
        }
    }

    /// A linear layer with PyTorch's default init: weight and bias ~ U(−1/√fan_in, 1/√fan_in).
    pub(crate) fn linear(&mut self, d_in: usize, d_out: usize) -> Linear {
        let bound = 1.0 / (d_in as f32).sqrt();
        let weight = self.uniform(d_in * d_out, bound);
        let bias = self.uniform(d_out, bound);
        Linear {
            weight: Param::from_tensor(Tensor::from_data(TensorData::new(weight, [d_in, d_out]), &self.device)),
            bias: Some(Param::from_tensor(Tensor::from_data(
                TensorData::new(bias, [d_out]),
                &self.device,
            ))),
        }
    }

    fn uniform(&mut self, n: usize, bound: f32) -> Vec<f32> {
        (0..n).map(|_| self.rng.random_range(-bound..bound)).collect()
    }
}
