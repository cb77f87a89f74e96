//! Where each task of a sweep stands, read from its run directory's `manifest.json` (SLURM's
//! accounting is often disabled); the queue (`squeue`) or the process table only tells a run that
//! is still alive from one whose process died without recording how it ended.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde::Serialize;
use serde_json::Value;

use super::plan::Sweep;
use super::slurm::queue_states;

/// How a task stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TaskState {
    /// The script finished; its metrics are final.
    Completed,
    /// The script stopped with an error.
    Failed,
    /// Stopped by a signal (Ctrl-C, `scancel --signal=INT`, a time limit).
    Interrupted,
    /// Running now.
    Running,
    /// Its manifest says running, but its process is gone (killed, out of memory, node lost).
    Dead,
    /// Waiting in SLURM's queue.
    Pending,
    /// Never started.
    Missing,
}

impl TaskState {
    /// The state's name.
    pub fn name(self) -> &'static str {
        match self {
            TaskState::Completed => "completed",
            TaskState::Failed => "failed",
            TaskState::Interrupted => "interrupted",
            TaskState::Running => "running",
            TaskState::Dead => "dead",
            TaskState::Pending => "pending",
            TaskState::Missing => "missing",
        }
    }

    /// Whether a resubmission should run the task again: it did not complete and is not alive.
    pub fn needs_rerun(self) -> bool {
        matches!(
            self,
            TaskState::Failed | TaskState::Interrupted | TaskState::Dead | TaskState::Missing
        )
    }
}

impl fmt::Display for TaskState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One task's state, with what its manifest says.
#[derive(Clone, Debug, Serialize)]
pub struct TaskStatus {
    /// The task's index.
    pub index: usize,
    /// Its run directory's name.
    pub name: String,
    /// How it stands.
    pub state: TaskState,
    /// The error of a failed or interrupted run.
    pub error: Option<String>,
    /// When it started and ended (RFC 3339).
    pub started_at: Option<String>,
    /// When it ended.
    pub finished_at: Option<String>,
    /// The run's metrics (`metrics` of its manifest).
    #[serde(skip)]
    pub metrics: serde_json::Map<String, Value>,
}

/// The state of every task of `sweep` in `dir`.
///
/// ```
/// use brainclip::sweep::{Axis, Sweep, SweepRequest, TaskState, status};
///
/// let dir = tempfile::tempdir().unwrap();
/// let script = dir.path().join("exp.rhai");
/// std::fs::write(&script, r#"print(param("lr", 1));"#).unwrap();
/// let request = SweepRequest { script, grid: vec![Axis::parse("lr=1,2").unwrap()], ..Default::default() };
/// let sweep = Sweep::create(&request, &dir.path().join("s")).unwrap();
/// let run = sweep.run_dir(&dir.path().join("s"), 1);
/// std::fs::create_dir_all(&run).unwrap();
/// std::fs::write(run.join("manifest.json"), r#"{ "status": "failed", "error": "no data" }"#).unwrap();
/// let states: Vec<TaskState> = status(&sweep, &dir.path().join("s")).iter().map(|t| t.state).collect();
/// assert_eq!(states, [TaskState::Missing, TaskState::Failed]);
/// ```
pub fn status(sweep: &Sweep, dir: &Path) -> Vec<TaskStatus> {
    let mut queue: Option<Option<BTreeMap<(String, usize), String>>> = None;
    let mut queue_states_once = || queue.get_or_insert_with(|| queue_states(sweep)).clone();
    let last_submission: BTreeMap<usize, &str> = sweep
        .submissions
        .iter()
        .flat_map(|s| s.tasks.iter().map(move |&t| (t, s.job_id.as_str())))
        .collect();
    sweep
        .tasks
        .iter()
        .map(|task| {
            let run_dir = sweep.run_dir(dir, task.index);
            let manifest: Option<Value> = std::fs::read(run_dir.join("manifest.json"))
                .ok()
                .and_then(|b| serde_json::from_slice(&b).ok());
            let text = |m: &Value, key: &str| m.get(key).and_then(Value::as_str).map(str::to_string);
            let mut status = TaskStatus {
                index: task.index,
                name: task.name.clone(),
                state: TaskState::Missing,
                error: None,
                started_at: None,
                finished_at: None,
                metrics: serde_json::Map::new(),
            };
            let Some(m) = manifest else {
                // No manifest yet: queued, or never started.
                if let Some(job) = last_submission.get(&task.index)
                    && let Some(states) = queue_states_once()
                    && states.contains_key(&(job.to_string(), task.index))
                {
                    status.state = TaskState::Pending;
                }
                return status;
            };
            status.error = text(&m, "error");
            status.started_at = text(&m, "started_at");
            status.finished_at = text(&m, "finished_at");
            if let Some(Value::Object(metrics)) = m.get("metrics") {
                status.metrics = metrics.clone();
            }
            status.state = match m.get("status").and_then(Value::as_str) {
                Some("completed") => TaskState::Completed,
                Some("failed") => TaskState::Failed,
                Some("interrupted") => TaskState::Interrupted,
                Some("running") => match alive(&m, task.out_dir(), &mut queue_states_once) {
                    Some(false) => TaskState::Dead,
                    _ => TaskState::Running,
                },
                _ => TaskState::Missing,
            };
            status
        })
        .collect()
}

/// Whether the process of a run whose manifest says `running` is alive: asked of SLURM for a
/// task that ran under it, of this machine's process table for one started here; `None` when
/// neither can tell.
fn alive(
    manifest: &Value,
    run_dir: Option<&str>,
    queue: &mut dyn FnMut() -> Option<BTreeMap<(String, usize), String>>,
) -> Option<bool> {
    let process = manifest.get("process")?;
    let field = |key: &str| process.get(key).and_then(Value::as_str);
    if let (Some(array), Some(task)) = (field("slurm_array_job_id"), field("slurm_array_task_id")) {
        let task: usize = task.parse().ok()?;
        let states = queue()?;
        return Some(
            states
                .get(&(array.to_string(), task))
                .is_some_and(|s| !matches!(s.as_str(), "COMPLETED" | "FAILED" | "CANCELLED" | "TIMEOUT")),
        );
    }
    if field("host")? != super::hostname()? {
        return None;
    }
    let pid = process.get("pid").and_then(Value::as_u64)?;
    let proc = Path::new("/proc");
    if !proc.is_dir() {
        return None;
    }
    // The pid may have been reused: alive only if that process is this run's brainclip.
    let cmdline = std::fs::read(proc.join(pid.to_string()).join("cmdline")).unwrap_or_default();
    let cmdline = String::from_utf8_lossy(&cmdline);
    let dir = run_dir?;
    Some(cmdline.split('\0').any(|arg| arg == dir))
}

/// Counts of tasks by state, e.g. `12 runs: 10 completed, 1 failed, 1 missing`.
pub fn summary_line(statuses: &[TaskStatus]) -> String {
    let mut counts: BTreeMap<TaskState, usize> = BTreeMap::new();
    for s in statuses {
        *counts.entry(s.state).or_default() += 1;
    }
    let parts: Vec<String> = counts.iter().map(|(state, n)| format!("{n} {state}")).collect();
    format!("{} runs: {}", statuses.len(), parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::{Axis, SweepRequest};

    #[test]
    fn a_running_manifest_without_its_process_is_dead() {
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("exp.rhai");
        std::fs::write(&script, r#"print(param("lr", 1));"#).unwrap();
        let request = SweepRequest {
            script,
            grid: vec![Axis::parse("lr=1,2,3").unwrap()],
            ..Default::default()
        };
        let out = dir.path().join("s");
        let sweep = Sweep::create(&request, &out).unwrap();
        let host = crate::sweep::hostname().unwrap();
        // This test's own process is alive but is not task 1's brainclip; a pid that has exited
        // is not alive at all; a run on another host cannot be checked and counts as running.
        let exited = std::process::Command::new("true").spawn().unwrap();
        let exited_pid = exited.id();
        let _ = exited.wait_with_output();
        for (index, pid, host) in [
            (0, std::process::id(), host.clone()),
            (1, exited_pid, host.clone()),
            (2, 1, "elsewhere".to_string()),
        ] {
            let run = sweep.run_dir(&out, index);
            std::fs::create_dir_all(&run).unwrap();
            let manifest = serde_json::json!({ "status": "running", "process": { "pid": pid, "host": host } });
            std::fs::write(run.join("manifest.json"), manifest.to_string()).unwrap();
        }
        let states: Vec<TaskState> = status(&sweep, &out).iter().map(|t| t.state).collect();
        assert_eq!(states, [TaskState::Dead, TaskState::Dead, TaskState::Running]);
        assert!(TaskState::Dead.needs_rerun() && !TaskState::Running.needs_rerun());
    }
}
