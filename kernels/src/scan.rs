//! Single passes over score rows and embedding rows: counting, finiteness, scaling.

/// How many entries of `row` are strictly greater than `target`, and how many equal it.
///
/// ```
/// assert_eq!(brainclip_kernels::scan::greater_and_equal(&[0.5, 0.9, 0.5, 0.1], 0.5), (1, 2));
/// ```
pub fn greater_and_equal(row: &[f32], target: f32) -> (usize, usize) {
    // Counting in u32 lanes lets the loop vectorise; rows are far shorter than 2³² entries.
    let (mut greater, mut equal) = (0usize, 0usize);
    for chunk in row.chunks(1 << 16) {
        let (g, e) = chunk.iter().fold((0u32, 0u32), |(g, e), &s| {
            (g + u32::from(s > target), e + u32::from(s == target))
        });
        greater += g as usize;
        equal += e as usize;
    }
    (greater, equal)
}

/// Whether every value is finite (no NaN, no ±∞).
///
/// ```
/// assert!(brainclip_kernels::scan::all_finite(&[1.0, -2.0]));
/// assert!(!brainclip_kernels::scan::all_finite(&[1.0, f32::NAN]));
/// ```
pub fn all_finite(x: &[f32]) -> bool {
    // A branch-free reduction per block vectorises; `all` with early exit would not.
    x.chunks(4096).all(|c| c.iter().fold(true, |ok, v| ok & v.is_finite()))
}

/// Multiply every value by `factor`, in place.
///
/// ```
/// let mut x = [3.0f32, 4.0];
/// brainclip_kernels::scan::scale(&mut x, 0.5);
/// assert_eq!(x, [1.5, 2.0]);
/// ```
pub fn scale(x: &mut [f32], factor: f32) {
    x.iter_mut().for_each(|v| *v *= factor);
}
