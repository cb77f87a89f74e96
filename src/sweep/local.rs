//! Running a sweep's tasks on this machine, K at a time, one log per task. A stop (Ctrl-C, a
//! signal, the session's interrupt) stops launching and passes one SIGINT to each running run, so
//! each stops at its next safe point and records itself as interrupted; completed runs are never
//! redone.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::plan::Sweep;
use super::status::{TaskState, status};
use super::{SweepError, io_error};

/// What the pool reports as it goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PoolEvent {
    /// Task `index` started.
    Started {
        /// The task.
        index: usize,
    },
    /// Task `index` ended in `state`.
    Finished {
        /// The task.
        index: usize,
        /// How it ended (read from its manifest).
        state: TaskState,
    },
}

/// What a local run of a sweep did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PoolReport {
    /// Tasks it ran, in the order they ended, with how each ended.
    pub ran: Vec<(usize, TaskState)>,
    /// Tasks already completed, left alone.
    pub skipped: Vec<usize>,
    /// Tasks not started because the pool was stopped.
    pub not_started: Vec<usize>,
}

/// Run the tasks `tasks` of `sweep` (in `dir`) on this machine, at most `jobs` at once; tasks
/// already completed are skipped, and an earlier attempt of any other is moved to
/// `attempts/NAME.N` first. Setting `stop` stops the pool as described in the module.
pub fn run_local(
    sweep: &Sweep,
    dir: &Path,
    tasks: &[usize],
    jobs: usize,
    stop: &Arc<AtomicBool>,
    observer: &mut dyn FnMut(&PoolEvent),
) -> Result<PoolReport, SweepError> {
    sweep.check_script()?;
    let jobs = jobs.max(1);
    let states = status(sweep, dir);
    let mut report = PoolReport::default();
    let mut queue: std::collections::VecDeque<usize> = std::collections::VecDeque::new();
    for &index in tasks {
        match states[index].state {
            TaskState::Completed => report.skipped.push(index),
            TaskState::Running => {
                return Err(SweepError::StillRunning {
                    run: sweep.run_dir(dir, index),
                });
            }
            _ => queue.push_back(index),
        }
    }
    let logs = dir.join("logs");
    std::fs::create_dir_all(&logs).map_err(|e| io_error(&logs, e))?;
    let mut running: Vec<(usize, Child)> = Vec::new();
    let mut signalled = false;
    loop {
        if stop.load(Ordering::SeqCst) {
            if !signalled {
                for (_, child) in &running {
                    interrupt(child);
                }
                signalled = true;
            }
            report.not_started.extend(queue.drain(..));
        }
        while running.len() < jobs
            && let Some(index) = queue.pop_front()
        {
            running.push((index, start(sweep, dir, index)?));
            observer(&PoolEvent::Started { index });
        }
        if running.is_empty() {
            break;
        }
        let mut i = 0;
        while i < running.len() {
            match running[i].1.try_wait() {
                Ok(Some(_)) | Err(_) => {
                    let (index, _) = running.swap_remove(i);
                    let mut state = finished_state(sweep, dir, index);
                    if state == TaskState::Dead && signalled {
                        // Stopped by our signal before it could record that itself.
                        let reason = "stopped by the sweep before the run could record it";
                        if crate::run::mark_interrupted_on_disk(&sweep.run_dir(dir, index), reason).unwrap_or(false) {
                            state = TaskState::Interrupted;
                        }
                    }
                    report.ran.push((index, state));
                    observer(&PoolEvent::Finished { index, state });
                }
                Ok(None) => i += 1,
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(report)
}

/// Start task `index`: its earlier attempt moved aside, output into `logs/task-INDEX.log`, in its
/// own process group (so a terminal's Ctrl-C reaches the pool, which passes it on once).
fn start(sweep: &Sweep, dir: &Path, index: usize) -> Result<Child, SweepError> {
    set_aside(sweep, dir, index)?;
    let log_path = dir.join("logs").join(format!("task-{index}.log"));
    let log = std::fs::File::create(&log_path).map_err(|e| io_error(&log_path, e))?;
    let err = log.try_clone().map_err(|e| io_error(&log_path, e))?;
    let mut command = Command::new(&sweep.brainclip);
    command
        .args(&sweep.tasks[index].args)
        .current_dir(&sweep.workdir)
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(err);
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    command.spawn().map_err(|e| SweepError::Launch {
        program: sweep.brainclip.clone(),
        why: e.to_string(),
    })
}

/// Move an earlier, unfinished attempt of task `index` to `attempts/NAME.N` (N = 1, 2, ...).
pub fn set_aside(sweep: &Sweep, dir: &Path, index: usize) -> Result<Option<PathBuf>, SweepError> {
    let run = sweep.run_dir(dir, index);
    if !run.exists() {
        return Ok(None);
    }
    let attempts = dir.join("attempts");
    std::fs::create_dir_all(&attempts).map_err(|e| io_error(&attempts, e))?;
    let name = &sweep.tasks[index].name;
    let target = (1..)
        .map(|n| attempts.join(format!("{name}.{n}")))
        .find(|p| !p.exists())
        .unwrap_or_else(|| attempts.join(name));
    std::fs::rename(&run, &target).map_err(|e| io_error(&run, e))?;
    Ok(Some(target))
}

/// How task `index` ended, from its manifest (a process that ended without one: failed).
fn finished_state(sweep: &Sweep, dir: &Path, index: usize) -> TaskState {
    let run = sweep.run_dir(dir, index);
    let manifest: Option<serde_json::Value> = std::fs::read(run.join("manifest.json"))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok());
    match manifest.as_ref().and_then(|m| m["status"].as_str()) {
        Some("completed") => TaskState::Completed,
        Some("interrupted") => TaskState::Interrupted,
        // A manifest still saying running belongs to a process that is gone.
        Some("running") => TaskState::Dead,
        _ => TaskState::Failed,
    }
}

/// Pass SIGINT to a run, as Ctrl-C in its terminal would.
fn interrupt(child: &Child) {
    #[cfg(unix)]
    // SAFETY: kill(2) with a pid this process started and has not yet reaped.
    unsafe {
        libc::kill(child.id() as libc::pid_t, libc::SIGINT);
    }
    #[cfg(not(unix))]
    let _ = child;
}
