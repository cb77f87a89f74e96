//! The full-size ADM-256 check on a GPU (run by benches/gpu/generation.sh after
//! benches/gpu/adm256.py wrote the reference): the converted random-weight ADM-256 UNet on the
//! given device must equal guided-diffusion's output (f32, ≤ 1e-3 relative), then seconds per
//! CLIP-guided DDPM step at 256² with 16 × 2 cutouts (guide: the tiny fixture CLIP, so the time is
//! the UNet's forward and backward plus 32 small CLIP passes).
//!
//!     adm256_check DIR DEVICE [STEPS]
//!
//! DIR holds `adm256/` (converted), `reference.safetensors` (x, t, out); prints one JSON line.

use std::path::Path;
use std::time::Instant;

use brainclip::clip::Clip;
use brainclip::generate::sample::guided_prediction;
use brainclip::generate::sampler::ddpm_step;
use brainclip::generate::{
    BetaSchedule, CutoutDraw, DiffusionModel, GuidanceConfig, Guide, NoiseSource, Sampler, Schedule, SeededNoise,
    Variance,
};
use burn::tensor::{Tensor, TensorData};
use safetensors::SafeTensors;

fn tensor(st: &SafeTensors, name: &str, device: &burn::tensor::Device) -> Result<(Vec<usize>, Vec<f32>), String> {
    let view = st.tensor(name).map_err(|e| format!("{name}: {e}"))?;
    let values = view
        .data()
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    let _ = device;
    Ok((view.shape().to_vec(), values))
}

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().collect();
    let (dir, device_spec) = match (args.get(1), args.get(2)) {
        (Some(d), Some(s)) => (Path::new(d).to_path_buf(), s.clone()),
        _ => return Err("usage: adm256_check DIR DEVICE [STEPS]".into()),
    };
    let steps: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(5);
    let device = brainclip::device::resolve(&device_spec)
        .map_err(|e| e.to_string())?
        .device;
    let model = DiffusionModel::load(&dir.join("adm256"), &device).map_err(|e| e.to_string())?;
    let bytes = std::fs::read(dir.join("reference.safetensors")).map_err(|e| e.to_string())?;
    let st = SafeTensors::deserialize(&bytes).map_err(|e| e.to_string())?;
    let (xs, xv) = tensor(&st, "x", &device)?;
    let (_, tv) = tensor(&st, "t", &device)?;
    let (_, want) = tensor(&st, "out", &device)?;
    let x = Tensor::<4>::from_data(TensorData::new(xv, [xs[0], xs[1], xs[2], xs[3]]), &device);
    let t = Tensor::<1>::from_data(TensorData::new(tv.clone(), [tv.len()]), &device);
    let got: Vec<f32> = model
        .unet
        .forward(x, t)
        .into_data()
        .try_into_vec_as::<f32>()
        .map_err(|e| format!("{e:?}"))?;
    let scale = want.iter().map(|v| v.abs()).fold(0f32, f32::max);
    let diff = got.iter().zip(&want).map(|(a, b)| (a - b).abs()).fold(0f32, f32::max);

    let clip = Clip::load(&dir.join("clip"), &device).map_err(|e| e.to_string())?;
    let schedule = Schedule::new(BetaSchedule::Linear, 1000, "800").map_err(|e| e.to_string())?;
    let mut noise = SeededNoise::new(1);
    let side = 256;
    let x = noise.next([1, 3, side, side], &device);
    let target = noise
        .next([1, 1, 1, clip.config.projection_dim], &device)
        .reshape([1, clip.config.projection_dim]);
    let guide = Guide {
        clip: &clip.model,
        clip_size: clip.config.vision.image_size,
        target,
        config: GuidanceConfig::default(),
    };
    let mut draw = CutoutDraw::new(2);
    let mut times = Vec::new();
    for k in 0..steps + 1 {
        let boxes = draw.draw(32, side, clip.config.vision.image_size, 1.0);
        let start = Instant::now();
        let (p, grad, _) = guided_prediction(
            &model.unet,
            &schedule,
            700,
            x.clone(),
            Sampler::Ddpm(Variance::LearnedRange),
            true,
            &guide,
            &boxes,
        )
        .map_err(|e| e.to_string())?;
        let step = ddpm_step(&p, 700, noise.next([1, 3, side, side], &device), Some(grad));
        let _: Vec<f32> = step
            .sample
            .into_data()
            .try_into_vec_as::<f32>()
            .map_err(|e| format!("{e:?}"))?;
        if k > 0 {
            times.push(start.elapsed().as_secs_f64());
        }
    }
    times.sort_by(f64::total_cmp);
    let median = times.get(times.len() / 2).copied().unwrap_or(f64::NAN);
    println!(
        "{{\"device\": \"{device_spec}\", \"max_abs_diff\": {diff:e}, \"max_abs_out\": {scale:e}, \"relative\": {:e}, \"seconds_per_guided_step\": {median:.4}, \"steps_timed\": {}}}",
        diff / scale.max(1e-12),
        times.len()
    );
    if diff / scale.max(1e-12) > 1e-3 {
        return Err(format!(
            "ADM-256 output differs from guided-diffusion by {diff:e} (relative {:e})",
            diff / scale
        ));
    }
    Ok(())
}
