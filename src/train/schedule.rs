//! Learning-rate schedule: linear warm-up, then cosine decay.

/// Learning rate at `step` (0-based) of `total` steps: linear warm-up over the first
/// `warmup_steps`, then cosine decay from `peak` to `peak · min_ratio` at the last step.
///
/// ```
/// use brainclip::train::schedule::warmup_cosine;
/// assert_eq!(warmup_cosine(0, 100, 10, 1.0, 0.0), 0.1);
/// assert_eq!(warmup_cosine(10, 100, 10, 1.0, 0.0), 1.0);
/// assert!(warmup_cosine(99, 100, 10, 1.0, 0.0) < 1e-3);
/// ```
pub fn warmup_cosine(step: usize, total: usize, warmup_steps: usize, peak: f64, min_ratio: f64) -> f64 {
    if step < warmup_steps {
        return peak * (step + 1) as f64 / warmup_steps as f64;
    }
    let decay_steps = total.saturating_sub(warmup_steps).saturating_sub(1).max(1);
    let progress = ((step - warmup_steps) as f64 / decay_steps as f64).min(1.0);
    let floor = peak * min_ratio;
    floor + (peak - floor) * 0.5 * (1.0 + (std::f64::consts::PI * progress).cos())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warms_up_then_decays_monotonically() {
        let lrs: Vec<f64> = (0..50).map(|s| warmup_cosine(s, 50, 5, 2.0, 0.1)).collect();
        assert!(lrs[..5].windows(2).all(|w| w[0] < w[1]));
        assert_eq!(lrs[5], 2.0);
        assert!(lrs[5..].windows(2).all(|w| w[0] >= w[1]));
        assert!((lrs[49] - 0.2).abs() < 1e-12);
        assert!((warmup_cosine(27, 50, 5, 2.0, 0.1) - 1.1).abs() < 0.1);
    }

    #[test]
    fn no_warmup_starts_at_peak() {
        assert_eq!(warmup_cosine(0, 10, 0, 1.0, 0.0), 1.0);
        assert_eq!(warmup_cosine(0, 1, 0, 1.0, 0.5), 1.0);
    }
}
