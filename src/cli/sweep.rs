//! `brainclip sweep`: plan a grid of runs, run it here K at a time or submit it to SLURM as a job
//! array, and read it back (status, resubmit, collect). A thin layer over `brainclip::sweep`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};

use brainclip::sweep::{self, Axis, PoolEvent, SlurmOptions, Sweep, SweepRequest, TaskState, brainclip_executable};

/// `brainclip sweep SCRIPT --grid …` and its subcommands.
#[derive(clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct SweepArgs {
    #[command(subcommand)]
    action: Option<SweepAction>,
    #[command(flatten)]
    plan: PlanArgs,
}

#[derive(clap::Subcommand)]
enum SweepAction {
    /// How each task stands, read from its run directory (completed, failed, interrupted,
    /// running, dead, pending, missing).
    Status {
        /// The sweep folder (--out of `brainclip sweep`).
        dir: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Run again exactly the tasks that did not complete (failed, interrupted, dead, missing):
    /// as a SLURM array when the sweep was submitted, else here K at a time.
    Resubmit {
        /// The sweep folder.
        dir: PathBuf,
        /// Run here, this many at a time (also for a sweep that was submitted to SLURM).
        #[arg(long, value_name = "K")]
        jobs: Option<usize>,
    },
    /// Write results.csv (parameters, state, flattened metrics) and results.png/.svg (a metric's
    /// mean ± 95 % CI over seeds per condition), and print a summary; works on partial sweeps.
    Collect {
        /// The sweep folder.
        dir: PathBuf,
        /// The metric of the figure and summary (default: the first ending in top1).
        #[arg(long)]
        metric: Option<String>,
    },
}

#[derive(clap::Args)]
struct PlanArgs {
    /// The experiment script.
    script: Option<PathBuf>,
    /// A swept parameter: key=v1,v2,... or key=A..B (A to B−1) or key=A..=B; repeatable. `seed`
    /// is the session seed (--seed of each run).
    #[arg(long = "grid", value_name = "KEY=VALUES")]
    grid: Vec<String>,
    /// A parameter every run gets: key=value (as for `brainclip script --set`).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// The sweep folder (default: sweeps/<script name>); running the same sweep into it again
    /// continues it.
    #[arg(long)]
    out: Option<PathBuf>,
    /// The session seed of every run when `seed` is not swept.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Where each run's tensors live: cpu, cpu:ndarray, cuda[:N] (cuda asks SLURM for a GPU).
    #[arg(long, env = "BRAINCLIP_DEVICE", default_value = "cpu")]
    device: String,
    /// Run here, this many runs at a time.
    #[arg(long, value_name = "K", default_value_t = 1, conflicts_with = "slurm")]
    jobs: usize,
    /// Submit the sweep to SLURM as a job array instead (sbatch must be on PATH).
    #[arg(long)]
    slurm: bool,
    /// SLURM: CPU cores per task.
    #[arg(long, value_name = "N", default_value_t = 2)]
    cpus: u32,
    /// SLURM: memory per task, e.g. 8G.
    #[arg(long, value_name = "SIZE")]
    mem: Option<String>,
    /// SLURM: time limit per task, e.g. 2:00:00.
    #[arg(long, value_name = "TIME")]
    time: Option<String>,
    /// SLURM: GPUs per task (default 1 with a cuda device, else 0).
    #[arg(long, value_name = "N")]
    gpus: Option<u32>,
    /// SLURM: at most this many tasks at once (--array=…%P).
    #[arg(long, value_name = "P")]
    throttle: Option<usize>,
    /// SLURM: seconds before the time limit at which the run is asked to stop (SIGINT), so it
    /// is recorded as interrupted and can be resubmitted.
    #[arg(long, value_name = "S", default_value_t = 120)]
    signal_lead: u32,
    /// SLURM: a further sbatch option, e.g. --sbatch-arg=--partition=gpu (repeatable).
    #[arg(long = "sbatch-arg", value_name = "OPTION", allow_hyphen_values = true)]
    sbatch_args: Vec<String>,
    /// SLURM: also submit a job that collects the results once the array has ended.
    #[arg(long)]
    collect: bool,
    /// Print the plan (and the sbatch script with --slurm), make one calibration run of task 0
    /// and estimate each task's time and memory; runs nothing else, submits nothing.
    #[arg(long)]
    dry_run: bool,
    /// With --dry-run: a parameter of the calibration run only, e.g. epochs=1 (repeatable).
    #[arg(long = "calibrate-set", value_name = "KEY=VALUE")]
    calibrate_set: Vec<String>,
    /// With --dry-run: skip the calibration run.
    #[arg(long)]
    no_calibration: bool,
    /// A folder or file the runs may read (passed to each run; repeatable).
    #[arg(long = "allow-read", value_name = "PATH")]
    allow_read: Vec<PathBuf>,
    /// The data catalog each run uses.
    #[arg(long, value_name = "FILE")]
    catalog: Option<PathBuf>,
    /// Wall-clock limit of each run, e.g. 30m (brainclip script --timeout).
    #[arg(long, value_name = "DURATION")]
    timeout: Option<String>,
}

/// Run `brainclip sweep …`.
pub fn run(args: SweepArgs) -> anyhow::Result<ExitCode> {
    match args.action {
        Some(SweepAction::Status { dir, json }) => status(&dir, json),
        Some(SweepAction::Resubmit { dir, jobs }) => resubmit(&dir, jobs),
        Some(SweepAction::Collect { dir, metric }) => collect(&dir, metric.as_deref()),
        None => plan_and_run(args.plan),
    }
}

fn plan_and_run(args: PlanArgs) -> anyhow::Result<ExitCode> {
    let Some(script) = args.script.clone() else {
        anyhow::bail!("give a script: brainclip sweep SCRIPT --grid key=v1,v2 [--grid seed=0..3] [--jobs K | --slurm]");
    };
    if !script.is_file() {
        anyhow::bail!("cannot read script {}: no such file", script.display());
    }
    let grid = args
        .grid
        .iter()
        .map(|g| Axis::parse(g))
        .collect::<Result<Vec<_>, _>>()?;
    let mut script_args = Vec::new();
    for path in &args.allow_read {
        let path = std::path::absolute(path).with_context(|| format!("--allow-read {}", path.display()))?;
        script_args.extend(["--allow-read".to_string(), path.display().to_string()]);
    }
    if let Some(catalog) = &args.catalog {
        let catalog = std::path::absolute(catalog).with_context(|| format!("--catalog {}", catalog.display()))?;
        script_args.extend(["--catalog".to_string(), catalog.display().to_string()]);
    }
    if let Some(timeout) = &args.timeout {
        brainclip::session::parse_timeout(timeout).map_err(|e| anyhow::anyhow!("--timeout {timeout}: {e}"))?;
        script_args.extend(["--timeout".to_string(), timeout.clone()]);
    }
    let request = SweepRequest {
        script: script.clone(),
        grid,
        fixed: args.set.clone(),
        seed: args.seed,
        device: args.device.clone(),
        script_args,
        brainclip: brainclip_executable(),
    };
    let stem = script
        .file_stem()
        .map_or_else(|| "sweep".into(), |s| s.to_string_lossy().into_owned());
    let dir = args.out.clone().unwrap_or_else(|| PathBuf::from("sweeps").join(stem));
    let slurm = args.slurm.then(|| SlurmOptions {
        cpus: args.cpus,
        mem: args.mem.clone(),
        time: args.time.clone(),
        gpus: args.gpus.unwrap_or(if args.device.starts_with("cuda") { 1 } else { 0 }),
        throttle: args.throttle,
        signal_lead_s: args.signal_lead,
        sbatch_args: args.sbatch_args.clone(),
        collect: args.collect,
    });
    if args.dry_run {
        return dry_run(&request, &dir, slurm.as_ref(), &args);
    }
    let mut sweep = Sweep::create(&request, &dir)?;
    let dir = std::path::absolute(&dir)?;
    eprintln!(
        "sweep {}: {} runs of {} in {}",
        sweep.name,
        sweep.tasks.len(),
        sweep.script.display(),
        dir.display()
    );
    if let Some(options) = slurm {
        sweep.slurm = Some(options);
        let pending: Vec<usize> = sweep::status(&sweep, &dir)
            .iter()
            .filter(|t| t.state.needs_rerun())
            .map(|t| t.index)
            .collect();
        if pending.is_empty() {
            eprintln!("every run has completed or is running; nothing to submit");
            sweep.save(&dir)?;
            return Ok(ExitCode::SUCCESS);
        }
        return submit(&mut sweep, &dir, &pending);
    }
    let all: Vec<usize> = (0..sweep.tasks.len()).collect();
    run_here(&sweep, &dir, &all, args.jobs)
}

fn dry_run(
    request: &SweepRequest,
    dir: &Path,
    slurm: Option<&SlurmOptions>,
    args: &PlanArgs,
) -> anyhow::Result<ExitCode> {
    let mut plan = Sweep::plan(request, dir)?;
    let dir = std::path::absolute(dir)?;
    println!(
        "sweep {}: {} runs of {} (nothing is written or submitted)",
        plan.name,
        plan.tasks.len(),
        plan.script.display()
    );
    for axis in &plan.grid {
        println!("  {} = {}", axis.key, axis.values.join(", "));
    }
    for (key, value) in &plan.fixed {
        println!("  {key} = {value} (every run)");
    }
    for task in plan.tasks.iter().take(5) {
        println!("  {}: {}", task.index, sweep::shell_words(plan.command(task.index)));
    }
    if plan.tasks.len() > 5 {
        println!("  … {} more", plan.tasks.len() - 5);
    }
    if let Some(options) = slurm {
        plan.slurm = Some(options.clone());
        println!("\n{}:\n", sweep::ARRAY_FILE);
        let script = sweep::array_script(&plan, &dir, options);
        let lines: Vec<&str> = script.lines().collect();
        for line in lines.iter().take(24) {
            println!("  {line}");
        }
        if lines.len() > 24 {
            println!("  … ({} lines in all)", lines.len());
        }
    }
    if args.no_calibration {
        return Ok(ExitCode::SUCCESS);
    }
    let scratch = tempfile::tempdir().context("cannot create a folder for the calibration run")?;
    eprintln!("\ncalibrating: running task 0 once…");
    let calibration = sweep::calibrate(&plan, scratch.path(), &args.calibrate_set)?;
    print!("\n{calibration}");
    if calibration.status == "completed" {
        let parallel = match slurm {
            Some(o) => o.throttle.unwrap_or(plan.tasks.len()),
            None => args.jobs,
        }
        .clamp(1, plan.tasks.len().max(1));
        let waves = plan.tasks.len().div_ceil(parallel);
        let total = calibration.wall.as_secs_f64() * waves as f64;
        println!(
            "  estimate: {} runs, {parallel} at a time: about {} in all if each is like the calibration run{}",
            plan.tasks.len(),
            humantime::format_duration(std::time::Duration::from_secs(total.ceil() as u64)),
            if args.calibrate_set.is_empty() {
                ""
            } else {
                " (it ran with the overrides above: scale by what they cut)"
            }
        );
        println!(
            "  suggested: --mem {} (peak + 50 %){}",
            sweep::suggested_mem(calibration.peak_rss),
            if slurm.is_some() {
                ""
            } else {
                " if submitted with --slurm"
            }
        );
        Ok(ExitCode::SUCCESS)
    } else {
        println!(
            "  the calibration run did not complete; its log: fix the script before sweeping\n{}",
            std::fs::read_to_string(scratch.path().join("calibration.log")).unwrap_or_default()
        );
        Ok(ExitCode::from(1))
    }
}

fn submit(sweep: &mut Sweep, dir: &Path, tasks: &[usize]) -> anyhow::Result<ExitCode> {
    sweep.check_script()?;
    for &index in tasks {
        if let Some(moved) = sweep::set_aside(sweep, dir, index)? {
            eprintln!(
                "earlier attempt of {} kept in {}",
                sweep.tasks[index].name,
                moved.display()
            );
        }
    }
    let submission = sweep::submit(sweep, dir, tasks)?;
    println!(
        "submitted array job {} ({} task{}: --array={})",
        submission.job_id,
        tasks.len(),
        if tasks.len() == 1 { "" } else { "s" },
        sweep::array_spec(tasks, sweep.slurm.as_ref().and_then(|s| s.throttle))
    );
    if let Some(collect) = &submission.collect_job_id {
        println!("collect job {collect} runs after it (afterany)");
    }
    println!(
        "follow it with: brainclip sweep status {}\nscript: {}",
        dir.display(),
        dir.join(sweep::ARRAY_FILE).display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Run `tasks` here, `jobs` at a time, with a progress line; then collect.
fn run_here(sweep: &Sweep, dir: &Path, tasks: &[usize], jobs: usize) -> anyhow::Result<ExitCode> {
    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = Arc::clone(&stop);
        ctrlc::set_handler(move || {
            if stop.swap(true, Ordering::SeqCst) {
                std::process::exit(130);
            }
            eprintln!("\nstopping: the running runs stop at their next safe point (signal again to quit now)");
        })
        .context("cannot install the signal handler")?;
    }
    let total = tasks.len();
    let bar = if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        let bar = ProgressBar::new(total as u64);
        bar.set_style(
            ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} {msg} ({elapsed})")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        bar.set_prefix(format!("sweep {}", sweep.name));
        bar
    } else {
        ProgressBar::hidden()
    };
    let (mut running, mut done, mut failed) = (0usize, 0usize, 0usize);
    let report = sweep::run_local(sweep, dir, tasks, jobs, &stop, &mut |event| match event {
        PoolEvent::Started { .. } => {
            running += 1;
            bar.set_message(format!("· {running} running · {failed} not completed"));
        }
        PoolEvent::Finished { index, state } => {
            running -= 1;
            done += 1;
            if *state != TaskState::Completed {
                failed += 1;
            }
            bar.set_position(done as u64);
            bar.set_message(format!("· {running} running · {failed} not completed"));
            let line = format!("[{done}/{total}] {} {state}", sweep.tasks[*index].name);
            if bar.is_hidden() {
                eprintln!("{line}");
            } else {
                bar.println(line);
            }
        }
    })?;
    bar.finish_and_clear();
    if !report.skipped.is_empty() {
        eprintln!(
            "{} runs had completed before and were left as they are",
            report.skipped.len()
        );
    }
    let collection = sweep::collect(dir, None)?;
    print!("{collection}");
    let incomplete = collection
        .statuses
        .iter()
        .filter(|s| s.state != TaskState::Completed)
        .count();
    if stop.load(Ordering::SeqCst) {
        eprintln!(
            "stopped; continue with: brainclip sweep resubmit {} --jobs {jobs}",
            dir.display()
        );
        return Ok(ExitCode::from(130));
    }
    if incomplete > 0 {
        eprintln!(
            "{incomplete} runs did not complete (their logs are in {}); rerun them with: brainclip sweep resubmit {} --jobs {jobs}",
            dir.join("logs").display(),
            dir.display()
        );
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

fn status(dir: &Path, json: bool) -> anyhow::Result<ExitCode> {
    let sweep = Sweep::load(dir)?;
    let statuses = sweep::status(&sweep, dir);
    if json {
        println!("{}", serde_json::to_string_pretty(&statuses)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!("sweep {}: {}", sweep.name, sweep::summary_line(&statuses));
    let width = statuses.iter().map(|s| s.name.len()).max().unwrap_or(0);
    for s in &statuses {
        let why = s
            .error
            .as_deref()
            .and_then(|e| e.lines().find(|l| !l.trim().is_empty()))
            .map(|e| format!("  {}", e.trim()))
            .unwrap_or_default();
        println!("  {:width$}  {:11}{why}", s.name, s.state.name());
    }
    if statuses.iter().any(|s| s.state.needs_rerun()) {
        println!(
            "rerun what did not complete: brainclip sweep resubmit {}",
            dir.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn resubmit(dir: &Path, jobs: Option<usize>) -> anyhow::Result<ExitCode> {
    let mut sweep = Sweep::load(dir)?;
    let dir = std::path::absolute(dir)?;
    let statuses = sweep::status(&sweep, &dir);
    let tasks: Vec<usize> = statuses
        .iter()
        .filter(|t| t.state.needs_rerun())
        .map(|t| t.index)
        .collect();
    println!("sweep {}: {}", sweep.name, sweep::summary_line(&statuses));
    if tasks.is_empty() {
        println!("nothing to rerun: every run has completed or is still running");
        return Ok(ExitCode::SUCCESS);
    }
    match (jobs, sweep.slurm.is_some()) {
        (None, true) => submit(&mut sweep, &dir, &tasks),
        (jobs, _) => run_here(&sweep, &dir, &tasks, jobs.unwrap_or(1)),
    }
}

fn collect(dir: &Path, metric: Option<&str>) -> anyhow::Result<ExitCode> {
    let collection = sweep::collect(dir, metric)?;
    print!("{collection}");
    Ok(ExitCode::SUCCESS)
}
