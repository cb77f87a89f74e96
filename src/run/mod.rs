//! A run: its directory, its parameters, and the record of what it did (`manifest.json`,
//! `metrics.json`, `history.csv`). Script functions reach the file system only through here.

mod builtin;
mod catalog;
mod embedding_cache;
mod files;
mod folder_training;
mod gallery;
mod generation;
mod history_csv;
mod manifest;
mod model_output;
mod output;
mod params;
mod progress;
mod sweep;
mod table_csv;
mod training;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::Value;

pub use builtin::{BuiltinDataError, SimulatedWorld, god_class_prompts, simulate_world};
pub use catalog::{CATALOG_FILE, Catalog, CatalogEntry, CatalogError};
pub use embedding_cache::{EmbedError, cached_embeddings};
pub use files::{FileError, FilePolicy, with_extension};
pub use folder_training::{FolderTrainError, train_clip_into, train_diffusion_into};
pub use gallery::{GalleryError, GalleryPick, GallerySource, nearest_gallery_images};
pub use generation::{GenerateRunError, Generated, generate_into};
pub use history_csv::history_csv;
pub use manifest::{Manifest, RunStatus, git_revision, now, process_record};
pub use model_output::{ModelOutput, OutputError};
pub use output::{OutputSink, SharedSink};
pub use params::{ParamSyntaxError, ParamValue, parse_params};
pub use progress::{EncodeProgress, GenerateProgress, SweepProgress, TrainingProgress};
pub use sweep::{ScriptSweep, ScriptSweepError};
pub use table_csv::csv_bytes;
pub use training::{RunTraining, TrainRunError, Trained};

use crate::device::ComputeDevice;
use crate::train::EpochRecord;

/// Everything needed to start a run.
#[derive(Clone, Debug)]
pub struct RunSettings {
    /// The run directory (created if needed).
    pub run_dir: PathBuf,
    /// The script's path or a label (`repl`, `kernel`).
    pub script: String,
    /// The script text, for its hash.
    pub script_text: Option<String>,
    /// `--set` parameters.
    pub params: BTreeMap<String, ParamValue>,
    /// The session seed.
    pub seed: u64,
    /// Where tensors live.
    pub device: ComputeDevice,
    /// The command line.
    pub command: Vec<String>,
    /// Show progress bars (when stderr is a terminal).
    pub progress: bool,
    /// Folders (or files) scripts may read, besides the run directory.
    pub read_roots: Vec<PathBuf>,
    /// The data catalog: names scripts use → paths (readable).
    pub catalog: Catalog,
    /// The session's resource limits, as the manifest records them.
    pub limits: Value,
}

/// The state of one run, shared by every script function of a session.
pub struct RunContext {
    files: FilePolicy,
    seed: u64,
    device: RefCell<ComputeDevice>,
    params: BTreeMap<String, ParamValue>,
    manifest: RefCell<Manifest>,
    histories: RefCell<Vec<(String, Vec<EpochRecord>)>>,
    deferred_error: RefCell<Option<FileError>>,
    cancel: Arc<AtomicBool>,
    progress: bool,
    catalog: Catalog,
    /// The script's folder (canonical): manifests name files in it relative to it.
    home: Option<PathBuf>,
    hashed: RefCell<BTreeMap<PathBuf, Value>>,
    output: RefCell<SharedSink>,
}

impl RunContext {
    /// Create the run directory and write the initial manifest (status `running`).
    pub fn start(settings: RunSettings) -> Result<Self, FileError> {
        let files = FilePolicy::new(settings.run_dir.clone())?;
        let run = Self::with_files(settings, files);
        run.write_manifest()?;
        Ok(run)
    }

    /// A context that writes nothing: enough to register functions and list their documentation.
    pub fn detached(settings: RunSettings) -> Self {
        let files = FilePolicy::read_only(settings.run_dir.clone());
        Self::with_files(settings, files)
    }

    fn with_files(settings: RunSettings, mut files: FilePolicy) -> Self {
        for root in settings
            .read_roots
            .iter()
            .map(PathBuf::as_path)
            .chain(settings.catalog.paths())
        {
            files.allow_read(root);
        }
        // A file the user named on the command line is one the script may read.
        for value in settings.params.values() {
            if let ParamValue::Str(s) = value
                && Path::new(s).exists()
            {
                files.allow_read(Path::new(s));
            }
        }
        let manifest = Manifest {
            brainclip_version: env!("CARGO_PKG_VERSION"),
            git_revision: git_revision(),
            script: settings.script,
            script_sha256: settings.script_text.as_deref().map(sha256_hex),
            params: settings.params.clone(),
            seed: settings.seed,
            backend: settings.device.backend.name().to_string(),
            device: settings.device.label(),
            command: settings.command,
            limits: settings.limits,
            process: process_record(),
            started_at: now(),
            finished_at: None,
            status: RunStatus::Running,
            error: None,
            modules: Vec::new(),
            data: Vec::new(),
            models: Vec::new(),
            evaluations: Vec::new(),
            metrics: serde_json::Map::new(),
            outputs: Vec::new(),
        };
        Self {
            files,
            seed: settings.seed,
            device: RefCell::new(settings.device),
            params: settings.params,
            manifest: RefCell::new(manifest),
            histories: RefCell::new(Vec::new()),
            deferred_error: RefCell::new(None),
            cancel: Arc::new(AtomicBool::new(false)),
            progress: settings.progress,
            home: settings.read_roots.first().and_then(|r| r.canonicalize().ok()),
            catalog: settings.catalog,
            hashed: RefCell::new(BTreeMap::new()),
            output: RefCell::new(None),
        }
    }

    /// The run directory.
    pub fn run_dir(&self) -> &Path {
        self.files.run_dir()
    }
    /// The session seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }
    /// The compute device new networks train on.
    pub fn device(&self) -> ComputeDevice {
        self.device.borrow().clone()
    }

    /// Train on `device` from now on (a script's `device("cuda")`); the manifest records the
    /// device of the run's last training.
    pub fn set_device(&self, device: ComputeDevice) {
        let mut manifest = self.manifest.borrow_mut();
        manifest.backend = device.backend.name().to_string();
        manifest.device = device.label();
        drop(manifest);
        *self.device.borrow_mut() = device;
    }
    /// Whether to draw progress bars.
    pub fn show_progress(&self) -> bool {
        self.progress
    }

    /// All `--set` parameters.
    pub fn params(&self) -> &BTreeMap<String, ParamValue> {
        &self.params
    }

    /// The parameter `name`.
    pub fn param(&self, name: &str) -> Option<&ParamValue> {
        self.params.get(name)
    }

    /// Check that the script may read `path` and record the file (size and SHA-256) among the
    /// run's data in the manifest, by dataset name and path inside it when the catalog holds it,
    /// relative to the script's folder when it lies there; returns the resolved path.
    pub fn read_data(&self, path: &str) -> Result<PathBuf, FileError> {
        let resolved = self.files.readable(path)?;
        if !self.hashed.borrow().contains_key(&resolved) {
            let entry = file_record(&resolved, self.file_name(&resolved)).map_err(|source| FileError::Io {
                path: resolved.clone(),
                source,
            })?;
            self.hashed.borrow_mut().insert(resolved.clone(), entry.clone());
            self.manifest.borrow_mut().data.push(entry);
        }
        Ok(resolved)
    }

    /// The model folder `path` with each of `files` that it holds read through [`Self::read_data`]
    /// (checked and recorded); returns the folder they resolved into (the loader reports what is
    /// missing).
    pub fn read_model_folder(&self, path: &str, files: &[&str]) -> Result<PathBuf, FileError> {
        let mut folder = PathBuf::from(path);
        for file in files {
            let candidate = Path::new(path).join(file);
            if candidate.is_file() {
                let resolved = self.read_data(&candidate.display().to_string())?;
                if let Some(parent) = resolved.parent() {
                    folder = parent.to_path_buf();
                }
            }
        }
        Ok(folder)
    }

    /// Check that the script may read `path` (a file or a folder) without recording it; returns
    /// the resolved path.
    pub fn readable(&self, path: &str) -> Result<PathBuf, FileError> {
        self.files.readable(path)
    }

    /// The folders and files (canonical) the script may read besides the run directory.
    pub fn read_roots(&self) -> &[PathBuf] {
        self.files.read_roots()
    }

    /// The data catalog.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// How the manifest names a (canonical) data file: `{ "dataset", "file" }` for a file of a
    /// catalogued dataset, `{ "file", "relative_to": "script" }` for one in the script's folder,
    /// else its full path.
    fn file_name(&self, file: &Path) -> serde_json::Map<String, Value> {
        let mut name = serde_json::Map::new();
        if let Some((dataset, relative)) = self.catalog.locate(file) {
            name.insert("dataset".into(), Value::from(dataset));
            name.insert("file".into(), Value::from(relative.display().to_string()));
        } else if let Some(relative) = self.home.as_deref().and_then(|h| file.strip_prefix(h).ok()) {
            name.insert("file".into(), Value::from(relative.display().to_string()));
            name.insert("relative_to".into(), Value::from("script"));
        } else {
            name.insert("file".into(), Value::from(file.display().to_string()));
        }
        name
    }

    /// The flag that Ctrl-C or a kernel interrupt sets.
    pub fn cancel_flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.cancel)
    }
    /// Whether an interrupt was requested.
    pub fn is_cancelled(&self) -> bool {
        self.cancel.load(Ordering::SeqCst)
    }
    /// Send `print`/`debug` output and progress lines to `sink` (`None`: the terminal again).
    pub fn set_output(&self, sink: SharedSink) {
        *self.output.borrow_mut() = sink;
    }

    /// The sink output goes to, if one is set.
    pub fn output(&self) -> SharedSink {
        self.output.borrow().clone()
    }

    /// Clear an interrupt (the next cell of a notebook runs normally).
    pub fn reset_cancel(&self) {
        self.cancel.store(false, Ordering::SeqCst);
    }

    /// Where `name` goes in the run directory (checked like [`RunContext::write_output`]), listed
    /// in the manifest: for outputs a domain function writes itself, such as model folders.
    pub fn output_path(&self, name: &str) -> Result<PathBuf, FileError> {
        let path = self.files.output_path(name)?;
        {
            let mut manifest = self.manifest.borrow_mut();
            if !manifest.outputs.iter().any(|o| o == name) {
                manifest.outputs.push(name.to_string());
            }
        }
        self.write_manifest()?;
        Ok(path)
    }

    /// Write `bytes` as `name` in the run directory and list it in the manifest.
    pub fn write_output(&self, name: &str, bytes: &[u8]) -> Result<PathBuf, FileError> {
        let path = self.files.write(name, bytes)?;
        {
            let mut manifest = self.manifest.borrow_mut();
            if !manifest.outputs.iter().any(|o| o == name) {
                manifest.outputs.push(name.to_string());
            }
        }
        self.write_manifest()?;
        Ok(path)
    }

    /// Merge `metrics` (a JSON object, or any value under `key`) into `metrics.json`.
    pub fn record_metrics(&self, key: Option<&str>, metrics: Value) -> Result<PathBuf, FileError> {
        {
            let mut manifest = self.manifest.borrow_mut();
            match (key, metrics) {
                (Some(k), v) => {
                    manifest.metrics.insert(k.to_string(), v);
                }
                (None, Value::Object(map)) => manifest.metrics.extend(map),
                (None, v) => {
                    manifest.metrics.insert("value".into(), v);
                }
            }
        }
        let json = serde_json::to_vec_pretty(&self.manifest.borrow().metrics).unwrap_or_default();
        self.write_output("metrics.json", &json)
    }

    /// Write an evaluation report as `evaluation_<name>.json` and add it to the manifest (a report
    /// of the same name replaces the earlier one).
    pub fn record_evaluation(&self, name: &str, report: Value) -> Result<PathBuf, FileError> {
        let file: String = name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let json = serde_json::to_vec_pretty(&report).unwrap_or_default();
        {
            let mut manifest = self.manifest.borrow_mut();
            manifest
                .evaluations
                .retain(|e| e.get("name").and_then(Value::as_str) != Some(name));
            let mut entry = serde_json::Map::new();
            entry.insert("name".into(), Value::String(name.to_string()));
            entry.insert("report".into(), report);
            manifest.evaluations.push(Value::Object(entry));
        }
        self.write_output(&format!("evaluation_{file}.json"), &json)
    }

    /// Note a module the script imported (once per import path): brainclip's own when `file` is
    /// `None`, else the file it was read from.
    pub fn record_module(&self, import: &str, file: Option<&Path>, source: &str) {
        let mut manifest = self.manifest.borrow_mut();
        if manifest.modules.iter().any(|m| m["import"] == import) {
            return;
        }
        let mut entry = serde_json::Map::new();
        entry.insert("import".into(), Value::from(import));
        match file {
            None => {
                entry.insert("stdlib".into(), Value::from(true));
            }
            Some(file) => entry.extend(self.file_name(file)),
        }
        entry.insert("sha256".into(), Value::from(sha256_hex(source)));
        manifest.modules.push(Value::Object(entry));
    }

    /// Note a data source (e.g. a generator config) in the manifest.
    pub fn record_data(&self, source: Value) {
        self.manifest.borrow_mut().data.push(source);
    }

    /// Note a trained model's resolved configuration in the manifest.
    pub fn record_model(&self, config: Value) {
        self.manifest.borrow_mut().models.push(config);
    }

    /// Begin a training history; returns its index for [`RunContext::record_epoch`].
    pub fn start_history(&self, label: &str) -> usize {
        let mut histories = self.histories.borrow_mut();
        histories.push((label.to_string(), Vec::new()));
        histories.len() - 1
    }

    /// Append an epoch and rewrite `history.csv`, so an interrupted run keeps every epoch.
    pub fn record_epoch(&self, history: usize, record: &EpochRecord) {
        if let Some((_, records)) = self.histories.borrow_mut().get_mut(history) {
            records.push(record.clone());
        }
        let result = history_csv(&self.histories.borrow())
            .map_err(|e| FileError::Io {
                path: self.run_dir().join("history.csv"),
                source: e.into(),
            })
            .and_then(|bytes| self.write_output("history.csv", &bytes));
        if let Err(e) = result {
            self.deferred_error.borrow_mut().get_or_insert(e);
        }
    }

    /// A write error that happened where it could not be returned (e.g. inside training).
    pub fn take_deferred_error(&self) -> Option<FileError> {
        self.deferred_error.borrow_mut().take()
    }

    /// A label for the next history, e.g. `run2`.
    pub fn next_history_label(&self) -> String {
        format!("run{}", self.histories.borrow().len() + 1)
    }

    /// Finish the manifest: status, end time and the error, if any.
    pub fn finish(&self, status: RunStatus, error: Option<String>) -> Result<(), FileError> {
        {
            let mut manifest = self.manifest.borrow_mut();
            manifest.status = status;
            manifest.error = error;
            manifest.finished_at = Some(now());
        }
        self.write_manifest()
    }

    /// A copy of the manifest as it stands.
    pub fn manifest(&self) -> Manifest {
        self.manifest.borrow().clone()
    }

    fn write_manifest(&self) -> Result<(), FileError> {
        let json = serde_json::to_vec_pretty(&*self.manifest.borrow()).unwrap_or_default();
        self.files.write("manifest.json", &json).map(|_| ())
    }
}

/// Mark the run in `run_dir` as interrupted in its `manifest.json` on disk, if that still says
/// `running`: for a process about to exit, or to be killed, without reaching the point where the
/// session records how it ended. Written atomically, like every file of a run.
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("manifest.json");
/// std::fs::write(&path, r#"{ "status": "running", "metrics": { "top1": 0.5 } }"#).unwrap();
/// assert!(brainclip::run::mark_interrupted_on_disk(dir.path(), "killed").unwrap());
/// let m: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
/// assert_eq!((m["status"].as_str(), m["error"].as_str()), (Some("interrupted"), Some("killed")));
/// assert_eq!(m["metrics"]["top1"], 0.5);
/// // A run that has ended is left as it is.
/// assert!(!brainclip::run::mark_interrupted_on_disk(dir.path(), "again").unwrap());
/// ```
pub fn mark_interrupted_on_disk(run_dir: &Path, reason: &str) -> std::io::Result<bool> {
    let path = run_dir.join("manifest.json");
    let mut manifest: Value = serde_json::from_slice(&std::fs::read(&path)?).map_err(std::io::Error::other)?;
    if manifest.get("status").and_then(Value::as_str) != Some("running") {
        return Ok(false);
    }
    manifest["status"] = Value::from("interrupted");
    manifest["error"] = Value::from(reason);
    manifest["finished_at"] = Value::from(now());
    let mut file = tempfile::NamedTempFile::new_in(run_dir)?;
    std::io::Write::write_all(
        &mut file,
        &serde_json::to_vec_pretty(&manifest).map_err(std::io::Error::other)?,
    )?;
    file.persist(&path).map_err(|e| e.error)?;
    Ok(true)
}

/// SHA-256 of `bytes`, as lowercase hex.
///
/// ```
/// assert!(brainclip::run::sha256_hex(b"abc").starts_with("ba7816bf"));
/// ```
pub fn sha256_hex(bytes: impl AsRef<[u8]>) -> String {
    use sha2::{Digest, Sha256};
    hex(&Sha256::digest(bytes.as_ref()))
}

/// Size and SHA-256 of a file, hashed in one streaming pass (data files can be far larger than
/// memory).
pub fn file_sha256(path: &Path) -> std::io::Result<(u64, String)> {
    use sha2::{Digest, Sha256};
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let bytes = std::io::copy(&mut file, &mut hasher)?;
    Ok((bytes, hex(&hasher.finalize())))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `name` with the `bytes` and `sha256` of a data file.
fn file_record(path: &Path, mut name: serde_json::Map<String, Value>) -> std::io::Result<Value> {
    let (bytes, sha256) = file_sha256(path)?;
    name.insert("bytes".into(), Value::from(bytes));
    name.insert("sha256".into(), Value::from(sha256));
    Ok(Value::Object(name))
}
