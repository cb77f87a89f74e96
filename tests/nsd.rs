//! NSD from its own file layout, through the script functions: a subject loads with the split by
//! image, the manifest records what was read, and bad inputs (a betas file of the wrong session
//! length, an ROI of another grid, captions of unknown images, a subject the design lacks) give
//! errors that name the file and the fix.

use std::path::{Path, PathBuf};

use brainclip::{ErrorKind, ScriptError, Session, SessionOptions};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/nsd");

/// A copy of the tiny NSD tree in a temporary folder, to break one file of.
fn copy_tree(to: &Path) -> PathBuf {
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            let target = to.join(entry.file_name());
            if entry.file_type().unwrap().is_dir() {
                copy(&entry.path(), &target);
            } else {
                std::fs::copy(entry.path(), target).unwrap();
            }
        }
    }
    let root = to.join("nsd");
    for sub in ["nsddata", "nsddata_betas", "nsddata_stimuli"] {
        copy(&Path::new(FIXTURE).join(sub), &root.join(sub));
    }
    root
}

fn session(dir: &Path, root: &Path) -> Session {
    Session::new(SessionOptions {
        out_dir: Some(dir.join("run")),
        allow_read: vec![root.to_path_buf(), PathBuf::from(FIXTURE)],
        ..Default::default()
    })
    .unwrap()
}

fn load_error(root: &Path, options: &str) -> Box<ScriptError> {
    let dir = tempfile::tempdir().unwrap();
    let code = format!(
        "let nsd = load_nsd(\"{}\", #{{ trials_per_session: 20{options} }});",
        root.display()
    );
    session(dir.path(), root).eval(&code).expect_err("the load should fail")
}

#[test]
fn a_subject_loads_and_the_manifest_records_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = session(dir.path(), Path::new(FIXTURE));
    let code = format!(
        "let nsd = load_nsd(\"{FIXTURE}\", #{{ subject: 2, trials_per_session: 20, test: \"shared982\" }});\n\
         let pictures = nsd_images(\"{FIXTURE}\", nsd.test.ids);\n\
         [nsd.test.n_samples, nsd.train.n_samples, nsd.test.n_voxels, pictures.len(), nsd.report.left_out_trials]"
    );
    let out = s.eval(&code).unwrap();
    let values: Vec<i64> = out
        .into_array()
        .unwrap()
        .into_iter()
        .map(|v| v.as_int().unwrap())
        .collect();
    // subj02's ROI has 13 voxels too (a 5 × 6 × 4 grid); 6 shared images, 14 own × 3 trials.
    assert_eq!(values, [6, 42, 13, 6, 0]);
    s.finish(Ok(())).unwrap();
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("run/manifest.json")).unwrap()).unwrap();
    let data = manifest["data"].as_array().unwrap();
    let nsd = data.iter().find(|d| d["kind"] == "nsd").expect("an nsd entry");
    assert_eq!(nsd["options"]["test"], "shared982");
    assert_eq!(nsd["report"]["sessions"], serde_json::json!([1, 2, 3]));
    assert!(
        nsd["report"]["files"][0]
            .as_str()
            .unwrap()
            .ends_with("subj02/func1pt8mm/betas_fithrf_GLMdenoise_RR/betas_session01.nii.gz")
    );
    // The design, the ROI, the stimulus table and both caption files, hashed.
    let hashed = data.iter().filter(|d| d.get("sha256").is_some()).count();
    assert_eq!(hashed, 5, "{data:?}");
}

#[test]
fn a_betas_file_of_the_wrong_length_names_its_session() {
    let tmp = tempfile::tempdir().unwrap();
    let root = copy_tree(tmp.path());
    let dir = root.join("nsddata_betas/ppdata/subj01/func1pt8mm/betas_fithrf_GLMdenoise_RR");
    std::fs::copy(
        Path::new(FIXTURE).join("bad/betas_session02_short.nii.gz"),
        dir.join("betas_session02.nii.gz"),
    )
    .unwrap();
    let err = load_error(&root, "");
    assert_eq!(err.kind, ErrorKind::Data);
    assert!(
        err.message
            .contains("betas_session02.nii.gz: 19 trials, but the design gives session 2 20 (trials_per_session)"),
        "{}",
        err.message
    );
    assert_eq!(err.line, Some(1));
}

#[test]
fn an_roi_of_another_grid_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let root = copy_tree(tmp.path());
    std::fs::copy(
        Path::new(FIXTURE).join("bad/nsdgeneral_subj02_grid.nii.gz"),
        root.join("nsddata/ppdata/subj01/func1pt8mm/roi/nsdgeneral.nii.gz"),
    )
    .unwrap();
    let err = load_error(&root, "");
    assert_eq!(err.kind, ErrorKind::DimensionMismatch);
    assert!(
        err.message.contains("nsdgeneral.nii.gz: ROI grid [5, 6, 4], but"),
        "{}",
        err.message
    );
    assert!(
        err.message
            .contains("is on [6, 5, 4]; use the ROI of the same subject and space"),
        "{}",
        err.message
    );
}

#[test]
fn captions_of_unknown_images_and_missing_captions_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let root = copy_tree(tmp.path());
    let annotations = root.join("nsddata_stimuli/stimuli/nsd/annotations");
    std::fs::copy(
        Path::new(FIXTURE).join("bad/captions_unknown_image.json"),
        annotations.join("captions_val2017.json"),
    )
    .unwrap();
    let err = load_error(&root, "");
    assert_eq!(err.kind, ErrorKind::Data);
    assert!(
        err.message
            .contains("captions_val2017.json: a caption is for image 999, which the file's `images` does not list"),
        "{}",
        err.message
    );
    // Without the val2017 file, the images whose captions it held have none.
    std::fs::remove_file(annotations.join("captions_val2017.json")).unwrap();
    let err = load_error(&root, "");
    assert!(
        err.message.contains("captions_val2017.json") && err.message.contains("NSD ships COCO's caption files"),
        "{}",
        err.message
    );
    std::fs::write(
        annotations.join("captions_val2017.json"),
        r#"{"images": [], "annotations": []}"#,
    )
    .unwrap();
    let err = load_error(&root, "");
    assert!(
        err.message.contains("no caption for NSD image 10 (COCO image 100070)"),
        "{}",
        err.message
    );
    // Loading without captions needs no caption file.
    let dir = tempfile::tempdir().unwrap();
    let code = format!(
        "load_nsd(\"{}\", #{{ trials_per_session: 20, captions: false }}).test.n_samples",
        root.display()
    );
    assert_eq!(session(dir.path(), &root).eval(&code).unwrap().as_int().unwrap(), 6);
}

#[test]
fn a_subject_missing_from_the_design_and_bad_options_are_named() {
    let err = load_error(Path::new(FIXTURE), ", subject: 8");
    assert_eq!(err.kind, ErrorKind::File);
    assert!(
        err.message.contains("no betas file") && err.message.contains("subj08"),
        "{}",
        err.message
    );
    let err = load_error(Path::new(FIXTURE), ", subject: 9");
    assert_eq!(err.kind, ErrorKind::InvalidValue);
    let err = load_error(Path::new(FIXTURE), ", test: \"shared100\"");
    assert_eq!(err.kind, ErrorKind::InvalidValue);
    assert!(err.message.contains("shared1000"), "{}", err.message);
}

#[test]
fn the_nsd_retrieval_script_runs_per_subject_and_shared() {
    for shared in ["false", "true"] {
        let dir = tempfile::tempdir().unwrap();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_brainclip"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args([
                "script",
                "scripts/nsd_retrieval.rhai",
                "--allow-read",
                "tests/data",
                "--out",
            ])
            .arg(dir.path().join("run"))
            .args([
                "--set",
                "nsd=tests/data/nsd",
                "--set",
                "clip=tests/data/clip/tiny",
                "--set",
                "trials_per_session=20",
                "--set",
                "subjects=1,2",
                "--set",
                "n_way=5",
                "--set",
                "epochs=2",
                "--set",
                "width=32",
                "--set",
                "shared_width=32",
                "--set",
                "batch_size=16",
            ])
            .args(["--set", &format!("shared={shared}")])
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "{text}");
        assert!(text.contains("5-way retrieval (30 draws)"), "{text}");
        let csv = std::fs::read_to_string(dir.path().join("run/nsd_retrieval.csv")).unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        // A header, subj01, subj02 and the mean; chance of 5-way is 0.2.
        assert_eq!(lines.len(), 4, "{csv}");
        assert!(
            lines[1].contains("subj01") && lines[3].contains("mean") && lines[3].contains("0.2"),
            "{csv}"
        );
        assert_eq!(dir.path().join("run/shared_model.bpk").exists(), shared == "true");
    }
}
