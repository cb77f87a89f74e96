//! Loss functions: symmetric CLIP contrastive loss (InfoNCE), MindEye's SoftCLIP and BiMixCo
//! variants, and regression terms.
//!
//! Each is a plain function of burn tensors, differentiable on an autodiff device.

use burn::tensor::{Int, Tensor, TensorData};
use rand::seq::SliceRandom;
use rand::{Rng, RngExt};
use rand_distr::{Beta, Distribution};

use crate::tensors::l2_normalize;

/// Row-wise `log_softmax`, computed as `x − max − log Σ exp(x − max)` so that large logits
/// neither overflow nor lose precision.
pub fn stable_log_softmax(logits: Tensor<2>) -> Tensor<2> {
    let max = logits.clone().max_dim(1).detach();
    let shifted = logits - max;
    let lse = shifted.clone().exp().sum_dim(1).log();
    shifted - lse
}

/// The target distribution of a contrastive batch: row `i` is uniform over the samples that
/// share its group (its positives). Without groups every sample is its own only positive.
pub fn positive_targets(n: usize, groups: Option<&[usize]>, device: &burn::tensor::Device) -> Tensor<2> {
    let mut values = vec![0.0f32; n * n];
    for i in 0..n {
        let positives: Vec<usize> = match groups {
            Some(g) => (0..n).filter(|&j| g[j] == g[i]).collect(),
            None => vec![i],
        };
        let share = 1.0 / positives.len() as f32;
        for j in positives {
            values[i * n + j] = share;
        }
    }
    Tensor::from_data(TensorData::new(values, [n, n]), device)
}

/// Symmetric CLIP contrastive loss between predictions and targets (both batch × D).
///
/// `logits = scale · norm(pred) · norm(target)ᵀ`; the loss is the mean of the cross-entropy of
/// each row (prediction → targets) and each column (target → predictions) against
/// [`positive_targets`]. `logit_scale` is `ln(1/temperature)`, a one-element tensor.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use brainclip::train::loss::clip_loss;
/// let d = Device::flex();
/// let eye = Tensor::<2>::from_floats([[1.0, 0.0], [0.0, 1.0]], &d);
/// let loss = clip_loss(eye.clone(), eye, Tensor::from_floats([0.0], &d), None);
/// // each row: -ln(e / (e + 1)) = ln(1 + 1/e)
/// assert!((loss.into_scalar::<f32>() - 0.313_261_7).abs() < 1e-6);
/// ```
pub fn clip_loss(pred: Tensor<2>, target: Tensor<2>, logit_scale: Tensor<1>, groups: Option<&[usize]>) -> Tensor<1> {
    let [n, _] = pred.dims();
    let q = positive_targets(n, groups, &pred.device());
    let logits = contrastive_logits(pred, target, logit_scale);
    two_way_cross_entropy(logits, q.clone(), q.transpose())
}

/// `exp(logit_scale) · norm(pred) · norm(target)ᵀ`.
fn contrastive_logits(pred: Tensor<2>, target: Tensor<2>, logit_scale: Tensor<1>) -> Tensor<2> {
    let scale = logit_scale.exp().reshape([1, 1]);
    l2_normalize(pred).matmul(l2_normalize(target).transpose()) * scale
}

/// The mean of the rows' cross-entropy against `rows` and the columns' against `cols` (one
/// target distribution per row of each).
fn two_way_cross_entropy(logits: Tensor<2>, rows: Tensor<2>, cols: Tensor<2>) -> Tensor<1> {
    let forward = (stable_log_softmax(logits.clone()) * rows).sum_dim(1).mean().neg();
    let backward = (stable_log_softmax(logits.transpose()) * cols).sum_dim(1).mean().neg();
    (forward + backward).div_scalar(2.0)
}

/// MindEye's SoftCLIP: the CLIP loss with soft targets, each row the softmax of the target
/// embeddings' own similarities at the same temperature (`softmax(scale · norm(t) · norm(t)ᵀ)`,
/// not differentiated), so that near-duplicate targets share probability instead of being pushed
/// apart. As MindEye writes it, both directions use that same row-softmax matrix.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use brainclip::train::loss::{clip_loss, soft_clip_loss};
/// let d = Device::flex();
/// let eye = Tensor::<2>::from_floats([[1.0, 0.0], [0.0, 1.0]], &d);
/// // Orthogonal targets: the soft targets are as hard as softmax allows at this temperature.
/// let soft = soft_clip_loss(eye.clone(), eye.clone(), Tensor::from_floats([5.0], &d)).into_scalar::<f32>();
/// let hard = clip_loss(eye.clone(), eye, Tensor::from_floats([5.0], &d), None).into_scalar::<f32>();
/// assert!((soft - hard).abs() < 1e-3);
/// ```
pub fn soft_clip_loss(pred: Tensor<2>, target: Tensor<2>, logit_scale: Tensor<1>) -> Tensor<1> {
    let soft = burn::tensor::activation::softmax(
        contrastive_logits(target.clone(), target.clone(), logit_scale.clone()),
        1,
    )
    .detach();
    let logits = contrastive_logits(pred, target, logit_scale);
    two_way_cross_entropy(logits, soft.clone(), soft)
}

/// One BiMixCo draw for a batch (MindEye's `mixco`): every sample has a partner (a random
/// permutation of the batch) and a weight, `Beta(α, α)` for the samples chosen for mixing (each
/// with probability `p`) and 1 for the rest. A mixed input is `w·x + (1 − w)·x[partner]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Mix {
    /// Each sample's partner in the batch.
    pub partner: Vec<usize>,
    /// Each sample's own share (1 when not mixed).
    pub weight: Vec<f32>,
}

impl Mix {
    /// Draw the partners and weights of a batch of `n`.
    ///
    /// ```
    /// use rand::SeedableRng;
    /// let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    /// let mix = brainclip::train::loss::Mix::draw(6, 0.15, 0.5, &mut rng);
    /// assert_eq!(mix.partner.len(), 6);
    /// assert!(mix.weight.iter().all(|w| (0.0..=1.0).contains(w)));
    /// ```
    pub fn draw(n: usize, alpha: f64, prob: f64, rng: &mut impl Rng) -> Self {
        let mut partner: Vec<usize> = (0..n).collect();
        partner.shuffle(rng);
        let beta = Beta::new(alpha, alpha).ok();
        let weight = (0..n)
            .map(|_| {
                let mixed = rng.random::<f64>() < prob;
                match (&beta, mixed) {
                    (Some(b), true) => b.sample(rng) as f32,
                    _ => 1.0,
                }
            })
            .collect();
        Self { partner, weight }
    }

    fn columns(&self, device: &burn::tensor::Device) -> (Tensor<2>, Tensor<2>, Tensor<1, Int>) {
        let n = self.weight.len();
        let w = Tensor::<2>::from_data(TensorData::new(self.weight.clone(), [n, 1]), device);
        let partner: Vec<i64> = self.partner.iter().map(|&p| p as i64).collect();
        let idx = Tensor::<1, Int>::from_data(TensorData::new(partner, [n]), device);
        (w.clone(), w.neg().add_scalar(1.0), idx)
    }

    /// The mixed rows `w·x + (1 − w)·x[partner]` (inputs, or embeddings for regression terms).
    pub fn rows(&self, x: Tensor<2>) -> Tensor<2> {
        let (w, rest, idx) = self.columns(&x.device());
        x.clone() * w + x.select(0, idx) * rest
    }
}

/// MindEye's BiMixCo: the CLIP loss of predictions from mixed inputs ([`Mix::rows`]) against
/// unmixed targets, each row's target distribution `w` on its own target and `1 − w` on its
/// partner's (mixed the same way over the positives of `groups`, when given); the column
/// direction uses the transposed distribution, as in MindEye's `mixco_nce`.
pub fn mixco_loss(
    pred: Tensor<2>,
    target: Tensor<2>,
    logit_scale: Tensor<1>,
    mix: &Mix,
    groups: Option<&[usize]>,
) -> Tensor<1> {
    let [n, _] = pred.dims();
    let q = mix.rows(positive_targets(n, groups, &pred.device()));
    let logits = contrastive_logits(pred, target, logit_scale);
    two_way_cross_entropy(logits, q.clone(), q.transpose())
}

/// Mean squared error over all entries.
pub fn mse_loss(pred: Tensor<2>, target: Tensor<2>) -> Tensor<1> {
    (pred - target).powf_scalar(2.0).mean()
}

/// Mean of `1 − cos(pred_i, target_i)` over rows.
pub fn cosine_loss(pred: Tensor<2>, target: Tensor<2>) -> Tensor<1> {
    let cos = (l2_normalize(pred) * l2_normalize(target)).sum_dim(1);
    cos.neg().add_scalar(1.0).mean()
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::Device;

    fn t(rows: &[[f32; 2]]) -> Tensor<2> {
        let flat: Vec<f32> = rows.iter().flatten().copied().collect();
        Tensor::from_data(TensorData::new(flat, [rows.len(), 2]), &Device::flex())
    }
    fn scale(v: f32) -> Tensor<1> {
        Tensor::from_floats([v], &Device::flex())
    }
    fn value(x: Tensor<1>) -> f32 {
        x.into_scalar::<f32>()
    }

    #[test]
    fn clip_loss_hand_computed_asymmetric_case() {
        // pred rows (1,0), (0.6,0.8); targets (1,0), (0,1); scale ln 2 → factor 2.
        // logits = 2·[[1, 0], [0.6, 0.8]] = [[2, 0], [1.2, 1.6]]
        // rows:  -(2 - ln(e² + 1)) = 0.126928 ; -(1.6 - ln(e^1.2 + e^1.6)) = 0.513015
        // cols:  col0 = (2, 1.2): -(2 - ln(e² + e^1.2)) = 0.371101 ;
        //        col1 = (0, 1.6): -(1.6 - ln(1 + e^1.6)) = 0.183901
        // loss = ((0.126928 + 0.513015)/2 + (0.371101 + 0.183901)/2) / 2 = 0.298736
        let loss = value(clip_loss(
            t(&[[1.0, 0.0], [0.6, 0.8]]),
            t(&[[1.0, 0.0], [0.0, 1.0]]),
            scale(2f32.ln()),
            None,
        ));
        assert!((loss - 0.298_736).abs() < 1e-5, "{loss}");
    }

    #[test]
    fn clip_loss_ignores_scale_of_inputs() {
        let a = value(clip_loss(
            t(&[[3.0, 0.0], [0.0, 2.0]]),
            t(&[[1.0, 0.0], [0.0, 5.0]]),
            scale(0.0),
            None,
        ));
        assert!((a - 0.313_261_7).abs() < 1e-6, "{a}");
    }

    #[test]
    fn clip_loss_is_stable_for_huge_logits() {
        // logit scale 10 → logits of e^10 ≈ 22026, where a naive exp overflows f32; the stable
        // form gives 0 for a perfect match and a large finite value for a perfect mismatch.
        let good = value(clip_loss(
            t(&[[1.0, 0.0], [0.0, 1.0]]),
            t(&[[1.0, 0.0], [0.0, 1.0]]),
            scale(10.0),
            None,
        ));
        assert!(good.abs() < 1e-6, "{good}");
        let bad = value(clip_loss(
            t(&[[0.0, 1.0], [1.0, 0.0]]),
            t(&[[1.0, 0.0], [0.0, 1.0]]),
            scale(10.0),
            None,
        ));
        // logits [[0, s], [s, 0]] with s = e^10: every row and column loses ln(1 + e^s) ≈ s.
        let s = 10f32.exp();
        assert!(((bad - s) / s).abs() < 1e-5, "{bad}");
        assert!(bad.is_finite());
    }

    #[test]
    fn grouped_targets_share_probability() {
        // Two samples of the same group and identical targets: the uniform target over both
        // positives is exactly the softmax, so the loss is ln 2 (the entropy of the target).
        let loss = value(clip_loss(
            t(&[[1.0, 0.0], [1.0, 0.0]]),
            t(&[[1.0, 0.0], [1.0, 0.0]]),
            scale(0.0),
            Some(&[7, 7]),
        ));
        assert!((loss - 2f32.ln()).abs() < 1e-6, "{loss}");
        let q = positive_targets(3, Some(&[1, 2, 1]), &Device::flex());
        let q: Vec<f32> = q.into_data().try_into_vec_as::<f32>().unwrap();
        assert_eq!(q, vec![0.5, 0.0, 0.5, 0.0, 1.0, 0.0, 0.5, 0.0, 0.5]);
    }

    fn rows3(rows: &[[f32; 3]]) -> Tensor<2> {
        let flat: Vec<f32> = rows.iter().flatten().copied().collect();
        Tensor::from_data(TensorData::new(flat, [rows.len(), 3]), &Device::flex())
    }

    /// The inputs of tests/data/losses/mindeye_golden.py.
    fn golden_inputs() -> (Tensor<2>, Tensor<2>) {
        (
            rows3(&[[1.0, 0.2, -0.3], [0.1, 0.9, 0.4], [-0.5, 0.3, 1.2], [0.7, -0.6, 0.2]]),
            rows3(&[[0.9, 0.1, -0.2], [0.0, 1.0, 0.5], [-0.4, 0.2, 1.0], [1.0, 0.0, 0.0]]),
        )
    }

    #[test]
    fn soft_clip_matches_mindeye() {
        // mindeye_golden.py (MindEye's soft_clip_loss in float64): 0.567634782 at temperature
        // 0.125, 0.883067885 at 0.05.
        for (temperature, golden) in [(0.125f32, 0.567_634_78), (0.05, 0.883_067_9)] {
            let (p, t) = golden_inputs();
            let loss = value(soft_clip_loss(p, t, scale((1.0 / temperature).ln())));
            assert!((loss - golden).abs() < 2e-5, "{temperature}: {loss}");
        }
    }

    #[test]
    fn mixco_matches_mindeye() {
        // mindeye_golden.py: perm [2, 0, 3, 1], betas [0.7, 1, 0.2, 1], temperature 0.1 → 4.233252961;
        // mixing rows [[0,1],[2,3],[4,5],[6,7]] gives [[1.2, 2.2], [2, 3], [5.6, 6.6], [6, 7]].
        let mix = Mix {
            partner: vec![2, 0, 3, 1],
            weight: vec![0.7, 1.0, 0.2, 1.0],
        };
        let (p, t) = golden_inputs();
        let loss = value(mixco_loss(p, t, scale(10f32.ln()), &mix, None));
        assert!((loss - 4.233_253).abs() < 1e-4, "{loss}");
        let x = Tensor::<2>::from_floats([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0], [6.0, 7.0]], &Device::flex());
        let mixed: Vec<f32> = mix.rows(x).into_data().try_into_vec_as::<f32>().unwrap();
        let expected = [1.2, 2.2, 2.0, 3.0, 5.6, 6.6, 6.0, 7.0];
        assert!(
            mixed.iter().zip(expected).all(|(a, b)| (a - b).abs() < 1e-5),
            "{mixed:?}"
        );
        // Without mixing (all weights 1) BiMixCo is the CLIP loss.
        let none = Mix {
            partner: vec![1, 0, 3, 2],
            weight: vec![1.0; 4],
        };
        let (p, t) = golden_inputs();
        let plain = value(mixco_loss(p.clone(), t.clone(), scale(1.0), &none, None));
        assert!((plain - value(clip_loss(p, t, scale(1.0), None))).abs() < 1e-6);
    }

    #[test]
    fn mix_draws_are_seeded_and_mix_about_the_asked_share() {
        use rand::SeedableRng;
        let draw = |seed| Mix::draw(1000, 0.15, 0.5, &mut rand_chacha::ChaCha8Rng::seed_from_u64(seed));
        assert_eq!(draw(3), draw(3));
        let mixed = draw(3).weight.iter().filter(|&&w| w < 1.0).count();
        assert!((440..560).contains(&mixed), "{mixed}");
        let mut partners = draw(3).partner;
        partners.sort_unstable();
        assert_eq!(partners, (0..1000).collect::<Vec<_>>());
    }

    #[test]
    fn regression_terms_hand_computed() {
        // (1-0)² + (2-0)² + (0-1)² + (0-1)² = 7 over 4 entries
        let mse = value(mse_loss(t(&[[1.0, 2.0], [0.0, 0.0]]), t(&[[0.0, 0.0], [1.0, 1.0]])));
        assert!((mse - 1.75).abs() < 1e-6, "{mse}");
        // cos((1,0),(1,1)) = 1/√2 ; cos((0,2),(0,1)) = 1 → mean(1 − cos) = (1 − 0.707107)/2
        let cos = value(cosine_loss(t(&[[1.0, 0.0], [0.0, 2.0]]), t(&[[1.0, 1.0], [0.0, 1.0]])));
        assert!((cos - 0.146_446_6).abs() < 1e-6, "{cos}");
    }
}
