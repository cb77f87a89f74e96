//! The modified-ResNet image tower (CLIP RN50/RN101 style) against open-clip-torch: a tiny random
//! OpenCLIP model recorded by `tests/data/clip/generate_resnet.py` (see tests/data/clip/README.md).

mod common;
use common::{Reference, max_abs_diff};

use std::path::Path;

use brainclip::clip::config::VisionKind;
use brainclip::clip::{Clip, ClipError};
use brainclip::tensors::{from_tensor, l2_normalize};
use burn::tensor::{Device, FloatDType, Tensor, TensorData};

const DIR: &str = "tests/data/clip";
const FOLDER: &str = "tests/data/clip/tiny_resnet";

fn device() -> Device {
    Device::flex()
}

fn reference() -> Reference {
    Reference::load(&format!("{DIR}/reference_resnet.safetensors"))
}

fn max_abs(a: &[f32]) -> f32 {
    a.iter().fold(0.0, |m, x| m.max(x.abs()))
}

fn flat(t: Tensor<2>) -> Vec<f32> {
    from_tensor(t).iter().copied().collect()
}

fn load(device: &Device) -> Clip {
    Clip::load(Path::new(FOLDER), device).unwrap()
}

#[test]
fn tiny_resnet_matches_open_clip() {
    let (clip, r) = (load(&device()), reference());
    let VisionKind::ResNet(resnet) = &clip.config.vision.kind else {
        panic!("not a ResNet: {:?}", clip.config.vision)
    };
    assert_eq!((resnet.layers, resnet.width, resnet.heads), ([2, 1, 1, 2], 8, 4));
    assert_eq!((clip.config.vision.image_size, clip.config.projection_dim), (64, 32));

    let image = flat(
        clip.model
            .encode_images(r.pixels("pixel_values", &clip.device))
            .unwrap(),
    );
    let text = flat(clip.model.encode_text(&r.ids).unwrap());
    let (image_ref, text_ref) = (&r.get("image_embeds").1, &r.get("text_embeds").1);
    let errors = (max_abs_diff(&image, image_ref), max_abs_diff(&text, text_ref));
    println!(
        "ResNet OpenCLIP: max |burn − open_clip| image {:.2e} (features up to {:.2}), text {:.2e} (up to {:.2})",
        errors.0,
        max_abs(image_ref),
        errors.1,
        max_abs(text_ref)
    );
    assert!(errors.0 < 1e-4 && errors.1 < 1e-4, "{errors:?}");
}

#[test]
fn resnet_image_gradient_matches_torch_autograd() {
    let ad = device().autodiff();
    let (clip, r) = (load(&ad), reference());
    let (shape, values) = r.get("pixel_values");
    let dims = [shape[0], shape[1], shape[2], shape[3]];
    let direction = r.get("direction").1.clone();
    let d = direction.len();
    // loss(x) = Σ_images ⟨normalise(encode_image(x)), direction⟩, as the generator computed it.
    let x = Tensor::<4>::from_data(TensorData::new(values.clone(), dims), &ad).require_grad();
    let e = l2_normalize(clip.model.encode_images(x.clone()).unwrap());
    let dir = Tensor::<2>::from_data(TensorData::new(direction, [d, 1]), &ad);
    let value = e.matmul(dir).sum();
    let loss_err = (value.clone().into_scalar::<f32>() - r.get("loss").1[0]).abs();
    let grads = value.backward();
    let g: Vec<f32> = x.grad(&grads).unwrap().into_data().try_to_vec::<f32>().unwrap();
    // Pixel by pixel against torch's autograd.
    let torch_grad = &r.get("pixel_grad").1;
    let grad_err = max_abs_diff(&g, torch_grad);
    let scale = max_abs(torch_grad);
    println!(
        "loss differs by {loss_err:.2e}; max |burn − torch| gradient {grad_err:.2e} (gradient up to {scale:.2e}, relative {:.2e})",
        grad_err / scale
    );
    assert!(loss_err < 1e-4, "{loss_err}");
    assert!(scale > 0.0 && grad_err / scale < 1e-4, "{grad_err} of {scale}");
}

#[test]
fn resnet_directional_derivatives_match_finite_differences_in_f64() {
    // ReLU makes the tower piecewise smooth, with thousands of kinks. In f32, central
    // differences either straddle kinks (ε ≥ 1e-3: off by up to 70 % here) or drown in rounding
    // (ε ≤ 1e-4: off by a few per cent). In f64 they settle at ε ≈ 1e-7 (1e-5 and 1e-6 still
    // cross kinks, off by up to 2 %; 1e-8 agrees to 5e-7; rounding grows below), where they
    // agree with autodiff to ~1e-8. Only this test uses the ndarray device, so setting its
    // float type to f64 affects no other test.
    #[allow(deprecated)]
    let mut cpu = Device::ndarray();
    cpu.configure(FloatDType::F64).unwrap();
    let ad = cpu.autodiff();
    let (clip, r) = (load(&ad), reference());
    let (shape, values) = r.get("pixel_values");
    let dims = [shape[0], shape[1], shape[2], shape[3]];
    let values: Vec<f64> = values.iter().map(|&v| f64::from(v)).collect();
    let direction: Vec<f64> = r.get("direction").1.iter().map(|&v| f64::from(v)).collect();
    let d = direction.len();
    let loss = |x: Vec<f64>| {
        let x = Tensor::<4>::from_data(TensorData::new(x, dims), &ad);
        let e = l2_normalize(clip.model.encode_images(x).unwrap());
        let dir = Tensor::<2>::from_data(TensorData::new(direction.clone(), [d, 1]), &ad);
        e.matmul(dir).sum()
    };
    let x = Tensor::<4>::from_data(TensorData::new(values.clone(), dims), &ad).require_grad();
    let e = l2_normalize(clip.model.encode_images(x.clone()).unwrap());
    let dir = Tensor::<2>::from_data(TensorData::new(direction.clone(), [d, 1]), &ad);
    let value = e.matmul(dir).sum();
    let loss_err = (value.clone().into_scalar::<f64>() - f64::from(r.get("loss").1[0])).abs();
    let grads = value.backward();
    let g: Vec<f64> = x.grad(&grads).unwrap().try_into_vec_as::<f64>().unwrap();
    println!("f64: loss differs from torch's (f32) by {loss_err:.2e}");
    assert!(loss_err < 1e-4, "{loss_err}");
    let eps = 1e-7;
    for seed in 0..3usize {
        let v: Vec<f64> = (0..values.len())
            .map(|i| (((i * 37 + seed * 101) % 17) as f64 - 8.0) / 8.0)
            .collect();
        let analytic: f64 = g.iter().zip(&v).map(|(a, b)| a * b).sum();
        let at = |t: f64| loss(values.iter().zip(&v).map(|(x, d)| x + t * d).collect()).into_scalar::<f64>();
        let numeric = (at(eps) - at(-eps)) / (2.0 * eps);
        let rel = (analytic - numeric).abs() / analytic.abs();
        println!(
            "direction {seed}: autodiff {analytic:.9e}, central difference {numeric:.9e}, relative error {rel:.2e}"
        );
        assert!(rel < 1e-6, "direction {seed}: {analytic} vs {numeric}");
    }
}

/// A copy of the tiny ResNet checkpoint whose config has its `vision_cfg` edited.
fn edited(edit: impl FnOnce(&mut serde_json::Value)) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for f in ["open_clip_model.safetensors", "merges.txt"] {
        std::fs::copy(format!("{FOLDER}/{f}"), dir.path().join(f)).unwrap();
    }
    let text = std::fs::read_to_string(format!("{FOLDER}/open_clip_config.json")).unwrap();
    let mut json: serde_json::Value = serde_json::from_str(&text).unwrap();
    edit(&mut json["model_cfg"]["vision_cfg"]);
    std::fs::write(dir.path().join("open_clip_config.json"), json.to_string()).unwrap();
    dir
}

#[test]
fn resnet_checkpoints_that_do_not_fit_are_reported_in_full() {
    // One more block in the last stage: its tensors are missing.
    let dir = edited(|v| v["layers"] = serde_json::json!([2, 1, 1, 3]));
    let err = Clip::load(dir.path(), &device()).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, ClipError::Weights { .. }), "{text}");
    for name in ["visual.layer4.2.conv1.weight", "visual.layer4.2.bn3.running_var"] {
        assert!(text.contains("missing") && text.contains(name), "{name}: {text}");
    }
    assert!(!text.contains("unexpected"), "{text}");

    // One block fewer in the first stage: the checkpoint's second block is left over.
    let dir = edited(|v| v["layers"] = serde_json::json!([1, 1, 1, 2]));
    let text = Clip::load(dir.path(), &device()).unwrap_err().to_string();
    assert!(
        text.contains("unexpected") && text.contains("visual.layer1.1.conv2.weight"),
        "{text}"
    );
    assert!(!text.contains("missing"), "{text}");

    // Another width: every convolution is mis-shaped.
    let dir = edited(|v| v["width"] = 16.into());
    let text = Clip::load(dir.path(), &device()).unwrap_err().to_string();
    assert!(
        text.contains("shape mismatch") && text.contains("visual.conv1.weight"),
        "{text}"
    );

    // A config no ResNet can be built from is a config error, not a panic.
    let dir = edited(|v| v["layers"] = serde_json::json!([1, 1, 1]));
    let err = Clip::load(dir.path(), &device()).unwrap_err();
    assert!(matches!(err, ClipError::Config(_)), "{err}");
}

#[test]
fn resnet_rejects_images_of_the_wrong_size() {
    let clip = load(&device());
    let pixels = Tensor::<4>::zeros([1, 3, 32, 32], &clip.device);
    let err = clip.model.encode_images(pixels).unwrap_err();
    assert!(matches!(err, ClipError::Shape { .. }), "{err}");
    assert!(err.to_string().contains("64 × 64"), "{err}");
}

#[test]
fn resnet_flops_match_torch_flop_counter() {
    // torch's FlopCounterMode on OpenCLIP's tower counts the convolutions (`aten.convolution`)
    // and the attention pool's projections (`aten.addmm`, for all N tokens: q, k, v and c_proj),
    // not the attention itself on the CPU. brainclip projects only the mean token's query and
    // output (the one output kept) and counts the attention: 2·(2NC² + C² + 2NC + CP).
    let (clip, r) = (load(&device()), reference());
    let ops: std::collections::HashMap<String, f64> = serde_json::from_str(&r.metadata["flops_tiny_ops"]).unwrap();
    let v = &clip.config.vision;
    let VisionKind::ResNet(resnet) = &v.kind else {
        panic!("not a ResNet")
    };
    let (n, c, p) = (
        v.tokens() as f64,
        resnet.feature_width() as f64,
        clip.config.projection_dim as f64,
    );
    assert_eq!(ops["aten.addmm"], 2.0 * (3.0 * n * c * c + n * c * p), "{ops:?}");
    let expected = ops["aten.convolution"] + 2.0 * (2.0 * n * c * c + c * c + 2.0 * n * c + c * p);
    let ours = clip.config.image_flops();
    println!("tiny ResNet: {ours} FLOPs; torch counts {ops:?}");
    assert_eq!(ours, expected);
}
