//! A script from another lab cannot hang, exhaust or harm the machine, and whatever stops a run
//! leaves it recorded: resource limits, files that declare more than they hold, signals, panics
//! and reads outside the policy each end in a clear error and a manifest that says what happened.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use serde_json::Value;

fn brainclip() -> Command {
    Command::cargo_bin("brainclip").unwrap()
}

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn manifest(run: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(run.join("manifest.json")).unwrap()).unwrap()
}

/// Run `script` (written into a fresh folder) with `flags`; returns (exit code, stderr, manifest).
fn run(script: &str, flags: &[&str]) -> (i32, String, Value) {
    let dir = tempfile::tempdir().unwrap();
    run_in(dir.path(), script, flags)
}

fn run_in(dir: &Path, script: &str, flags: &[&str]) -> (i32, String, Value) {
    let path = write(dir, "lab.rhai", script);
    let out = dir.join("run");
    let output = brainclip()
        .current_dir(dir)
        .args(["script", path.to_str().unwrap(), "--out", out.to_str().unwrap()])
        .args(flags)
        .timeout(Duration::from_secs(300))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output.status.code().unwrap_or(-1), stderr, manifest(&out))
}

fn assert_failed_with(code: i32, stderr: &str, manifest: &Value, kind: &str, needles: &[&str]) {
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains(&format!("error[{kind}]")), "{stderr}");
    for needle in needles {
        assert!(stderr.contains(needle), "missing `{needle}` in:\n{stderr}");
    }
    assert_eq!(manifest["status"], "failed", "{manifest}");
    assert!(manifest["error"].as_str().unwrap().contains(kind), "{manifest}");
}

#[test]
fn an_endless_loop_stops_at_the_operation_limit_with_its_line_and_flag() {
    let (code, stderr, m) = run("let n = 0;\nloop { n += 1; }\n", &["--max-operations", "100000"]);
    assert_failed_with(
        code,
        &stderr,
        &m,
        "LimitReached",
        &[
            "the script ran more than 100000 operations",
            "lab.rhai:2:",
            "raise it with --max-operations",
        ],
    );
    assert_eq!(m["limits"]["max_operations"], 100000);
    assert_eq!(m["limits"]["max_call_depth"], 64);
}

#[test]
fn a_doubling_string_stops_at_the_default_size_limit() {
    let (code, stderr, m) = run("let s = \"x\";\nloop { s += s; }\n", &[]);
    assert_failed_with(
        code,
        &stderr,
        &m,
        "LimitReached",
        &["a string grew longer than 67108864 bytes", "--max-string-size"],
    );
}

#[test]
fn arrays_maps_and_recursion_have_limits_too() {
    let (code, stderr, m) = run("let a = [];\nloop { a.push(1); }\n", &["--max-array-size", "1000"]);
    assert_failed_with(
        code,
        &stderr,
        &m,
        "LimitReached",
        &["an array grew beyond 1000 elements", "--max-array-size"],
    );
    let (code, stderr, m) = run(
        "let m = #{ a: 1, b: 2 };\nm.mixin(#{ c: 3 });\n",
        &["--max-map-size", "2"],
    );
    assert_failed_with(
        code,
        &stderr,
        &m,
        "LimitReached",
        &["an object map grew beyond 2 entries", "lab.rhai:2:", "--max-map-size"],
    );
    let (code, stderr, m) = run("let m = #{ a: 1, b: 2, c: 3 };\n", &["--max-map-size", "2"]);
    assert_failed_with(
        code,
        &stderr,
        &m,
        "LimitReached",
        &["an object map grew beyond 2 entries", "--max-map-size"],
    );
    // Rhai checks a map's size when it is built or merged, not when one key is assigned: the
    // memory watch stops that growth instead (the process itself holds about 400 MB).
    let (code, stderr, m) = run(
        "let m = #{};\nlet i = 0;\nloop { m[`k${i}`] = i; i += 1; }\n",
        &["--max-memory", "700M"],
    );
    assert_failed_with(
        code,
        &stderr,
        &m,
        "LimitReached",
        &[
            "the run held more than its memory budget of 700.0 MiB",
            "lab.rhai:3:",
            "--max-memory",
        ],
    );
    let (code, stderr, m) = run("fn down(n) { down(n + 1) }\ndown(0);\n", &[]);
    assert_failed_with(
        code,
        &stderr,
        &m,
        "LimitReached",
        &["function calls nested deeper than 64 levels", "--max-call-depth"],
    );
}

#[test]
fn a_raised_call_depth_is_backed_by_the_stack() {
    let script = "fn depth(n) { if n == 0 { 0 } else { 1 + depth(n - 1) } }\nprint(depth(1990));\n";
    let (code, stderr, m) = run(script, &["--max-call-depth", "2000"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(m["status"], "completed");
    assert_eq!(m["limits"]["max_call_depth"], 2000);
}

#[test]
fn the_time_limit_stops_script_loops_and_training_alike() {
    let (code, stderr, m) = run("loop { }\n", &["--max-operations", "0", "--timeout", "1s"]);
    assert_failed_with(
        code,
        &stderr,
        &m,
        "LimitReached",
        &["the run took longer than its time limit of 1s", "--timeout"],
    );
    assert_eq!(m["limits"]["timeout_s"], 1.0);
    assert_eq!(m["limits"]["max_operations"], 0);
    let training = r#"
let god = god_synthetic(#{ voxels: 70, dim: 16 });
let net = mapping_net(god.train, #{ arch: "linear" });
train(net, god.train, #{ epochs: 100000, patience: () });
"#;
    let (code, stderr, m) = run(training, &["--timeout", "3s"]);
    assert_failed_with(
        code,
        &stderr,
        &m,
        "LimitReached",
        &["time limit of 3s", "interrupted after", "lab.rhai:4:"],
    );
}

/// The 144-byte file of the issue: a `.npy` header declaring 100000 × 100000 float32.
fn npy_declaring(shape: &str) -> Vec<u8> {
    let header = format!("{{'descr': '<f4', 'fortran_order': False, 'shape': {shape}, }}");
    let mut text = header.into_bytes();
    while (10 + text.len() + 1) % 64 != 0 {
        text.push(b' ');
    }
    text.push(b'\n');
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend((text.len() as u16).to_le_bytes());
    bytes.extend(text);
    bytes.extend([0u8; 16]);
    bytes
}

#[test]
fn a_file_declaring_more_than_it_holds_is_an_error_not_an_abort() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "big.npy", npy_declaring("(100000, 100000)"));
    let (code, stderr, m) = run_in(dir.path(), "let x = load_npy(\"big.npy\");\n", &[]);
    assert_failed_with(
        code,
        &stderr,
        &m,
        "DataError",
        &[
            "big.npy",
            "40000000000 bytes of data its header declares (shape [100000, 100000] of <f4)",
            "16 bytes after the header",
        ],
    );
}

#[test]
fn an_array_over_the_memory_budget_names_the_file_shape_and_flag() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = npy_declaring("(512, 1024)");
    bytes.truncate(bytes.len() - 16);
    bytes.extend(vec![0u8; 512 * 1024 * 4]);
    write(dir.path(), "frames.npy", bytes);
    let (code, stderr, m) = run_in(
        dir.path(),
        "let x = load_npy(\"frames.npy\");\nprint(x);\n",
        &["--max-memory", "1M"],
    );
    assert_failed_with(
        code,
        &stderr,
        &m,
        "LimitReached",
        &[
            "frames.npy",
            "shape [512, 1024]",
            "more than the memory budget of 1.0 MiB",
            "--max-memory",
        ],
    );
    assert_eq!(m["limits"]["max_memory"], 1 << 20);
    let (code, stderr, _) = run_in(
        dir.path(),
        "let x = load_npy(\"frames.npy\");\nprint(x);\n",
        &["--max-memory", "64M"],
    );
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn a_nifti_header_declaring_a_huge_volume_is_refused_before_allocating() {
    let dir = tempfile::tempdir().unwrap();
    let mut header = vec![0u8; 352];
    header[0..4].copy_from_slice(&348i32.to_le_bytes());
    for (i, d) in [3i16, 20000, 20000, 20000, 1, 1, 1, 1].iter().enumerate() {
        header[40 + 2 * i..42 + 2 * i].copy_from_slice(&d.to_le_bytes());
    }
    header[70..72].copy_from_slice(&16i16.to_le_bytes()); // float32
    header[72..74].copy_from_slice(&32i16.to_le_bytes());
    for i in 0..8 {
        header[76 + 4 * i..80 + 4 * i].copy_from_slice(&1f32.to_le_bytes());
    }
    header[108..112].copy_from_slice(&352f32.to_le_bytes());
    header[344..348].copy_from_slice(b"n+1\0");
    write(dir.path(), "huge.nii", &header);
    let (code, stderr, m) = run_in(dir.path(), "let v = load_nifti(\"huge.nii\");\n", &[]);
    assert_failed_with(
        code,
        &stderr,
        &m,
        "LimitReached",
        &["huge.nii", "a volume of shape [20000, 20000, 20000]", "--max-memory"],
    );
}

#[test]
fn imports_and_folder_listings_obey_the_read_policy() {
    let lab = tempfile::tempdir().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let module = write(elsewhere.path(), "steps.rhai", "fn answer() { 42 }\n");
    let import = format!(
        "import \"{}\" as steps;\nprint(steps::answer());\n",
        module.with_extension("").display()
    );
    let (code, stderr, m) = run_in(lab.path(), &import, &[]);
    assert_failed_with(code, &stderr, &m, "FileError", &["steps.rhai", "--allow-read"]);
    let allowed = elsewhere.path().to_str().unwrap();
    let (code, stderr, _) = run_in(lab.path(), &import, &["--allow-read", allowed]);
    assert_eq!(code, 0, "{stderr}");
    let listing = format!(
        "let clip = clip_load(\"{}/tests/data/clip/tiny\");\nclip_images(clip, \"{}\");\n",
        env!("CARGO_MANIFEST_DIR"),
        elsewhere.path().display()
    );
    let repo = env!("CARGO_MANIFEST_DIR");
    let (code, stderr, m) = run_in(
        lab.path(),
        &listing,
        &["--allow-read", &format!("{repo}/tests/data/clip")],
    );
    assert_failed_with(code, &stderr, &m, "FileError", &["--allow-read"]);
}

/// Start `script` as a child process and return it once its manifest exists.
fn start(dir: &Path, script: &str) -> (std::process::Child, PathBuf) {
    let path = write(dir, "long.rhai", script);
    let out = dir.join("run");
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("brainclip"))
        .args(["script", path.to_str().unwrap(), "--out", out.to_str().unwrap()])
        .args(["--max-operations", "0"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while !out.join("manifest.json").exists() {
        assert!(started.elapsed() < Duration::from_secs(60), "the run never started");
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(300));
    (child, out)
}

fn signal(child: &std::process::Child, name: &str) {
    let status = std::process::Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn sigterm_and_sighup_record_the_run_as_interrupted() {
    for name in ["TERM", "HUP", "INT"] {
        let dir = tempfile::tempdir().unwrap();
        let (child, out) = start(dir.path(), "save_metrics(#{ started: true });\nloop { }\n");
        signal(&child, name);
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(130), "SIG{name}: {stderr}");
        assert!(stderr.contains("error[Interrupted]"), "SIG{name}: {stderr}");
        let m = manifest(&out);
        assert_eq!(m["status"], "interrupted", "SIG{name}: {m}");
        assert_eq!(m["metrics"]["started"], true, "SIG{name}: {m}");
        assert!(m["finished_at"].is_string());
    }
}

/// `brainclip ARGS` run in `cwd`.
fn in_dir(cwd: &Path, args: &[&str]) -> std::process::Output {
    brainclip()
        .current_dir(cwd)
        .env("XDG_CONFIG_HOME", cwd.join(".no-config"))
        .env_remove("BRAINCLIP_CATALOG")
        .args(args)
        .timeout(Duration::from_secs(300))
        .output()
        .unwrap()
}

fn text(output: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

const LAB_SCRIPT: &str = r#"
let scores = load_table(data_path("lab:sessions/scores.csv"));
let god = god_synthetic(#{ voxels: 70, dim: 16 });
let model = ridge(god.train, #{ target: "image" });
save_metrics(#{ sessions: scores.n_rows, zero_shot: zero_shot(model, god.test) });
"#;

const SCORES: &str = "subject,score\ns1,0.5\ns2,0.7\n";

#[test]
fn a_script_travels_between_two_labs_and_verify_checks_data_and_numbers() {
    // Lab A keeps the data under store/, lab B somewhere else entirely.
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(a.path().join("store/lab/sessions")).unwrap();
    std::fs::create_dir_all(a.path().join("experiments")).unwrap();
    write(&a.path().join("store/lab/sessions"), "scores.csv", SCORES);
    write(
        a.path(),
        "brainclip.toml",
        "[datasets.lab]\npath = \"store/lab\"\nnotes = \"pilot sessions\"\n",
    );
    write(&a.path().join("experiments"), "x.rhai", LAB_SCRIPT);
    std::fs::create_dir_all(b.path().join("elsewhere/deep/copy/sessions")).unwrap();
    write(&b.path().join("elsewhere/deep/copy/sessions"), "scores.csv", SCORES);
    write(b.path(), "theirs.toml", "[datasets]\nlab = \"elsewhere/deep/copy\"\n");
    write(b.path(), "x.rhai", LAB_SCRIPT);

    let catalog = in_dir(a.path(), &["catalog"]);
    let shown = text(&catalog);
    assert!(
        shown.contains("brainclip.toml") && shown.contains("store/lab") && shown.contains("pilot sessions"),
        "{shown}"
    );

    let one = in_dir(a.path(), &["script", "experiments/x.rhai", "--out", "runs/one"]);
    assert!(one.status.success(), "{}", text(&one));
    let recorded = manifest(&a.path().join("runs/one"));
    let data = recorded["data"].as_array().unwrap();
    let file = data.iter().find(|d| d.get("sha256").is_some()).unwrap();
    assert_eq!(
        (file["dataset"].as_str(), file["file"].as_str()),
        (Some("lab"), Some("sessions/scores.csv"))
    );
    assert_eq!(file["bytes"], SCORES.len());
    assert!(
        !recorded["data"].to_string().contains(a.path().to_str().unwrap()),
        "{}",
        recorded["data"]
    );
    assert_eq!(recorded["metrics"]["sessions"], 2);

    // The same script, unchanged, in lab B with its own catalog: the same numbers.
    let there = in_dir(
        b.path(),
        &["script", "x.rhai", "--catalog", "theirs.toml", "--out", "runs/one"],
    );
    assert!(there.status.success(), "{}", text(&there));
    assert_eq!(manifest(&b.path().join("runs/one"))["metrics"], recorded["metrics"]);

    let verified = in_dir(a.path(), &["verify", "runs/one", "--out", "runs/again"]);
    let report = text(&verified);
    assert!(verified.status.success(), "{report}");
    assert!(
        report.contains("data    lab:sessions/scores.csv  identical"),
        "{report}"
    );
    assert!(
        report.contains("identical, 0 within tolerance, 0 differ or missing"),
        "{report}"
    );
    assert!(report.contains("reproduced:"), "{report}");

    // One changed value in the data: verify names the file, and the run is not reproduced.
    write(
        &a.path().join("store/lab/sessions"),
        "scores.csv",
        SCORES.replace("0.7", "0.8"),
    );
    let changed = in_dir(a.path(), &["verify", "runs/one", "--out", "runs/changed"]);
    let report = text(&changed);
    assert_eq!(changed.status.code(), Some(1), "{report}");
    assert!(
        report.contains("data    lab:sessions/scores.csv  DIFFERS: sha256"),
        "{report}"
    );
    assert!(report.contains("NOT reproduced"), "{report}");
    write(&a.path().join("store/lab/sessions"), "scores.csv", SCORES);

    // A bundle made in lab A verifies in lab B against B's copy of the data.
    let packed = in_dir(a.path(), &["pack", "runs/one", "-o", "one.brainclip.tar.gz"]);
    let listing = text(&packed);
    assert!(packed.status.success(), "{listing}");
    for entry in ["manifest.json", "metrics.json", "params.json", "script/x.rhai"] {
        assert!(listing.contains(entry), "{listing}");
    }
    let bundle = a.path().join("one.brainclip.tar.gz");
    let checked = in_dir(
        b.path(),
        &[
            "verify",
            bundle.to_str().unwrap(),
            "--catalog",
            "theirs.toml",
            "--out",
            "runs/check",
        ],
    );
    let report = text(&checked);
    assert!(checked.status.success(), "{report}");
    assert!(report.contains("script  experiments/x.rhai  identical"), "{report}");
    assert!(
        report.contains("data    lab:sessions/scores.csv  identical"),
        "{report}"
    );
    // Without B's catalog the data cannot be found, and verify says so.
    let lost = in_dir(b.path(), &["verify", bundle.to_str().unwrap(), "--out", "runs/lost"]);
    let report = text(&lost);
    assert_eq!(lost.status.code(), Some(1), "{report}");
    assert!(
        report.contains("MISSING") && report.contains("`lab` is not in the data catalog"),
        "{report}"
    );
}

#[test]
fn a_new_experiment_folder_runs_its_starter_on_the_built_in_data() {
    let root = tempfile::tempdir().unwrap();
    let made = in_dir(root.path(), &["new", "vision"]);
    assert!(made.status.success(), "{}", text(&made));
    let folder = root.path().join("vision");
    for file in ["brainclip.toml", "experiments/zero_shot.rhai", "README.md"] {
        assert!(folder.join(file).is_file(), "{file}");
    }
    let again = in_dir(root.path(), &["new", "vision"]);
    assert!(
        !again.status.success() && text(&again).contains("not empty"),
        "{}",
        text(&again)
    );
    let catalog = text(&in_dir(&folder, &["catalog"]));
    assert!(
        catalog.contains("vision/brainclip.toml") && catalog.contains("(no datasets)"),
        "{catalog}"
    );
    let run = in_dir(
        &folder,
        &[
            "script",
            "experiments/zero_shot.rhai",
            "--set",
            "epochs=1",
            "--set",
            "voxels=100",
            "--set",
            "width=32",
            "--out",
            "runs/first",
        ],
    );
    assert!(run.status.success(), "{}", text(&run));
    let m = manifest(&folder.join("runs/first"));
    assert!(
        m["metrics"]["BrainCLIP"]["zero_shot"]["top1"].is_number(),
        "{}",
        m["metrics"]
    );
    let imports: Vec<&str> = m["modules"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|x| x["import"].as_str())
        .collect();
    assert_eq!(imports, ["brainclip/experiment", "brainclip/report"]);
}
