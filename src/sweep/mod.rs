//! Sweeps: a grid of parameters expanded into ordinary `brainclip script` runs, run here with a
//! bounded pool or submitted to SLURM as a job array, and read back from their run directories
//! (status, resubmission of exactly what did not complete, one results table and figure).
//!
//! A sweep is a front end like the CLI: it starts brainclip processes and reads what they
//! wrote; it never reaches into a session. Its folder holds `sweep.json` (the plan), `tasks.tsv`,
//! `runs/` (one run directory per task), `logs/`, `attempts/` (earlier tries of rerun tasks),
//! `array.sbatch` when submitted, and `results.csv` / `results.png` once collected.
//!
//! ```
//! use brainclip::sweep::{Axis, Sweep, SweepRequest, TaskState, status};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let script = dir.path().join("exp.rhai");
//! std::fs::write(&script, r#"save_metrics(#{ top1: param("lr", 0.1) });"#).unwrap();
//! let request = SweepRequest {
//!     script,
//!     grid: vec![Axis::parse("lr=0.1,0.2").unwrap(), Axis::parse("seed=0..2").unwrap()],
//!     ..Default::default()
//! };
//! let sweep = Sweep::create(&request, &dir.path().join("lr")).unwrap();
//! assert_eq!(sweep.tasks.len(), 4);
//! assert!(status(&sweep, &dir.path().join("lr")).iter().all(|t| t.state == TaskState::Missing));
//! ```

mod calibrate;
mod collect;
mod grid;
mod local;
mod plan;
mod slurm;
mod status;

use std::path::{Path, PathBuf};

use thiserror::Error;

pub use calibrate::{Calibration, calibrate, suggested_mem};
pub use collect::{Collection, CollectionRecord, ConditionRecord, ConditionSummary, collect, mean_t_interval};
pub use grid::{Axis, MAX_AXIS, MAX_TASKS, expand};
pub use local::{PoolEvent, PoolReport, run_local, set_aside};
pub use plan::{SWEEP_FILE, Submission, Sweep, SweepRequest, TASKS_FILE, Task, shell_words};
pub use slurm::{ARRAY_FILE, COLLECT_FILE, QueuedTask, SlurmOptions, array_script, array_spec, queued, submit};
pub use status::{TaskState, TaskStatus, status, summary_line};

/// What can go wrong planning, running or reading a sweep.
#[derive(Debug, Error)]
pub enum SweepError {
    /// A `--grid` (or `--set`) argument is malformed.
    #[error("--grid {text}: {why}")]
    Grid {
        /// The argument.
        text: String,
        /// What is wrong and how to write it.
        why: String,
    },
    /// A swept or fixed parameter the script never mentions (a typo would sweep nothing).
    #[error("parameter `{key}` is not used by {script}: check its spelling against the script's param(...) calls")]
    UnusedParameter {
        /// The key.
        key: String,
        /// The script.
        script: PathBuf,
    },
    /// The folder holds another sweep.
    #[error("{dir} already holds a sweep, but {what}: give another --out, or delete the folder to start over")]
    Exists {
        /// The folder.
        dir: PathBuf,
        /// What differs.
        what: String,
    },
    /// No `sweep.json` in the folder.
    #[error("{0} is not a sweep folder (no sweep.json): give the --out folder of `brainclip sweep`")]
    NotASweep(PathBuf),
    /// `sweep.json` cannot be read.
    #[error("{path}: {why}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        why: String,
    },
    /// The script changed after the sweep was planned.
    #[error(
        "{0} has changed since the sweep was planned, so new runs would not match the completed ones: \
         restore it, or plan a new sweep with another --out"
    )]
    ScriptChanged(PathBuf),
    /// A task's run is still alive.
    #[error("{run} is still running: wait for it, or stop it first")]
    StillRunning {
        /// The run directory.
        run: PathBuf,
    },
    /// brainclip could not be started.
    #[error("cannot start {program}: {why}")]
    Launch {
        /// The executable.
        program: PathBuf,
        /// Why.
        why: String,
    },
    /// A SLURM command failed.
    #[error("{command}: {why}")]
    Slurm {
        /// The command.
        command: String,
        /// What it said.
        why: String,
    },
    /// `--metric` names no metric of the runs.
    #[error("no run has a metric `{metric}`{}; the metrics are: {}", hint.as_ref().map(|h| format!(" (did you mean `{h}`?)")).unwrap_or_default(), known.join(", "))]
    UnknownMetric {
        /// The name asked for.
        metric: String,
        /// The names found.
        known: Vec<String>,
        /// The closest name.
        hint: Option<String>,
    },
    /// The figure could not be drawn.
    #[error("the results figure: {0}")]
    Plot(#[from] crate::plot::PlotError),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

fn io_error(path: &Path, source: std::io::Error) -> SweepError {
    SweepError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// This machine's host name (as runs record it in their manifest's `process`).
pub fn hostname() -> Option<String> {
    #[cfg(unix)]
    {
        let mut buf = [0u8; 256];
        // SAFETY: gethostname writes at most buf.len() bytes into buf.
        let r = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
        if r != 0 {
            return None;
        }
        let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
        Some(String::from_utf8_lossy(&buf[..end]).into_owned())
    }
    #[cfg(not(unix))]
    {
        std::env::var("COMPUTERNAME").ok()
    }
}

/// The brainclip executable sweeps start: `BRAINCLIP_EXE` when set, else this process when it is
/// brainclip, else `brainclip` beside this executable or its folder (as `cargo test` lays them
/// out), else `brainclip` from PATH.
pub fn brainclip_executable() -> PathBuf {
    if let Some(exe) = std::env::var_os("BRAINCLIP_EXE") {
        return PathBuf::from(exe);
    }
    let name = format!("brainclip{}", std::env::consts::EXE_SUFFIX);
    if let Ok(current) = std::env::current_exe() {
        if current.file_name().is_some_and(|n| n == name.as_str()) {
            return current;
        }
        for folder in current.ancestors().skip(1).take(2) {
            let candidate = folder.join(&name);
            if candidate.is_file() {
                return candidate;
            }
        }
    }
    PathBuf::from(name)
}

impl crate::Classified for SweepError {
    fn kind(&self) -> crate::ErrorKind {
        use crate::ErrorKind as K;
        use SweepError as S;
        match self {
            S::Grid { .. } | S::UnusedParameter { .. } | S::UnknownMetric { .. } => K::InvalidValue,
            S::Exists { .. } | S::NotASweep(_) | S::Corrupt { .. } | S::ScriptChanged(_) | S::Io { .. } => K::File,
            S::StillRunning { .. } | S::Launch { .. } | S::Slurm { .. } => K::Runtime,
            S::Plot(_) => K::Data,
        }
    }
}
