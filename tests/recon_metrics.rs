//! The reconstruction metrics against independent references: scikit-image's
//! `structural_similarity`, numpy's `corrcoef` after torchvision's `Resize`, MindEye2's
//! `two_way_identification` and scipy's correlation distance, computed by
//! `tests/data/recon/generate.py` on the same 8-bit PNGs and float32 features (see
//! `tests/data/recon/README.md`).

use std::path::{Path, PathBuf};

use brainclip::eval::recon::{
    FeatureSet, Image, ReconSettings, Resize, SsimSettings, correlation_distance, pixcorr, recon_metrics,
    resize_bilinear, ssim, two_way_identification,
};
use ndarray::{Array2, Array3, s};
use serde_json::Value;

/// SSIM against scikit-image.
const SSIM_TOLERANCE: f64 = 1e-6;
/// PixCorr against numpy after torchvision's resize (both float64).
const PIXCORR_TOLERANCE: f64 = 1e-9;
/// Resized pixels against torchvision on float64 tensors.
const RESIZE_TOLERANCE: f64 = 1e-12;
/// Correlation distances against scipy.
const DISTANCE_TOLERANCE: f64 = 1e-12;

fn data(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(relative)
}

fn reference() -> Value {
    let text = std::fs::read_to_string(data("recon/reference.json")).expect("tests/data/recon/reference.json");
    serde_json::from_str(&text).expect("reference.json is JSON")
}

fn image(relative: &str) -> Image {
    let decoded = image::open(data(relative)).unwrap_or_else(|e| panic!("{relative}: {e}"));
    Image::from_rgb8(&decoded.to_rgb8())
}

fn images(list: &Value) -> Vec<Image> {
    list.as_array()
        .expect("a list of image paths")
        .iter()
        .map(|p| image(p.as_str().expect("a path")))
        .collect()
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("a list of numbers")
        .iter()
        .map(|x| x.as_f64().expect("a number"))
        .collect()
}

/// "none" → no resize; "32_aa" → 32 × 32 antialiased; "425_noaa" → 425 × 425 plain bilinear.
fn resize_of(key: &str) -> Option<Resize> {
    let (size, mode) = key.split_once('_')?;
    Some(Resize {
        size: size.parse().expect("a size"),
        antialias: mode == "aa",
    })
}

fn max_abs_diff(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max)
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

/// One set of pairs ("small", "mixed") with one resize and the reference's per-pair values.
struct Case {
    name: String,
    real: Vec<Image>,
    generated: Vec<Image>,
    resize: Option<Resize>,
    expected: Vec<f64>,
}

/// Every set and resize of `metric` in reference.json.
fn cases(metric: &str) -> Vec<Case> {
    let reference = reference();
    let mut out = Vec::new();
    for set in ["small", "mixed"] {
        let entry = &reference[set];
        let (real, generated) = (images(&entry["real"]), images(&entry["generated"]));
        let table = entry[metric].as_object().expect("per-resize values");
        for (key, values) in table {
            out.push(Case {
                name: format!("{set}/{key}"),
                real: real.clone(),
                generated: generated.clone(),
                resize: resize_of(key),
                expected: floats(values),
            });
        }
    }
    out
}

#[test]
fn pixcorr_matches_numpy_after_torchvision_resize() {
    let mut worst = 0.0f64;
    let cases = cases("pixcorr");
    assert_eq!(cases.len(), 9);
    for Case {
        name,
        real,
        generated,
        resize,
        expected,
    } in cases
    {
        let got = pixcorr(&real, &generated, resize).unwrap();
        let diff = max_abs_diff(&got.per_pair, &expected);
        println!("PixCorr {name}: max |Δ| = {diff:.2e}");
        assert!(diff <= PIXCORR_TOLERANCE, "{name}: {:?} vs {expected:?}", got.per_pair);
        assert!((got.mean - mean(&expected)).abs() <= PIXCORR_TOLERANCE, "{name}");
        assert_eq!(got.constant_pairs, 0);
        worst = worst.max(diff);
    }
    println!("PixCorr: max |Δ| over all cases = {worst:.2e}");
}

#[test]
fn ssim_matches_scikit_image_with_and_without_resize() {
    let mut worst = 0.0f64;
    let cases = cases("ssim");
    assert!(cases.iter().any(|c| c.resize.is_none()) && cases.iter().any(|c| c.resize == Some(Resize::default())));
    for Case {
        name,
        real,
        generated,
        resize,
        expected,
    } in cases
    {
        let got = ssim(&real, &generated, resize, &SsimSettings::default()).unwrap();
        let diff = max_abs_diff(&got.per_pair, &expected);
        println!("SSIM {name}: max |Δ| = {diff:.2e}");
        assert!(diff <= SSIM_TOLERANCE, "{name}: {:?} vs {expected:?}", got.per_pair);
        assert!((got.mean - mean(&expected)).abs() <= SSIM_TOLERANCE, "{name}");
        worst = worst.max(diff);
    }
    println!("SSIM: max |Δ| over all cases = {worst:.2e}");
}

#[test]
fn resize_matches_torchvision() {
    let reference = reference();
    for case in reference["resize"].as_array().expect("resize cases") {
        let src = image(case["image"].as_str().expect("a path"));
        let (h, w) = (
            case["height"].as_u64().expect("height") as usize,
            case["width"].as_u64().expect("width") as usize,
        );
        let antialias = case["antialias"].as_bool().expect("antialias");
        let expected: Array3<f64> =
            ndarray_npy::read_npy(data(case["expected"].as_str().expect("a path"))).expect("an f64 H × W × 3 array");
        let input = src.view().mapv(f64::from);
        let got = resize_bilinear(input.view(), h, w, antialias);
        assert_eq!(got.dim(), expected.dim());
        let diff = (&got - &expected).iter().fold(0.0f64, |m, d| m.max(d.abs()));
        println!(
            "resize {} → {h} × {w} (antialias {antialias}): max |Δ| = {diff:.2e}",
            case["image"]
        );
        assert!(diff <= RESIZE_TOLERANCE, "{case}: {diff}");
    }
}

fn features(entry: &Value) -> (Array2<f32>, Array2<f32>) {
    let read = |key: &str| -> Array2<f32> {
        ndarray_npy::read_npy(data(entry[key].as_str().expect("a path"))).expect("an f32 matrix")
    };
    (read("real"), read("generated"))
}

fn counts(v: &Value) -> Vec<usize> {
    v.as_array()
        .expect("a list of counts")
        .iter()
        .map(|c| c.as_u64().expect("a count") as usize)
        .collect()
}

#[test]
fn two_way_identification_counts_match_mindeye() {
    let reference = reference();
    for name in ["random", "constant_rows"] {
        let entry = &reference["identification"][name];
        let (real, generated) = features(entry);
        let id = two_way_identification(real.view(), generated.view()).unwrap();
        assert_eq!(id.successes, counts(&entry["successes"]), "{name}");
        assert_eq!(id.comparisons, real.nrows() - 1);
        let accuracy = entry["accuracy"].as_f64().expect("accuracy");
        println!("2-way {name}: accuracy {} (reference {accuracy})", id.accuracy);
        assert!((id.accuracy - accuracy).abs() < 1e-15, "{name}");
    }
    let id = {
        let (real, generated) = features(&reference["identification"]["constant_rows"]);
        two_way_identification(real.view(), generated.view()).unwrap()
    };
    assert_eq!(id.constant_rows, 2);
}

#[test]
fn correlation_distance_matches_scipy() {
    let reference = reference();
    for name in ["random", "constant_rows"] {
        let entry = &reference["identification"][name];
        let (real, generated) = features(entry);
        let got = correlation_distance(real.view(), generated.view()).unwrap();
        let expected = entry["distance"].as_array().expect("distances");
        let mut worst = 0.0f64;
        for (i, (g, e)) in got.per_pair.iter().zip(expected).enumerate() {
            match e.as_f64() {
                Some(e) => worst = worst.max((g - e).abs()),
                // scipy's NaN for a constant row: brainclip gives distance 1
                None => assert_eq!(*g, 1.0, "{name} pair {i}"),
            }
        }
        println!("correlation distance {name}: max |Δ| = {worst:.2e}");
        assert!(worst <= DISTANCE_TOLERANCE, "{name}: {worst}");
        assert_eq!(got.constant_pairs, expected.iter().filter(|e| e.is_null()).count());
    }
}

#[test]
fn one_report_matches_the_references() {
    let reference = reference();
    let small = &reference["small"];
    let (real, generated) = (images(&small["real"]), images(&small["generated"]));
    let (fr, fg) = features(&reference["identification"]["random"]);
    let (fr5, fg5) = (fr.slice(s![..5, ..]), fg.slice(s![..5, ..]));
    let settings = ReconSettings {
        n_way: vec![3],
        repeats: 10,
        seed: 7,
        ..Default::default()
    };
    let sets = [FeatureSet {
        name: "random",
        real: fr5,
        generated: fg5,
    }];
    let report = recon_metrics(&real, &generated, &sets, &settings).unwrap();
    assert_eq!(report.pairs, 5);
    let p = report.pixcorr.as_ref().unwrap();
    assert!(max_abs_diff(&p.per_pair, &floats(&small["pixcorr"]["425_aa"])) <= PIXCORR_TOLERANCE);
    let v = report.ssim.as_ref().unwrap();
    assert!(max_abs_diff(&v.per_pair, &floats(&small["ssim"]["425_aa"])) <= SSIM_TOLERANCE);
    let f = &report.features[0];
    assert_eq!(f.two_way, two_way_identification(fr5, fg5).unwrap());
    assert_eq!((f.n_way[0].n, f.n_way[0].repeats, f.n_way[0].seed), (3, 10, 7));
    println!("{report}");

    // features only, all 50 pairs: the reference counts
    let entry = &reference["identification"]["random"];
    let sets = [FeatureSet {
        name: "random",
        real: fr.view(),
        generated: fg.view(),
    }];
    let report = recon_metrics(&[], &[], &sets, &ReconSettings::default()).unwrap();
    assert_eq!(report.features[0].two_way.successes, counts(&entry["successes"]));
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["settings"]["ssim"]["k2"], 0.03);
    assert_eq!(json["features"][0]["dim"], 128);
}

#[test]
fn fixtures_stay_small() {
    let total: u64 = std::fs::read_dir(data("recon"))
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum();
    assert!(total < 1 << 20, "tests/data/recon holds {total} bytes");
}
