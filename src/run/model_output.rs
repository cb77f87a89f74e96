//! What every model-training function does with its result: an interrupted run points at its last
//! checkpoint; a finished one is saved to its folder in the run directory with `training.json`
//! (the record plus the SHA-256 of every file), its checkpoint removed, the record in the manifest.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{FileError, RunContext};
use crate::train::StopReason;
use crate::{Classified, ErrorKind, Hint};

/// Where a training function writes: `NAME/` when done, `NAME.checkpoint/` after every epoch.
///
/// ```no_run
/// # fn demo(run: &brainclip::run::RunContext) -> Result<(), Box<dyn std::error::Error>> {
/// use brainclip::run::ModelOutput;
/// use brainclip::train::StopReason;
/// let output = ModelOutput::new(run, "unet")?;
/// // ... train, saving each epoch into output.checkpoint ...
/// let save = |folder: &std::path::Path| std::fs::write(folder.join("config.json"), "{}");
/// output.finish(run, (StopReason::Completed, 10), save, serde_json::json!({ "kind": "unet" }))?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct ModelOutput {
    /// The model's folder name in the run directory.
    pub name: String,
    /// `NAME/` in the run directory.
    pub folder: PathBuf,
    /// `NAME.checkpoint/` in the run directory.
    pub checkpoint: PathBuf,
}

/// Why a trained model could not be finished.
#[derive(Debug, thiserror::Error)]
pub enum OutputError<E: std::error::Error + 'static> {
    /// Saving the model failed.
    #[error(transparent)]
    Save(E),
    /// The run directory refused a file.
    #[error(transparent)]
    File(#[from] FileError),
    /// The saved files could not be read back for their hashes.
    #[error("cannot hash the files of {folder}: {message}")]
    Hash {
        /// The model folder.
        folder: PathBuf,
        /// Why.
        message: String,
    },
    /// Stopped between epochs; the last finished epoch is in the checkpoint.
    #[error("interrupted after {epochs} epochs; the last epoch is saved in {}", checkpoint.display())]
    Interrupted {
        /// Epochs finished.
        epochs: usize,
        /// Where the last one is.
        checkpoint: PathBuf,
    },
}

impl<E: std::error::Error + Classified + 'static> Classified for OutputError<E> {
    fn kind(&self) -> ErrorKind {
        match self {
            OutputError::Save(e) => e.kind(),
            OutputError::File(e) => e.kind(),
            OutputError::Hash { .. } => ErrorKind::File,
            OutputError::Interrupted { .. } => ErrorKind::Interrupted,
        }
    }
    fn hint(&self) -> Option<Hint> {
        match self {
            OutputError::Save(e) => e.hint(),
            OutputError::File(e) => e.hint(),
            OutputError::Hash { .. } | OutputError::Interrupted { .. } => None,
        }
    }
}

impl ModelOutput {
    /// Reserve `NAME/` and `NAME.checkpoint/` in the run directory.
    pub fn new(run: &RunContext, name: &str) -> Result<Self, FileError> {
        Ok(Self {
            name: name.to_string(),
            folder: run.output_path(name)?,
            checkpoint: run.output_path(&format!("{name}.checkpoint"))?,
        })
    }

    /// Finish a run that stopped for `stop_reason` after `epochs` epochs: `save` writes the model
    /// folder, then `record` (with the files' hashes added) goes to `training.json` and the manifest.
    pub fn finish<E: std::error::Error + 'static>(
        &self,
        run: &RunContext,
        (stop_reason, epochs): (StopReason, usize),
        save: impl FnOnce(&Path) -> Result<(), E>,
        mut record: Value,
    ) -> Result<(), OutputError<E>> {
        if stop_reason == StopReason::Interrupted {
            return Err(OutputError::Interrupted {
                epochs,
                checkpoint: self.checkpoint.clone(),
            });
        }
        save(&self.folder).map_err(OutputError::Save)?;
        let hashes = crate::weights::folder_sha256(&self.folder).map_err(|e| OutputError::Hash {
            folder: self.folder.clone(),
            message: e.to_string(),
        })?;
        record["files_sha256"] = serde_json::json!(hashes);
        let text = serde_json::to_string_pretty(&record).unwrap_or_default();
        run.write_output(&format!("{}/training.json", self.name), text.as_bytes())?;
        // The finished model supersedes its last checkpoint.
        let _ = std::fs::remove_dir_all(&self.checkpoint);
        run.record_model(record);
        Ok(())
    }
}
