//! Installing the kernelspec: `kernel.json` and two logos in a folder Jupyter searches.

use std::path::{Path, PathBuf};
use std::process::Command;

use image::{ImageEncoder, Rgba, RgbaImage};
use serde_json::json;

use super::error::KernelError;

/// The kernel's name: the folder under `kernels/` and what `--kernel` / notebooks refer to.
pub const KERNEL_NAME: &str = "brainclip";

/// The name notebooks show.
pub const DISPLAY_NAME: &str = "BrainCLIP (Rhai)";

/// Where to install the kernelspec (the choices of `jupyter kernelspec install`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InstallTarget {
    /// The user's Jupyter data folder: `$JUPYTER_DATA_DIR`, else `$XDG_DATA_HOME/jupyter`, else
    /// `~/.local/share/jupyter` (`~/Library/Jupyter` on macOS, `%APPDATA%\jupyter` on Windows).
    User,
    /// `sys.prefix/share/jupyter` of the `python3` on `PATH` (the active virtualenv or conda
    /// environment).
    SysPrefix,
    /// `PREFIX/share/jupyter`.
    Prefix(PathBuf),
}

/// The `kernels` folder of a target (the kernelspec goes in its `brainclip` subfolder).
pub fn kernels_dir(target: &InstallTarget) -> Result<PathBuf, KernelError> {
    Ok(match target {
        InstallTarget::User => user_data_dir()?.join("kernels"),
        InstallTarget::SysPrefix => python_prefix()?.join("share").join("jupyter").join("kernels"),
        InstallTarget::Prefix(prefix) => prefix.join("share").join("jupyter").join("kernels"),
    })
}

fn env_path(name: &str) -> Option<PathBuf> {
    std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from)
}

/// Jupyter's user data folder, as `jupyter --data-dir` reports it.
fn user_data_dir() -> Result<PathBuf, KernelError> {
    if let Some(dir) = env_path("JUPYTER_DATA_DIR") {
        return Ok(dir);
    }
    if cfg!(windows) {
        return env_path("APPDATA")
            .map(|d| d.join("jupyter"))
            .ok_or_else(|| KernelError::DataDir("APPDATA is not set".into()));
    }
    let home = env_path("HOME").ok_or_else(|| KernelError::DataDir("HOME is not set".into()));
    if cfg!(target_os = "macos") {
        return Ok(home?.join("Library").join("Jupyter"));
    }
    match env_path("XDG_DATA_HOME") {
        Some(data) => Ok(data.join("jupyter")),
        None => Ok(home?.join(".local").join("share").join("jupyter")),
    }
}

/// `sys.prefix` of the Python on `PATH`.
fn python_prefix() -> Result<PathBuf, KernelError> {
    let mut tried = Vec::new();
    for python in ["python3", "python"] {
        match Command::new(python)
            .args(["-c", "import sys; print(sys.prefix)"])
            .output()
        {
            Ok(out) if out.status.success() => {
                let prefix = String::from_utf8_lossy(&out.stdout).trim().to_string();
                if !prefix.is_empty() {
                    return Ok(PathBuf::from(prefix));
                }
                tried.push(format!("{python} printed no prefix"));
            }
            Ok(out) => tried.push(format!("{python} failed ({})", out.status)),
            Err(e) => tried.push(format!("{python}: {e}")),
        }
    }
    Err(KernelError::DataDir(format!(
        "--sys-prefix needs Python to report sys.prefix: {}",
        tried.join("; ")
    )))
}

/// The `kernel.json` that starts `exe kernel --connection-file {connection_file}`.
///
/// ```
/// let spec = brainclip::kernel::kernelspec_json(std::path::Path::new("/opt/brainclip"));
/// assert_eq!(spec["argv"][0], "/opt/brainclip");
/// assert_eq!(spec["argv"][3], "{connection_file}");
/// assert_eq!(spec["interrupt_mode"], "message");
/// ```
pub fn kernelspec_json(exe: &Path) -> serde_json::Value {
    json!({
        "argv": [exe.to_string_lossy(), "kernel", "--connection-file", "{connection_file}"],
        "display_name": DISPLAY_NAME,
        "language": "rhai",
        "interrupt_mode": "message",
        "metadata": { "debugger": false },
    })
}

/// Write the kernelspec (`kernel.json`, `logo-32x32.png`, `logo-64x64.png`) into
/// `<kernels dir of target>/brainclip`, replacing an earlier one; returns that folder.
pub fn install_kernelspec(target: InstallTarget, exe: &Path) -> Result<PathBuf, KernelError> {
    let dir = kernels_dir(&target)?.join(KERNEL_NAME);
    let write = |path: PathBuf, bytes: &[u8]| {
        std::fs::write(&path, bytes).map_err(|source| KernelError::Write { path, source })
    };
    std::fs::create_dir_all(&dir).map_err(|source| KernelError::Write {
        path: dir.clone(),
        source,
    })?;
    let spec = serde_json::to_string_pretty(&kernelspec_json(exe)).unwrap_or_default();
    write(dir.join("kernel.json"), spec.as_bytes())?;
    for size in [32, 64] {
        write(dir.join(format!("logo-{size}x{size}.png")), &logo_png(size)?)?;
    }
    Ok(dir)
}

/// The kernel's logo: two overlapping discs (brain and image, aligned) on a rounded square.
pub fn logo_png(size: u32) -> Result<Vec<u8>, KernelError> {
    let s = size as f32;
    let background = Rgba([28, 39, 64, 255]);
    let left = Rgba([239, 108, 90, 255]);
    let right = Rgba([84, 176, 222, 255]);
    let overlap = Rgba([250, 240, 220, 255]);
    let radius = 0.2 * s;
    let disc = |cx: f32, x: f32, y: f32| ((x - cx).powi(2) + (y - 0.5 * s).powi(2)).sqrt() <= 0.27 * s;
    let img = RgbaImage::from_fn(size, size, |x, y| {
        let (x, y) = (x as f32 + 0.5, y as f32 + 0.5);
        let dx = (radius - x).max(x - (s - radius)).max(0.0);
        let dy = (radius - y).max(y - (s - radius)).max(0.0);
        if dx * dx + dy * dy > radius * radius {
            return Rgba([0, 0, 0, 0]);
        }
        match (disc(0.38 * s, x, y), disc(0.62 * s, x, y)) {
            (true, true) => overlap,
            (true, false) => left,
            (false, true) => right,
            (false, false) => background,
        }
    });
    let mut png = Vec::new();
    image::codecs::png::PngEncoder::new(&mut png).write_image(
        img.as_raw(),
        size,
        size,
        image::ExtendedColorType::Rgba8,
    )?;
    Ok(png)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logos_are_pngs_of_the_right_size() {
        for size in [32, 64] {
            let png = logo_png(size).unwrap();
            let img = image::load_from_memory(&png).unwrap();
            assert_eq!((img.width(), img.height()), (size, size));
        }
    }

    #[test]
    fn prefix_install_writes_the_spec() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_path_buf();
        let target = InstallTarget::Prefix(dir.clone());
        let spec_dir = install_kernelspec(target, Path::new("/x/brainclip")).unwrap();
        assert_eq!(spec_dir, dir.join("share/jupyter/kernels/brainclip"));
        let text = std::fs::read_to_string(spec_dir.join("kernel.json")).unwrap();
        let spec: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(spec["display_name"], "BrainCLIP (Rhai)");
        assert_eq!(spec["language"], "rhai");
        assert!(spec_dir.join("logo-64x64.png").is_file());
    }
}
