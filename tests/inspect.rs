//! `brainclip inspect FILE [--json]` on every kind of file brainclip reads.

use std::io::Read;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use brainclip::data::nifti::{read_header, read_image, stats};
use serde_json::{Value, json};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name)
}

fn inspect_json(path: &Path) -> Value {
    let output = Command::cargo_bin("brainclip")
        .unwrap()
        .args(["inspect", "--json", path.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}: {}",
        path.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn inspect_text(path: &Path) -> String {
    let output = Command::cargo_bin("brainclip")
        .unwrap()
        .args(["inspect", path.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

const NIFTI_FIXTURES: [&str; 6] = [
    "anatomical.nii",
    "example4d.nii.gz",
    "example_nifti2.nii.gz",
    "functional.nii",
    "standard.nii.gz",
    "nitime_fmri1.nii.gz",
];

/// The JSON agrees with the library's reading of each file, which tests/nifti_files.rs checks
/// against nibabel; it has every field the issue lists.
#[test]
fn nifti_json_has_every_field_for_every_fixture() {
    for name in NIFTI_FIXTURES {
        let path = data(&format!("nifti/{name}"));
        let found = inspect_json(&path);
        for key in [
            "format",
            "shape",
            "datatype",
            "voxel_size",
            "affine",
            "tr",
            "scl_slope",
            "scl_inter",
            "min",
            "max",
            "mean",
        ] {
            assert!(found.get(key).is_some(), "{name}: no `{key}` in {found}");
        }
        let header = read_header(&path).unwrap();
        let values = stats(&read_image(&path).unwrap());
        assert_eq!(found["shape"], json!(header.shape), "{name}");
        assert_eq!(found["datatype"], json!(header.datatype), "{name}");
        let affine: Vec<f64> = found["affine"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|row| row.as_array().unwrap().iter().map(|v| v.as_f64().unwrap()))
            .collect();
        for (got, want) in affine.iter().zip(header.affine.iter().flatten()) {
            assert!(
                (got - want).abs() <= 1e-12 * want.abs().max(1.0),
                "{name}: affine {got} vs {want}"
            );
        }
        assert_eq!(found["tr"], json!(header.tr), "{name}");
        let close = |key: &str, want: f64| {
            let got = found[key].as_f64().unwrap();
            assert!(
                (got - want).abs() <= 1e-12 * want.abs().max(1.0),
                "{name}: {key} {got} vs {want}"
            );
        };
        close("min", values.min);
        close("max", values.max);
        close("mean", values.mean);
        assert_eq!(found["affine"].as_array().unwrap().len(), 4);
    }
}

/// Values read with nibabel 5.4.2 (`nib.load(f)`: `header['scl_slope']`, `header.get_zooms()`,
/// `img.get_fdata().min()/.max()`; see tests/data/nifti/reference_values.py).
#[test]
fn nifti_json_matches_nibabel_on_the_scaled_series() {
    let found = inspect_json(&data("nifti/functional.nii"));
    assert_eq!(found["format"], "nifti1");
    assert_eq!(found["shape"], json!([17, 21, 3, 20]));
    assert_eq!(found["datatype"], "int16");
    assert_eq!(found["tr"], json!(2.0));
    assert_eq!(found["scl_slope"], json!(0.07540696859359741));
    assert_eq!(found["scl_inter"], json!(3100.76171875));
    assert!((found["min"].as_f64().unwrap() - 629.826171875).abs() < 1e-3);
    assert!((found["max"].as_f64().unwrap() - 5571.621858656406).abs() < 1e-3);

    let nifti2 = inspect_json(&data("nifti/example_nifti2.nii.gz"));
    assert_eq!(nifti2["format"], "nifti2");
    assert_eq!(nifti2["shape"], json!([32, 20, 12, 2]));
}

#[test]
fn readable_summary_names_the_facts() {
    let text = inspect_text(&data("nifti/nitime_fmri1.nii.gz"));
    for needle in ["format", "nifti1", "shape", "[10,10,18,40]", "tr", "1.35"] {
        assert!(text.contains(needle), "`{needle}` missing from:\n{text}");
    }
}

#[test]
fn bdata_json_lists_keys_and_their_column_counts() {
    let god = inspect_json(&data("god_tiny.h5"));
    assert_eq!(god["kind"], "bdata");
    assert_eq!(god["dataset_shape"], json!([19, 45]));
    assert_eq!(god["columns_per_key"]["VoxelData"], 40);
    assert_eq!(god["columns_per_key"]["ROI_V1"], 8);
    assert_eq!(god["columns_per_key"]["Label"], 1);
    assert!(god["metadata_keys"].as_array().unwrap().contains(&json!("ROI_VC")));

    // bdpy's own example file (committed gzipped), read through the same command.
    let mut bytes = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(data("sample_vmap.h5.gz")).unwrap())
        .read_to_end(&mut bytes)
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sample_vmap.h5");
    std::fs::write(&path, bytes).unwrap();
    let sample = inspect_json(&path);
    assert_eq!(sample["dataset_shape"], json!([8, 11]));
    assert_eq!(sample["vmap_keys"], json!(["Label"]));
    let text = inspect_text(&path);
    assert!(text.contains("Label") && text.contains("description"), "{text}");
}

#[test]
fn npy_csv_and_images_give_shape_and_dtype() {
    let dir = tempfile::tempdir().unwrap();
    let npy = dir.path().join("x.npy");
    std::fs::write(
        &npy,
        brainclip::data::formats::npy::npy_bytes(&ndarray::Array2::zeros((3, 4))).unwrap(),
    )
    .unwrap();
    let found = inspect_json(&npy);
    assert_eq!(
        (found["shape"].clone(), found["dtype"].clone()),
        (json!([3, 4]), json!("<f4"))
    );

    let csv = dir.path().join("t.tsv");
    std::fs::write(&csv, "onset\tduration\ttrial_type\n0\t1\ta\n2\t1\tb\n").unwrap();
    let found = inspect_json(&csv);
    assert_eq!(found["shape"], json!([2, 3]));
    assert_eq!(found["dtype"], "mixed");

    let png = dir.path().join("i.png");
    image::RgbImage::new(5, 7).save(&png).unwrap();
    let found = inspect_json(&png);
    assert_eq!((found["width"].clone(), found["height"].clone()), (json!(5), json!(7)));
}

#[test]
fn unsupported_and_broken_files_fail_with_the_file_named() {
    let dir = tempfile::tempdir().unwrap();
    let odd = dir.path().join("notes.docx");
    std::fs::write(&odd, "x").unwrap();
    let cut = dir.path().join("cut.nii.gz");
    let whole = std::fs::read(data("nifti/example4d.nii.gz")).unwrap();
    std::fs::write(&cut, &whole[..whole.len() / 2]).unwrap();
    for (path, needle) in [(odd, "notes.docx"), (cut, "cut.nii.gz")] {
        let output = Command::cargo_bin("brainclip")
            .unwrap()
            .args(["inspect", "--json", path.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(!output.status.success());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(needle), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}
