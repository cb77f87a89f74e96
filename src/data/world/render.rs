//! Drawing one stimulus: a patterned, coloured shape on a background, anti-aliased by 4×4
//! supersampling, from its attributes and variation alone (no randomness here).

use image::{Rgb, RgbImage};

use super::attributes::{Attributes, Pattern, Shape, Variation};

/// The largest object radius as a fraction of the image side.
const MAX_RADIUS: f32 = 0.36;
/// Sub-samples per pixel side.
const SUPERSAMPLE: usize = 4;
/// Pattern periods in image-side units.
const STRIPE_PERIOD: f32 = 0.2;
const CHECKER_PERIOD: f32 = 0.17;
const DOT_PERIOD: f32 = 0.17;
const DOT_RADIUS: f32 = 0.045;
/// The dark shade of a pattern and the light level of dots.
const SHADE: f32 = 0.3;
const DOT_LIGHT: f32 = 245.0;

/// Whether point (x, y), relative to the centre and in units of the radius after rotation, is
/// inside the outline.
fn inside(shape: Shape, x: f32, y: f32) -> bool {
    match shape {
        Shape::Circle => x * x + y * y <= 1.0,
        Shape::Square => x.abs().max(y.abs()) <= 0.8,
        Shape::Diamond => x.abs() + y.abs() <= 1.0,
        Shape::Cross => (x.abs() <= 0.34 && y.abs() <= 1.0) || (y.abs() <= 0.34 && x.abs() <= 1.0),
        Shape::Triangle => {
            // Upward equilateral triangle inscribed in the unit circle (image y points down):
            // apex (0, −1), base y = 0.5.
            let s3 = 3f32.sqrt();
            y <= 0.5 && s3 * x - y <= 1.0 && -s3 * x - y <= 1.0
        }
    }
}

/// The pattern's colour factor at image point (u, v): 1 for the colour, [`SHADE`] for the dark
/// part, or `None` for a light dot.
fn pattern_at(pattern: Pattern, v: &Variation, u: f32, w: f32) -> Option<f32> {
    let (pu, pw) = (v.phase[0], v.phase[1]);
    match pattern {
        Pattern::Solid => Some(1.0),
        Pattern::Striped => {
            let t = match v.stripe_orientation {
                0 => w,
                1 => u,
                _ => (u + w) * std::f32::consts::FRAC_1_SQRT_2,
            };
            let phase = (t / STRIPE_PERIOD + pu).rem_euclid(1.0);
            Some(if phase < 0.5 { 1.0 } else { SHADE })
        }
        Pattern::Checkered => {
            let a = (u / CHECKER_PERIOD + pu).floor() as i64;
            let b = (w / CHECKER_PERIOD + pw).floor() as i64;
            Some(if (a + b).rem_euclid(2) == 0 { 1.0 } else { SHADE })
        }
        Pattern::Dotted => {
            let du = ((u / DOT_PERIOD + pu).rem_euclid(1.0) - 0.5) * DOT_PERIOD;
            let dw = ((w / DOT_PERIOD + pw).rem_euclid(1.0) - 0.5) * DOT_PERIOD;
            if du * du + dw * dw <= DOT_RADIUS * DOT_RADIUS {
                None
            } else {
                Some(1.0)
            }
        }
    }
}

/// Render a `size` × `size` stimulus.
///
/// ```
/// use brainclip::data::world::{Attributes, Variation, render};
/// let v = Variation { centre: [0.5, 0.5], scale: 1.0, rotation: 0.0, brightness: 1.0,
///     stripe_orientation: 0, phase: [0.0, 0.0], background_shift: 0.0 };
/// let img = render(Attributes::from_index(0), &v, 32); // red solid circle on grey
/// assert_eq!(img.get_pixel(16, 16).0, [220, 40, 40]);
/// assert_eq!(img.get_pixel(0, 0).0, [128, 128, 128]);
/// ```
pub fn render(attributes: Attributes, v: &Variation, size: usize) -> RgbImage {
    let colour = attributes.colour.rgb().map(|c| c * v.brightness);
    let background = (attributes.background.level() + v.background_shift).clamp(0.0, 255.0);
    let radius = MAX_RADIUS * v.scale;
    let (sin, cos) = v.rotation.sin_cos();
    let n = SUPERSAMPLE as f32;
    let mut img = RgbImage::new(size as u32, size as u32);
    for py in 0..size {
        for px in 0..size {
            let mut sum = [0.0f32; 3];
            for sy in 0..SUPERSAMPLE {
                for sx in 0..SUPERSAMPLE {
                    let u = (px as f32 + (sx as f32 + 0.5) / n) / size as f32;
                    let w = (py as f32 + (sy as f32 + 0.5) / n) / size as f32;
                    let (dx, dy) = ((u - v.centre[0]) / radius, (w - v.centre[1]) / radius);
                    let (rx, ry) = (cos * dx + sin * dy, -sin * dx + cos * dy);
                    let value = if inside(attributes.shape, rx, ry) {
                        match pattern_at(attributes.pattern, v, u, w) {
                            Some(f) => colour.map(|c| c * f),
                            None => [DOT_LIGHT; 3],
                        }
                    } else {
                        [background; 3]
                    };
                    for (s, x) in sum.iter_mut().zip(value) {
                        *s += x;
                    }
                }
            }
            let samples = (SUPERSAMPLE * SUPERSAMPLE) as f32;
            let rgb = sum.map(|s| (s / samples).round().clamp(0.0, 255.0) as u8);
            img.put_pixel(px as u32, py as u32, Rgb(rgb));
        }
    }
    img
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::world::attributes::{Background, Colour};

    fn centred() -> Variation {
        Variation {
            centre: [0.5, 0.5],
            scale: 1.0,
            rotation: 0.0,
            brightness: 1.0,
            stripe_orientation: 0,
            phase: [0.0, 0.0],
            background_shift: 0.0,
        }
    }

    #[test]
    fn every_shape_is_bounded_by_its_radius() {
        for shape in super::super::attributes::SHAPES {
            for i in -20..=20 {
                for j in -20..=20 {
                    let (x, y) = (i as f32 / 10.0, j as f32 / 10.0);
                    if inside(shape, x, y) {
                        assert!(x.abs() <= 1.0 && y.abs() <= 1.0, "{shape:?} at ({x}, {y})");
                    }
                }
            }
        }
    }

    #[test]
    fn shapes_cover_different_pixels_and_backgrounds_differ() {
        let base = Attributes::from_index(0);
        let masks: Vec<Vec<bool>> = super::super::attributes::SHAPES
            .iter()
            .map(|&shape| {
                let img = render(Attributes { shape, ..base }, &centred(), 32);
                img.pixels().map(|p| p.0 != [128, 128, 128]).collect()
            })
            .collect();
        for i in 0..masks.len() {
            for j in i + 1..masks.len() {
                let differing = masks[i].iter().zip(&masks[j]).filter(|(a, b)| a != b).count();
                assert!(differing > 20, "shapes {i} and {j} differ in {differing} pixels");
            }
        }
        let black = render(
            Attributes {
                background: Background::Black,
                colour: Colour::Blue,
                ..base
            },
            &centred(),
            32,
        );
        assert_eq!(black.get_pixel(0, 0).0, [18, 18, 18]);
    }
}
