//! Build script.
//!
//! Always: records the git revision brainclip is built from, for run manifests.
//!
//! With the `tch` feature (the libtorch backend):
//! - an rpath to torch's library directory, so the binary and the tests find libtorch without
//!   `LD_LIBRARY_PATH`.
//! - `libtorch_cuda` kept as a needed library (`--no-as-needed`): nothing references its symbols
//!   directly, so the linker would drop it and CUDA would then look unavailable at run time.
//! - The torch version and library directory recorded for `brainclip doctor`.
//!
//! torch-sys (a direct optional dependency for this reason) reports the library directory it
//! linked as `DEP_TCH_LIBTORCH_LIB`.

use std::env;
use std::fs;
use std::path::Path;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    record_git_revision();
    if env::var_os("CARGO_FEATURE_TCH").is_some() {
        link_libtorch();
    }
}

fn record_git_revision() {
    let revision = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    println!("cargo:rustc-env=BRAINCLIP_GIT_REVISION={revision}");
    for path in [".git/HEAD", ".git/refs/heads"] {
        if Path::new(path).exists() {
            println!("cargo:rerun-if-changed={path}");
        }
    }
}

fn link_libtorch() {
    let Some(lib) = env::var_os("DEP_TCH_LIBTORCH_LIB") else {
        println!(
            "cargo:warning=torch-sys did not report its library directory; set LD_LIBRARY_PATH to torch's lib folder to run"
        );
        return;
    };
    let lib = Path::new(&lib);
    println!("cargo:rustc-link-arg=-Wl,-rpath,{}", lib.display());
    println!("cargo:rustc-link-arg=-Wl,--no-as-needed");
    if lib.join("libtorch_cuda.so").exists() {
        println!("cargo:rustc-link-arg=-ltorch_cuda");
    }
    println!("cargo:rustc-link-arg=-ltorch");
    println!("cargo:rustc-link-arg=-Wl,--as-needed");
    println!("cargo:rustc-env=BRAINCLIP_LIBTORCH_LIB={}", lib.display());
    let version = torch_version(lib).unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=BRAINCLIP_LIBTORCH_VERSION={version}");
}

/// The version of a pip-installed torch (`torch/version.py` beside `torch/lib`), or of a libtorch
/// archive (`build-version` at its root).
fn torch_version(lib: &Path) -> Option<String> {
    let root = lib.parent()?;
    if let Ok(text) = fs::read_to_string(root.join("version.py")) {
        return text
            .lines()
            .find_map(|l| l.strip_prefix("__version__ = "))
            .map(|v| v.trim().trim_matches(|c| c == '\'' || c == '"').to_string());
    }
    fs::read_to_string(root.join("build-version"))
        .ok()
        .map(|v| v.trim().to_string())
}
