//! Sweeps a script starts from inside its run: the grid's runs under `sweeps/NAME` in this run's
//! directory, run on this machine K at a time with this run's seed, device, read permissions and
//! data catalog.

use std::path::PathBuf;

use super::{FileError, RunContext, SweepProgress};
use crate::sweep::{self, Axis, Collection, Sweep, SweepError, SweepRequest};
use crate::{Classified, ErrorKind, Hint};

/// A sweep to run from inside a run.
///
/// ```no_run
/// # fn demo(run: &brainclip::run::RunContext) -> Result<(), brainclip::run::ScriptSweepError> {
/// use brainclip::run::ScriptSweep;
/// use brainclip::sweep::Axis;
/// let sweep = ScriptSweep {
///     script: "exp.rhai".into(),
///     grid: vec![Axis::parse("lr=0.1,0.2")?, Axis::parse("seed=0..2")?],
///     fixed: vec!["epochs=5".into()],
///     name: None,
///     jobs: 2,
///     metric: None,
/// };
/// let (dir, results) = sweep.run(run)?;
/// println!("{} in {}", results.record().summary, dir.display());
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct ScriptSweep {
    /// The script every run executes.
    pub script: PathBuf,
    /// The swept parameters.
    pub grid: Vec<Axis>,
    /// `key=value` parameters every run gets.
    pub fixed: Vec<String>,
    /// The folder under `sweeps/`; `None`: the script's file name without extension.
    pub name: Option<String>,
    /// Runs at a time.
    pub jobs: usize,
    /// The metric summarised; `None`: the first ending in `top1`.
    pub metric: Option<String>,
}

/// Why a sweep started by a script stopped.
#[derive(Debug, thiserror::Error)]
pub enum ScriptSweepError {
    /// Planning, running or collecting failed.
    #[error(transparent)]
    Sweep(#[from] SweepError),
    /// The sweep's folder is not writable.
    #[error(transparent)]
    File(#[from] FileError),
    /// Stopped by an interrupt; completed runs are kept.
    #[error("sweep {0} interrupted")]
    Interrupted(String),
}

impl Classified for ScriptSweepError {
    fn kind(&self) -> ErrorKind {
        match self {
            ScriptSweepError::Sweep(e) => e.kind(),
            ScriptSweepError::File(e) => e.kind(),
            ScriptSweepError::Interrupted(_) => ErrorKind::Interrupted,
        }
    }
    fn hint(&self) -> Option<Hint> {
        match self {
            ScriptSweepError::Sweep(e) => e.hint(),
            ScriptSweepError::File(e) => e.hint(),
            ScriptSweepError::Interrupted(_) => {
                Some("completed runs are kept; the same call continues the sweep".into())
            }
        }
    }
}

impl ScriptSweep {
    /// Run every combination not completed by an earlier call of the same sweep, with a
    /// progress bar, then collect the results: the sweep's folder and its summary.
    pub fn run(&self, run: &RunContext) -> Result<(PathBuf, Collection), ScriptSweepError> {
        let stem = self
            .script
            .file_stem()
            .map_or_else(|| "sweep".into(), |s| s.to_string_lossy().into_owned());
        let name = self.name.clone().filter(|n| !n.is_empty()).unwrap_or(stem);
        let dir = run.output_path(&format!("sweeps/{name}"))?;
        let mut script_args = Vec::new();
        for root in run.read_roots() {
            script_args.extend(["--allow-read".to_string(), root.display().to_string()]);
        }
        if let Some(catalog) = &run.catalog().source {
            script_args.extend(["--catalog".to_string(), catalog.display().to_string()]);
        }
        let request = SweepRequest {
            script: self.script.clone(),
            grid: self.grid.clone(),
            fixed: self.fixed.clone(),
            seed: run.seed(),
            device: run.device().label(),
            script_args,
            brainclip: sweep::brainclip_executable(),
        };
        let plan = Sweep::create(&request, &dir)?;
        let all: Vec<usize> = (0..plan.tasks.len()).collect();
        let mut progress = SweepProgress::new(run, &plan.name, all.len());
        let stop = run.cancel_flag();
        sweep::run_local(&plan, &dir, &all, self.jobs, &stop, &mut |e| progress.on_event(e))?;
        progress.finish();
        if run.is_cancelled() {
            return Err(ScriptSweepError::Interrupted(name));
        }
        let metric = self.metric.as_deref().filter(|m| !m.is_empty());
        let collection = sweep::collect(&dir, metric)?;
        Ok((dir, collection))
    }
}
