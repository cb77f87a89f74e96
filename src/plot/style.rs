use plotters::style::RGBColor;

/// Okabe–Ito colour-blind-safe palette, most distinguishable colours first.
pub(crate) const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),   // blue
    RGBColor(213, 94, 0),    // vermillion
    RGBColor(0, 158, 115),   // bluish green
    RGBColor(230, 159, 0),   // orange
    RGBColor(204, 121, 167), // reddish purple
    RGBColor(86, 180, 233),  // sky blue
    RGBColor(0, 0, 0),       // black
    RGBColor(240, 228, 66),  // yellow
];

/// Colour of category `i` of `n`: the palette when it has enough colours, else hues stepped
/// by the golden angle (so neighbouring categories differ) at three lightness levels.
pub(crate) fn category_colour(i: usize, n: usize) -> RGBColor {
    if n <= PALETTE.len() {
        return PALETTE[i % PALETTE.len()];
    }
    let hue = (i as f64 * 0.618_033_988_749_895).fract() * 6.0;
    let (s, l) = (0.75, [0.45, 0.32, 0.6][i % 3]);
    let c = (1.0 - (2.0 * l - 1.0f64).abs()) * s;
    let x = c * (1.0 - (hue % 2.0 - 1.0).abs());
    let (r, g, b) = match hue as usize {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let m = l - c / 2.0;
    let byte = |v: f64| ((v + m) * 255.0).round().clamp(0.0, 255.0) as u8;
    RGBColor(byte(r), byte(g), byte(b))
}

pub(crate) const MESH_BOLD: RGBColor = RGBColor(215, 215, 215);
pub(crate) const MESH_LIGHT: RGBColor = RGBColor(240, 240, 240);
pub(crate) const REFERENCE: [RGBColor; 3] = [RGBColor(80, 80, 80), RGBColor(150, 150, 150), RGBColor(40, 40, 40)];

/// Matplotlib's viridis sampled at 0, 0.1, ..., 1 (the `colormaps` feature of plotters is off).
const VIRIDIS: [(u8, u8, u8); 11] = [
    (68, 1, 84),
    (72, 36, 117),
    (65, 68, 135),
    (53, 95, 141),
    (42, 120, 142),
    (33, 145, 140),
    (34, 168, 132),
    (68, 191, 112),
    (122, 209, 81),
    (189, 223, 38),
    (253, 231, 37),
];

/// Viridis colour for `t` in 0..=1 (clamped), linearly interpolated between table entries.
pub(crate) fn viridis(t: f64) -> RGBColor {
    let t = if t.is_finite() { t.clamp(0.0, 1.0) } else { 0.0 };
    let x = t * (VIRIDIS.len() - 1) as f64;
    let i = (x.floor() as usize).min(VIRIDIS.len() - 2);
    let f = x - i as f64;
    let (a, b) = (VIRIDIS[i], VIRIDIS[i + 1]);
    let mix = |p: u8, q: u8| (p as f64 + (q as f64 - p as f64) * f).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Smallest step of the form {1, 2, 5}·10^k showing at most `max_count` of `n` indices.
pub(crate) fn nice_step(n: usize, max_count: usize) -> usize {
    let raw = n.div_ceil(max_count.max(1)).max(1);
    let mut base = 1;
    loop {
        for m in [1, 2, 5] {
            if m * base >= raw {
                return m * base;
            }
        }
        base *= 10;
    }
}

/// Round tick values (steps of 1, 2, 2.5 or 5 × 10^k) inside `lo..=hi`, at most about `max`.
pub(crate) fn nice_ticks(lo: f64, hi: f64, max: usize) -> Vec<f64> {
    let raw = (hi - lo) / max.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .map(|m| m * mag)
        .into_iter()
        .find(|&s| s >= raw * (1.0 - 1e-9))
        .unwrap_or(10.0 * mag);
    // The tolerances keep float noise (0.9 / 0.025 = 36.000…01) from dropping end ticks.
    let (k0, k1) = ((lo / step - 1e-9).ceil() as i64, (hi / step + 1e-9).floor() as i64);
    (k0..=k1).map(|k| k as f64 * step).collect()
}

/// Shortest readable tick text: "20" rather than "20.0", exponents for very large or small values.
pub(crate) fn tick_label(v: &f64) -> String {
    let trim = |s: &str| s.trim_end_matches('0').trim_end_matches('.').to_string();
    let a = v.abs();
    if a != 0.0 && !(1e-3..1e5).contains(&a) {
        let s = format!("{v:.3e}");
        let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
        return format!("{}e{exp}", trim(mantissa));
    }
    match trim(&format!("{v:.6}")).as_str() {
        "-0" => "0".into(),
        s => s.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn viridis_endpoints_and_clamping() {
        assert_eq!(viridis(0.0), RGBColor(68, 1, 84));
        assert_eq!(viridis(1.0), RGBColor(253, 231, 37));
        assert_eq!(viridis(7.0), viridis(1.0));
        assert_eq!(viridis(f64::NAN), viridis(0.0));
    }

    #[test]
    fn category_colours() {
        assert_eq!(category_colour(2, 5), PALETTE[2]);
        assert_eq!(category_colour(0, 12), RGBColor(201, 29, 29));
        let all: std::collections::HashSet<_> = (0..50).map(|i| category_colour(i, 50)).collect();
        assert_eq!(all.len(), 50);
    }

    #[test]
    fn tick_labels_are_short() {
        let cases = [
            (20.0, "20"),
            (0.30000000000000004, "0.3"),
            (-0.0, "0"),
            (1.5e5, "1.5e5"),
            (1e-5, "1e-5"),
            (0.0025, "0.0025"),
        ];
        for (v, want) in cases {
            assert_eq!(tick_label(&v), want);
        }
    }

    #[test]
    fn round_ticks() {
        assert_eq!(
            nice_ticks(-1.0, 1.0, 8),
            [-1.0, -0.75, -0.5, -0.25, 0.0, 0.25, 0.5, 0.75, 1.0]
        );
        assert_eq!(nice_ticks(0.0, 10.0, 5), [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
        assert_eq!(nice_ticks(0.9, 1.1, 8).len(), 9);
    }

    #[test]
    fn nice_steps() {
        assert_eq!(nice_step(10, 25), 1);
        assert_eq!(nice_step(50, 25), 2);
        assert_eq!(nice_step(120, 25), 5);
        assert_eq!(nice_step(1000, 25), 50);
        assert_eq!(nice_step(3, 0), 5);
    }
}
