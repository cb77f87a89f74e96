//! `brainclip sweep` as a lab uses it: a grid run here with a bounded pool, and the same grid as
//! a job array on a real single-node SLURM (Debian's slurm-wlm and munge, started as root by
//! tests/slurm/slurm-up.sh and stopped by PID at the end).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use serde_json::Value;

const BRAINCLIP: &str = env!("CARGO_BIN_EXE_brainclip");

/// A task script: reads its table (a missing one fails the run), spins `spin` iterations (an
/// interruptible stretch of work), saves metrics from what it read.
const TASK: &str = r#"// A sweep task for the tests.
let data = load_table(param("data", "a.csv"));
let spin = param("spin", 0);
let x = 0;
for i in 0..spin { x += 1; }
save_metrics(#{ top1: data.n_rows * 0.1, spun: x });
"#;

struct Lab {
    dir: tempfile::TempDir,
}

impl Lab {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("task.rhai"), TASK).unwrap();
        for (name, rows) in [("a.csv", 1), ("c.csv", 3)] {
            write_table(&dir.path().join(name), rows);
        }
        Self { dir }
    }
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    fn data_axis(&self) -> String {
        let files: Vec<String> = ["a.csv", "b.csv", "c.csv"]
            .iter()
            .map(|f| self.path(f).display().to_string())
            .collect();
        format!("data={}", files.join(","))
    }
    fn brainclip(&self, args: &[&str]) -> Output {
        Command::new(BRAINCLIP)
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .unwrap()
    }
}

fn write_table(path: &Path, rows: usize) {
    let mut text = String::from("x\n");
    for i in 0..rows {
        text.push_str(&format!("{i}\n"));
    }
    std::fs::write(path, text).unwrap();
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))).unwrap()
}

/// Each task's manifest (by task index), from the run directories sweep.json names.
fn manifests(sweep_dir: &Path) -> Vec<Option<Value>> {
    let sweep = json(&sweep_dir.join("sweep.json"));
    sweep["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let path = sweep_dir
                .join("runs")
                .join(t["name"].as_str().unwrap())
                .join("manifest.json");
            path.exists().then(|| json(&path))
        })
        .collect()
}

fn time(m: &Value, key: &str) -> chrono::DateTime<chrono::Utc> {
    m[key].as_str().unwrap().parse().unwrap()
}

/// The most runs whose [started_at, finished_at] intervals overlap at one moment.
fn max_concurrent(manifests: &[Value]) -> usize {
    let mut events: Vec<(chrono::DateTime<chrono::Utc>, i32)> = Vec::new();
    for m in manifests {
        events.push((time(m, "started_at"), 1));
        events.push((time(m, "finished_at"), -1));
    }
    // An end and a start at the same instant do not overlap.
    events.sort_by_key(|&(t, delta)| (t, delta));
    let (mut now, mut most) = (0i32, 0i32);
    for (_, delta) in events {
        now += delta;
        most = most.max(now);
    }
    most as usize
}

fn states(sweep_dir: &Path) -> Vec<String> {
    manifests(sweep_dir)
        .iter()
        .map(|m| {
            m.as_ref()
                .map_or("missing".into(), |m| m["status"].as_str().unwrap().to_string())
        })
        .collect()
}

#[test]
fn a_local_sweep_runs_k_at_a_time_and_resubmits_exactly_what_failed() {
    let lab = Lab::new();
    let out = lab.path("sweeps/tables");
    let out_s = out.display().to_string();
    let data = lab.data_axis();
    let run = lab.brainclip(&[
        "sweep",
        "task.rhai",
        "--grid",
        &data,
        "--grid",
        "seed=0..2",
        "--set",
        "spin=20000",
        "--jobs",
        "2",
        "--out",
        &out_s,
    ]);
    let said = text(&run);
    assert_eq!(run.status.code(), Some(1), "{said}");
    assert!(said.contains("6 runs: 4 completed, 2 failed"), "{said}");
    assert!(said.contains("brainclip sweep resubmit"), "{said}");
    // The task table maps indices to run directories named by their parameters.
    let table = std::fs::read_to_string(out.join("tasks.tsv")).unwrap();
    let line3: Vec<&str> = table.lines().nth(4).unwrap().split('\t').collect();
    assert_eq!(line3[0], "3");
    assert!(
        line3[1].starts_with("runs/3_data=") && line3[1].ends_with("b.csv_seed=1"),
        "{line3:?}"
    );
    let all = manifests(&out);
    for (i, m) in all.iter().enumerate() {
        let m = m.as_ref().unwrap();
        assert_eq!(m["seed"], (i % 2) as u64, "task {i}");
        let expected = lab.path(["a.csv", "b.csv", "c.csv"][i / 2]).display().to_string();
        assert_eq!(m["params"]["data"], expected.as_str(), "task {i}");
        assert!(m["process"]["pid"].is_u64(), "task {i}: {}", m["process"]);
    }
    assert_eq!(
        states(&out),
        ["completed", "completed", "failed", "failed", "completed", "completed"]
    );
    let finished: Vec<Value> = all.into_iter().flatten().collect();
    assert!(max_concurrent(&finished) <= 2, "more than --jobs 2 ran at once");
    let csv = std::fs::read_to_string(out.join("results.csv")).unwrap();
    assert!(csv.starts_with("index,run,status,data,seed,spin,spun,top1,"), "{csv}");
    assert_eq!(csv.lines().filter(|l| l.contains(",failed,")).count(), 2, "{csv}");
    assert!(out.join("results.png").exists());

    // Status names the failure; resubmit reruns only the two failed tasks.
    let status = lab.brainclip(&["sweep", "status", &out_s]);
    let said = text(&status);
    assert!(said.contains("failed") && said.contains("b.csv"), "{said}");
    let before = std::fs::read(
        out.join("runs")
            .join(json(&out.join("sweep.json"))["tasks"][0]["name"].as_str().unwrap())
            .join("manifest.json"),
    )
    .unwrap();
    write_table(&lab.path("b.csv"), 2);
    let again = lab.brainclip(&["sweep", "resubmit", &out_s, "--jobs", "2"]);
    let said = text(&again);
    assert_eq!(again.status.code(), Some(0), "{said}");
    assert!(
        said.contains("[2/2]") && !said.contains("[3/"),
        "only the two failed ran: {said}"
    );
    assert_eq!(states(&out), ["completed"; 6]);
    let after = std::fs::read(
        out.join("runs")
            .join(json(&out.join("sweep.json"))["tasks"][0]["name"].as_str().unwrap())
            .join("manifest.json"),
    )
    .unwrap();
    assert_eq!(before, after, "a completed run was redone");
    assert_eq!(
        std::fs::read_dir(out.join("attempts")).unwrap().count(),
        2,
        "failed attempts are kept"
    );
    let collect = lab.brainclip(&["sweep", "collect", &out_s, "--metric", "top1"]);
    let said = text(&collect);
    // b.csv has 2 rows: top1 = 0.2 over both seeds, so the interval is 0.
    assert!(said.contains("0.2000 ± 0.0000  (n = 2)"), "{said}");
    let bad = lab.brainclip(&["sweep", "collect", &out_s, "--metric", "top"]);
    assert!(text(&bad).contains("did you mean `top1`"), "{}", text(&bad));
}

#[test]
fn a_sweep_refuses_what_would_sweep_nothing() {
    let lab = Lab::new();
    for (args, expected) in [
        (vec!["--grid", "lr=0.1,0.2"], "parameter `lr` is not used by"),
        (vec!["--grid", "seed=3..1"], "the range is empty"),
        (vec!["--grid", "spin"], "write key=v1,v2"),
        (
            vec!["--grid", "spin=1,2", "--set", "spin=3"],
            "both a --grid axis and a --set",
        ),
    ] {
        let mut all = vec!["sweep", "task.rhai"];
        all.extend(args);
        let run = lab.brainclip(&all);
        assert_eq!(run.status.code(), Some(2), "{all:?}");
        assert!(text(&run).contains(expected), "{all:?}: {}", text(&run));
    }
    let status = lab.brainclip(&["sweep", "status", "nowhere"]);
    assert!(text(&status).contains("is not a sweep folder"), "{}", text(&status));
}

#[test]
fn a_dry_run_calibrates_on_task_zero_and_writes_nothing() {
    let lab = Lab::new();
    let out = lab.path("sweeps/dry");
    let run = lab.brainclip(&[
        "sweep",
        "task.rhai",
        "--grid",
        "seed=0..4",
        "--set",
        "spin=10",
        "--slurm",
        "--throttle",
        "2",
        "--dry-run",
        "--calibrate-set",
        "spin=5",
        "--out",
        &out.display().to_string(),
    ]);
    let said = text(&run);
    assert_eq!(run.status.code(), Some(0), "{said}");
    assert!(said.contains("#SBATCH --array=0-3%2"), "{said}");
    assert!(said.contains("#SBATCH --signal=B:INT@120"), "{said}");
    assert!(said.contains("calibration: task 0 with spin=5: completed"), "{said}");
    assert!(said.contains("data: 1 file read"), "{said}");
    assert!(said.contains("suggested: --mem 1G"), "{said}");
    assert!(!out.exists(), "a dry run wrote {}", out.display());
}

#[test]
fn an_interrupted_local_sweep_records_its_runs_as_interrupted() {
    let lab = Lab::new();
    let out = lab.path("sweeps/long");
    let child = Command::new(BRAINCLIP)
        .args([
            "sweep",
            "task.rhai",
            "--grid",
            "seed=0..3",
            "--set",
            "spin=1000000000000",
            "--jobs",
            "2",
            "--out",
        ])
        .arg(&out)
        .current_dir(lab.dir.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while states_if_planned(&out).iter().filter(|s| *s == "running").count() < 2 {
        assert!(Instant::now() < deadline, "the runs did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    // SAFETY: signalling the child this test started.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(130), "{}", text(&output));
    assert_eq!(states(&out), ["interrupted", "interrupted", "missing"]);
    assert!(text(&output).contains("resubmit"), "{}", text(&output));
}

fn states_if_planned(out: &Path) -> Vec<String> {
    if out.join("sweep.json").exists() {
        states(out)
    } else {
        Vec::new()
    }
}

// ---- the same on a real SLURM ----

/// A single-node SLURM for this test, stopped (by PID) when dropped.
struct Cluster {
    state: PathBuf,
    conf: PathBuf,
}

impl Cluster {
    /// Start it, installing slurm-wlm and munge if needed; `None` (with the reason printed) only
    /// where SLURM cannot be installed here (not root, or no apt-get).
    fn start() -> Option<Self> {
        let root = Command::new("id")
            .arg("-u")
            .output()
            .map(|o| o.stdout.starts_with(b"0"))
            .unwrap_or(false);
        let apt = Path::new("/usr/bin/apt-get").exists();
        let installed = Path::new("/usr/sbin/slurmctld").exists();
        if !root || !(apt || installed) {
            eprintln!("skipped: a test SLURM needs root and apt-get (Debian's slurm-wlm); this machine has neither");
            return None;
        }
        let state = PathBuf::from(format!("/tmp/brainclip-slurm-{}", std::process::id()));
        let scripts = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/slurm");
        let up = Command::new("bash")
            .arg(scripts.join("slurm-up.sh"))
            .env("SLURM_CI_DIR", &state)
            .output()
            .unwrap();
        assert!(up.status.success(), "slurm-up.sh failed:\n{}", text(&up));
        Some(Self {
            conf: state.join("slurm.conf"),
            state,
        })
    }

    fn command(&self, program: &str) -> Command {
        let mut c = Command::new(program);
        c.env("SLURM_CONF", &self.conf);
        c
    }

    fn brainclip(&self, lab: &Lab, args: &[&str]) -> Output {
        self.command(BRAINCLIP)
            .args(args)
            .current_dir(lab.dir.path())
            .output()
            .unwrap()
    }

    /// Wait until none of `jobs` is in the queue.
    fn wait(&self, jobs: &[String]) {
        let deadline = Instant::now() + Duration::from_secs(180);
        loop {
            let q = self
                .command("squeue")
                .args(["-h", "-j", &jobs.join(",")])
                .output()
                .unwrap();
            if String::from_utf8_lossy(&q.stdout).trim().is_empty() {
                return;
            }
            assert!(Instant::now() < deadline, "jobs {jobs:?} still queued:\n{}", text(&q));
            std::thread::sleep(Duration::from_millis(300));
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let scripts = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/slurm");
        let _ = Command::new("bash")
            .arg(scripts.join("slurm-down.sh"))
            .env("SLURM_CI_DIR", &self.state)
            .output();
    }
}

fn submissions(out: &Path) -> Vec<Value> {
    json(&out.join("sweep.json"))["submissions"].as_array().unwrap().clone()
}

fn job_ids(submission: &Value) -> Vec<String> {
    let mut ids = vec![submission["job_id"].as_str().unwrap().to_string()];
    if let Some(c) = submission["collect_job_id"].as_str() {
        ids.push(c.to_string());
    }
    ids
}

#[test]
fn a_sweep_runs_as_a_slurm_job_array() {
    let Some(cluster) = Cluster::start() else { return };
    let lab = Lab::new();
    let out = lab.path("sweeps/slurm");
    let out_s = out.display().to_string();
    let data = lab.data_axis();

    // Three tasks, one at a time (the node has room for two), b.csv missing: task 1 fails.
    let submit = cluster.brainclip(
        &lab,
        &[
            "sweep",
            "task.rhai",
            "--grid",
            &data,
            "--set",
            "spin=200000",
            "--slurm",
            "--cpus",
            "1",
            "--throttle",
            "1",
            "--collect",
            "--out",
            &out_s,
        ],
    );
    let said = text(&submit);
    assert!(submit.status.success(), "{said}");
    assert!(
        said.contains("submitted array job") && said.contains("--array=0-2%1"),
        "{said}"
    );
    let script = std::fs::read_to_string(out.join("array.sbatch")).unwrap();
    assert!(
        script.contains("#SBATCH --signal=B:INT@120") && script.contains("  2) exec "),
        "{script}"
    );
    let first = submissions(&out);
    assert_eq!(first.len(), 1);
    cluster.wait(&job_ids(&first[0]));

    assert_eq!(states(&out), ["completed", "failed", "completed"]);
    let all: Vec<Value> = manifests(&out).into_iter().flatten().collect();
    for (i, m) in all.iter().enumerate() {
        // Array index i ran task i, in task i's run directory.
        assert_eq!(m["process"]["slurm_array_task_id"], i.to_string().as_str(), "task {i}");
        assert_eq!(m["process"]["slurm_array_job_id"], first[0]["job_id"], "task {i}");
        assert!(
            m["params"]["data"]
                .as_str()
                .unwrap()
                .ends_with(["a.csv", "b.csv", "c.csv"][i])
        );
    }
    assert_eq!(max_concurrent(&all), 1, "the %1 throttle let tasks overlap");
    // The collect job ran after the whole array: its table has every task's final state.
    let csv = std::fs::read_to_string(out.join("results.csv")).unwrap();
    assert_eq!(csv.lines().count(), 4, "{csv}");
    assert!(
        csv.lines().nth(2).unwrap().starts_with("1,") && csv.contains(",failed,"),
        "{csv}"
    );
    let collected = std::fs::metadata(out.join("results.csv")).unwrap().modified().unwrap();
    let last_end = all.iter().map(|m| time(m, "finished_at")).max().unwrap();
    assert!(
        chrono::DateTime::<chrono::Utc>::from(collected) >= last_end,
        "collect ran before a task ended"
    );
    let status = text(&cluster.brainclip(&lab, &["sweep", "status", &out_s]));
    assert!(status.contains("3 runs: 2 completed, 1 failed"), "{status}");

    // Resubmit: exactly the failed task, even with the log folder gone.
    write_table(&lab.path("b.csv"), 2);
    std::fs::remove_dir_all(out.join("logs")).unwrap();
    let resubmit = cluster.brainclip(&lab, &["sweep", "resubmit", &out_s]);
    let said = text(&resubmit);
    assert!(resubmit.status.success() && said.contains("--array=1%1"), "{said}");
    let second = submissions(&out);
    assert_eq!(second.len(), 2);
    assert_eq!(second[1]["tasks"], serde_json::json!([1]));
    cluster.wait(&job_ids(&second[1]));
    assert_eq!(states(&out), ["completed"; 3]);
    let redone: Vec<Value> = manifests(&out).into_iter().flatten().collect();
    assert_eq!(redone[0], all[0], "a completed run was redone");
    let csv = std::fs::read_to_string(out.join("results.csv")).unwrap();
    assert_eq!(csv.lines().filter(|l| l.contains(",completed,")).count(), 3, "{csv}");

    // A task stopped by `scancel --signal=INT` is recorded as interrupted.
    let long = lab.path("sweeps/long");
    let long_s = long.display().to_string();
    let submit = cluster.brainclip(
        &lab,
        &[
            "sweep",
            "task.rhai",
            "--grid",
            "seed=0..1",
            "--set",
            "spin=1000000000000",
            "--slurm",
            "--cpus",
            "1",
            "--out",
            &long_s,
        ],
    );
    assert!(submit.status.success(), "{}", text(&submit));
    let job = submissions(&long)[0]["job_id"].as_str().unwrap().to_string();
    let deadline = Instant::now() + Duration::from_secs(120);
    while states(&long) != ["running"] {
        assert!(Instant::now() < deadline, "the task did not start: {:?}", states(&long));
        std::thread::sleep(Duration::from_millis(200));
    }
    let status = text(&cluster.brainclip(&lab, &["sweep", "status", &long_s]));
    assert!(
        status.contains("1 running"),
        "a live task is running, not dead: {status}"
    );
    let cancel = cluster
        .command("scancel")
        .args(["--batch", "--signal=INT", &format!("{job}_0")])
        .output()
        .unwrap();
    assert!(cancel.status.success(), "{}", text(&cancel));
    cluster.wait(&[job]);
    assert_eq!(states(&long), ["interrupted"]);
    let status = text(&cluster.brainclip(&lab, &["sweep", "status", &long_s]));
    assert!(status.contains("1 interrupted"), "{status}");
}
