//! What every model-training function does with its result: an interrupted run points at its last
//! checkpoint; a finished one is saved to its folder in the run directory with `training.json`
//! (the record plus the SHA-256 of every file), its checkpoint removed, the record in the manifest.

use std::path::PathBuf;

use crate::run::RunContext;
use crate::script::prelude::*;
use crate::train::StopReason;

/// Where a training function writes: `NAME/` when done, `NAME.checkpoint/` after every epoch.
pub(crate) struct ModelOutput {
    pub(crate) name: String,
    pub(crate) folder: PathBuf,
    pub(crate) checkpoint: PathBuf,
}

impl ModelOutput {
    /// Reserve `NAME/` and `NAME.checkpoint/` in the run directory.
    pub(crate) fn new(run: &RunContext, name: &str) -> Result<Self, ScriptFault> {
        Ok(Self {
            name: name.to_string(),
            folder: run.output_path(name)?,
            checkpoint: run.output_path(&format!("{name}.checkpoint"))?,
        })
    }

    /// Finish a run that stopped for `stop_reason` after `epochs` epochs: `save` writes the model
    /// folder, then `record` (with the files' hashes added) goes to `training.json` and the manifest.
    pub(crate) fn finish(
        &self,
        run: &RunContext,
        (stop_reason, epochs): (StopReason, usize),
        save: impl FnOnce(&std::path::Path) -> Result<(), ScriptFault>,
        mut record: serde_json::Value,
    ) -> Result<(), ScriptFault> {
        if stop_reason == StopReason::Interrupted {
            return Err(ScriptFault::new(
                ErrorKind::Interrupted,
                format!(
                    "interrupted after {epochs} epochs; the last epoch is saved in {}",
                    self.checkpoint.display()
                ),
            ));
        }
        save(&self.folder)?;
        let hashes = crate::weights::folder_sha256(&self.folder)
            .map_err(|e| ScriptFault::new(ErrorKind::File, e.to_string()))?;
        record["files_sha256"] = serde_json::json!(hashes);
        let text = serde_json::to_string_pretty(&record).unwrap_or_default();
        run.write_output(&format!("{}/training.json", self.name), text.as_bytes())?;
        // The finished model supersedes its last checkpoint.
        let _ = std::fs::remove_dir_all(&self.checkpoint);
        run.record_model(record);
        Ok(())
    }
}
