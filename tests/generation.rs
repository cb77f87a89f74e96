//! Diffusion generation against its references: diffusers' UNet2DModel and guided-diffusion's UNet,
//! samplers and the BrainCLIP authors' guidance `cond_fn`, recorded by
//! `tests/data/generation/generate.py` (see tests/data/generation/README.md).

use std::collections::HashMap;
use std::path::Path;

use brainclip::clip::Clip;
use brainclip::generate::convert::read_checkpoint;
use brainclip::generate::guidance::{Cutout, range_loss, spherical_distance, tv_loss};
use brainclip::generate::sample::guided_prediction;
use brainclip::generate::sampler::{ddim_step, ddpm_step, predict, q_sample};
use brainclip::generate::{
    BetaSchedule, Cutouts, DiffusionModel, GenerateError, GuidanceConfig, Guide, Heads, Quiet, ReplayNoise,
    SampleConfig, Sampler, Schedule, UNetConfig, Variance, convert_adm_file, respace, sample,
};
use burn::tensor::{Device, Tensor, TensorData};
use safetensors::{Dtype, SafeTensors};

const DIR: &str = "tests/data/generation";

fn device() -> Device {
    Device::flex()
}

struct Reference(HashMap<String, (Vec<usize>, Vec<f32>)>);

impl Reference {
    fn load() -> Self {
        let bytes = std::fs::read(format!("{DIR}/reference.safetensors")).unwrap();
        let st = SafeTensors::deserialize(&bytes).unwrap();
        let mut tensors = HashMap::new();
        for (name, view) in st.tensors() {
            assert_eq!(view.dtype(), Dtype::F32, "{name}");
            let v = view
                .data()
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
                .collect();
            tensors.insert(name, (view.shape().to_vec(), v));
        }
        Self(tensors)
    }

    fn values(&self, key: &str) -> &[f32] {
        &self.0.get(key).unwrap_or_else(|| panic!("reference has no {key}")).1
    }

    fn t4(&self, key: &str) -> Tensor<4> {
        let (shape, v) = self.0.get(key).unwrap_or_else(|| panic!("reference has no {key}"));
        let s: [usize; 4] = shape
            .as_slice()
            .try_into()
            .unwrap_or_else(|_| panic!("{key}: {shape:?}"));
        Tensor::from_data(TensorData::new(v.clone(), s), &device())
    }

    fn t4_on(&self, key: &str, device: &Device) -> Tensor<4> {
        let (shape, v) = self.0.get(key).unwrap_or_else(|| panic!("reference has no {key}"));
        let s: [usize; 4] = shape
            .as_slice()
            .try_into()
            .unwrap_or_else(|_| panic!("{key}: {shape:?}"));
        Tensor::from_data(TensorData::new(v.clone(), s), device)
    }

    fn t1(&self, key: &str) -> Tensor<1> {
        let v = self.values(key);
        Tensor::from_data(TensorData::new(v.to_vec(), [v.len()]), &device())
    }
}

fn host<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().try_into_vec_as::<f32>().unwrap()
}

fn max_abs(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}

fn max_rel(a: &[f32], b: &[f32]) -> f32 {
    let scale = b.iter().map(|v| v.abs()).fold(0.0, f32::max).max(1e-12);
    max_abs(a, b) / scale
}

/// ‖a − b‖ / ‖b‖.
fn rel_l2(a: &[f32], b: &[f32]) -> f64 {
    let num: f64 = a.iter().zip(b).map(|(x, y)| ((x - y) as f64).powi(2)).sum();
    let den: f64 = b.iter().map(|y| (*y as f64).powi(2)).sum();
    (num / den.max(1e-300)).sqrt()
}

fn load(name: &str) -> DiffusionModel {
    DiffusionModel::load(Path::new(&format!("{DIR}/{name}")), &device()).unwrap()
}

#[test]
fn unet_forward_matches_diffusers() {
    let r = Reference::load();
    for name in ["plain", "adm", "flip"] {
        let m = load(&format!("unet_{name}"));
        for (t, out) in [("t", "out"), ("t_frac", "out_frac")] {
            let y = m.unet.forward(r.t4(&format!("{name}.x")), r.t1(&format!("{name}.{t}")));
            let d = max_abs(&host(y), r.values(&format!("{name}.{out}")));
            println!("{name} {t}: max |burn − diffusers| = {d:.2e}");
            assert!(d <= 1e-4, "{name} {t}: {d}");
        }
    }
}

#[test]
fn converted_adm_matches_guided_diffusion_and_the_python_conversion() {
    let r = Reference::load();
    // The same state dict as safetensors (the .pt read back and rewritten), the other input format.
    let dir = tempfile::tempdir().unwrap();
    let st = dir.path().join("model.safetensors");
    let tensors = read_checkpoint(Path::new(&format!("{DIR}/adm/model.pt"))).unwrap();
    assert_eq!(tensors.len(), 144);
    let buffers: Vec<(String, Vec<u8>, Vec<usize>)> = tensors
        .into_iter()
        .map(|(n, t)| (n, t.values.iter().flat_map(|v| v.to_le_bytes()).collect(), t.shape))
        .collect();
    let views: Vec<(String, safetensors::tensor::TensorView)> = buffers
        .iter()
        .map(|(n, b, s)| {
            (
                n.clone(),
                safetensors::tensor::TensorView::new(Dtype::F32, s.clone(), b).unwrap(),
            )
        })
        .collect();
    std::fs::write(&st, safetensors::serialize(views, None).unwrap()).unwrap();
    for source in [format!("{DIR}/adm/model.pt"), st.display().to_string()] {
        let out = dir.path().join(format!("adm-{}", source.len()));
        let c = convert_adm_file(Path::new(&source), &out, Heads::Channels(8), 32).unwrap();
        assert_eq!(c.block_out_channels, vec![32, 64]);
        assert_eq!(
            (c.num_res_blocks, c.resblock_updown, c.scale_shift, c.out_channels),
            (1, true, true, 6)
        );
        assert_eq!(c.attention_levels, vec![1]);
        let m = DiffusionModel::load(&out, &device()).unwrap();
        let y = m.unet.forward(r.t4("guided.x"), r.t1("guided.t"));
        let d = max_abs(&host(y), r.values("guided.out"));
        println!("{source}: converted ADM vs guided-diffusion max abs {d:.2e}");
        assert!(d <= 1e-4, "{source}: {d}");
        // Tensor by tensor equal to the generator's (checked) Python conversion.
        let ours = std::fs::read(out.join("diffusion_pytorch_model.safetensors")).unwrap();
        let theirs = std::fs::read(format!("{DIR}/adm_diffusers/diffusion_pytorch_model.safetensors")).unwrap();
        let (ours, theirs) = (
            SafeTensors::deserialize(&ours).unwrap(),
            SafeTensors::deserialize(&theirs).unwrap(),
        );
        let mut names: Vec<String> = theirs.names().into_iter().map(String::from).collect();
        names.sort();
        let mut mine: Vec<String> = ours.names().into_iter().map(String::from).collect();
        mine.sort();
        assert_eq!(mine, names);
        for n in &names {
            let (a, b) = (ours.tensor(n).unwrap(), theirs.tensor(n).unwrap());
            assert_eq!(a.shape(), b.shape(), "{n}");
            assert_eq!(a.data(), b.data(), "{n}");
        }
    }
}

#[test]
fn conversion_errors_name_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    // A diffusers file is not an ADM checkpoint.
    let e = convert_adm_file(
        Path::new(&format!("{DIR}/unet_adm/diffusion_pytorch_model.safetensors")),
        &dir.path().join("x"),
        Heads::Channels(8),
        32,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("not a guided-diffusion (ADM) UNet"), "{e}");
    // A head size that does not divide the attention width.
    let e = convert_adm_file(
        Path::new(&format!("{DIR}/adm/model.pt")),
        &dir.path().join("y"),
        Heads::Channels(48),
        32,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("num_head_channels") && e.contains("64"), "{e}");
    assert!(!dir.path().join("y").exists());
    // An existing output folder is never overwritten.
    std::fs::create_dir(dir.path().join("z")).unwrap();
    let e = convert_adm_file(
        Path::new(&format!("{DIR}/adm/model.pt")),
        &dir.path().join("z"),
        Heads::Channels(8),
        32,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("already exists"), "{e}");
}

#[test]
fn a_checkpoint_that_does_not_fit_its_config_lists_every_problem() {
    let dir = tempfile::tempdir().unwrap();
    let src = Path::new(DIR).join("unet_adm");
    let config = std::fs::read_to_string(src.join("config.json")).unwrap();
    std::fs::write(
        dir.path().join("config.json"),
        config.replace("\"layers_per_block\": 1", "\"layers_per_block\": 2"),
    )
    .unwrap();
    std::fs::copy(
        src.join("diffusion_pytorch_model.safetensors"),
        dir.path().join("diffusion_pytorch_model.safetensors"),
    )
    .unwrap();
    let e = DiffusionModel::load(dir.path(), &device()).unwrap_err();
    let GenerateError::Weights { report, .. } = &e else {
        panic!("{e}")
    };
    assert!(
        report.contains("missing") && report.contains("down_blocks.0.resnets.1.conv1.weight"),
        "{report}"
    );
    assert!(report.contains("shape mismatch"), "{report}");
    // Wrong folder and unsupported blocks.
    let e = DiffusionModel::load(Path::new("tests/data/clip/tiny"), &device())
        .unwrap_err()
        .to_string();
    assert!(e.contains("diffusion_pytorch_model.safetensors"), "{e}");
    std::fs::write(
        dir.path().join("config.json"),
        config.replace("\"AttnDownBlock2D\"", "\"CrossAttnDownBlock2D\""),
    )
    .unwrap();
    let e = DiffusionModel::load(dir.path(), &device()).unwrap_err().to_string();
    assert!(
        e.contains("CrossAttnDownBlock2D is not supported") || e.contains("`CrossAttnDownBlock2D` is not supported"),
        "{e}"
    );
    assert!(e.contains("config.json"), "{e}");
}

#[test]
fn an_image_size_the_unet_cannot_take_is_an_error() {
    let m = load("unet_adm");
    let e = m.config.check_image_size(17).unwrap_err().to_string();
    assert!(e.contains("multiple of 2"), "{e}");
    assert!(m.config.check_image_size(48).is_ok());
}

#[test]
fn schedules_and_respacing_equal_guided_diffusion() {
    let r = Reference::load();
    for (name, schedule) in [("linear", BetaSchedule::Linear), ("cosine", BetaSchedule::Cosine)] {
        let ours: Vec<f32> = schedule.betas(1000).iter().map(|&b| b as f32).collect();
        assert!(max_abs(&ours, r.values(&format!("betas.{name}"))) <= 1e-9, "{name}");
        for spacing in ["10", "ddim10"] {
            let s = Schedule::new(schedule, 1000, spacing).unwrap();
            let b: Vec<f32> = s.betas.iter().map(|&b| b as f32).collect();
            let d = max_rel(&b, r.values(&format!("spaced.{name}.{spacing}.betas")));
            assert!(d <= 1e-6, "{name} {spacing}: {d}");
        }
    }
    for (spec, key) in [
        ("800", "800"),
        ("ddim50", "ddim50"),
        ("10", "10"),
        ("ddim10", "ddim10"),
        ("25,15", "25_15"),
        ("250", "250"),
    ] {
        let ours: Vec<f32> = respace(1000, spec).unwrap().iter().map(|&t| t as f32).collect();
        assert_eq!(ours, r.values(&format!("respace.{key}")), "{spec}");
    }
}

#[test]
fn each_sampler_step_matches_guided_diffusion() {
    let r = Reference::load();
    let (model_out, x, noise) = (r.t4("step.model_out"), r.t4("step.x"), r.t4("step.noise"));
    let mut worst = 0f32;
    for (name, schedule) in [("linear", BetaSchedule::Linear), ("cosine", BetaSchedule::Cosine)] {
        let ddpm = Schedule::new(schedule, 1000, "10").unwrap();
        let ddim = Schedule::new(schedule, 1000, "ddim10").unwrap();
        for i in [9usize, 5, 1, 0] {
            let key = |kind: &str, what: &str| format!("step.{name}.{kind}.{i}.{what}");
            let p = predict(&ddpm, i, x.clone(), model_out.clone(), Variance::LearnedRange, true).unwrap();
            let s = ddpm_step(&p, i, noise.clone(), None);
            for (got, what) in [
                (host(s.sample), "sample"),
                (host(p.mean.clone()), "mean"),
                (host(p.log_variance.clone()), "log_variance"),
                (host(p.pred_xstart.clone()), "pred_xstart"),
            ] {
                let d = max_abs(&got, r.values(&key("ddpm_learned", what)));
                worst = worst.max(d);
                assert!(d <= 1e-5, "{name} learned {i} {what}: {d}");
            }
            let three = model_out.clone().narrow(1, 0, 3);
            let p = predict(&ddpm, i, x.clone(), three, Variance::FixedSmall, true).unwrap();
            let s = ddpm_step(&p, i, noise.clone(), None);
            for (got, what) in [
                (host(s.sample), "sample"),
                (host(p.mean.clone()), "mean"),
                (host(p.log_variance.clone()), "log_variance"),
            ] {
                let d = max_abs(&got, r.values(&key("ddpm_fixed_small", what)));
                worst = worst.max(d);
                assert!(d <= 1e-5, "{name} fixed_small {i} {what}: {d}");
            }
            for (eta, kind) in [(0.0, "ddim_eta0"), (0.5, "ddim_eta05")] {
                let p = predict(&ddim, i, x.clone(), model_out.clone(), Variance::FixedSmall, true).unwrap();
                let s = ddim_step(&ddim, i, x.clone(), &p, eta, noise.clone(), None);
                let d = max_abs(&host(s.sample), r.values(&key(kind, "sample")));
                worst = worst.max(d);
                assert!(d <= 1e-5, "{name} {kind} {i}: {d}");
            }
        }
    }
    println!("sampler steps: worst max abs difference {worst:.2e}");
    let s = Schedule::new(BetaSchedule::Linear, 1000, "10").unwrap();
    for i in [9usize, 3] {
        let q = q_sample(&s, i, r.t4("q_sample.x0"), r.t4("q_sample.noise"));
        assert!(max_abs(&host(q), r.values(&format!("q_sample.linear.{i}"))) <= 1e-6);
    }
}

#[test]
fn losses_match_the_authors_functions() {
    let r = Reference::load();
    let x = r.t4("loss_fn.x");
    assert!(max_abs(&host(tv_loss(x.clone())), r.values("loss_fn.tv")) <= 1e-6);
    assert!(max_abs(&host(range_loss(x.clone())), r.values("loss_fn.range")) <= 1e-6);
    for (f, key) in [
        (tv_loss as fn(Tensor<4>) -> Tensor<1>, "loss_fn.tv_grad"),
        (range_loss, "loss_fn.range_grad"),
    ] {
        let leaf = x.clone().autodiff().require_grad();
        let g = leaf.grad(&f(leaf.clone()).sum().backward()).unwrap();
        assert!(max_rel(&host(g), r.values(key)) <= 1e-5, "{key}");
    }
    let (a, b) = (r.values("loss_fn.sph_a"), r.values("loss_fn.sph_b"));
    let expected = r.values("loss_fn.spherical");
    for j in 0..3 {
        let xa = Tensor::<2>::from_data(TensorData::new(a.to_vec(), [5, 32]), &device());
        let yb = Tensor::<2>::from_data(TensorData::new(b[j * 32..(j + 1) * 32].to_vec(), [1, 32]), &device());
        let got = host(spherical_distance(xa, yb));
        let want: Vec<f32> = (0..5).map(|i| expected[i * 3 + j]).collect();
        assert!(max_abs(&got, &want) <= 1e-5, "{got:?} vs {want:?}");
    }
}

fn given_boxes(r: &Reference) -> Vec<Cutout> {
    r.values("guide.boxes")
        .chunks(3)
        .map(|b| Cutout {
            size: b[0] as usize,
            x: b[1] as usize,
            y: b[2] as usize,
        })
        .collect()
}

fn guide_clip() -> Clip {
    Clip::load(Path::new("tests/data/clip/tiny"), &device()).unwrap()
}

fn guidance(clip: f64, tv: f64, range: f64) -> GuidanceConfig {
    GuidanceConfig {
        clip_guidance_scale: clip,
        tv_scale: tv,
        range_scale: range,
        cutn: 4,
        cutn_batches: 2,
        cut_pow: 1.0,
    }
}

fn converted_adm(dir: &Path) -> DiffusionModel {
    let out = dir.join("adm");
    convert_adm_file(Path::new(&format!("{DIR}/adm/model.pt")), &out, Heads::Channels(8), 32).unwrap();
    DiffusionModel::load(&out, &device()).unwrap()
}

#[test]
fn guidance_gradient_matches_the_authors_cond_fn() {
    let r = Reference::load();
    let dir = tempfile::tempdir().unwrap();
    let m = converted_adm(dir.path());
    let clip = guide_clip();
    let s = Schedule::new(BetaSchedule::Linear, 1000, "10").unwrap();
    let i = r.values("guide.index")[0] as usize;
    let boxes = given_boxes(&r);
    let target = Tensor::<2>::from_data(TensorData::new(r.values("guide.target").to_vec(), [1, 32]), &device());
    for ((c, tv, range), key) in [
        ((1000.0, 150.0, 50.0), "guide.grad"),
        ((1000.0, 0.0, 0.0), "guide.grad_clip"),
        ((0.0, 150.0, 0.0), "guide.grad_tv"),
        ((0.0, 0.0, 50.0), "guide.grad_range"),
    ] {
        let guide = Guide {
            clip: &clip.model,
            clip_size: 32,
            target: target.clone(),
            config: guidance(c, tv, range),
        };
        let sampler = Sampler::Ddpm(Variance::LearnedRange);
        let (p, grad, losses) =
            guided_prediction(&m.unet, &s, i, r.t4("guide.x"), sampler, true, &guide, &boxes).unwrap();
        let got = host(grad);
        let want = r.values(key);
        let scale = want.iter().map(|v| v.abs()).fold(0.0, f32::max);
        let d = if scale == 0.0 {
            max_abs(&got, want)
        } else {
            max_rel(&got, want)
        };
        println!("{key}: max relative difference {d:.2e} (max |grad| {scale:.3e})");
        assert!(d <= 1e-4, "{key}: {d}");
        if key == "guide.grad" {
            let d = max_rel(&host(p.pred_xstart.clone()), r.values("guide.pred_xstart"));
            println!("guide.pred_xstart: max relative difference {d:.2e}");
            assert!(d <= 1e-4, "{d}");
            let lc = r.values("guide.loss_clip")[0] as f64;
            assert!(
                (losses.clip - lc).abs() <= 1e-4 * lc.abs().max(1.0),
                "{} vs {lc}",
                losses.clip
            );
            let lt = r.values("guide.loss_tv")[0] as f64;
            assert!(
                (losses.tv - lt).abs() <= 1e-4 * lt.abs().max(1.0),
                "{} vs {lt}",
                losses.tv
            );
            // The step with the gradient applied to the mean, as p_sample + condition_mean.
            let step = ddpm_step(
                &p,
                i,
                r.t4("guide.noise"),
                Some(Tensor::from_data(
                    TensorData::new(got.clone(), [1, 3, 48, 48]),
                    &device(),
                )),
            );
            assert!(max_rel(&host(step.sample), r.values("guide.ddpm_step")) <= 1e-4);
        }
    }
    // DDIM applies it through the score (condition_score).
    let ddim = Schedule::new(BetaSchedule::Linear, 1000, "ddim10").unwrap();
    let guide = Guide {
        clip: &clip.model,
        clip_size: 32,
        target,
        config: guidance(1000.0, 150.0, 50.0),
    };
    let sampler = Sampler::Ddim { eta: 0.0 };
    let (p, grad, _) = guided_prediction(&m.unet, &ddim, i, r.t4("guide.x"), sampler, true, &guide, &boxes).unwrap();
    assert!(max_rel(&host(grad.clone()), r.values("guide.ddim_grad")) <= 1e-4);
    let step = ddim_step(&ddim, i, r.t4("guide.x"), &p, 0.0, r.t4("guide.noise"), Some(grad));
    let d = max_rel(&host(step.sample), r.values("guide.ddim_step"));
    println!("guided DDIM step: max relative difference {d:.2e}");
    assert!(d <= 1e-4);
}

#[test]
fn guidance_gradient_agrees_with_finite_differences() {
    // d/dε loss(x + ε v) by central differences against ⟨∇loss, v⟩ for a dense direction v.
    let r = Reference::load();
    let dir = tempfile::tempdir().unwrap();
    let m = converted_adm(dir.path());
    let clip = guide_clip();
    let s = Schedule::new(BetaSchedule::Linear, 1000, "10").unwrap();
    let boxes = given_boxes(&r);
    let target = Tensor::<2>::from_data(TensorData::new(r.values("guide.target").to_vec(), [1, 32]), &device());
    let guide = Guide {
        clip: &clip.model,
        clip_size: 32,
        target,
        config: guidance(1000.0, 150.0, 0.0),
    };
    let x = r.values("guide.x").to_vec();
    let v: Vec<f32> = (0..x.len()).map(|k| (((k * 7919) % 13) as f32 - 6.0) / 6.0).collect();
    let sampler = Sampler::Ddpm(Variance::LearnedRange);
    let t = |vals: Vec<f32>| Tensor::<4>::from_data(TensorData::new(vals, [1, 3, 48, 48]), &device());
    let (_, grad, _) = guided_prediction(&m.unet, &s, 7, t(x.clone()), sampler, false, &guide, &boxes).unwrap();
    let analytic: f64 = -host(grad)
        .iter()
        .zip(&v)
        .map(|(g, d)| (*g as f64) * (*d as f64))
        .sum::<f64>();
    let loss_at = |eps: f32| {
        let shifted: Vec<f32> = x.iter().zip(&v).map(|(a, d)| a + eps * d).collect();
        let (_, _, l) = guided_prediction(&m.unet, &s, 7, t(shifted), sampler, false, &guide, &boxes).unwrap();
        l.clip + l.tv
    };
    let eps = 1e-3f32;
    let numeric = (loss_at(eps) - loss_at(-eps)) / (2.0 * eps as f64);
    let rel = (analytic - numeric).abs() / numeric.abs().max(1e-9);
    println!("directional derivative: autodiff {analytic:.6e}, central difference {numeric:.6e}, relative {rel:.2e}");
    assert!(rel < 2e-2, "{rel}");
}

#[test]
fn trajectories_with_fixed_noise_match_guided_diffusion() {
    let r = Reference::load();
    let dir = tempfile::tempdir().unwrap();
    let m = converted_adm(dir.path());
    // The initial noise (also q_sample's noise with an init image), then one per step in order.
    let noises = || -> Vec<Vec<f32>> {
        let mut list = vec![r.values("traj.init_noise").to_vec()];
        let all = r.values("traj.noises");
        list.extend(all.chunks(all.len() / 10).map(<[f32]>::to_vec));
        list
    };
    for (sampler, spacing, key, skip) in [
        (Sampler::Ddpm(Variance::LearnedRange), "10", "traj.ddpm10.final", 0),
        (Sampler::Ddim { eta: 0.0 }, "ddim10", "traj.ddim10.final", 0),
        (
            Sampler::Ddpm(Variance::LearnedRange),
            "10",
            "traj.skip.ddpm10_skip3.final",
            3,
        ),
    ] {
        let s = Schedule::new(BetaSchedule::Linear, 1000, spacing).unwrap();
        let config = SampleConfig {
            sampler,
            image_size: 32,
            batch: 1,
            skip_timesteps: skip,
            clip_denoised: true,
            save_every: 1,
        };
        let init = (skip > 0).then(|| r.t4("traj.skip.init_image"));
        let mut noise = ReplayNoise::new(noises());
        let out = sample(
            &m.unet,
            &s,
            &config,
            None,
            init,
            &mut noise,
            &mut Cutouts::Given(vec![]),
            &mut Quiet,
            &device(),
        )
        .unwrap();
        let d = max_rel(&out.images, r.values(key));
        println!("{key}: max relative difference {d:.2e}");
        assert!(d <= 1e-3, "{key}: {d}");
        assert_eq!(out.frames.len(), 10 - skip);
    }
}

#[test]
fn the_same_seed_gives_the_same_image() {
    let m = load("unet_adm");
    let s = Schedule::new(BetaSchedule::Linear, 1000, "5").unwrap();
    let config = SampleConfig {
        sampler: Sampler::Ddpm(Variance::LearnedRange),
        image_size: 16,
        batch: 1,
        skip_timesteps: 0,
        clip_denoised: true,
        save_every: 0,
    };
    let run = |seed: u64| {
        let mut noise = brainclip::generate::SeededNoise::new(seed);
        sample(
            &m.unet,
            &s,
            &config,
            None,
            None,
            &mut noise,
            &mut Cutouts::Given(vec![]),
            &mut Quiet,
            &device(),
        )
        .unwrap()
        .images
    };
    assert_eq!(run(3), run(3));
    assert_ne!(run(3), run(4));
}

/// Mean spherical distance of the final image's CLIP embedding (over fixed cutouts) to the target.
fn final_distance(m: &DiffusionModel, clip: &Clip, scale: f64, target: &Tensor<2>) -> f64 {
    let s = Schedule::new(BetaSchedule::Linear, 1000, "8").unwrap();
    let config = SampleConfig {
        sampler: Sampler::Ddpm(Variance::LearnedRange),
        image_size: 32,
        batch: 1,
        skip_timesteps: 0,
        clip_denoised: true,
        save_every: 0,
    };
    let guide = Guide {
        clip: &clip.model,
        clip_size: 32,
        target: target.clone(),
        config: GuidanceConfig {
            clip_guidance_scale: scale,
            tv_scale: 0.0,
            range_scale: 0.0,
            cutn: 4,
            cutn_batches: 1,
            cut_pow: 1.0,
        },
    };
    let mut noise = brainclip::generate::SeededNoise::new(11);
    let mut cutouts = Cutouts::Random(Box::new(brainclip::generate::CutoutDraw::new(5)));
    let out = sample(
        &m.unet,
        &s,
        &config,
        (scale > 0.0).then_some(&guide),
        None,
        &mut noise,
        &mut cutouts,
        &mut Quiet,
        &device(),
    )
    .unwrap();
    let img = Tensor::<4>::from_data(TensorData::new(out.images, [1, 3, 32, 32]), &device());
    let pixels = brainclip::generate::guidance::clip_normalize((img + 1.0) / 2.0);
    let e = clip.model.encode_images(pixels).unwrap();
    host(spherical_distance(e, target.clone()))[0] as f64
}

#[test]
fn guidance_pulls_the_image_toward_the_target_and_more_at_a_larger_scale() {
    let dir = tempfile::tempdir().unwrap();
    let m = converted_adm(dir.path());
    let clip = guide_clip();
    let target = Tensor::<2>::from_data(
        TensorData::new(
            (0..32).map(|i| ((i * 5 % 7) as f32 - 3.0) / 3.0).collect::<Vec<f32>>(),
            [1, 32],
        ),
        &device(),
    );
    let none = final_distance(&m, &clip, 0.0, &target);
    let some = final_distance(&m, &clip, 1000.0, &target);
    let more = final_distance(&m, &clip, 20000.0, &target);
    println!("spherical distance to the target: unguided {none:.4}, scale 1000 {some:.4}, scale 20000 {more:.4}");
    assert!(some < none, "{some} vs {none}");
    assert!(more < some, "{more} vs {some}");
}

#[test]
fn tv_and_range_terms_do_what_they_say() {
    let dir = tempfile::tempdir().unwrap();
    let m = converted_adm(dir.path());
    let clip = guide_clip();
    let s = Schedule::new(BetaSchedule::Linear, 1000, "10").unwrap();
    let x = Tensor::<4>::random([1, 3, 32, 32], burn::tensor::Distribution::Normal(0.0, 1.5), &device());
    let target = Tensor::<2>::zeros([1, 32], &device()) + 0.1;
    let boxes = vec![Cutout { size: 32, x: 0, y: 0 }];
    let eval = |tv: f64, range: f64, clip_denoised: bool, x: Tensor<4>| {
        let guide = Guide {
            clip: &clip.model,
            clip_size: 32,
            target: target.clone(),
            config: GuidanceConfig {
                clip_guidance_scale: 0.0,
                tv_scale: tv,
                range_scale: range,
                cutn: 1,
                cutn_batches: 1,
                cut_pow: 1.0,
            },
        };
        guided_prediction(
            &m.unet,
            &s,
            9,
            x,
            Sampler::Ddpm(Variance::LearnedRange),
            clip_denoised,
            &guide,
            &boxes,
        )
        .unwrap()
    };
    // A small step along the TV gradient lowers the TV loss; along the range gradient (unclipped
    // x₀), the range loss.
    for (tv, range) in [(150.0, 0.0), (0.0, 50.0)] {
        let (_, grad, before) = eval(tv, range, false, x.clone());
        let norm = host(grad.clone()).iter().map(|g| g * g).sum::<f32>().sqrt();
        assert!(norm > 0.0);
        let stepped = x.clone() + grad * (0.01 / norm);
        let (_, _, after) = eval(tv, range, false, stepped);
        let (b, a) = if tv > 0.0 {
            (before.tv, after.tv)
        } else {
            (before.range, after.range)
        };
        println!("tv {tv} range {range}: loss {b:.6} → {a:.6}");
        assert!(a < b, "{a} vs {b}");
    }
    // With clip_denoised (the authors' setting) the predicted x₀ is already in range: no range term.
    let (_, grad, l) = eval(0.0, 50.0, true, x);
    assert_eq!(l.range, 0.0);
    assert!(host(grad).iter().all(|g| *g == 0.0));
}

#[test]
fn a_model_with_an_unsupported_block_reports_its_config() {
    let text = std::fs::read_to_string(format!("{DIR}/unet_plain/config.json")).unwrap();
    let e = UNetConfig::from_json(
        &text.replace("\"UpBlock2D\"", "\"KUpBlock2D\""),
        "unet_plain/config.json",
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("unet_plain/config.json") && e.contains("KUpBlock2D"), "{e}");
}

#[test]
fn every_backend_reproduces_the_reference_forward_and_guidance_gradient() {
    // The pure-Rust ndarray backend and, in a tch build, libtorch's CPU device (CUDA runs the same
    // code: benches/gpu/generation.sh checks the full-size model there).
    let mut devices = vec!["cpu:ndarray"];
    if cfg!(feature = "tch") {
        devices.push("cpu:libtorch");
    }
    let r = Reference::load();
    let src = tempfile::tempdir().unwrap();
    let out = src.path().join("adm");
    convert_adm_file(Path::new(&format!("{DIR}/adm/model.pt")), &out, Heads::Channels(8), 32).unwrap();
    for spec in devices {
        let device = brainclip::device::resolve(spec).unwrap().device;
        let m = DiffusionModel::load(&out, &device).unwrap();
        let t = Tensor::<1>::from_data(TensorData::new(r.values("guided.t").to_vec(), [2]), &device);
        let d = max_abs(
            &host(m.unet.forward(r.t4_on("guided.x", &device), t)),
            r.values("guided.out"),
        );
        assert!(d <= 1e-4, "{spec} forward: {d}");
        let clip = Clip::load(Path::new("tests/data/clip/tiny"), &device).unwrap();
        let target = Tensor::<2>::from_data(TensorData::new(r.values("guide.target").to_vec(), [1, 32]), &device);
        let guide = Guide {
            clip: &clip.model,
            clip_size: 32,
            target,
            config: guidance(1000.0, 150.0, 50.0),
        };
        let s = Schedule::new(BetaSchedule::Linear, 1000, "10").unwrap();
        let i = r.values("guide.index")[0] as usize;
        let sampler = Sampler::Ddpm(Variance::LearnedRange);
        let (_, grad, _) = guided_prediction(
            &m.unet,
            &s,
            i,
            r.t4_on("guide.x", &device),
            sampler,
            true,
            &guide,
            &given_boxes(&r),
        )
        .unwrap();
        let grad = host(grad);
        // Element-wise, a few pixels whose predicted x₀ sits on the clamp at ±1 in one backend and
        // just inside it in another differ most; the bound is on the whole gradient.
        let (g, worst) = (
            rel_l2(&grad, r.values("guide.grad")),
            max_rel(&grad, r.values("guide.grad")),
        );
        println!(
            "{spec}: forward max abs {d:.2e}, guidance gradient relative L2 {g:.2e} (element-wise max {worst:.2e})"
        );
        // burn's ndarray backend differentiates GELU (the tiny CLIP's vision activation) with an
        // approximate erf: its GELU' is off by up to 8.7e-4 (flex and libtorch: 2.4e-7), which
        // moves the CLIP term of the gradient by 2e-4. Our code is the same on every backend.
        let bound = if spec == "cpu:ndarray" { 1e-3 } else { 1e-4 };
        assert!(g <= bound, "{spec} gradient: {g}");
        assert!(
            f64::from(worst) <= 10.0 * bound,
            "{spec} gradient, worst element: {worst}"
        );
    }
}
