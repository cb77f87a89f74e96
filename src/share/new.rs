//! `brainclip new DIR`: an experiment folder with a catalog template, a starter script that runs
//! on the built-in data, and a README.

use std::path::{Path, PathBuf};

use super::{ShareError, io};

/// The files of a new experiment folder: (relative path, contents).
const TEMPLATE: [(&str, &str); 3] = [
    ("brainclip.toml", include_str!("template/brainclip.toml")),
    ("experiments/zero_shot.rhai", include_str!("template/experiment.rhai")),
    ("README.md", include_str!("template/README.md")),
];

/// Create the experiment folder `dir` (it must not exist, or be empty); returns the files written.
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// let files = brainclip::share::scaffold(&dir.path().join("vision")).unwrap();
/// assert!(files.iter().any(|f| f.ends_with("experiments/zero_shot.rhai")));
/// assert!(brainclip::share::scaffold(&dir.path().join("vision")).is_err());
/// ```
pub fn scaffold(dir: &Path) -> Result<Vec<PathBuf>, ShareError> {
    if std::fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_some()) {
        return Err(ShareError::NotARun {
            path: dir.to_path_buf(),
            message: "already exists and is not empty; choose a new folder".into(),
        });
    }
    let name = dir
        .file_name()
        .map_or_else(|| "experiment".into(), |n| n.to_string_lossy().into_owned());
    let mut written = Vec::new();
    for (relative, text) in TEMPLATE {
        let path = dir.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        std::fs::write(&path, text.replace("{name}", &name)).map_err(io(&path))?;
        written.push(path);
    }
    Ok(written)
}
