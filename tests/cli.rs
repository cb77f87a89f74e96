//! The `brainclip` command as a user runs it.

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;

fn brainclip() -> Command {
    Command::cargo_bin("brainclip").unwrap()
}

fn write_script(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

const SMALL_RUN: &str = r#"
let god = god_synthetic(#{ voxels: param("voxels", 200), dim: 32 });
let net = mapping_net(god.train, #{ width: 64, blocks: 1 });
let model = train(net, god.train, #{ epochs: param("epochs", 3), label: "small" });
let zs = zero_shot(model, god.test);
save_metrics(#{ zero_shot: zs, retrieval: retrieval(model, god.test) });
save_figure(plot_history(model), "training_curves");
save_figure(plot_similarity(model, god.test), "similarity");
print(table([zs], ["model", "top1", "top5"]));
"#;

#[test]
fn a_script_run_writes_every_output_and_is_reproducible() {
    let dir = tempfile::tempdir().unwrap();
    let script = write_script(dir.path(), "small.rhai", SMALL_RUN);
    let mut metrics = Vec::new();
    for run in ["a", "b"] {
        let out = dir.path().join(run);
        brainclip()
            .args([
                "script",
                script.to_str().unwrap(),
                "--seed",
                "7",
                "--set",
                "epochs=2",
                "--out",
                out.to_str().unwrap(),
            ])
            .assert()
            .success()
            .stdout(predicate::str::contains("top1"));
        for file in [
            "manifest.json",
            "metrics.json",
            "history.csv",
            "training_curves.png",
            "training_curves.svg",
            "similarity.png",
        ] {
            assert!(out.join(file).exists(), "{file} missing in run {run}");
        }
        let manifest: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
        assert_eq!(manifest["status"], "completed");
        assert_eq!(manifest["seed"], 7);
        assert_eq!(manifest["params"]["epochs"], 2);
        assert_eq!(manifest["device"], "cpu:flex");
        assert_eq!(manifest["script_sha256"].as_str().unwrap().len(), 64);
        assert!(manifest["finished_at"].is_string());
        assert_eq!(manifest["models"][0]["training"]["epochs"], 2);
        let history = std::fs::read_to_string(out.join("history.csv")).unwrap();
        assert_eq!(history.lines().count(), 3, "{history}");
        assert!(history.starts_with("run,epoch,lr,train_loss,val_loss"));
        metrics.push(std::fs::read_to_string(out.join("metrics.json")).unwrap());
    }
    assert_eq!(
        metrics[0], metrics[1],
        "same script, data and seed must give identical metrics"
    );
}

#[test]
fn a_script_error_prints_the_line_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    let script = write_script(
        dir.path(),
        "bad.rhai",
        "let god = god_synthetic(#{ voxels: 70, dim: 16 });\nlet x = god_synthetic(#{ voxel: 70 });\n",
    );
    let out = dir.path().join("run");
    brainclip()
        .args(["script", script.to_str().unwrap(), "--out", out.to_str().unwrap()])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "error[UnknownOption]: unknown option `voxel` for god_synthetic()",
        ))
        .stderr(predicate::str::contains("bad.rhai:2:9"))
        .stderr(predicate::str::contains("2 | let x = god_synthetic(#{ voxel: 70 });"))
        .stderr(predicate::str::contains("hint: did you mean `voxels`?"));
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["status"], "failed");
    assert!(manifest["error"].as_str().unwrap().contains("UnknownOption"));
}

#[test]
fn a_typo_in_set_is_refused_before_running() {
    let dir = tempfile::tempdir().unwrap();
    let script = write_script(dir.path(), "p.rhai", "let e = param(\"epochs\", 3);\ne");
    brainclip()
        .args([
            "script",
            script.to_str().unwrap(),
            "--set",
            "epoch=5",
            "--out",
            dir.path().join("r").to_str().unwrap(),
        ])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("--set epoch=… is not used by")
                .and(predicate::str::contains("did you mean `epochs`?")),
        );
    assert!(!dir.path().join("r").exists(), "nothing runs, nothing is written");
}

#[test]
fn a_param_of_the_wrong_type_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let script = write_script(dir.path(), "p.rhai", "let e = param(\"epochs\", 3);\nprint(e);");
    brainclip()
        .args([
            "script",
            script.to_str().unwrap(),
            "--set",
            "epochs=2.5",
            "--out",
            dir.path().join("r").to_str().unwrap(),
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "--set epochs=2.5 is a float, but the script expects an integer",
        ));
}

fn run_on(device: &str, dir: &Path) -> assert_cmd::assert::Assert {
    let script = write_script(dir, "p.rhai", "1");
    brainclip()
        .env_remove("LD_LIBRARY_PATH") // the binary must find libtorch through its rpath
        .args([
            "script",
            script.to_str().unwrap(),
            "--device",
            device,
            "--out",
            dir.join("r").to_str().unwrap(),
        ])
        .assert()
}

#[cfg(not(feature = "tch"))]
#[test]
fn cuda_on_a_cpu_build_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    run_on("cuda", dir.path()).code(2).stderr(
        predicate::str::contains("needs the libtorch backend")
            .and(predicate::str::contains("--features tch"))
            .and(predicate::str::contains("scripts/setup-libtorch.sh"))
            .and(predicate::str::contains("--device cpu")),
    );
}

#[cfg(feature = "tch")]
#[test]
fn cuda_without_a_gpu_says_why() {
    let dir = tempfile::tempdir().unwrap();
    if brainclip::device::report().cuda_available {
        run_on("cuda", dir.path()).success();
        return;
    }
    run_on("cuda", dir.path()).code(2).stderr(
        predicate::str::contains("CUDA is unavailable: ")
            .and(predicate::str::contains("brainclip doctor"))
            .and(predicate::str::contains("--device cpu")),
    );
    run_on("cpu:libtorch", dir.path()).success();
}

#[test]
fn doctor_lists_backends_and_devices() {
    let out = brainclip()
        .env_remove("LD_LIBRARY_PATH")
        .args(["doctor", "--json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let report: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let devices: Vec<&str> = report["devices"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d.as_str())
        .collect();
    assert!(
        devices.contains(&"cpu:flex") && devices.contains(&"cpu:ndarray"),
        "{devices:?}"
    );
    assert_eq!(devices.contains(&"cpu:libtorch"), cfg!(feature = "tch"), "{devices:?}");
    if cfg!(feature = "tch") {
        assert!(
            report["libtorch"]["version"].as_str().unwrap().starts_with('2'),
            "{report}"
        );
    }
    if !report["cuda_available"].as_bool().unwrap() {
        assert!(!report["cuda_reason"].as_str().unwrap().is_empty());
    }
    brainclip()
        .arg("doctor")
        .assert()
        .success()
        .stdout(predicate::str::contains("backends:").and(predicate::str::contains("CUDA:")));
}

#[test]
fn doc_prints_the_reference() {
    brainclip().arg("doc").assert().success().stdout(
        predicate::str::contains("god_synthetic")
            .and(predicate::str::contains("zero_shot"))
            .and(predicate::str::contains("Dataset")),
    );
    brainclip()
        .args(["doc", "train"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "train(net: MappingNet | SharedNet, data: Dataset | array, options: map) -> Model | SharedModel",
        ))
        .stdout(predicate::str::contains("Example 1:"))
        .stdout(predicate::str::contains("Example 2:"))
        .stdout(predicate::str::contains("batch_size"));
    brainclip()
        .args(["doc", "Dataset"])
        .assert()
        .success()
        .stdout(predicate::str::contains(".n_voxels"));
    brainclip()
        .args(["doc", "trian"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("did you mean `train`?"));
}

#[test]
fn the_shipped_zero_shot_script_runs_on_small_settings() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/zero_shot.rhai");
    brainclip()
        .args([
            "script",
            script.to_str().unwrap(),
            "--set",
            "voxels=300",
            "--set",
            "epochs=2",
            "--set",
            "width=64",
        ])
        .args(["--out", out.to_str().unwrap()])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("zero-shot top-1")
                .and(predicate::str::contains("BrainCLIP"))
                .and(predicate::str::contains("ridge")),
        );
    let metrics: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("metrics.json")).unwrap()).unwrap();
    assert_eq!(metrics["BrainCLIP"]["zero_shot"]["n_classes"], 50);
    assert!(metrics["ridge"]["retrieval"]["image"]["top1"].as_f64().is_some());
    assert!(out.join("similarity.png").exists() && out.join("training_curves.png").exists());
}

#[test]
fn the_zero_shot_script_embeds_class_prompts_with_a_clip_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let script = root.join("scripts/zero_shot.rhai");
    let clip = root.join("tests/data/clip/tiny");
    brainclip()
        .args(["script", script.to_str().unwrap()])
        .args(["--set", "voxels=300", "--set", "epochs=2", "--set", "width=64"])
        .args([
            "--set",
            &format!("clip={}", clip.display()),
            "--set",
            "templates=imagenet",
        ])
        .args(["--out", out.to_str().unwrap()])
        .assert()
        .success()
        .stdout(predicate::str::contains("Clip tiny").and(predicate::str::contains("zero-shot top-1")));
    let metrics: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("metrics.json")).unwrap()).unwrap();
    assert_eq!(metrics["BrainCLIP"]["zero_shot"]["n_classes"], 50);
    let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    assert!(
        manifest.contains("model.safetensors") && manifest.contains("80 template(s)"),
        "{manifest}"
    );
}

#[test]
fn the_shipped_generation_script_runs_end_to_end_on_the_world_and_its_ladder_is_ordered() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let script = root.join("scripts/generate.rhai");
    brainclip()
        .current_dir(root)
        .args(["script", script.to_str().unwrap()])
        .args([
            "--set",
            "voxels=1000",
            "--set",
            "epochs=15",
            "--set",
            "width=256",
            "--set",
            "n=6",
        ])
        .args(["--set", "steps=10"])
        .args(["--out", out.to_str().unwrap()])
        .assert()
        .success()
        .stdout(predicate::str::contains("category 2-way").and(predicate::str::contains("zero-shot top-1")));
    let metrics: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("metrics.json")).unwrap()).unwrap();
    let rung = |name: &str, key: &str| {
        metrics["ladder"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["condition"] == name)
            .unwrap_or_else(|| panic!("no rung {name}: {metrics}"))[key]
            .as_f64()
            .unwrap()
    };
    for key in ["CLIP 2-way", "PixCorr"] {
        assert!(
            rung("true", key) > rung("unguided", key),
            "{key}: true {} vs unguided {}",
            rung("true", key),
            rung("unguided", key)
        );
    }
    assert!(out.join("generated.png").is_file());
    for folder in ["unguided", "fmri", "true"] {
        let pictures = std::fs::read_dir(out.join(folder))
            .unwrap()
            .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "png"))
            .count();
        assert_eq!(pictures, 6, "{folder}");
    }
}

#[test]
fn ctrl_c_stops_training_and_keeps_what_was_written() {
    let dir = tempfile::tempdir().unwrap();
    let script = write_script(
        dir.path(),
        "long.rhai",
        r#"let god = god_synthetic(#{ voxels: 300, dim: 32 });
let model = train(mapping_net(god.train, #{ width: 64 }), god.train, #{ epochs: 100000, patience: () });
print("not reached");"#,
    );
    let out = dir.path().join("run");
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("brainclip"))
        .args(["script", script.to_str().unwrap(), "--out", out.to_str().unwrap()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let history = out.join("history.csv");
    let started = std::time::Instant::now();
    while !history.exists() {
        assert!(started.elapsed().as_secs() < 120, "no epoch finished");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!String::from_utf8_lossy(&output.stdout).contains("not reached"));
    assert!(String::from_utf8_lossy(&output.stderr).contains("error[Interrupted]"));
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["status"], "interrupted");
    let rows = std::fs::read_to_string(&history).unwrap().lines().count();
    assert!(rows >= 2, "the finished epochs are kept");
}

#[test]
fn reads_outside_the_script_folder_need_allow_read_or_the_catalog() {
    let dir = tempfile::tempdir().unwrap();
    let scripts = dir.path().join("scripts");
    let data = dir.path().join("data");
    std::fs::create_dir_all(&scripts).unwrap();
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(data.join("t.csv"), "id,x\na,1\n").unwrap();
    let csv = data.join("t.csv");
    let script = write_script(
        &scripts,
        "read.rhai",
        &format!(
            "let t = load_table(data_path(\"lab/table\", \"{}\"));\nprint(t.n_rows);",
            csv.display()
        ),
    );
    let run = |extra: &[&str], out: &str| {
        brainclip()
            .args([
                "script",
                script.to_str().unwrap(),
                "--out",
                dir.path().join(out).to_str().unwrap(),
            ])
            .args(extra)
            .assert()
    };
    run(&[], "refused")
        .failure()
        .stderr(predicate::str::contains("t.csv").and(predicate::str::contains("--allow-read")));
    run(&["--allow-read", data.to_str().unwrap()], "allowed").success();
    let catalog = dir.path().join("catalog.json");
    std::fs::write(&catalog, r#"{ "lab/table": "data/t.csv" }"#).unwrap();
    run(&["--catalog", catalog.to_str().unwrap()], "catalogued").success();
    run(&["--allow-read", "/no/such/folder"], "missing")
        .failure()
        .stderr(predicate::str::contains("/no/such/folder"));
}

#[test]
fn compare_losses_script_plots_every_condition() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/compare_losses.rhai");
    brainclip()
        .args(["script", script.to_str().unwrap(), "--out", out.to_str().unwrap()])
        .args([
            "--set",
            "seeds=2",
            "--set",
            "epochs=1",
            "--set",
            "voxels=200",
            "--set",
            "width=64",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("image + text").and(predicate::str::contains("fMRI→text top-1")));
    let metrics: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("metrics.json")).unwrap()).unwrap();
    for condition in ["image only", "text only", "image + text"] {
        let pooled = &metrics["conditions"][condition]["pooled"]["zero-shot top-1"];
        assert_eq!(pooled["n"], 100, "2 seeds × 50 test samples: {pooled}");
        assert!(pooled["low"].as_f64().unwrap() <= pooled["mean"].as_f64().unwrap());
    }
    let png = image::open(out.join("loss_ablation.png")).unwrap();
    assert!(png.width() > 500 && png.height() > 300);
}

#[test]
fn evaluate_writes_its_report_into_the_run_and_the_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let script = write_script(
        dir.path(),
        "eval.rhai",
        r#"let god = god_synthetic(#{ voxels: 100, dim: 16 });
let report = evaluate(ridge(god.train, #{ folds: 3 }), god.test, #{ n_way: [10], repeats: 5, permutations: 50 });
print(report);"#,
    );
    let out = dir.path().join("run");
    brainclip()
        .args(["script", script.to_str().unwrap(), "--out", out.to_str().unwrap()])
        .assert()
        .success()
        .stdout(predicate::str::contains("zero-shot").and(predicate::str::contains("fMRI→image")));
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("evaluation_ridge_test.json")).unwrap()).unwrap();
    assert_eq!(report["settings"]["n_way"], serde_json::json!([10]));
    assert_eq!(report["split"], "test");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["evaluations"][0]["name"], "ridge_test");
    assert_eq!(manifest["evaluations"][0]["report"]["settings"]["repeats"], 5);
}
