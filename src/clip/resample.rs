//! Pillow's bicubic resampling (`Image.resize(..., BICUBIC)`), ported from its `Resample.c`:
//! separable, horizontal pass first, Keys' cubic with a = −0.5 whose support widens by the scale
//! factor when shrinking (antialiasing), coefficients in 22-bit fixed point and 8-bit results
//! after each pass — so the output matches Pillow's to the grey level.

use image::RgbImage;

const PRECISION_BITS: u32 = 32 - 8 - 2;

fn bicubic(x: f64) -> f64 {
    const A: f64 = -0.5;
    let x = x.abs();
    if x < 1.0 {
        ((A + 2.0) * x - (A + 3.0)) * x * x + 1.0
    } else if x < 2.0 {
        (((x - 5.0) * x + 8.0) * x - 4.0) * A
    } else {
        0.0
    }
}

/// Per output pixel: first input index and fixed-point weights.
struct Coefficients {
    bounds: Vec<(usize, usize)>,
    weights: Vec<Vec<i32>>,
}

fn coefficients(in_size: usize, out_size: usize) -> Coefficients {
    let scale = in_size as f64 / out_size as f64;
    let filterscale = scale.max(1.0);
    let support = 2.0 * filterscale;
    let mut bounds = Vec::with_capacity(out_size);
    let mut weights = Vec::with_capacity(out_size);
    for xx in 0..out_size {
        let center = (xx as f64 + 0.5) * scale;
        let ss = 1.0 / filterscale;
        // C casts truncate towards zero.
        let xmin = ((center - support + 0.5) as i64).max(0) as usize;
        let xmax = ((center + support + 0.5) as i64).min(in_size as i64) as usize;
        let count = xmax.saturating_sub(xmin);
        let w: Vec<f64> = (0..count)
            .map(|x| bicubic((x as f64 + xmin as f64 - center + 0.5) * ss))
            .collect();
        let total: f64 = w.iter().sum();
        let fixed = w
            .iter()
            .map(|&v| {
                let v = if total != 0.0 { v / total } else { v };
                let scaled = v * f64::from(1u32 << PRECISION_BITS);
                if v < 0.0 {
                    (scaled - 0.5) as i32
                } else {
                    (scaled + 0.5) as i32
                }
            })
            .collect();
        bounds.push((xmin, count));
        weights.push(fixed);
    }
    Coefficients { bounds, weights }
}

fn clip8(v: i64) -> u8 {
    if v >= (1i64 << PRECISION_BITS << 8) {
        255
    } else if v <= 0 {
        0
    } else {
        (v >> PRECISION_BITS) as u8
    }
}

/// Resample along one axis: `horizontal` reads along rows, otherwise along columns.
fn pass(src: &RgbImage, out_w: u32, out_h: u32, c: &Coefficients, horizontal: bool) -> RgbImage {
    let mut out = RgbImage::new(out_w, out_h);
    let round = 1i64 << (PRECISION_BITS - 1);
    for y in 0..out_h {
        for x in 0..out_w {
            let (i, fixed) = if horizontal { (x, y) } else { (y, x) };
            let (start, count) = c.bounds[i as usize];
            let k = &c.weights[i as usize];
            let mut acc = [round; 3];
            for (j, &w) in k.iter().enumerate().take(count) {
                let pos = (start + j) as u32;
                let p = if horizontal {
                    src.get_pixel(pos, fixed)
                } else {
                    src.get_pixel(fixed, pos)
                };
                for (a, v) in acc.iter_mut().zip(p.0) {
                    *a += i64::from(v) * i64::from(w);
                }
            }
            out.put_pixel(x, y, image::Rgb([clip8(acc[0]), clip8(acc[1]), clip8(acc[2])]));
        }
    }
    out
}

/// Resize like Pillow's `resize((width, height), Image.BICUBIC)`.
///
/// ```
/// let img = image::RgbImage::from_pixel(40, 30, image::Rgb([10, 200, 30]));
/// let small = brainclip::clip::resample::resize_bicubic(&img, 20, 15);
/// assert_eq!((small.width(), small.height(), small.get_pixel(3, 3)[1]), (20, 15, 200));
/// ```
pub fn resize_bicubic(img: &RgbImage, width: u32, height: u32) -> RgbImage {
    let (w, h) = img.dimensions();
    let mut current = img.clone();
    if width != w {
        current = pass(&current, width, h, &coefficients(w as usize, width as usize), true);
    }
    if height != h {
        current = pass(
            &current,
            width,
            height,
            &coefficients(h as usize, height as usize),
            false,
        );
    }
    current
}
