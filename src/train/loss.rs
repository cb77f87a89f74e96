//! Loss functions: symmetric CLIP contrastive loss (InfoNCE) and regression terms.
//!
//! Each is a plain function of burn tensors, differentiable on an autodiff device.

use burn::tensor::{Tensor, TensorData};

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
    let device = pred.device();
    let [n, _] = pred.dims();
    let scale = logit_scale.exp().reshape([1, 1]);
    let logits = l2_normalize(pred).matmul(l2_normalize(target).transpose()) * scale;
    let q = positive_targets(n, groups, &device);
    let rows = (stable_log_softmax(logits.clone()) * q.clone()).sum_dim(1).mean().neg();
    let cols = (stable_log_softmax(logits.transpose()) * q.transpose())
        .sum_dim(1)
        .mean()
        .neg();
    (rows + cols).div_scalar(2.0)
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
