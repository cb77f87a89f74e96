//! `scripts/god_zero_shot.rhai` end to end on a small subject file in GOD's exact BData layout,
//! written here (with the pure-Rust `hdf5-pure` writer, read back by brainclip's own reader), and
//! embedding caches written with brainclip's cache format.
//!
//! The layout follows GOD's `Subject*.h5` as bdpy writes it: `/dataset` (trials × columns,
//! float64) holding the voxels then one column each for `Run`, `DataType` (1 training, 2 test,
//! 3 imagery), `Label` (GOD's float stimulus id, `1518878.010042` for `n01518878_10042`),
//! `image_index` and `stimulus_id`; `/metadata/{key,description,value}` with value = 1 on the
//! columns a key marks and NaN elsewhere, ROI flags 0/1 on the voxel columns and `voxel_x/y/z`.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use brainclip::data::embeddings::{EmbeddingKind, EmbeddingMeta, Embeddings};
use brainclip::data::synthetic::{SyntheticConfig, generate};
use ndarray::{Array2, Axis, concatenate};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

const ROIS: [&str; 10] = ["V1", "V2", "V3", "V4", "LOC", "FFA", "PPA", "LVC", "HVC", "VC"];
const TEST_REPEATS: usize = 3;

/// GOD's float label of an image id: `n01518878_10042` → 1518878.010042.
fn god_label(image_id: &str) -> f64 {
    let (synset, image) = image_id.trim_start_matches('n').split_once('_').unwrap();
    synset.parse::<f64>().unwrap() + image.parse::<f64>().unwrap() / 1e6
}

/// The ROI of voxel `v` of `n` (seven equal bands, in GOD's order), and the union ROIs it is in.
fn roi_flags(v: usize, n: usize) -> Vec<f64> {
    let band = (v * 7 / n).min(6);
    ROIS.iter()
        .enumerate()
        .map(|(r, name)| {
            let inside = match *name {
                "LVC" => band < 3,
                "HVC" => band >= 4,
                "VC" => true,
                _ => r == band,
            };
            f64::from(u8::from(inside))
        })
        .collect()
}

struct Trial {
    data_type: f64,
    label: f64,
    voxels: Vec<f64>,
}

/// Writes `path` in GOD's layout and returns how many training and test trials it holds.
fn write_god_subject(path: &Path, trials: &[Trial]) {
    let n_vox = trials[0].voxels.len();
    let extra = ["Run", "DataType", "Label", "image_index", "stimulus_id"];
    let n_cols = n_vox + extra.len();
    let mut dataset = Vec::with_capacity(trials.len() * n_cols);
    for (k, trial) in trials.iter().enumerate() {
        dataset.extend(&trial.voxels);
        dataset.extend([
            1.0 + (k / 50) as f64,
            trial.data_type,
            trial.label,
            (k + 1) as f64,
            trial.label,
        ]);
    }
    let mut keys: Vec<String> = vec!["VoxelData".into()];
    let mut descriptions: Vec<String> = vec!["1 = voxel data".into()];
    let mut values: Vec<Vec<f64>> = vec![(0..n_cols).map(|c| if c < n_vox { 1.0 } else { f64::NAN }).collect()];
    for (i, name) in extra.iter().enumerate() {
        keys.push((*name).into());
        descriptions.push(format!("1 = {name}"));
        values.push(
            (0..n_cols)
                .map(|c| if c == n_vox + i { 1.0 } else { f64::NAN })
                .collect(),
        );
    }
    for (r, roi) in ROIS.iter().enumerate() {
        keys.push(format!("ROI_{roi}"));
        descriptions.push(format!("1 = ROI {roi}"));
        values.push(
            (0..n_cols)
                .map(|c| if c < n_vox { roi_flags(c, n_vox)[r] } else { f64::NAN })
                .collect(),
        );
    }
    for (axis, offset) in [("x", 0.0), ("y", 1.0), ("z", 2.0)] {
        keys.push(format!("voxel_{axis}"));
        descriptions.push(format!("voxel {axis} (mm)"));
        values.push(
            (0..n_cols)
                .map(|c| if c < n_vox { c as f64 * 3.0 + offset } else { f64::NAN })
                .collect(),
        );
    }
    let mut file = hdf5_pure::FileBuilder::new();
    file.create_dataset("dataset")
        .with_f64_data(&dataset)
        .with_shape(&[trials.len() as u64, n_cols as u64]);
    let mut metadata = file.create_group("metadata");
    let key_refs: Vec<&str> = keys.iter().map(String::as_str).collect();
    let description_refs: Vec<&str> = descriptions.iter().map(String::as_str).collect();
    metadata.create_dataset("key").with_vlen_strings(&key_refs);
    metadata
        .create_dataset("description")
        .with_vlen_strings(&description_refs);
    let flat: Vec<f64> = values.concat();
    metadata
        .create_dataset("value")
        .with_f64_data(&flat)
        .with_shape(&[keys.len() as u64, n_cols as u64]);
    file.add_group(metadata.finish());
    file.write(path).unwrap();
}

/// A GOD-layout subject from the synthetic generator (2 training images per category, the 50
/// test images × 3 repeats, 2 imagery trials, in a shuffled order) and the three caches.
fn write_inputs(dir: &Path) -> Vec<(String, PathBuf)> {
    let god = generate(&SyntheticConfig {
        n_voxels: 300,
        embedding_dim: 32,
        ..SyntheticConfig::default()
    })
    .unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut trials = Vec::new();
    for (i, id) in god.train.sample_ids().iter().enumerate() {
        if i % 8 < 2 {
            let voxels = god.train.fmri().row(i).iter().map(|&v| f64::from(v)).collect();
            trials.push(Trial {
                data_type: 1.0,
                label: god_label(id),
                voxels,
            });
        }
    }
    for (i, id) in god.test.sample_ids().iter().enumerate() {
        for _ in 0..TEST_REPEATS {
            let row = god.test.fmri().row(i);
            let voxels = row
                .iter()
                .map(|&v| {
                    let noise: f64 = StandardNormal.sample(&mut rng);
                    f64::from(v) + 0.5 * noise
                })
                .collect();
            trials.push(Trial {
                data_type: 2.0,
                label: god_label(id),
                voxels,
            });
        }
    }
    for synset in [1443537.0, 1621127.0] {
        trials.push(Trial {
            data_type: 3.0,
            label: synset,
            voxels: vec![0.0; 300],
        });
    }
    // GOD interleaves trials by run; the loader must not depend on the order.
    trials.reverse();
    let subject = dir.join("Subject1.h5");
    write_god_subject(&subject, &trials);

    let ids: Vec<String> = god
        .train
        .sample_ids()
        .iter()
        .chain(god.test.sample_ids())
        .cloned()
        .collect();
    let categories: Vec<String> = god
        .train
        .categories()
        .iter()
        .chain(god.test.categories())
        .map(|c| c.id.clone())
        .collect();
    let stack = |a: &Array2<f32>, b: &Array2<f32>| concatenate(Axis(0), &[a.view(), b.view()]).unwrap();
    let caches = [
        (
            "image_embeddings",
            EmbeddingKind::Image,
            ids.clone(),
            stack(
                god.train.image_embeddings().unwrap(),
                god.test.image_embeddings().unwrap(),
            ),
        ),
        (
            "text_embeddings",
            EmbeddingKind::Text,
            ids,
            stack(
                god.train.text_embeddings().unwrap(),
                god.test.text_embeddings().unwrap(),
            ),
        ),
        (
            "class_embeddings",
            EmbeddingKind::Class,
            categories,
            stack(
                god.train.class_embeddings().unwrap(),
                god.test.class_embeddings().unwrap(),
            ),
        ),
    ];
    let mut inputs = vec![("subject".to_string(), subject)];
    for (name, kind, ids, matrix) in caches {
        let meta = EmbeddingMeta {
            model: "synthetic".into(),
            preprocessing: "none".into(),
            kind,
        };
        let cache = Embeddings::new(name, ids, matrix, meta).unwrap();
        for (file, bytes) in cache.to_files(name, "2026-11-30T00:00:00Z").unwrap() {
            std::fs::write(dir.join(file), bytes).unwrap();
        }
        inputs.push((name.to_string(), dir.join(format!("{name}.json"))));
    }
    inputs
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/god_zero_shot.rhai")
}

#[test]
fn god_zero_shot_runs_on_a_god_layout_subject_file() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = write_inputs(dir.path());
    let out = dir.path().join("run");
    let mut cmd = Command::cargo_bin("brainclip").unwrap();
    cmd.args(["script", script().to_str().unwrap(), "--out", out.to_str().unwrap()]);
    cmd.args(["--set", "epochs=3", "--set", "width=64"]);
    for (name, path) in &inputs {
        cmd.args(["--set", &format!("{name}={}", path.display())]);
    }
    let output = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "stdout:\n{stdout}\nstderr:\n{stderr}");
    // 150 categories × 2 training images; 50 test images averaged over their repeats.
    assert!(stdout.contains("300 samples"), "{stdout}");
    assert!(stdout.contains("50 samples"), "{stdout}");
    let metrics: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("metrics.json")).unwrap()).unwrap();
    for model in ["BrainCLIP", "ridge"] {
        let zs = &metrics[model]["zero_shot"];
        assert_eq!(zs["n_classes"], 50, "{zs}");
        let top1 = zs["top1"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&top1), "{zs}");
    }
    // Identifying the exact test image among 50 (chance 2 %) works only if every trial, its
    // averaged repeats and its embeddings were joined by the right image id.
    assert!(
        metrics["ridge"]["retrieval"]["image"]["top1"].as_f64().unwrap() > 0.2,
        "{metrics}"
    );
    let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    assert!(
        manifest.contains("Subject1.h5"),
        "the subject file is recorded with its hash"
    );
    assert!(out.join("similarity.png").exists());
}

#[test]
fn god_zero_shot_says_how_to_give_a_missing_input() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::cargo_bin("brainclip")
        .unwrap()
        .args([
            "script",
            script().to_str().unwrap(),
            "--out",
            dir.path().join("run").to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--set subject=PATH"), "{stderr}");
    assert!(stderr.contains("god/subject1"), "{stderr}");
}
