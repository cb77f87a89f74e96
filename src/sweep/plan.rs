//! A sweep's plan on disk: `sweep.json` (the grid, the script's hash, the fixed parameters, the
//! fixed-order task table and every submission) and `tasks.tsv` (the same table for people and
//! shell tools). Each task is an ordinary `brainclip script` run with its own run directory.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::grid::{Axis, expand};
use super::slurm::SlurmOptions;
use super::{SweepError, io_error};
use crate::run::{ParamValue, now, parse_params, sha256_hex};

/// What a sweep is asked to run (from `brainclip sweep` or the script function `sweep`).
#[derive(Clone, Debug, Default)]
pub struct SweepRequest {
    /// The experiment script.
    pub script: PathBuf,
    /// The grid axes, in order.
    pub grid: Vec<Axis>,
    /// Fixed parameters, `key=value` as for `--set`.
    pub fixed: Vec<String>,
    /// The session seed of every run, unless `seed` is a grid axis.
    pub seed: u64,
    /// `--device` of every run (`cuda` asks SLURM for a GPU per task).
    pub device: String,
    /// Further arguments of every `brainclip script` run (`--allow-read`, `--catalog`, limits).
    pub script_args: Vec<String>,
    /// The brainclip executable the runs use.
    pub brainclip: PathBuf,
}

/// One run of a sweep.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Task {
    /// Its place in the table (the SLURM array index).
    pub index: usize,
    /// Its run directory's name under `runs/`, made of its parameters.
    pub name: String,
    /// Its grid values (text as given).
    pub params: BTreeMap<String, String>,
    /// The arguments of `brainclip` for this run.
    pub args: Vec<String>,
}

impl Task {
    /// The run directory its command names (`--out`), absolute.
    pub fn out_dir(&self) -> Option<&str> {
        self.args.windows(2).find(|w| w[0] == "--out").map(|w| w[1].as_str())
    }
}

/// One `sbatch` of (part of) the sweep.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Submission {
    /// The array job's id.
    pub job_id: String,
    /// The task indices it holds.
    pub tasks: Vec<usize>,
    /// The collect job that runs after it, if one was asked for.
    pub collect_job_id: Option<String>,
    /// When it was submitted (RFC 3339).
    pub submitted_at: String,
}

/// `sweep.json`.
///
/// ```
/// use brainclip::sweep::{Axis, Sweep, SweepRequest};
///
/// let dir = tempfile::tempdir().unwrap();
/// let script = dir.path().join("exp.rhai");
/// std::fs::write(&script, r#"print(param("lr", 0.1));"#).unwrap();
/// let request = SweepRequest {
///     script,
///     grid: vec![Axis::parse("lr=0.1,0.01").unwrap(), Axis::parse("seed=0..3").unwrap()],
///     brainclip: "brainclip".into(),
///     device: "cpu".into(),
///     ..Default::default()
/// };
/// let sweep = Sweep::create(&request, &dir.path().join("sweep")).unwrap();
/// assert_eq!(sweep.tasks.len(), 6);
/// assert_eq!(sweep.tasks[4].name, "4_lr=0.01_seed=1");
/// assert!(sweep.tasks[4].args.windows(2).any(|w| w == ["--seed", "1"]));
/// assert!(sweep.tasks[4].args.windows(2).any(|w| w == ["--set", "lr=0.01"]));
/// assert_eq!(Sweep::load(&dir.path().join("sweep")).unwrap(), sweep);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sweep {
    /// The sweep's name (its folder's name).
    pub name: String,
    /// The script (absolute).
    pub script: PathBuf,
    /// SHA-256 of the script when the sweep was created.
    pub script_sha256: String,
    /// The grid.
    pub grid: Vec<Axis>,
    /// The fixed `--set` parameters (text as given).
    pub fixed: BTreeMap<String, String>,
    /// The session seed of runs whose grid has no `seed`.
    pub seed: u64,
    /// The device of every run.
    pub device: String,
    /// Arguments every run gets besides its own.
    pub script_args: Vec<String>,
    /// The brainclip executable.
    pub brainclip: PathBuf,
    /// The working directory the sweep was planned in: every run starts there, here or under
    /// SLURM, so relative paths in parameters mean the same thing.
    pub workdir: PathBuf,
    /// brainclip's version that planned the sweep.
    pub brainclip_version: String,
    /// When the sweep was planned.
    pub created_at: String,
    /// SLURM settings, for a sweep submitted as a job array.
    pub slurm: Option<SlurmOptions>,
    /// The tasks, in index order.
    pub tasks: Vec<Task>,
    /// Every submission to SLURM, oldest first.
    #[serde(default)]
    pub submissions: Vec<Submission>,
}

/// The file names inside a sweep's folder.
pub const SWEEP_FILE: &str = "sweep.json";
/// The task table for people and shell tools.
pub const TASKS_FILE: &str = "tasks.tsv";

impl Sweep {
    /// Plan the sweep `request` into `dir` (created), or open the sweep already there if it is
    /// the same plan (a second `brainclip sweep` with the same arguments continues the first).
    pub fn create(request: &SweepRequest, dir: &Path) -> Result<Self, SweepError> {
        let planned = Self::plan(request, dir)?;
        if dir.join(SWEEP_FILE).exists() {
            let existing = Self::load(dir)?;
            let differs = planned.differs_from(&existing);
            if let Some(what) = differs {
                return Err(SweepError::Exists {
                    dir: dir.to_path_buf(),
                    what,
                });
            }
            return Ok(existing);
        }
        std::fs::create_dir_all(dir.join("runs")).map_err(|e| io_error(dir, e))?;
        std::fs::create_dir_all(dir.join("logs")).map_err(|e| io_error(dir, e))?;
        planned.save(dir)?;
        Ok(planned)
    }

    /// The plan of `request` for a sweep in `dir`, written nowhere (`--dry-run`).
    pub fn plan(request: &SweepRequest, dir: &Path) -> Result<Self, SweepError> {
        let script = std::path::absolute(&request.script).map_err(|e| io_error(&request.script, e))?;
        let text = std::fs::read(&script).map_err(|e| io_error(&script, e))?;
        let dir = std::path::absolute(dir).map_err(|e| io_error(dir, e))?;
        let fixed: BTreeMap<String, String> = {
            let typed = parse_params(&request.fixed).map_err(|e| SweepError::Grid {
                text: e.0.clone(),
                why: "write --set key=value".into(),
            })?;
            let raw: BTreeMap<String, String> = request
                .fixed
                .iter()
                .filter_map(|a| a.split_once('='))
                .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                .collect();
            typed.keys().map(|k| (k.clone(), raw[k].clone())).collect()
        };
        if let Some(axis) = request.grid.iter().find(|a| fixed.contains_key(&a.key)) {
            return Err(SweepError::Grid {
                text: axis.key.clone(),
                why: "this key is both a --grid axis and a --set parameter; keep one".into(),
            });
        }
        let mentioned: BTreeMap<String, ParamValue> = fixed
            .keys()
            .chain(request.grid.iter().map(|a| &a.key).filter(|k| *k != "seed"))
            .map(|k| (k.clone(), ParamValue::Bool(true)))
            .collect();
        if let Some(key) = crate::session::unmentioned_params(&mentioned, &String::from_utf8_lossy(&text)).first() {
            return Err(SweepError::UnusedParameter {
                key: key.clone(),
                script: script.clone(),
            });
        }
        let combinations = expand(&request.grid)?;
        let width = combinations.len().saturating_sub(1).to_string().len();
        let mut tasks = Vec::with_capacity(combinations.len());
        for (index, values) in combinations.into_iter().enumerate() {
            let mut name = format!("{index:0width$}");
            for (key, value) in &values {
                name.push_str(&format!("_{key}={}", file_safe(value)));
            }
            let run_dir = dir.join("runs").join(&name);
            let mut args = vec![
                "script".to_string(),
                script.display().to_string(),
                "--out".into(),
                run_dir.display().to_string(),
            ];
            let seed = match values.iter().find(|(k, _)| k == "seed") {
                Some((_, text)) => text.parse::<u64>().map_err(|_| SweepError::Grid {
                    text: format!("seed={text}"),
                    why: "seed is the session seed (--seed): give whole numbers ≥ 0".into(),
                })?,
                None => request.seed,
            };
            args.extend([
                "--seed".into(),
                seed.to_string(),
                "--device".into(),
                request.device.clone(),
            ]);
            for (key, value) in fixed.iter().chain(values.iter().map(|(k, v)| (k, v))) {
                if key != "seed" || fixed.contains_key("seed") {
                    args.extend(["--set".into(), format!("{key}={value}")]);
                }
            }
            args.extend(request.script_args.iter().cloned());
            tasks.push(Task {
                index,
                name,
                params: values.into_iter().collect(),
                args,
            });
        }
        Ok(Self {
            name: dir
                .file_name()
                .map_or_else(|| "sweep".into(), |n| n.to_string_lossy().into_owned()),
            script,
            script_sha256: sha256_hex(&text),
            grid: request.grid.clone(),
            fixed,
            seed: request.seed,
            device: request.device.clone(),
            script_args: request.script_args.clone(),
            brainclip: request.brainclip.clone(),
            workdir: std::env::current_dir().map_err(|e| io_error(Path::new("."), e))?,
            brainclip_version: env!("CARGO_PKG_VERSION").into(),
            created_at: now(),
            slurm: None,
            tasks,
            submissions: Vec::new(),
        })
    }

    /// What differs between two plans of the same folder, in words (`None`: the same plan).
    fn differs_from(&self, other: &Sweep) -> Option<String> {
        if self.script != other.script {
            return Some(format!(
                "it sweeps {}, not {}",
                other.script.display(),
                self.script.display()
            ));
        }
        if self.script_sha256 != other.script_sha256 {
            return Some("the script has changed since the sweep was planned".into());
        }
        if self.grid != other.grid {
            return Some("its grid is different".into());
        }
        if self.fixed != other.fixed || self.seed != other.seed || self.device != other.device {
            return Some("its fixed parameters, seed or device are different".into());
        }
        if self.workdir != other.workdir {
            return Some(format!(
                "it was planned in {} (relative paths in its parameters mean files there)",
                other.workdir.display()
            ));
        }
        if self.script_args != other.script_args {
            return Some("its runs' other arguments are different".into());
        }
        None
    }

    /// Read the sweep in `dir`.
    pub fn load(dir: &Path) -> Result<Self, SweepError> {
        let path = dir.join(SWEEP_FILE);
        let bytes = std::fs::read(&path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                SweepError::NotASweep(dir.to_path_buf())
            } else {
                io_error(&path, e)
            }
        })?;
        serde_json::from_slice(&bytes).map_err(|e| SweepError::Corrupt {
            path,
            why: e.to_string(),
        })
    }

    /// Write `sweep.json` and `tasks.tsv` into `dir`, each atomically.
    pub fn save(&self, dir: &Path) -> Result<(), SweepError> {
        let json = serde_json::to_vec_pretty(self).map_err(|e| SweepError::Corrupt {
            path: dir.join(SWEEP_FILE),
            why: e.to_string(),
        })?;
        write_atomic(&dir.join(SWEEP_FILE), &json)?;
        let mut table = String::from("index\trun\tparameters\tcommand\n");
        for task in &self.tasks {
            let params: Vec<String> = task.params.iter().map(|(k, v)| format!("{k}={v}")).collect();
            table.push_str(&format!(
                "{}\truns/{}\t{}\t{}\n",
                task.index,
                task.name,
                params.join(" "),
                shell_words(std::iter::once(self.brainclip.display().to_string()).chain(task.args.iter().cloned()))
            ));
        }
        write_atomic(&dir.join(TASKS_FILE), table.as_bytes())
    }

    /// Check that the script is the one the sweep was planned with (runs redone with another
    /// script would not belong in one table).
    pub fn check_script(&self) -> Result<(), SweepError> {
        let text = std::fs::read(&self.script).map_err(|e| io_error(&self.script, e))?;
        if sha256_hex(&text) != self.script_sha256 {
            return Err(SweepError::ScriptChanged(self.script.clone()));
        }
        Ok(())
    }

    /// The run directory of task `index` in the sweep folder `dir`.
    pub fn run_dir(&self, dir: &Path, index: usize) -> PathBuf {
        dir.join("runs").join(&self.tasks[index].name)
    }

    /// The command line of task `index` (the executable first).
    pub fn command(&self, index: usize) -> Vec<String> {
        std::iter::once(self.brainclip.display().to_string())
            .chain(self.tasks[index].args.iter().cloned())
            .collect()
    }

    /// The typed value of parameter `key` of task `index`: its grid value, else the fixed one.
    pub fn value(&self, index: usize, key: &str) -> Option<ParamValue> {
        self.tasks[index]
            .params
            .get(key)
            .or_else(|| self.fixed.get(key))
            .map(|t| ParamValue::parse(t))
    }

    /// The grid keys other than `seed`: what a condition is.
    pub fn condition_keys(&self) -> Vec<&str> {
        self.grid
            .iter()
            .map(|a| a.key.as_str())
            .filter(|k| *k != "seed")
            .collect()
    }
}

/// A value as part of a directory name: letters, digits, `.`, `+` and `-` kept, anything else
/// `-`, at most 40 characters.
fn file_safe(value: &str) -> String {
    value
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '-') {
                c
            } else {
                '-'
            }
        })
        .take(40)
        .collect()
}

/// Words joined into one shell command line, each quoted where it needs it.
pub fn shell_words(words: impl IntoIterator<Item = String>) -> String {
    words
        .into_iter()
        .map(|w| {
            shlex::try_quote(&w)
                .map(|q| q.into_owned())
                .unwrap_or_else(|_| format!("'{}'", w.replace('\0', "")))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Write `bytes` to `path` through a temporary file in the same folder, then rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), SweepError> {
    let folder = path.parent().unwrap_or(Path::new("."));
    let mut file = tempfile::NamedTempFile::new_in(folder).map_err(|e| io_error(folder, e))?;
    std::io::Write::write_all(&mut file, bytes).map_err(|e| io_error(path, e))?;
    file.persist(path).map_err(|e| io_error(path, e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(dir: &Path, grid: &[&str], fixed: &[&str]) -> SweepRequest {
        let script = dir.join("exp.rhai");
        std::fs::write(&script, "print(param(\"lr\", 0.1) + param(\"epochs\", 1));").unwrap();
        SweepRequest {
            script,
            grid: grid.iter().map(|g| Axis::parse(g).unwrap()).collect(),
            fixed: fixed.iter().map(|s| s.to_string()).collect(),
            seed: 7,
            device: "cpu".into(),
            brainclip: "/opt/brainclip".into(),
            ..Default::default()
        }
    }

    #[test]
    fn tasks_carry_grid_and_fixed_parameters() {
        let dir = tempfile::tempdir().unwrap();
        let sweep = Sweep::create(
            &request(dir.path(), &["lr=1e-3,1.0"], &["epochs=3"]),
            &dir.path().join("s"),
        )
        .unwrap();
        let args = &sweep.tasks[1].args;
        assert!(args.windows(2).any(|w| w == ["--set", "lr=1.0"]), "{args:?}");
        assert!(args.windows(2).any(|w| w == ["--set", "epochs=3"]));
        assert!(args.windows(2).any(|w| w == ["--seed", "7"]));
        assert_eq!(sweep.value(1, "lr"), Some(ParamValue::Float(1.0)));
        assert_eq!(sweep.value(1, "epochs"), Some(ParamValue::Int(3)));
        let table = std::fs::read_to_string(dir.path().join("s").join(TASKS_FILE)).unwrap();
        assert_eq!(table.lines().count(), 3);
        assert!(
            table
                .lines()
                .nth(2)
                .unwrap()
                .starts_with("1\truns/1_lr=1.0\tlr=1.0\t/opt/brainclip script ")
        );
    }

    #[test]
    fn the_same_plan_reopens_and_a_different_one_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("s");
        let first = Sweep::create(&request(dir.path(), &["lr=1,2"], &[]), &out).unwrap();
        let again = Sweep::create(&request(dir.path(), &["lr=1,2"], &[]), &out).unwrap();
        assert_eq!(first, again);
        let err = Sweep::create(&request(dir.path(), &["lr=1,3"], &[]), &out).unwrap_err();
        assert!(err.to_string().contains("grid is different"), "{err}");
        std::fs::write(dir.path().join("exp.rhai"), "print(2);").unwrap();
        assert!(matches!(first.check_script(), Err(SweepError::ScriptChanged(_))));
    }

    #[test]
    fn seeds_must_be_whole_and_keys_not_both_grid_and_fixed() {
        let dir = tempfile::tempdir().unwrap();
        let err = Sweep::plan(&request(dir.path(), &["seed=a,b"], &[]), dir.path()).unwrap_err();
        assert!(err.to_string().contains("session seed"), "{err}");
        let err = Sweep::plan(&request(dir.path(), &["lr=1,2"], &["lr=3"]), dir.path()).unwrap_err();
        assert!(err.to_string().contains("both a --grid axis"), "{err}");
        assert_eq!(file_safe("a/b c"), "a-b-c");
    }
}
