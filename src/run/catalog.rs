//! The data catalog: the dataset names scripts use (`data_path("GOD:Subject1.h5")`) mapped to
//! where this lab keeps them, so one script runs unchanged on every lab's copy of the data, and
//! manifests record files by dataset name and relative path instead of a lab's directory layout.
//!
//! `brainclip.toml` is looked up in the working directory, then in the user's config folder
//! (`~/.config/brainclip/brainclip.toml` on Linux); `--catalog FILE` chooses one. The JSON form
//! of earlier versions (an object of name → path) is still read.
//!
//! ```toml
//! [datasets.GOD]
//! path = "/data/kamitani/GOD"
//! notes = "Horikawa & Kamitani (2017), fMRI on ImageNet, from figshare"
//!
//! [datasets]
//! stimuli = "../stimuli"   # the short form: a path only
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Component, Path, PathBuf};

use serde::Serialize;
use thiserror::Error;

use crate::suggest::did_you_mean;

/// The catalog file name looked up in the working and config folders.
pub const CATALOG_FILE: &str = "brainclip.toml";

/// Dataset names → local paths, and where they were read from.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Catalog {
    /// The file the catalog was read from; `None` when there is none.
    pub source: Option<PathBuf>,
    /// The datasets by name.
    pub datasets: BTreeMap<String, CatalogEntry>,
}

/// One dataset of the catalog.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CatalogEntry {
    /// Where this lab keeps it (relative paths are relative to the catalog file's folder).
    pub path: PathBuf,
    /// Notes for whoever runs the scripts: its origin, version, licence.
    pub notes: Option<String>,
}

/// A catalog that cannot be read, or a name it does not hold.
#[derive(Debug, Error)]
pub enum CatalogError {
    /// The file cannot be read.
    #[error("cannot read data catalog {}: {source}", path.display())]
    Io {
        /// The catalog file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The file is not a catalog.
    #[error("data catalog {}: {message}", path.display())]
    Invalid {
        /// The catalog file.
        path: PathBuf,
        /// What is wrong, and where.
        message: String,
    },
    /// A dataset name the catalog does not define.
    #[error("`{name}` is not in the data catalog ({listed})")]
    Unknown {
        /// The name asked for.
        name: String,
        /// The names it has, or where it looked.
        listed: String,
        /// The nearest name, for did-you-mean.
        closest: Option<String>,
    },
    /// A file part that would leave the dataset's folder.
    #[error("`{name}`: the file part must be a relative path inside the dataset, without `..`")]
    OutsideDataset {
        /// The name asked for.
        name: String,
    },
}

impl Catalog {
    /// Read a catalog file: TOML (`brainclip.toml`), or the JSON object of earlier versions.
    ///
    /// ```
    /// let dir = tempfile::tempdir().unwrap();
    /// let file = dir.path().join("brainclip.toml");
    /// std::fs::write(&file, "[datasets.GOD]\npath = \"data/GOD\"\nnotes = \"figshare\"\n").unwrap();
    /// let catalog = brainclip::run::Catalog::read(&file).unwrap();
    /// assert_eq!(catalog.resolve("GOD:Subject1.h5").unwrap(), dir.path().join("data/GOD/Subject1.h5"));
    /// assert_eq!(catalog.datasets["GOD"].notes.as_deref(), Some("figshare"));
    /// ```
    pub fn read(path: &Path) -> Result<Self, CatalogError> {
        let text = std::fs::read_to_string(path).map_err(|source| CatalogError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let invalid = |message: String| CatalogError::Invalid {
            path: path.to_path_buf(),
            message,
        };
        let is_json =
            path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json")) || text.trim_start().starts_with('{');
        let entries = if is_json {
            let map: BTreeMap<String, PathBuf> = serde_json::from_str(&text)
                .map_err(|e| invalid(format!("expected a JSON object of name → path, found: {e}")))?;
            map.into_iter()
                .map(|(name, path)| (name, CatalogEntry { path, notes: None }))
                .collect()
        } else {
            parse_toml(&text).map_err(invalid)?
        };
        let base = path.parent().unwrap_or(Path::new("."));
        let datasets = entries
            .into_iter()
            .map(|(name, mut entry)| {
                if entry.path.is_relative() {
                    entry.path = base.join(&entry.path);
                }
                (name, entry)
            })
            .collect();
        Ok(Self {
            source: Some(path.to_path_buf()),
            datasets,
        })
    }

    /// The catalog a run uses: `explicit` (`--catalog`) if given, else `brainclip.toml` in
    /// `working_dir`, else the one in the user's config folder, else an empty catalog.
    pub fn discover(explicit: Option<&Path>, working_dir: &Path) -> Result<Self, CatalogError> {
        if let Some(path) = explicit {
            return Self::read(path);
        }
        for candidate in Self::search_path(working_dir) {
            if candidate.is_file() {
                return Self::read(&candidate);
            }
        }
        Ok(Self::default())
    }

    /// Where [`Catalog::discover`] looks when no file is given, in order.
    pub fn search_path(working_dir: &Path) -> Vec<PathBuf> {
        let mut places = vec![working_dir.join(CATALOG_FILE)];
        if let Some(config) = dirs::config_dir() {
            places.push(config.join("brainclip").join(CATALOG_FILE));
        }
        places
    }

    /// The path of `name`: a dataset (`GOD`) or a file in it (`GOD:Subject1.h5`).
    pub fn resolve(&self, name: &str) -> Result<PathBuf, CatalogError> {
        let (dataset, file) = match name.split_once(':') {
            Some((d, f)) => (d, Some(f)),
            None => (name, None),
        };
        let entry = self.datasets.get(dataset).ok_or_else(|| CatalogError::Unknown {
            name: dataset.to_string(),
            listed: self.listing(),
            closest: did_you_mean(dataset, self.datasets.keys().map(String::as_str)).map(str::to_string),
        })?;
        match file {
            None => Ok(entry.path.clone()),
            Some(file) => {
                let relative = Path::new(file);
                let inside = !file.is_empty()
                    && relative
                        .components()
                        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
                if !inside {
                    return Err(CatalogError::OutsideDataset { name: name.to_string() });
                }
                Ok(entry.path.join(relative))
            }
        }
    }

    /// The dataset a (canonical) file belongs to, and its path inside it: how manifests name
    /// data files, so that another lab can match its own copy.
    pub fn locate(&self, file: &Path) -> Option<(String, PathBuf)> {
        self.datasets
            .iter()
            .filter_map(|(name, entry)| {
                let root = entry.path.canonicalize().ok()?;
                let relative = file.strip_prefix(&root).ok()?;
                Some((name.clone(), relative.to_path_buf(), root.components().count()))
            })
            // The innermost dataset, when one lies inside another.
            .max_by_key(|(_, _, depth)| *depth)
            .map(|(name, relative, _)| (name, relative))
    }

    /// The paths of every dataset (all readable by scripts).
    pub fn paths(&self) -> impl Iterator<Item = &Path> {
        self.datasets.values().map(|e| e.path.as_path())
    }

    fn listing(&self) -> String {
        match (&self.source, self.datasets.is_empty()) {
            (None, _) => "no catalog: give one with --catalog FILE or write a brainclip.toml".into(),
            (Some(source), true) => format!("{} defines no datasets", source.display()),
            (Some(_), false) => format!(
                "it has {}",
                self.datasets.keys().cloned().collect::<Vec<_>>().join(", ")
            ),
        }
    }
}

impl fmt::Display for Catalog {
    /// What `brainclip catalog` prints.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some(source) = &self.source else {
            return writeln!(f, "no data catalog");
        };
        writeln!(f, "data catalog {}", source.display())?;
        if self.datasets.is_empty() {
            return writeln!(f, "  (no datasets)");
        }
        let width = self.datasets.keys().map(String::len).max().unwrap_or(0);
        for (name, entry) in &self.datasets {
            let missing = if entry.path.exists() { "" } else { "  (missing)" };
            writeln!(f, "  {name:width$}  {}{missing}", entry.path.display())?;
            if let Some(notes) = &entry.notes {
                writeln!(f, "  {:width$}  {notes}", "")?;
            }
        }
        Ok(())
    }
}

/// The `[datasets]` table of a `brainclip.toml`: each a path, or a table with `path` and `notes`.
fn parse_toml(text: &str) -> Result<BTreeMap<String, CatalogEntry>, String> {
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| e.to_string())?;
    if let Some(key) = table.keys().find(|k| k.as_str() != "datasets") {
        let hint = did_you_mean(key, ["datasets"]).map_or_else(String::new, |s| format!(" (did you mean `{s}`?)"));
        return Err(format!(
            "unknown key `{key}`{hint}: a catalog has one table, [datasets]"
        ));
    }
    let Some(datasets) = table.get("datasets") else {
        return Ok(BTreeMap::new());
    };
    let datasets = datasets.as_table().ok_or("`datasets` must be a table: [datasets]")?;
    datasets
        .iter()
        .map(|(name, value)| {
            let entry = match value {
                toml::Value::String(path) => CatalogEntry {
                    path: PathBuf::from(path),
                    notes: None,
                },
                toml::Value::Table(fields) => {
                    if let Some(key) = fields.keys().find(|k| !matches!(k.as_str(), "path" | "notes")) {
                        let hint = did_you_mean(key, ["path", "notes"])
                            .map_or_else(String::new, |s| format!(" (did you mean `{s}`?)"));
                        return Err(format!(
                            "datasets.{name}: unknown key `{key}`{hint}; a dataset has `path` and `notes`"
                        ));
                    }
                    let path = fields
                        .get("path")
                        .and_then(toml::Value::as_str)
                        .ok_or_else(|| format!("datasets.{name}: `path = \"...\"` is missing"))?;
                    let notes = match fields.get("notes") {
                        None => None,
                        Some(toml::Value::String(n)) => Some(n.clone()),
                        Some(_) => return Err(format!("datasets.{name}: `notes` must be a string")),
                    };
                    CatalogEntry {
                        path: PathBuf::from(path),
                        notes,
                    }
                }
                _ => {
                    return Err(format!(
                        "datasets.{name}: expected a path (\"...\") or a table with `path` and `notes`"
                    ));
                }
            };
            Ok((name.clone(), entry))
        })
        .collect()
}

impl crate::Classified for CatalogError {
    fn kind(&self) -> crate::ErrorKind {
        crate::ErrorKind::Data
    }
    fn hint(&self) -> Option<crate::Hint> {
        Some(match self {
            CatalogError::Unknown { closest: Some(c), .. } => format!("did you mean `{c}`?").into(),
            CatalogError::Unknown { .. } | CatalogError::Io { .. } | CatalogError::Invalid { .. } => {
                "`brainclip catalog` shows the catalog in use and where it was read from".into()
            }
            CatalogError::OutsideDataset { .. } => "write \"DATASET:sub/folder/file.h5\"".into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog(dir: &Path, text: &str) -> Result<Catalog, CatalogError> {
        let file = dir.join("brainclip.toml");
        std::fs::write(&file, text).unwrap();
        Catalog::read(&file)
    }

    #[test]
    fn both_forms_and_the_json_of_earlier_versions_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let c = catalog(
            dir.path(),
            "[datasets]\nstimuli = \"../stim\"\n\n[datasets.GOD]\npath = \"/data/GOD\"\n",
        )
        .unwrap();
        assert_eq!(c.resolve("stimuli").unwrap(), dir.path().join("../stim"));
        assert_eq!(
            c.resolve("GOD:sub/Subject1.h5").unwrap(),
            Path::new("/data/GOD/sub/Subject1.h5")
        );
        let json = dir.path().join("catalog.json");
        std::fs::write(&json, r#"{ "god/subject1": "GOD/Subject1.h5" }"#).unwrap();
        let c = Catalog::read(&json).unwrap();
        assert_eq!(c.resolve("god/subject1").unwrap(), dir.path().join("GOD/Subject1.h5"));
    }

    #[test]
    fn mistakes_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let err = catalog(dir.path(), "[dataset.GOD]\npath = \"x\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("unknown key `dataset` (did you mean `datasets`?)"),
            "{err}"
        );
        let err = catalog(dir.path(), "[datasets.GOD]\npaht = \"x\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("datasets.GOD: unknown key `paht` (did you mean `path`?)"),
            "{err}"
        );
        let err = catalog(dir.path(), "[datasets.GOD]\nnotes = \"x\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("`path = \"...\"` is missing"), "{err}");
        let err = catalog(dir.path(), "[datasets\n").unwrap_err().to_string();
        assert!(err.contains("brainclip.toml"), "{err}");
        let c = catalog(dir.path(), "[datasets]\nGOD = \"g\"\n").unwrap();
        let err = c.resolve("GDO:Subject1.h5").unwrap_err();
        assert!(
            matches!(&err, CatalogError::Unknown { closest: Some(c), .. } if c == "GOD"),
            "{err}"
        );
        assert!(err.to_string().contains("(it has GOD)"), "{err}");
        for escape in ["GOD:../secret", "GOD:/etc/passwd", "GOD:"] {
            assert!(
                matches!(c.resolve(escape), Err(CatalogError::OutsideDataset { .. })),
                "{escape}"
            );
        }
    }

    #[test]
    fn files_are_located_in_the_innermost_dataset() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("GOD/derived")).unwrap();
        let file = dir.path().join("GOD/derived/x.npy");
        std::fs::write(&file, b"x").unwrap();
        let c = catalog(dir.path(), "[datasets]\nGOD = \"GOD\"\nderived = \"GOD/derived\"\n").unwrap();
        let canonical = file.canonicalize().unwrap();
        assert_eq!(c.locate(&canonical), Some(("derived".into(), PathBuf::from("x.npy"))));
        assert_eq!(c.locate(Path::new("/elsewhere/x.npy")), None);
    }

    #[test]
    fn discovery_prefers_the_flag_then_the_working_directory() {
        let dir = tempfile::tempdir().unwrap();
        assert!(
            Catalog::discover(None, dir.path())
                .unwrap()
                .source
                .is_none_or(|s| !s.starts_with(dir.path()))
        );
        let here = catalog(dir.path(), "[datasets]\nA = \"a\"\n").unwrap();
        assert_eq!(Catalog::discover(None, dir.path()).unwrap(), here);
        let other = dir.path().join("other.toml");
        std::fs::write(&other, "[datasets]\nB = \"b\"\n").unwrap();
        assert!(
            Catalog::discover(Some(&other), dir.path())
                .unwrap()
                .datasets
                .contains_key("B")
        );
    }
}
