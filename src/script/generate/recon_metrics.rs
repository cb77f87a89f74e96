use crate::script::prelude::*;

use ndarray::{Array2, Axis};

use crate::eval::recon::{FeatureSet, Image, ReconSettings, Resize, recon_metrics, rows_by_id};

pub static SPEC: FnSpec = FnSpec::new("recon_metrics", Area::Generate)
    .params(&[param("real", "array"), param("generated", "array")])
    .returns("Reconstruction")
    .summary("Reconstruction metrics of generated images against the real stimuli, as MindEye2 and Brain-Diffuser compute them.")
    .details(
        "real and generated are arrays of Images in the same order (real[i] was seen, generated[i]
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
The result prints as a table; .metrics is a map for save_metrics, .pixcorr and .ssim the means.",
    )
    .settings(schema::<ReconSettings>)
    .without(&["pixcorr_resize", "ssim_resize", "ssim"])
    .options(&[
        Opt::int("size", 425, "common side for PixCorr and SSIM; () compares images as they are")
            .min(1.0)
            .or_none()
            .for_binding(),
        Opt::bool("antialias", true, "antialiased resizing (torchvision's tensor default)").for_binding(),
        Opt::value(
            "features",
            "map",
            "name → [real features, generated features], each Embeddings or a Matrix",
        )
        .for_binding(),
    ])
    .example(
        r#"let cat = load_image("tests/data/clip/photos/cat.png");
let tower = load_image("tests/data/clip/photos/tower.png");
let same = recon_metrics([cat, tower], [cat, tower], #{ size: 64 });
let swapped = recon_metrics([cat, tower], [tower, cat], #{ size: 64 });
let clip = clip_load("tests/data/clip/tiny");
let e = clip_images(clip, "tests/data/clip/photos");
let f = recon_metrics([], [], #{ features: #{ clip: [e, e] }, n_way: [3], repeats: 5, seed: 2 });
let m = f.metrics;
same.pixcorr > 0.999 && same.ssim > 0.999 && swapped.pixcorr < 0.5 && same.pairs == 2
    && same.metrics.settings.pixcorr_resize.size == 64 && f.pairs == 4 && f.pixcorr == ()
    && m.features[0].name == "clip" && m.features[0].two_way.accuracy == 1.0
    && m.features[0].n_way[0].n == 3 && m.settings.repeats == 5 && m.settings.seed == 2"#,
    );

fn images(list: Array, what: &str) -> Result<Vec<Image>, ScriptFault> {
    let values: Vec<ImageValue> = cast_array(list, &format!("{what} Images (load_image, generate)"))?;
    Ok(values.iter().map(|v| Image::from_rgb8(&v.image)).collect())
}

/// A feature pair as two matrices: Embeddings joined by id (the generated side's order), or
/// Matrices in row order.
fn feature_pair(name: &str, value: Dynamic) -> Result<(Array2<f32>, Array2<f32>), ScriptFault> {
    let bad = || {
        ScriptFault::new(
            ErrorKind::WrongType,
            format!("features.{name} must be [real, generated], each Embeddings or a Matrix"),
        )
    };
    let pair = value.into_array().map_err(|_| bad())?;
    let [a, b] = <[Dynamic; 2]>::try_from(pair).map_err(|_| bad())?;
    if let (Some(real), Some(generated)) = (
        a.clone().try_cast::<EmbeddingsValue>(),
        b.clone().try_cast::<EmbeddingsValue>(),
    ) {
        let rows = rows_by_id(name, real.0.ids(), generated.0.ids())
            .map_err(|e| ScriptFault::from(e).with_hint("embed the real and the generated images with the same ids"))?;
        return Ok((real.0.matrix().select(Axis(0), &rows), generated.0.matrix().clone()));
    }
    match (a.try_cast::<MatrixValue>(), b.try_cast::<MatrixValue>()) {
        (Some(r), Some(g)) => Ok(((*r.0).clone(), (*g.0).clone())),
        _ => Err(bad()),
    }
}

/// A named feature set's real and generated features.
type Features = (String, Array2<f32>, Array2<f32>);

/// The `features` option: name → [real, generated].
fn features(options: &Opts) -> Result<Vec<Features>, ScriptFault> {
    let Some(map) = options.value_of::<Map>("features", "a map #{ name: [real, generated] }")? else {
        return Ok(Vec::new());
    };
    map.into_iter()
        .map(|(key, value)| {
            let (real, generated) = feature_pair(&key, value)?;
            Ok((key.to_string(), real, generated))
        })
        .collect()
}

pub fn register(reg: &mut Registry) {
    let run = reg.run();
    reg.function(&SPEC, move |real: Array, generated: Array, options: Opts| {
        let mut settings: ReconSettings = options.clone().seeded(&run).parse()?;
        let antialias = options.get("antialias")?;
        let resize = options
            .get::<Option<usize>>("size")?
            .map(|size| Resize { size, antialias });
        settings.pixcorr_resize = resize;
        settings.ssim_resize = resize;
        let (real, generated) = (images(real, "real")?, images(generated, "generated")?);
        let pairs = features(&options)?;
        let sets: Vec<FeatureSet> = pairs
            .iter()
            .map(|(name, real, generated)| FeatureSet {
                name,
                real: real.view(),
                generated: generated.view(),
            })
            .collect();
        let report = recon_metrics(&real, &generated, &sets, &settings)?;
        Ok(ReconValue(Arc::new(report)))
    });
}
