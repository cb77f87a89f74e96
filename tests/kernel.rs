//! The kernel over the wire: kernelspec installation, and the Python suite in `tests/kernel/`
//! (jupyter_kernel_test's conformance tests, interrupts, errors, panics, bad messages, shutdown,
//! a notebook run by nbclient) against the `brainclip` binary. Needs `python3` (and the package
//! registry or a wheel cache the first time, to create the venv); fails loudly without them.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::time::Instant;

const EXE: &str = env!("CARGO_BIN_EXE_brainclip");

fn kernel_tests_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("kernel")
}

fn text(output: &Output) -> String {
    format!(
        "--- stdout ---\n{}\n--- stderr ---\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The Python of the test venv (created once per `cargo test` run if missing).
fn venv_python() -> &'static Path {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(|| {
        let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("kernel-venv");
        let start = Instant::now();
        let setup = Command::new("sh")
            .arg(kernel_tests_dir().join("setup_venv.sh"))
            .arg(&venv)
            .output()
            .expect("cannot run sh tests/kernel/setup_venv.sh");
        assert!(
            setup.status.success(),
            "setting up the Python venv for the kernel tests failed (python3 with venv and pip is required):\n{}",
            text(&setup)
        );
        eprintln!("kernel test venv ready in {:.1} s", start.elapsed().as_secs_f64());
        PathBuf::from(String::from_utf8_lossy(&setup.stdout).trim())
    })
}

fn brainclip(args: &[&str], envs: &[(&str, &Path)]) -> Output {
    let mut command = Command::new(EXE);
    command.args(args);
    for (key, value) in envs {
        command.env(key, value);
    }
    command.output().expect("cannot run the brainclip binary")
}

fn assert_kernelspec(dir: &Path) {
    let spec: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("kernel.json")).expect("kernel.json")).expect("json");
    assert_eq!(
        spec["argv"],
        serde_json::json!([EXE, "kernel", "--connection-file", "{connection_file}"])
    );
    assert_eq!(spec["display_name"], "BrainCLIP (Rhai)");
    assert_eq!(spec["language"], "rhai");
    assert_eq!(spec["interrupt_mode"], "message");
    for logo in ["logo-32x32.png", "logo-64x64.png"] {
        let bytes = std::fs::read(dir.join(logo)).expect("logo");
        assert_eq!(&bytes[1..4], b"PNG");
    }
}

#[test]
fn kernelspec_installs_into_prefix_user_and_sys_prefix() {
    let tmp = tempfile::tempdir().expect("tempdir");

    let prefix = tmp.path().join("prefix");
    let out = brainclip(&["kernel", "install", "--prefix", &prefix.to_string_lossy()], &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert_kernelspec(&prefix.join("share/jupyter/kernels/brainclip"));

    let data = tmp.path().join("data");
    let out = brainclip(&["kernel", "install", "--user"], &[("JUPYTER_DATA_DIR", &data)]);
    assert!(out.status.success(), "{}", text(&out));
    assert_kernelspec(&data.join("kernels/brainclip"));

    let home = tmp.path().join("home");
    let out = Command::new(EXE)
        .args(["kernel", "install"])
        .env("HOME", &home)
        .env_remove("JUPYTER_DATA_DIR")
        .env_remove("XDG_DATA_HOME")
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", text(&out));
    assert_kernelspec(&home.join(".local/share/jupyter/kernels/brainclip"));

    // --sys-prefix follows the python3 on PATH: the venv's
    let venv_bin = venv_python().parent().expect("venv bin");
    let path = std::env::join_paths(
        std::iter::once(venv_bin.to_path_buf())
            .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
    )
    .expect("PATH");
    let out = Command::new(EXE)
        .args(["kernel", "install", "--sys-prefix"])
        .env("PATH", path)
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", text(&out));
    let installed = venv_bin.parent().expect("venv").join("share/jupyter/kernels/brainclip");
    assert_kernelspec(&installed);
    std::fs::remove_dir_all(installed).expect("clean up");

    let out = brainclip(&["kernel", "install", "--user", "--prefix", "x"], &[]);
    assert!(!out.status.success(), "--user and --prefix together must be refused");
}

#[test]
fn kernel_without_a_usable_connection_file_fails_cleanly() {
    let out = brainclip(&["kernel"], &[]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--connection-file"),
        "{}",
        text(&out)
    );

    let out = brainclip(&["kernel", "--connection-file", "/nonexistent/kernel-1.json"], &[]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("cannot read the connection file"),
        "{}",
        text(&out)
    );
}

#[test]
fn jupyter_clients_drive_the_kernel() {
    let python = venv_python();
    // The kernels start in the working directory and write their run directories there.
    let work = tempfile::tempdir().expect("tempdir");
    let start = Instant::now();
    let out = Command::new(python)
        .args(["-m", "unittest", "-v", "test_conformance"])
        .current_dir(work.path())
        .env("PYTHONPATH", kernel_tests_dir())
        .env("BRAINCLIP_EXE", EXE)
        .env_remove("BRAINCLIP_KERNEL_PREFIX")
        .output()
        .expect("cannot run the venv's python");
    eprintln!(
        "python kernel tests took {:.1} s\n{}",
        start.elapsed().as_secs_f64(),
        text(&out)
    );
    assert!(out.status.success(), "the Python kernel tests failed:\n{}", text(&out));
}

/// Both Rhai notebooks of `notebooks/` run in the real kernel (nbclient): no cell errors, an
/// inline PNG figure and the metrics table appear.
#[test]
fn shipped_notebooks_run_in_the_kernel() {
    let python = venv_python();
    let tmp = tempfile::tempdir().expect("tempdir");
    let prefix = tmp.path().join("prefix");
    let out = brainclip(&["kernel", "install", "--prefix", &prefix.to_string_lossy()], &[]);
    assert!(out.status.success(), "{}", text(&out));
    for (name, table_header) in [
        ("zero_shot.ipynb", "zero-shot top-1"),
        ("compare_losses.ipynb", "group"),
    ] {
        let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("notebooks").join(name);
        let executed = tmp.path().join(name);
        let out = Command::new(python)
            .arg(kernel_tests_dir().join("run_notebook.py"))
            .arg(&source)
            .args([
                "brainclip",
                "--json",
                "--expect",
                "image/png",
                "--expect",
                "stream",
                "--output",
            ])
            .arg(&executed)
            .current_dir(tmp.path())
            .env("JUPYTER_PATH", prefix.join("share/jupyter"))
            .env("JUPYTER_DATA_DIR", tmp.path().join("data"))
            .env("JUPYTER_RUNTIME_DIR", tmp.path().join("runtime"))
            .env("JUPYTER_PLATFORM_DIRS", "1")
            .output()
            .expect("cannot run run_notebook.py");
        assert!(out.status.success(), "{name}:\n{}", text(&out));
        let notebook = std::fs::read_to_string(&executed).expect("executed notebook");
        assert!(
            notebook.contains(table_header),
            "{name}: no metrics table in the outputs"
        );
        assert!(notebook.contains("image/png"), "{name}: no inline figure");
    }
}

/// The notebooks in `notebooks/` are saved with the outputs their kernels produced: every code
/// cell ran, none failed, and each shows an inline figure. The evcxr notebook is executed by
/// `notebooks/execute_evcxr.sh` (outside the suite: evcxr compiles brainclip itself), so its
/// saved outputs are what this checks.
#[test]
fn shipped_notebooks_are_saved_with_outputs() {
    for (name, kernel) in [
        ("zero_shot.ipynb", "brainclip"),
        ("compare_losses.ipynb", "brainclip"),
        ("evcxr_quickstart.ipynb", "rust"),
    ] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("notebooks").join(name);
        let notebook: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("notebook")).expect("notebook JSON");
        assert_eq!(notebook["metadata"]["kernelspec"]["name"], kernel, "{name}");
        let code_cells: Vec<&serde_json::Value> = notebook["cells"]
            .as_array()
            .expect("cells")
            .iter()
            .filter(|c| c["cell_type"] == "code")
            .collect();
        assert!(!code_cells.is_empty(), "{name}: no code cells");
        let mut figures = 0;
        for (i, cell) in code_cells.iter().enumerate() {
            assert!(cell["execution_count"].is_u64(), "{name}: code cell {i} was not run");
            for output in cell["outputs"].as_array().expect("outputs") {
                assert_ne!(output["output_type"], "error", "{name}: code cell {i} failed: {output}");
                figures += usize::from(output["data"].get("image/png").is_some());
            }
        }
        assert!(figures > 0, "{name}: no inline figure in the saved outputs");
    }
}
