//! `brainclip sweep --dry-run`: the plan, and one short calibration run of the first task (with
//! overrides such as `epochs=1`) measured for time, peak memory and the data it read, so that
//! `--mem` and `--time` are chosen from a measurement rather than a guess.

use std::fmt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::plan::Sweep;
use super::{SweepError, io_error};

/// What one calibration run measured.
#[derive(Clone, Debug, PartialEq)]
pub struct Calibration {
    /// The overrides it ran with (`key=value`).
    pub overrides: Vec<String>,
    /// How the run ended (`completed`, `failed`, ...).
    pub status: String,
    /// Its wall-clock time.
    pub wall: Duration,
    /// Its peak resident memory in bytes (the process and its threads).
    pub peak_rss: u64,
    /// Bytes of data files it read (from its manifest), and how many files.
    pub data_bytes: u64,
    /// Data files it read.
    pub data_files: usize,
    /// Generated (built-in) data sources it used.
    pub generated: usize,
    /// The error of a failed calibration run.
    pub error: Option<String>,
}

/// Run task 0 of `sweep` once into `scratch` with `overrides` (each `key=value` replaces or adds
/// a `--set`), measured.
pub fn calibrate(sweep: &Sweep, scratch: &Path, overrides: &[String]) -> Result<Calibration, SweepError> {
    let Some(task) = sweep.tasks.first() else {
        return Err(SweepError::Grid {
            text: String::new(),
            why: "the sweep has no task".into(),
        });
    };
    let run_dir = scratch.join(&task.name);
    let mut args = task.args.clone();
    if let Some(i) = args.iter().position(|a| a == "--out") {
        args[i + 1] = run_dir.display().to_string();
    }
    for o in overrides {
        let key = o.split_once('=').map_or(o.as_str(), |(k, _)| k);
        let existing = args
            .windows(2)
            .position(|w| w[0] == "--set" && w[1].split_once('=').is_some_and(|(k, _)| k == key));
        match existing {
            Some(i) => args[i + 1] = o.clone(),
            None => args.extend(["--set".into(), o.clone()]),
        }
    }
    let log_path = scratch.join("calibration.log");
    let log = std::fs::File::create(&log_path).map_err(|e| io_error(&log_path, e))?;
    let err = log.try_clone().map_err(|e| io_error(&log_path, e))?;
    let started = Instant::now();
    let child = Command::new(&sweep.brainclip)
        .args(&args)
        .current_dir(&sweep.workdir)
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(err)
        .spawn()
        .map_err(|e| SweepError::Launch {
            program: sweep.brainclip.clone(),
            why: e.to_string(),
        })?;
    let peak_rss = wait_peak_rss(child).map_err(|e| io_error(&sweep.brainclip, e))?;
    let wall = started.elapsed();
    let manifest: Value = std::fs::read(run_dir.join("manifest.json"))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(Value::Null);
    let data = manifest["data"].as_array().cloned().unwrap_or_default();
    let files: Vec<u64> = data.iter().filter_map(|d| d["bytes"].as_u64()).collect();
    let log_tail = std::fs::read_to_string(&log_path).unwrap_or_default();
    Ok(Calibration {
        overrides: overrides.to_vec(),
        status: manifest["status"].as_str().unwrap_or("failed").to_string(),
        wall,
        peak_rss,
        data_bytes: files.iter().sum(),
        data_files: files.len(),
        generated: data.len() - files.len(),
        error: manifest["error"]
            .as_str()
            .map(str::to_string)
            .or_else(|| (manifest.is_null()).then(|| log_tail.lines().rev().take(5).collect::<Vec<_>>().join("\n"))),
    })
}

/// Wait for `child` and return its peak resident memory in bytes.
fn wait_peak_rss(mut child: std::process::Child) -> std::io::Result<u64> {
    #[cfg(target_os = "linux")]
    {
        let pid = child.id() as libc::pid_t;
        let mut status = 0;
        // SAFETY: an all-zero rusage is valid; wait4 writes it for the child we started.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: waiting for our own unreaped child, with valid pointers.
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if r == pid {
            // Linux reports ru_maxrss in KiB.
            return Ok(u64::try_from(usage.ru_maxrss).unwrap_or(0) * 1024);
        }
        child.wait()?;
        Ok(0)
    }
    #[cfg(not(target_os = "linux"))]
    {
        child.wait()?;
        Ok(0)
    }
}

/// Memory to ask for: the calibration's peak plus half again, rounded up to whole GiB.
pub fn suggested_mem(peak_rss: u64) -> String {
    let gib = (peak_rss as f64 * 1.5 / (1u64 << 30) as f64).ceil().max(1.0);
    format!("{gib}G")
}

impl fmt::Display for Calibration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let with = if self.overrides.is_empty() {
            "as planned".to_string()
        } else {
            format!("with {}", self.overrides.join(" "))
        };
        writeln!(f, "calibration: task 0 {with}: {}", self.status)?;
        writeln!(
            f,
            "  wall time {:.1} s, peak memory {:.0} MiB",
            self.wall.as_secs_f64(),
            self.peak_rss as f64 / (1u64 << 20) as f64
        )?;
        let data = match (self.data_files, self.generated) {
            (0, 0) => "none recorded".to_string(),
            (0, g) => format!("built-in (generated, {g} source{})", if g == 1 { "" } else { "s" }),
            (n, _) => format!(
                "{n} file{} read, {:.1} MiB",
                if n == 1 { "" } else { "s" },
                self.data_bytes as f64 / (1u64 << 20) as f64
            ),
        };
        writeln!(f, "  data: {data}")?;
        if let Some(error) = &self.error {
            writeln!(f, "  error: {}", error.lines().next().unwrap_or(""))?;
        }
        Ok(())
    }
}
