//! AdamW with per-parameter gradient-norm clipping, fused into one pass per parameter on the CPU.
//!
//! burn's AdamW composes the update from tensor operations: with clipping that is about fifteen
//! passes over each parameter-sized buffer (norm, scale, two moment updates, two bias
//! corrections, square root, division, decay, step), each allocating its result. For the mapping
//! network (millions of weights, small batches) those memory passes cost as much as the matrix
//! products of the step. On the CPU backends (flex, ndarray) this optimiser reads the gradient
//! once for its norm and then updates parameter and moments in a single parallel pass, in place
//! where burn hands over a uniquely owned buffer. Elsewhere (libtorch, bf16 tensors) it runs
//! burn's own AdamW, so results agree across devices to rounding.

use brainclip_kernels::adamw::{self as kernel, AdamWStep};
use burn::optim::grad_clipping::GradientClippingConfig;
use burn::optim::{AdamW, AdamWConfig, AdamWState, AdaptiveMomentumState, ModuleOptimizer, Optimizer};
use burn::tensor::{DType, Device, Tensor, TensorData};

/// AdamW (decoupled weight decay) with optional per-parameter gradient-norm clipping.
///
/// The same update as burn's `AdamWConfig` with `GradientClippingConfig::Norm`:
/// `g ← g · min(1, c / (‖g‖ + ε₀))`, `m ← β₁m + (1−β₁)g`, `v ← β₂v + (1−β₂)g²`,
/// `p ← p(1 − lr·λ) − lr · m̂ / (√v̂ + ε)` with bias-corrected `m̂`, `v̂`.
///
/// ```
/// use brainclip::train::optim::FusedAdamW;
/// let optim = FusedAdamW::new(0.05, Some(1.0)).into_module_optimizer();
/// # drop(optim);
/// ```
#[derive(Clone, Debug)]
pub struct FusedAdamW {
    beta_1: f32,
    beta_2: f32,
    epsilon: f32,
    weight_decay: f32,
    clip_norm: Option<f32>,
}

impl FusedAdamW {
    /// burn's AdamW defaults (β₁ 0.9, β₂ 0.999, ε 1e-5) with this weight decay and clipping.
    pub fn new(weight_decay: f32, clip_norm: Option<f32>) -> Self {
        Self {
            beta_1: 0.9,
            beta_2: 0.999,
            epsilon: 1e-5,
            weight_decay,
            clip_norm,
        }
    }

    /// The optimiser for a whole module (what `train` steps with).
    pub fn into_module_optimizer(self) -> ModuleOptimizer {
        ModuleOptimizer::from(self)
    }

    fn burn_adamw(&self) -> AdamW {
        AdamWConfig::new()
            .with_beta_1(self.beta_1)
            .with_beta_2(self.beta_2)
            .with_epsilon(self.epsilon)
            .with_weight_decay(self.weight_decay)
            .build()
    }

    /// burn's own AdamW (and clipping) through tensor operations: for devices whose buffers are
    /// not host memory and for non-f32 tensors.
    fn step_with_tensor_ops<const D: usize>(
        &self,
        lr: f64,
        tensor: Tensor<D>,
        grad: Tensor<D>,
        state: Option<AdamWState<D>>,
    ) -> (Tensor<D>, Option<AdamWState<D>>) {
        let grad = match self.clip_norm {
            Some(c) => GradientClippingConfig::Norm(c).init().clip_gradient(grad),
            None => grad,
        };
        self.burn_adamw().step(lr, tensor, grad, state)
    }
}

/// Whether `device` keeps tensors in host memory that `into_data` hands over without a transfer
/// (burn's pure-Rust CPU backends), so that the fused pass applies.
#[allow(deprecated)] // burn 0.22 marks ndarray deprecated; brainclip still offers it
pub fn fuses_on(device: &Device) -> bool {
    let device = device.clone().inner();
    device == Device::flex() || device == Device::ndarray()
}

fn host_vec<const D: usize>(t: Tensor<D>) -> Option<Vec<f32>> {
    t.into_data().try_into_vec::<f32>().ok()
}

impl Optimizer for FusedAdamW {
    type State<const D: usize> = AdamWState<D>;

    fn step<const D: usize>(
        &self,
        lr: f64,
        tensor: Tensor<D>,
        grad: Tensor<D>,
        state: Option<Self::State<D>>,
    ) -> (Tensor<D>, Option<Self::State<D>>) {
        let device = tensor.device();
        if !fuses_on(&device) || tensor.dtype() != DType::F32 || grad.dtype() != DType::F32 {
            return self.step_with_tensor_ops(lr, tensor, grad, state);
        }
        let shape = tensor.shape();
        let n = shape.num_elements();
        let (time, m, v) = match state {
            Some(s) => (
                s.momentum.time + 1,
                host_vec(s.momentum.moment_1),
                host_vec(s.momentum.moment_2),
            ),
            None => (1, Some(vec![0.0; n]), Some(vec![0.0; n])),
        };
        let (Some(mut p), Some(g), Some(mut m), Some(mut v)) = (host_vec(tensor), host_vec(grad), m, v) else {
            unreachable!("f32 host tensors convert to f32 vectors")
        };
        let coef = self
            .clip_norm
            .map_or(1.0, |c| (c / (kernel::norm(&g) + f32::MIN_POSITIVE)).min(1.0));
        let scalars = AdamWStep::new(
            lr,
            self.beta_1,
            self.beta_2,
            self.epsilon,
            self.weight_decay,
            i32::try_from(time).unwrap_or(i32::MAX),
            coef,
        );
        kernel::step(&scalars, &mut p, &g, &mut m, &mut v);
        let back = |x: Vec<f32>| Tensor::<D>::from_data(TensorData::new(x, shape.clone()), &device);
        let state = AdamWState::new(AdaptiveMomentumState::new(time, back(m), back(v)));
        (back(p), Some(state))
    }

    fn to_device<const D: usize>(mut state: Self::State<D>, device: &Device) -> Self::State<D> {
        state.momentum = state.momentum.to_device(device);
        state
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tensor(values: &[f32], device: &Device) -> Tensor<2> {
        Tensor::from_data(TensorData::new(values.to_vec(), [values.len() / 4, 4]), device)
    }

    fn values(t: Tensor<2>) -> Vec<f32> {
        t.into_data().try_into_vec::<f32>().unwrap()
    }

    /// burn's AdamW with its own norm clipping: the reference the fused pass must equal.
    fn burn_step(
        clip: Option<f32>,
        lr: f64,
        p: Tensor<2>,
        g: Tensor<2>,
        s: Option<AdamWState<2>>,
    ) -> (Tensor<2>, Option<AdamWState<2>>) {
        let g = match clip {
            Some(c) => GradientClippingConfig::Norm(c).init().clip_gradient(g),
            None => g,
        };
        AdamWConfig::new().with_weight_decay(0.05).build().step(lr, p, g, s)
    }

    #[test]
    fn equals_burns_adamw_with_clipping_over_several_steps() {
        let device = Device::flex();
        let n = 3 * kernel::CHUNK + 12; // several parallel chunks and a ragged tail
        let init: Vec<f32> = (0..n).map(|i| ((i * 37 % 101) as f32 / 101.0 - 0.5) * 0.2).collect();
        for clip in [None, Some(1.0), Some(1e-3)] {
            let fused = FusedAdamW::new(0.05, clip);
            let (mut pf, mut sf) = (tensor(&init, &device), None);
            let (mut pb, mut sb) = (tensor(&init, &device), None);
            for step in 0..5 {
                let g: Vec<f32> = (0..n)
                    .map(|i| ((i * 13 + step * 7) % 29) as f32 / 29.0 - 0.4 + step as f32 * 0.01)
                    .collect();
                let lr = 3e-4 * (step + 1) as f64;
                (pf, sf) = fused.step(lr, pf, tensor(&g, &device), sf);
                (pb, sb) = burn_step(clip, lr, pb, tensor(&g, &device), sb);
            }
            let (a, b) = (values(pf), values(pb));
            let worst = a.iter().zip(&b).map(|(x, y)| (x - y).abs()).fold(0.0f32, f32::max);
            assert!(worst < 1e-6, "clip {clip:?}: max difference {worst}");
            let changed = a.iter().zip(&init).filter(|(x, y)| x != y).count();
            assert!(
                changed > n / 2,
                "the step must move the weights ({changed} of {n} changed)"
            );
            assert_eq!(sf.unwrap().momentum.time, 5);
        }
    }

    #[test]
    fn the_cpu_backends_take_the_fused_pass() {
        assert!(fuses_on(&Device::flex()));
        assert!(fuses_on(&Device::flex().autodiff()));
        let on = |name| fuses_on(&crate::device::resolve(name).unwrap().device);
        assert!(on("cpu:ndarray"));
        #[cfg(feature = "tch")]
        assert!(!on("cpu:libtorch"));
    }

    #[test]
    fn devices_without_host_buffers_take_burns_path() {
        // The tensor-op path is what libtorch and bf16 tensors get; it must be the same update.
        let device = Device::flex();
        let p: Vec<f32> = (0..16).map(|i| i as f32 / 16.0).collect();
        let g: Vec<f32> = (0..16).map(|i| (i as f32 - 8.0) * 3.0).collect();
        let fused = FusedAdamW::new(0.05, Some(1.0));
        let (a, _) = fused.step_with_tensor_ops(1e-2, tensor(&p, &device), tensor(&g, &device), None);
        let (b, _) = fused.step(1e-2, tensor(&p, &device), tensor(&g, &device), None);
        let (a, b) = (values(a), values(b));
        assert!(a.iter().zip(&b).all(|(x, y)| (x - y).abs() < 1e-6), "{a:?} vs {b:?}");
    }
}
