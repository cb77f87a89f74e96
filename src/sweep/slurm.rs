//! A sweep as a SLURM job array: a readable `array.sbatch` whose tasks each `exec` one
//! `brainclip script` run (picked by `SLURM_ARRAY_TASK_ID`), submitted with `sbatch --parsable`,
//! with an optional `afterany` job that collects the results. SLURM schedules; brainclip only
//! writes the script and reads the run directories back.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use serde::{Deserialize, Serialize};

use super::plan::{Submission, Sweep, shell_words, write_atomic};
use super::{SweepError, io_error};
use crate::run::now;

/// Resources and options of each array task.
///
/// ```
/// let options = brainclip::sweep::SlurmOptions::default();
/// assert_eq!((options.cpus, options.signal_lead_s), (2, 120));
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SlurmOptions {
    /// CPU cores per task (`--cpus-per-task`; also the run's thread count).
    pub cpus: u32,
    /// Memory per task, e.g. `8G` (`--mem`).
    pub mem: Option<String>,
    /// Time limit per task, e.g. `2:00:00` (`--time`).
    pub time: Option<String>,
    /// GPUs per task (`--gres=gpu:N`; 1 when the runs' device is `cuda`).
    pub gpus: u32,
    /// At most this many tasks at once (`--array=…%P`).
    pub throttle: Option<usize>,
    /// Seconds before the time limit at which SLURM sends SIGINT, so the run stops at a safe point
    /// and is recorded as interrupted (`--signal=B:INT@S`).
    pub signal_lead_s: u32,
    /// Further `sbatch` options, one per `#SBATCH` line (e.g. `--partition=gpu`, `--account=lab`).
    pub sbatch_args: Vec<String>,
    /// Submit a job that runs `brainclip sweep collect` after the array (`afterany`).
    pub collect: bool,
}

impl Default for SlurmOptions {
    fn default() -> Self {
        Self {
            cpus: 2,
            mem: None,
            time: None,
            gpus: 0,
            throttle: None,
            signal_lead_s: 120,
            sbatch_args: Vec::new(),
            collect: false,
        }
    }
}

/// The job array script.
pub const ARRAY_FILE: &str = "array.sbatch";
/// The collect job script.
pub const COLLECT_FILE: &str = "collect.sbatch";

/// `--array=` for `tasks` (sorted), with ranges where indices run on: `0-3,7,9-10%P`.
///
/// ```
/// assert_eq!(brainclip::sweep::array_spec(&[0, 1, 2, 3, 7, 9, 10], Some(2)), "0-3,7,9-10%2");
/// assert_eq!(brainclip::sweep::array_spec(&[4], None), "4");
/// ```
pub fn array_spec(tasks: &[usize], throttle: Option<usize>) -> String {
    let mut parts = Vec::new();
    let mut i = 0;
    while i < tasks.len() {
        let start = tasks[i];
        while i + 1 < tasks.len() && tasks[i + 1] == tasks[i] + 1 {
            i += 1;
        }
        parts.push(if tasks[i] == start {
            start.to_string()
        } else {
            format!("{start}-{}", tasks[i])
        });
        i += 1;
    }
    let mut spec = parts.join(",");
    if let Some(p) = throttle {
        spec.push_str(&format!("%{p}"));
    }
    spec
}

/// The text of `array.sbatch` for the sweep in `dir`.
pub fn array_script(sweep: &Sweep, dir: &Path, options: &SlurmOptions) -> String {
    let all: Vec<usize> = (0..sweep.tasks.len()).collect();
    let keys: Vec<&str> = sweep.grid.iter().map(|a| a.key.as_str()).collect();
    let mut s = format!(
        "#!/bin/bash\n\
         # brainclip sweep `{name}`: {n} runs of {script}\n\
         # (grid: {grid}), one per array task; written by brainclip {version}.\n\
         # Status: brainclip sweep status {dir}   Resubmit what did not complete: brainclip sweep resubmit {dir}\n",
        name = sweep.name,
        n = sweep.tasks.len(),
        script = sweep.script.display(),
        grid = if keys.is_empty() {
            "none".into()
        } else {
            keys.join(" × ")
        },
        version = env!("CARGO_PKG_VERSION"),
        dir = dir.display(),
    );
    let mut directive = |option: String| s.push_str(&format!("#SBATCH {option}\n"));
    directive(format!("--job-name={}", sweep.name));
    directive(format!("--array={}", array_spec(&all, options.throttle)));
    directive(format!("--output={}", dir.join("logs").join("%A_%a.out").display()));
    // Where `brainclip sweep` ran, so relative paths in parameters resolve as they do locally.
    directive(format!("--chdir={}", sweep.workdir.display()));
    directive(format!("--cpus-per-task={}", options.cpus));
    if let Some(mem) = &options.mem {
        directive(format!("--mem={mem}"));
    }
    if let Some(time) = &options.time {
        directive(format!("--time={time}"));
    }
    if options.gpus > 0 {
        directive(format!("--gres=gpu:{}", options.gpus));
    }
    // B: the signal goes to the batch shell, which has become brainclip by `exec`.
    directive(format!("--signal=B:INT@{}", options.signal_lead_s));
    for extra in &options.sbatch_args {
        directive(extra.clone());
    }
    s.push_str(
        "\nset -eu\n\
         # As many threads as cores were granted, not as the node has.\n\
         export RAYON_NUM_THREADS=\"${SLURM_CPUS_PER_TASK:-1}\" OMP_NUM_THREADS=\"${SLURM_CPUS_PER_TASK:-1}\"\n\
         case \"$SLURM_ARRAY_TASK_ID\" in\n",
    );
    for index in 0..sweep.tasks.len() {
        s.push_str(&format!("  {index}) exec {} ;;\n", shell_words(sweep.command(index))));
    }
    s.push_str(&format!(
        "  *) echo \"array task $SLURM_ARRAY_TASK_ID is not in sweep {} (0-{})\" >&2; exit 2 ;;\nesac\n",
        sweep.name,
        sweep.tasks.len().saturating_sub(1)
    ));
    s
}

/// The text of `collect.sbatch`: `brainclip sweep collect` on one core.
pub fn collect_script(sweep: &Sweep, dir: &Path, options: &SlurmOptions) -> String {
    let mut s = format!(
        "#!/bin/bash\n# Collects sweep `{}` into results.csv and a figure once its array has ended.\n",
        sweep.name
    );
    s.push_str(&format!("#SBATCH --job-name={}-collect\n", sweep.name));
    s.push_str(&format!(
        "#SBATCH --output={}\n",
        dir.join("logs").join("collect_%j.out").display()
    ));
    s.push_str("#SBATCH --cpus-per-task=1\n");
    for extra in options.sbatch_args.iter().filter(|a| !a.starts_with("--gres")) {
        s.push_str(&format!("#SBATCH {extra}\n"));
    }
    s.push_str(&format!(
        "\nexec {}\n",
        shell_words([
            sweep.brainclip.display().to_string(),
            "sweep".into(),
            "collect".into(),
            dir.display().to_string(),
        ])
    ));
    s
}

/// Write `array.sbatch` (and `collect.sbatch`), create the log folder (SLURM fails a task
/// whose `--output` folder is missing, with no log), and submit `tasks`; the submission is
/// recorded in `sweep.json`.
pub fn submit(sweep: &mut Sweep, dir: &Path, tasks: &[usize]) -> Result<Submission, SweepError> {
    let options = sweep.slurm.clone().unwrap_or_default();
    std::fs::create_dir_all(dir.join("logs")).map_err(|e| io_error(dir, e))?;
    write_atomic(&dir.join(ARRAY_FILE), array_script(sweep, dir, &options).as_bytes())?;
    let array = array_spec(tasks, options.throttle);
    let job_id = sbatch(dir, &[format!("--array={array}"), ARRAY_FILE.into()])?;
    let collect_job_id = if options.collect {
        write_atomic(&dir.join(COLLECT_FILE), collect_script(sweep, dir, &options).as_bytes())?;
        Some(sbatch(
            dir,
            &[format!("--dependency=afterany:{job_id}"), COLLECT_FILE.into()],
        )?)
    } else {
        None
    };
    let submission = Submission {
        job_id,
        tasks: tasks.to_vec(),
        collect_job_id,
        submitted_at: now(),
    };
    sweep.submissions.push(submission.clone());
    sweep.save(dir)?;
    Ok(submission)
}

/// `sbatch --parsable ARGS` in `dir`; the job id it printed.
fn sbatch(dir: &Path, args: &[String]) -> Result<String, SweepError> {
    let output = Command::new("sbatch")
        .arg("--parsable")
        .args(args)
        .current_dir(dir)
        .output()
        .map_err(|e| SweepError::Slurm {
            command: "sbatch".into(),
            why: if e.kind() == std::io::ErrorKind::NotFound {
                "sbatch is not on PATH: run this on a SLURM login node, or use --jobs K to run the sweep here".into()
            } else {
                e.to_string()
            },
        })?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(SweepError::Slurm {
            command: format!("sbatch {}", args.join(" ")),
            why: String::from_utf8_lossy(&output.stderr).trim().to_string(),
        });
    }
    // --parsable prints `jobid` or `jobid;cluster`.
    let id = stdout.trim().split(';').next().unwrap_or("").to_string();
    if id.is_empty() || !id.chars().all(|c| c.is_ascii_digit()) {
        return Err(SweepError::Slurm {
            command: "sbatch --parsable".into(),
            why: format!("printed `{}`, not a job id", stdout.trim()),
        });
    }
    Ok(id)
}

/// What SLURM's queue says of one array task.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueuedTask {
    /// The array job's id.
    pub array_job_id: String,
    /// The task's index in the array.
    pub task: usize,
    /// The job's own id (`SLURM_JOB_ID` inside the task).
    pub job_id: String,
    /// SLURM's state, e.g. `PENDING`, `RUNNING`.
    pub state: String,
}

/// The queued and running tasks of the array jobs `ids`, from `squeue`; `None` when squeue cannot
/// be asked (not on PATH, or no controller).
pub fn queued(ids: &[&str]) -> Option<Vec<QueuedTask>> {
    if ids.is_empty() {
        return Some(Vec::new());
    }
    let output = Command::new("squeue")
        .args(["-h", "-r", "-o", "%A %i %T", "-j", &ids.join(",")])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        // Jobs that have left the queue make squeue fail with "Invalid job id".
        let stderr = String::from_utf8_lossy(&output.stderr);
        return stderr.contains("Invalid job id").then(Vec::new);
    }
    Some(parse_squeue(&text))
}

/// Lines `JOBID ARRAYJOB_TASK STATE` (pending array ranges such as `12_[3-5%2]` expanded).
fn parse_squeue(text: &str) -> Vec<QueuedTask> {
    let mut tasks = Vec::new();
    for line in text.lines() {
        let mut words = line.split_whitespace();
        let (Some(job_id), Some(id), Some(state)) = (words.next(), words.next(), words.next()) else {
            continue;
        };
        let Some((array, index)) = id.split_once('_') else {
            continue;
        };
        let indices: Vec<usize> = if let Some(list) = index.strip_prefix('[') {
            let list = list.trim_end_matches(']');
            let list = list.split('%').next().unwrap_or("");
            list.split(',')
                .flat_map(|part| match part.split_once('-') {
                    Some((a, b)) => match (a.parse::<usize>(), b.parse::<usize>()) {
                        (Ok(a), Ok(b)) if b >= a && b - a < 1_000_000 => (a..=b).collect(),
                        _ => Vec::new(),
                    },
                    None => part.parse().into_iter().collect(),
                })
                .collect()
        } else {
            index.parse().into_iter().collect()
        };
        for task in indices {
            tasks.push(QueuedTask {
                array_job_id: array.to_string(),
                task,
                job_id: job_id.to_string(),
                state: state.to_string(),
            });
        }
    }
    tasks
}

/// Queue states by (array job id, task index).
pub fn queue_states(sweep: &Sweep) -> Option<BTreeMap<(String, usize), String>> {
    let ids: Vec<&str> = sweep.submissions.iter().map(|s| s.job_id.as_str()).collect();
    Some(
        queued(&ids)?
            .into_iter()
            .map(|q| ((q.array_job_id, q.task), q.state))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn squeue_lines_expand_pending_ranges() {
        let tasks = parse_squeue("101 100_2 RUNNING\n100 100_[3-5,8%2] PENDING\ngarbage\n");
        let got: Vec<(usize, &str)> = tasks.iter().map(|t| (t.task, t.state.as_str())).collect();
        assert_eq!(
            got,
            [
                (2, "RUNNING"),
                (3, "PENDING"),
                (4, "PENDING"),
                (5, "PENDING"),
                (8, "PENDING")
            ]
        );
        assert_eq!(tasks[0].job_id, "101");
        assert!(tasks.iter().all(|t| t.array_job_id == "100"));
    }

    #[test]
    fn array_spec_is_compact() {
        assert_eq!(array_spec(&[0, 2, 3, 4, 6], None), "0,2-4,6");
        assert_eq!(array_spec(&[], Some(3)), "%3");
    }
}
