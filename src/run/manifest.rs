//! `manifest.json`: what ran, with what, where, and what came out — enough for another lab to
//! reproduce a run.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use super::ParamValue;

/// How a run ended (or that it has not yet).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    /// Still running (the manifest is written at the start, too).
    Running,
    /// The script finished.
    Completed,
    /// The script stopped with an error.
    Failed,
    /// The user interrupted the run.
    Interrupted,
}

/// The provenance record of a run.
#[derive(Clone, Debug, Serialize)]
pub struct Manifest {
    /// brainclip's version.
    pub brainclip_version: &'static str,
    /// Git revision brainclip was built from, when known (`-dirty` if it had local changes).
    pub git_revision: Option<&'static str>,
    /// The script's path as given, or a label such as `repl`.
    pub script: String,
    /// SHA-256 of the script text.
    pub script_sha256: Option<String>,
    /// `--set` parameters.
    pub params: BTreeMap<String, ParamValue>,
    /// The session seed.
    pub seed: u64,
    /// burn backend.
    pub backend: String,
    /// Device string.
    pub device: String,
    /// The command line.
    pub command: Vec<String>,
    /// Resource limits the run had (operations, call depth, sizes, time, memory).
    pub limits: Value,
    /// The process that ran it: `pid`, `host`, and under SLURM `slurm_job_id`,
    /// `slurm_array_job_id`, `slurm_array_task_id` (what tells a live run from a dead one).
    pub process: Value,
    /// Start time (RFC 3339, UTC, milliseconds).
    pub started_at: String,
    /// End time, once finished.
    pub finished_at: Option<String>,
    /// How the run ended.
    pub status: RunStatus,
    /// The error, for a failed run.
    pub error: Option<String>,
    /// Modules the script imported: `{ "import", "stdlib": true, "sha256" }` for brainclip's own,
    /// `{ "import", "file" (relative to the script's folder where it lies there), "sha256" }`.
    pub modules: Vec<Value>,
    /// Data the script used (generator configs now; files with sizes and hashes later).
    pub data: Vec<Value>,
    /// Resolved configs of the models trained, in order.
    pub models: Vec<Value>,
    /// Metrics saved by the script.
    pub metrics: serde_json::Map<String, Value>,
    /// Evaluation reports (`evaluate()`), each with the settings that produced it.
    pub evaluations: Vec<Value>,
    /// Files written into the run directory (relative names).
    pub outputs: Vec<String>,
}

/// The revision recorded by `build.rs`.
pub fn git_revision() -> Option<&'static str> {
    option_env!("BRAINCLIP_GIT_REVISION").filter(|r| !r.is_empty())
}

/// Current time, RFC 3339 in UTC, to the millisecond (a sweep's concurrency is read from them).
pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// This process, as a manifest records it.
pub fn process_record() -> Value {
    let mut record = serde_json::Map::new();
    record.insert("pid".into(), Value::from(std::process::id()));
    if let Some(host) = crate::sweep::hostname() {
        record.insert("host".into(), Value::from(host));
    }
    for (key, var) in [
        ("slurm_job_id", "SLURM_JOB_ID"),
        ("slurm_array_job_id", "SLURM_ARRAY_JOB_ID"),
        ("slurm_array_task_id", "SLURM_ARRAY_TASK_ID"),
    ] {
        if let Ok(value) = std::env::var(var) {
            record.insert(key.into(), Value::from(value));
        }
    }
    Value::Object(record)
}
