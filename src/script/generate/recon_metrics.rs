use std::sync::Arc;

use ndarray::Array2;
use rhai::{Array, Dynamic, Map};

use crate::eval::recon::{FeatureSet, Image, ReconSettings, Resize, recon_metrics};
use crate::script::fault::{OrFault, ScriptFault, ScriptResult};
use crate::ErrorKind;
use crate::script::options::Options;
use crate::script::registry::{FnDoc, Registry};
use crate::script::values::{EmbeddingsValue, ImageValue, MatrixValue, ReconValue, legacy_cast_array};

pub const DOC: FnDoc = FnDoc {
    name: "recon_metrics",
    area: "generate",
    signatures: &[
        "recon_metrics(real: array, generated: array) -> Reconstruction",
        "recon_metrics(real: array, generated: array, options: map) -> Reconstruction",
    ],
    summary: "Reconstruction metrics of generated images against the real stimuli, as MindEye2 and Brain-Diffuser compute them.",
    details: "real and generated are arrays of Images in the same order (real[i] was seen, generated[i]
was decoded from its fMRI); either may be empty when only features are compared.
  PixCorr  both images resized to size × size (bilinear, torchvision's antialiased tensor resize),
           Pearson r of the flattened RGB values per pair, mean.
  SSIM     resized likewise, scikit-image rgb2gray (0.2125, 0.7154, 0.0721), Gaussian-weighted
           structural_similarity (σ 1.5, 11×11, K1 0.01, K2 0.03, data range 1), mean.
  features for each named pair of feature matrices (rows = images; Embeddings are joined by id,
           Matrices taken in row order): 2-way identification (for each generated image, the
           fraction of other real images less correlated with it than its own, MindEye2's
           comparison), mean correlation distance 1 − r, and seeded N-way top-1 if n_way is given.
           Features come from a loaded CLIP (clip_images) or any file a lab computed (load_npy:
           AlexNet, Inception, EfficientNet, SwAV ... whose weights brainclip cannot ship).

Options:
  size       integer | ()  common side for PixCorr and SSIM (425); () compares images as they are
  antialias  bool          antialiased resizing (true, torchvision's tensor default)
  features   map           name → [real features, generated features] (Embeddings or Matrix)
  n_way      array         N-way protocols for the features, e.g. [300] (none)
  repeats    integer       draws per N-way protocol (30)
  seed       integer       seed of the N-way draws (the run's seed)
The result prints as a table; .metrics is a map for save_metrics, .pixcorr and .ssim the means.",
    example: r#"let cat = load_image("tests/data/clip/photos/cat.png");
let tower = load_image("tests/data/clip/photos/tower.png");
let same = recon_metrics([cat, tower], [cat, tower], #{ size: 64 });
let swapped = recon_metrics([cat, tower], [tower, cat], #{ size: 64 });
let clip = clip_load("tests/data/clip/tiny");
let e = clip_images(clip, "tests/data/clip/photos");
let f = recon_metrics([], [], #{ features: #{ clip: [e, e] } });
same.pixcorr > 0.999 && same.ssim > 0.999 && swapped.pixcorr < 0.5
    && f.metrics.features[0].two_way.accuracy == 1.0 && same.pairs == 2"#,
};

const OPTIONS: &[&str] = &["size", "antialias", "features", "n_way", "repeats", "seed"];

fn images(list: Array, what: &str) -> ScriptResult<Vec<Image>> {
    let values: Vec<ImageValue> = legacy_cast_array(list, DOC.name, &format!("{what} Images (load_image, generate)"))?;
    Ok(values.iter().map(|v| Image::from_rgb8(&v.image)).collect())
}

/// A feature pair as two matrices: Embeddings joined by id (the generated side's order), or
/// Matrices in row order.
fn feature_pair(name: &str, value: Dynamic) -> ScriptResult<(Array2<f32>, Array2<f32>)> {
    let bad = || -> Box<rhai::EvalAltResult> {
        ScriptFault::new(
            ErrorKind::WrongType,
            format!("recon_metrics: features.{name} must be [real, generated], each Embeddings or a Matrix"),
        )
        .into()
    };
    let pair = value.into_array().map_err(|_| bad())?;
    if pair.len() != 2 {
        return Err(bad());
    }
    let (a, b) = (pair[0].clone(), pair[1].clone());
    if let (Some(real), Some(generated)) = (
        a.clone().try_cast::<EmbeddingsValue>(),
        b.clone().try_cast::<EmbeddingsValue>(),
    ) {
        let ids = real.0.ids();
        let rows: Vec<usize> = generated
            .0
            .ids()
            .iter()
            .map(|id| {
                ids.iter()
                    .position(|x| x == id)
                    .ok_or_else(|| -> Box<rhai::EvalAltResult> {
                        ScriptFault::new(
                            ErrorKind::Data,
                            format!("recon_metrics: features.{name}: generated id `{id}` has no real row"),
                        )
                        .with_hint("embed the real and the generated images with the same ids")
                        .into()
                    })
            })
            .collect::<ScriptResult<_>>()?;
        let real_rows = real.0.matrix().select(ndarray::Axis(0), &rows);
        return Ok((real_rows, generated.0.matrix().clone()));
    }
    match (a.try_cast::<MatrixValue>(), b.try_cast::<MatrixValue>()) {
        (Some(r), Some(g)) => Ok(((*r.0).clone(), (*g.0).clone())),
        _ => Err(bad()),
    }
}

fn run(real: Array, generated: Array, opts: Options, seed: u64) -> ScriptResult<ReconValue> {
    let name = DOC.name;
    let antialias = opts.bool("antialias", true)?;
    let resize = opts
        .optional_usize("size", Some(425))?
        .map(|size| Resize { size, antialias });
    let settings = ReconSettings {
        pixcorr_resize: resize,
        ssim_resize: resize,
        n_way: opts.usize_list("n_way", &[])?,
        repeats: opts.usize("repeats", 30)?,
        seed: opts.u64("seed", seed)?,
        ..Default::default()
    };
    let (real, generated) = (images(real, "real")?, images(generated, "generated")?);
    let mut pairs = Vec::new();
    for (key, value) in opts.map("features")? {
        let (r, g) = feature_pair(&key, value)?;
        pairs.push((key.to_string(), r, g));
    }
    let sets: Vec<FeatureSet> = pairs
        .iter()
        .map(|(n, r, g)| FeatureSet {
            name: n,
            real: r.view(),
            generated: g.view(),
        })
        .collect();
    let report = recon_metrics(&real, &generated, &sets, &settings).or_fault(name)?;
    Ok(ReconValue(Arc::new(report)))
}

pub fn register(reg: &mut Registry) {
    reg.legacy(&DOC, |engine, ctx| {
        let c = ctx.clone();
        engine.register_fn(
            DOC.name,
            move |real: Array, generated: Array| -> ScriptResult<ReconValue> {
                run(real, generated, Options::empty(DOC.name), c.seed())
            },
        );
        engine.register_fn(
            DOC.name,
            move |real: Array, generated: Array, options: Map| -> ScriptResult<ReconValue> {
                run(real, generated, Options::new(DOC.name, options, OPTIONS)?, ctx.seed())
            },
        );
    });
}
