//! `brainclip verify`: re-run a run (or a bundle from another lab) and compare.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::bundle::{read_manifest, script_name, unpack};
use super::{ShareError, io, sha256};
use crate::data::formats::budget::human_bytes;
use crate::run::{Catalog, ParamValue, file_sha256};
use crate::script::STDLIB;
use crate::session::{Limits, SCRIPT_COPY, Session, SessionOptions};

/// How to verify.
#[derive(Clone, Debug, Default)]
pub struct VerifyOptions {
    /// This lab's data catalog (where its copy of the datasets lives).
    pub catalog: Catalog,
    /// The re-run's directory (default: next to the run, `NAME-verify`, or under `runs/` for a
    /// bundle).
    pub out_dir: Option<PathBuf>,
    /// Allowed relative difference of each metric when the run or the re-run was not on the
    /// CPU (default 1e-4); CPU runs must be identical.
    pub tolerance: Option<f64>,
    /// Draw progress bars.
    pub progress: bool,
}

/// How one item compared.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// Byte for byte, or value for value.
    Identical,
    /// A metric off by at most the tolerance (relative difference given).
    WithinTolerance(f64),
    /// It differs: how.
    Differs(String),
    /// Not found here.
    Missing(String),
}

impl Outcome {
    /// Whether this counts as reproduced.
    pub fn is_ok(&self) -> bool {
        matches!(self, Outcome::Identical | Outcome::WithinTolerance(_))
    }
}

/// One line of the report.
#[derive(Clone, Debug, PartialEq)]
pub struct Check {
    /// `script`, `module`, `data` or `metric`.
    pub what: &'static str,
    /// Its name: a module's import, a data file, a metric's key path.
    pub name: String,
    /// How it compared.
    pub outcome: Outcome,
}

/// What `verify` found.
#[derive(Clone, Debug, PartialEq)]
pub struct VerifyReport {
    /// What was verified.
    pub target: PathBuf,
    /// The re-run's directory (`None` if it did not start).
    pub rerun_dir: Option<PathBuf>,
    /// Every comparison, in order: script, modules, data, metrics.
    pub checks: Vec<Check>,
    /// The re-run's error, if it failed.
    pub rerun_error: Option<String>,
}

impl VerifyReport {
    /// Whether everything reproduced.
    pub fn reproduced(&self) -> bool {
        self.rerun_error.is_none() && self.checks.iter().all(|c| c.outcome.is_ok())
    }
}

impl fmt::Display for VerifyReport {
    /// Scripts, modules and data files one line each; metrics one line each only where they
    /// differ (a run saves hundreds of values: per-class results, settings), then their count.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (metrics, inputs): (Vec<&Check>, Vec<&Check>) = self.checks.iter().partition(|c| c.what == "metric");
        let shown = inputs
            .iter()
            .copied()
            .chain(metrics.iter().copied().filter(|c| !c.outcome.is_ok()));
        for check in shown {
            let outcome = match &check.outcome {
                Outcome::Identical => "identical".to_string(),
                Outcome::WithinTolerance(d) => format!("within tolerance (relative difference {d:.1e})"),
                Outcome::Differs(how) => format!("DIFFERS: {how}"),
                Outcome::Missing(why) => format!("MISSING: {why}"),
            };
            writeln!(f, "{:7} {}  {outcome}", check.what, check.name)?;
        }
        let count = |pred: fn(&Outcome) -> bool| metrics.iter().filter(|c| pred(&c.outcome)).count();
        writeln!(
            f,
            "metrics {} values: {} identical, {} within tolerance, {} differ or missing",
            metrics.len(),
            count(|o| *o == Outcome::Identical),
            count(|o| matches!(o, Outcome::WithinTolerance(_))),
            count(|o| !o.is_ok()),
        )?;
        if let Some(e) = &self.rerun_error {
            writeln!(f, "the re-run failed:\n{e}")?;
        }
        let bad = self.checks.iter().filter(|c| !c.outcome.is_ok()).count();
        match (self.reproduced(), &self.rerun_dir) {
            (true, Some(dir)) => writeln!(
                f,
                "reproduced: every input and all {} metric values match (re-run in {})",
                metrics.len(),
                dir.display()
            ),
            _ => writeln!(f, "NOT reproduced: {bad} of {} checks differ", self.checks.len()),
        }
    }
}

/// Verify a run directory or a bundle (`.brainclip.tar.gz`): check the script's, the modules'
/// and the data files' hashes, re-run the script with the recorded parameters, seed, device and
/// limits, and compare every metric.
pub fn verify(target: &Path, options: &VerifyOptions) -> Result<VerifyReport, ShareError> {
    let unpacked;
    let (source, is_bundle) = if target.is_file() {
        unpacked = tempfile::tempdir().map_err(io(target))?;
        unpack(target, unpacked.path())?;
        (unpacked.path().to_path_buf(), true)
    } else {
        (target.to_path_buf(), false)
    };
    let manifest = read_manifest(&source)?;
    let name = script_name(&manifest);
    let bundled_script = if is_bundle {
        source.join("script").join(&name)
    } else {
        source.join(SCRIPT_COPY)
    };
    let text = std::fs::read_to_string(&bundled_script).map_err(|_| ShareError::NotARun {
        path: target.to_path_buf(),
        message: format!("no {SCRIPT_COPY}: only runs of `brainclip script` keep their script"),
    })?;
    let recorded_dir = manifest["script"]
        .as_str()
        .and_then(|s| Path::new(s).parent())
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let mut checks = vec![Check {
        what: "script",
        name: manifest["script"].as_str().unwrap_or("?").to_string(),
        outcome: compare_hash(text.as_bytes(), manifest["script_sha256"].as_str()),
    }];
    // Where the script runs from: the bundle's script folder; for a run directory the original
    // script when it is unchanged (its relative paths then work), else the run's copy.
    let original = recorded_dir.join(&name);
    let script_path = if is_bundle {
        bundled_script.clone()
    } else if std::fs::read(&original).is_ok_and(|t| t == text.as_bytes()) {
        original
    } else {
        bundled_script.clone()
    };
    let module_dir = if is_bundle {
        source.join("script")
    } else {
        recorded_dir.clone()
    };
    checks.extend(check_modules(&manifest, &module_dir));
    checks.extend(check_data(&manifest, &options.catalog, &recorded_dir));

    let out_dir = options
        .out_dir
        .clone()
        .unwrap_or_else(|| default_out(target, is_bundle));
    let session_options = SessionOptions {
        out_dir: Some(out_dir.clone()),
        label: "verify".into(),
        seed: manifest["seed"].as_u64().unwrap_or(0),
        params: serde_json::from_value::<BTreeMap<String, ParamValue>>(manifest["params"].clone()).unwrap_or_default(),
        device: manifest["device"].as_str().unwrap_or("cpu").to_string(),
        command: std::env::args().collect(),
        progress: options.progress,
        allow_read: recorded_allow_read(&manifest),
        catalog: options.catalog.clone(),
        limits: serde_json::from_value::<Limits>(manifest["limits"].clone()).unwrap_or_default(),
        ..Default::default()
    };
    let mut session =
        Session::for_script(session_options, &script_path, &text).map_err(|e| ShareError::Session(e.to_string()))?;
    let outcome = session.run_script(&script_path);
    let _ = session.finish(outcome.as_ref().map(|_| ()).map_err(|e| &**e));
    let rerun_error = outcome.err().map(|e| e.to_string());
    let cpu = |device: &str| device.starts_with("cpu:flex") || device.starts_with("cpu:ndarray");
    let exact = cpu(manifest["device"].as_str().unwrap_or("")) && cpu(&session.manifest().device);
    let tolerance = if exact { 0.0 } else { options.tolerance.unwrap_or(1e-4) };
    // Both sides as read back from their manifests: serde_json's float parsing is not always
    // correctly rounded, so values compare exactly only when they went the same way.
    let rerun = read_manifest(&out_dir).map_or(Value::Null, |m| m["metrics"].clone());
    checks.extend(compare_metrics(&manifest["metrics"], &rerun, tolerance));
    Ok(VerifyReport {
        target: target.to_path_buf(),
        rerun_dir: Some(out_dir),
        checks,
        rerun_error,
    })
}

fn compare_hash(bytes: &[u8], recorded: Option<&str>) -> Outcome {
    compare_hashes(&sha256(bytes), recorded)
}

fn compare_hashes(here: &str, recorded: Option<&str>) -> Outcome {
    match recorded {
        Some(r) if r == here => Outcome::Identical,
        Some(r) => Outcome::Differs(format!(
            "sha256 {} here, {} in the run",
            &here[..12],
            &r[..r.len().min(12)]
        )),
        None => Outcome::Missing("the run recorded no hash".into()),
    }
}

fn check_modules(manifest: &Value, module_dir: &Path) -> Vec<Check> {
    let mut checks = Vec::new();
    for module in manifest["modules"].as_array().into_iter().flatten() {
        let import = module["import"].as_str().unwrap_or_default().to_string();
        let recorded = module["sha256"].as_str();
        let outcome = if module["stdlib"] == true {
            match STDLIB.iter().find(|m| m.path == import) {
                Some(m) => compare_hash(m.source.as_bytes(), recorded),
                None => Outcome::Missing("this brainclip has no such stdlib module".into()),
            }
        } else {
            let file = module["file"].as_str().unwrap_or_default();
            let path = if module["relative_to"] == "script" {
                module_dir.join(file)
            } else {
                PathBuf::from(file)
            };
            match std::fs::read(&path) {
                Ok(bytes) => compare_hash(&bytes, recorded),
                Err(e) => Outcome::Missing(format!("{}: {e}", path.display())),
            }
        };
        checks.push(Check {
            what: "module",
            name: import,
            outcome,
        });
    }
    checks
}

/// Every data file the run read, found in this lab: by catalog name, next to the script, or at
/// its recorded path.
fn check_data(manifest: &Value, catalog: &Catalog, script_dir: &Path) -> Vec<Check> {
    let mut checks = Vec::new();
    for entry in manifest["data"].as_array().into_iter().flatten() {
        let (Some(file), Some(recorded)) = (entry["file"].as_str(), entry["sha256"].as_str()) else {
            continue; // a generator's configuration, not a file
        };
        let (name, path) = match entry["dataset"].as_str() {
            Some(dataset) => {
                let name = format!("{dataset}:{file}");
                (name.clone(), catalog.resolve(&name).map_err(|e| e.to_string()))
            }
            None if entry["relative_to"] == "script" => (file.to_string(), Ok(script_dir.join(file))),
            None => (file.to_string(), Ok(PathBuf::from(file))),
        };
        let hashed = path.and_then(|p| file_sha256(&p).map_err(|e| format!("{}: {e}", p.display())));
        let outcome = match hashed {
            Err(why) => Outcome::Missing(why),
            Ok((bytes, here)) => {
                let size = entry["bytes"].as_u64();
                match compare_hashes(&here, Some(recorded)) {
                    Outcome::Differs(how) if size != Some(bytes) => Outcome::Differs(format!(
                        "{} here, {} in the run; {how}",
                        human_bytes(bytes),
                        size.map_or_else(|| "?".into(), human_bytes)
                    )),
                    outcome => outcome,
                }
            }
        };
        checks.push(Check {
            what: "data",
            name,
            outcome,
        });
    }
    checks
}

/// The `--allow-read` paths of the recorded command line.
fn recorded_allow_read(manifest: &Value) -> Vec<PathBuf> {
    let args: Vec<&str> = manifest["command"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let mut paths = Vec::new();
    for (i, arg) in args.iter().enumerate() {
        if *arg == "--allow-read" {
            paths.extend(args.get(i + 1).map(PathBuf::from));
        } else if let Some(p) = arg.strip_prefix("--allow-read=") {
            paths.push(PathBuf::from(p));
        }
    }
    paths.retain(|p| p.exists());
    paths
}

fn default_out(target: &Path, is_bundle: bool) -> PathBuf {
    let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S");
    if is_bundle {
        let name = target
            .file_name()
            .map_or_else(|| "bundle".into(), |n| n.to_string_lossy().into_owned());
        let name = name.trim_end_matches(super::BUNDLE_SUFFIX);
        PathBuf::from("runs").join(format!("{name}-verify-{stamp}"))
    } else {
        let name = target
            .file_name()
            .map_or_else(|| "run".into(), |n| n.to_string_lossy().into_owned());
        target.with_file_name(format!("{name}-verify-{stamp}"))
    }
}

/// Every leaf of the recorded metrics against the re-run's, by key path (`BrainCLIP.zero_shot.top1`).
fn compare_metrics(recorded: &Value, rerun: &Value, tolerance: f64) -> Vec<Check> {
    let mut leaves = Vec::new();
    flatten("", recorded, &mut leaves);
    let mut rerun_leaves = BTreeMap::new();
    let mut list = Vec::new();
    flatten("", rerun, &mut list);
    rerun_leaves.extend(list);
    leaves
        .into_iter()
        .map(|(name, value)| {
            let outcome = match rerun_leaves.get(&name) {
                None => Outcome::Missing("the re-run did not save it".into()),
                Some(again) => compare_value(&value, again, tolerance),
            };
            Check {
                what: "metric",
                name,
                outcome,
            }
        })
        .collect()
}

fn compare_value(recorded: &Value, again: &Value, tolerance: f64) -> Outcome {
    match (recorded.as_f64(), again.as_f64()) {
        (Some(a), Some(b)) if a == b => Outcome::Identical,
        (Some(a), Some(b)) => {
            let relative = (a - b).abs() / a.abs().max(b.abs()).max(1e-12);
            if relative <= tolerance {
                Outcome::WithinTolerance(relative)
            } else {
                Outcome::Differs(format!("{b} now, {a} in the run"))
            }
        }
        _ if recorded == again => Outcome::Identical,
        _ => Outcome::Differs(format!("{again} now, {recorded} in the run")),
    }
}

fn flatten(prefix: &str, value: &Value, out: &mut Vec<(String, Value)>) {
    let key = |k: &str| {
        if prefix.is_empty() {
            k.to_string()
        } else {
            format!("{prefix}.{k}")
        }
    };
    match value {
        Value::Object(map) => map.iter().for_each(|(k, v)| flatten(&key(k), v, out)),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .for_each(|(i, v)| flatten(&key(&i.to_string()), v, out)),
        leaf => out.push((prefix.to_string(), leaf.clone())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_compare_exactly_on_the_cpu_and_within_tolerance_elsewhere() {
        let recorded = serde_json::json!({ "zs": { "top1": 0.34, "ks": [1, 5] }, "label": "a" });
        let same = compare_metrics(&recorded, &recorded, 0.0);
        assert_eq!(same.len(), 4);
        assert!(same.iter().all(|c| c.outcome == Outcome::Identical), "{same:?}");
        let names: Vec<&str> = same.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            ["zs.top1", "zs.ks.0", "zs.ks.1", "label"],
            "in the recorded file's order"
        );
        let nudged = serde_json::json!({ "zs": { "top1": 0.34000001, "ks": [1, 5] }, "label": "a" });
        let exact = compare_metrics(&recorded, &nudged, 0.0);
        assert!(matches!(&exact[0].outcome, Outcome::Differs(how) if how.contains("0.34000001 now, 0.34 in the run")));
        assert!(exact[1..].iter().all(|c| c.outcome == Outcome::Identical));
        let loose = compare_metrics(&recorded, &nudged, 1e-4);
        assert!(matches!(loose[0].outcome, Outcome::WithinTolerance(d) if d < 1e-6));
        let missing = compare_metrics(&recorded, &serde_json::json!({}), 0.0);
        assert!(missing.iter().all(|c| matches!(c.outcome, Outcome::Missing(_))));
    }

    #[test]
    fn allow_read_paths_come_from_the_recorded_command() {
        let dir = tempfile::tempdir().unwrap();
        let here = dir.path().display().to_string();
        let manifest = serde_json::json!({ "command": ["brainclip", "script", "x.rhai", "--allow-read", here,
            "--allow-read=/no/such/folder"] });
        assert_eq!(recorded_allow_read(&manifest), vec![dir.path().to_path_buf()]);
    }
}
