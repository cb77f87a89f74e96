//! The one place where brainclip touches the file system on a script's behalf.
//!
//! Writes are confined to the run directory and atomic (a temporary file in the same folder,
//! then a rename), so an interrupted or failed run never leaves a half-written file and never
//! overwrites anything outside its folder. Reads are confined to the allowed roots: the script's
//! folder, paths given with `--allow-read`, files named in `--set` values or the data catalog,
//! and the run directory itself.

use std::io::Write;
use std::path::{Component, Path, PathBuf};

use thiserror::Error;

/// A refused or failed file operation.
#[derive(Debug, Error)]
pub enum FileError {
    /// The path would leave the run directory.
    #[error("`{path}` is outside the run directory {run_dir}; scripts write only inside it")]
    OutsideRunDir {
        /// The file.
        path: String,
        /// The run directory.
        run_dir: PathBuf,
    },
    /// This context has no run directory (e.g. one made only to list documentation).
    #[error("this session has no run directory to write `{0}` into")]
    NoRunDirectory(String),
    /// The path names no file.
    #[error("`{0}` is not a file name")]
    NotAFileName(String),
    /// A read outside every allowed root.
    #[error("`{path}` is outside the folders this run may read ({roots})")]
    NotReadable {
        /// The file as given.
        path: String,
        /// The allowed roots, listed.
        roots: String,
    },
    /// A file to read does not exist.
    #[error("no such file: {0}")]
    NotFound(String),
    /// The operating system refused.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
}

/// `name` with the extension `ext` (given without its dot) appended unless it already ends
/// with it: what a script's file name becomes.
///
/// ```
/// use brainclip::run::with_extension;
/// assert_eq!(with_extension("results", "csv"), "results.csv");
/// assert_eq!(with_extension("tables/results.csv", "csv"), "tables/results.csv");
/// assert_eq!(with_extension("results.txt", "csv"), "results.txt.csv");
/// ```
pub fn with_extension(name: &str, ext: &str) -> String {
    match name.strip_suffix(ext).is_some_and(|stem| stem.ends_with('.')) {
        true => name.to_string(),
        false => format!("{name}.{ext}"),
    }
}

/// Where a run may write (and, later, read).
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// let files = brainclip::run::FilePolicy::new(dir.path().to_path_buf()).unwrap();
/// let path = files.write("figures/a.txt", b"hello").unwrap();
/// assert_eq!(std::fs::read(&path).unwrap(), b"hello");
/// assert!(files.write("../escape.txt", b"no").is_err());
/// ```
#[derive(Clone, Debug)]
pub struct FilePolicy {
    /// The run directory.
    run_dir: PathBuf,
    writable: bool,
    read_roots: Vec<PathBuf>,
}

impl FilePolicy {
    /// A policy writing into `run_dir`, which is created if needed.
    pub fn new(run_dir: PathBuf) -> Result<Self, FileError> {
        std::fs::create_dir_all(&run_dir).map_err(|source| FileError::Io {
            path: run_dir.clone(),
            source,
        })?;
        Ok(Self {
            run_dir,
            writable: true,
            read_roots: Vec::new(),
        })
    }

    /// A policy that refuses every write (for a context that only lists documentation).
    pub fn read_only(run_dir: PathBuf) -> Self {
        Self {
            run_dir,
            writable: false,
            read_roots: Vec::new(),
        }
    }

    /// Allow reading below `root` (a folder or a single file); roots that do not exist are
    /// ignored, since nothing can be read from them.
    pub fn allow_read(&mut self, root: &Path) {
        if let Ok(canonical) = root.canonicalize()
            && !self.read_roots.contains(&canonical)
        {
            self.read_roots.push(canonical);
        }
    }

    /// The path of `name` (relative to the working directory, or absolute) if it exists and lies
    /// under an allowed root or the run directory.
    ///
    /// ```
    /// let dir = tempfile::tempdir().unwrap();
    /// std::fs::write(dir.path().join("data.csv"), "a\n1\n").unwrap();
    /// let mut files = brainclip::run::FilePolicy::new(dir.path().join("run")).unwrap();
    /// assert!(files.readable(dir.path().join("data.csv").to_str().unwrap()).is_err());
    /// files.allow_read(dir.path());
    /// assert!(files.readable(dir.path().join("data.csv").to_str().unwrap()).is_ok());
    /// ```
    pub fn readable(&self, name: &str) -> Result<PathBuf, FileError> {
        let path = Path::new(name);
        let canonical = path.canonicalize().map_err(|_| FileError::NotFound(name.to_string()))?;
        let run_dir = self.run_dir.canonicalize().ok();
        let allowed = self
            .read_roots
            .iter()
            .chain(run_dir.iter())
            .any(|root| canonical.starts_with(root));
        if allowed {
            Ok(canonical)
        } else {
            let roots: Vec<String> = self.read_roots.iter().map(|r| r.display().to_string()).collect();
            Err(FileError::NotReadable {
                path: name.to_string(),
                roots: if roots.is_empty() {
                    "none".into()
                } else {
                    roots.join(", ")
                },
            })
        }
    }

    /// The run directory.
    pub fn run_dir(&self) -> &Path {
        &self.run_dir
    }

    /// The folders and files (canonical) that may be read besides the run directory.
    pub fn read_roots(&self) -> &[PathBuf] {
        &self.read_roots
    }

    /// The absolute-or-cwd-relative path of `name` inside the run directory, if it stays inside.
    pub fn output_path(&self, name: &str) -> Result<PathBuf, FileError> {
        let relative = Path::new(name);
        let outside = || FileError::OutsideRunDir {
            path: name.to_string(),
            run_dir: self.run_dir.clone(),
        };
        if relative.is_absolute() {
            return Err(outside());
        }
        let mut depth = 0usize;
        for component in relative.components() {
            match component {
                Component::Normal(_) => depth += 1,
                Component::CurDir => {}
                Component::ParentDir => depth = depth.checked_sub(1).ok_or_else(outside)?,
                Component::RootDir | Component::Prefix(_) => return Err(outside()),
            }
        }
        if depth == 0 {
            return Err(FileError::NotAFileName(name.to_string()));
        }
        Ok(self.run_dir.join(relative))
    }

    /// Write `bytes` to `name` inside the run directory, atomically; returns the path written.
    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<PathBuf, FileError> {
        if !self.writable {
            return Err(FileError::NoRunDirectory(name.to_string()));
        }
        let path = self.output_path(name)?;
        let io = |source| FileError::Io {
            path: path.clone(),
            source,
        };
        let parent = path.parent().unwrap_or(&self.run_dir);
        std::fs::create_dir_all(parent).map_err(io)?;
        let mut tmp = tempfile::NamedTempFile::new_in(parent).map_err(io)?;
        tmp.write_all(bytes).map_err(io)?;
        tmp.as_file().sync_all().map_err(io)?;
        tmp.persist(&path).map_err(|e| io(e.error))?;
        Ok(path)
    }
}

impl crate::Classified for FileError {
    fn kind(&self) -> crate::ErrorKind {
        crate::ErrorKind::File
    }
    fn hint(&self) -> Option<crate::Hint> {
        let hint = match self {
            FileError::OutsideRunDir { .. } => "give a plain file name such as \"figure.png\"",
            FileError::NotReadable { .. } => {
                "allow the folder with --allow-read DIR, or name the file in --set or the data catalog"
            }
            FileError::NotFound(_) => "paths are relative to the working directory",
            _ => return None,
        };
        Some(hint.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confines_writes_to_the_run_directory() {
        let dir = tempfile::tempdir().unwrap();
        let files = FilePolicy::new(dir.path().join("run")).unwrap();
        assert!(files.write("a/../b.txt", b"x").is_ok());
        for bad in ["../x", "a/../../x", "/etc/passwd", "", "."] {
            assert!(files.write(bad, b"x").is_err(), "{bad}");
        }
        assert!(!dir.path().join("x").exists());
    }

    #[test]
    fn reads_stay_under_the_roots() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir_all(&data).unwrap();
        std::fs::write(data.join("x.npy"), b"x").unwrap();
        std::fs::write(dir.path().join("secret.txt"), b"s").unwrap();
        let mut files = FilePolicy::new(dir.path().join("run")).unwrap();
        files.allow_read(&data);
        assert!(files.readable(data.join("x.npy").to_str().unwrap()).is_ok());
        let sneaky = data.join("../secret.txt");
        let err = files.readable(sneaky.to_str().unwrap()).unwrap_err().to_string();
        assert!(err.contains("outside the folders this run may read"), "{err}");
        assert!(matches!(files.readable("/no/such/file"), Err(FileError::NotFound(_))));
        // the run directory is always readable
        let written = files.write("out.txt", b"o").unwrap();
        assert!(files.readable(written.to_str().unwrap()).is_ok());
    }

    #[test]
    fn a_rewrite_replaces_the_whole_file() {
        let dir = tempfile::tempdir().unwrap();
        let files = FilePolicy::new(dir.path().to_path_buf()).unwrap();
        files.write("m.json", b"a much longer first version").unwrap();
        let path = files.write("m.json", b"short").unwrap();
        assert_eq!(std::fs::read(path).unwrap(), b"short");
        // no temporary files left behind
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
