//! Collecting a sweep: `results.csv` (each run's parameters, state and flattened metrics), a
//! figure of one metric's mean ± 95 % confidence interval over seeds per condition, and a
//! one-screen summary. Works on a partial sweep and says what is missing.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;

use super::SweepError;
use super::plan::{Sweep, write_atomic};
use super::status::{TaskState, TaskStatus, status, summary_line};
use crate::plot::{Bar, BarChart, Figure, bar_chart};
use crate::run::ParamValue;

/// A condition: grid keys (other than the seed) with their values.
type Condition = Vec<(String, String)>;

/// One condition's summary of the chosen metric over its completed seeds.
#[derive(Clone, Debug, PartialEq)]
pub struct ConditionSummary {
    /// The condition's grid values other than the seed, e.g. `[("loss", "image")]`.
    pub condition: Vec<(String, String)>,
    /// The mean over completed runs.
    pub mean: f64,
    /// Half-width of the 95 % interval (Student's t over seeds; NaN for one run).
    pub ci95: f64,
    /// Completed runs in it.
    pub n: usize,
    /// Runs of it that did not complete.
    pub missing: usize,
}

/// What `collect` found and wrote.
#[derive(Clone, Debug)]
pub struct Collection {
    /// The sweep's name.
    pub name: String,
    /// Every task's state.
    pub statuses: Vec<TaskStatus>,
    /// The flattened metric names found, sorted.
    pub metrics: Vec<String>,
    /// The metric summarised in the figure and summary.
    pub metric: Option<String>,
    /// Per condition, in grid order.
    pub conditions: Vec<ConditionSummary>,
    /// Files written.
    pub files: Vec<PathBuf>,
    /// The figure, when any run completed.
    pub figure: Option<Figure>,
}

/// A collection as plain data (what a script or a notebook receives): runs, completed ones, the
/// names of those that did not complete, the metric, and per condition its typed grid values with
/// the metric's mean, 95 % half-width, completed runs and runs missing; plus the summary text.
#[derive(Clone, Debug, Serialize)]
pub struct CollectionRecord {
    /// Runs in the sweep.
    pub runs: usize,
    /// Runs that completed.
    pub completed: usize,
    /// Names of the runs that did not complete.
    pub not_completed: Vec<String>,
    /// The metric summarised.
    pub metric: Option<String>,
    /// Per condition.
    pub conditions: Vec<ConditionRecord>,
    /// The one-screen summary.
    pub summary: String,
}

/// One condition of a [`CollectionRecord`].
#[derive(Clone, Debug, Serialize)]
pub struct ConditionRecord {
    /// Its grid values (other than the seed), typed as the script saw them.
    pub condition: BTreeMap<String, ParamValue>,
    /// The metric's mean over completed runs.
    pub mean: f64,
    /// Half-width of its 95 % interval.
    pub ci95: f64,
    /// Completed runs.
    pub n: usize,
    /// Runs that did not complete.
    pub missing: usize,
}

impl Collection {
    /// The collection as plain data.
    pub fn record(&self) -> CollectionRecord {
        CollectionRecord {
            runs: self.statuses.len(),
            completed: self.statuses.iter().filter(|s| s.state == TaskState::Completed).count(),
            not_completed: self
                .statuses
                .iter()
                .filter(|s| s.state != TaskState::Completed)
                .map(|s| s.name.clone())
                .collect(),
            metric: self.metric.clone(),
            conditions: self
                .conditions
                .iter()
                .map(|c| ConditionRecord {
                    condition: c
                        .condition
                        .iter()
                        .map(|(k, v)| (k.clone(), ParamValue::parse(v)))
                        .collect(),
                    mean: c.mean,
                    ci95: c.ci95,
                    n: c.n,
                    missing: c.missing,
                })
                .collect(),
            summary: self.to_string(),
        }
    }
}

/// Collect the sweep in `dir` into `results.csv`, `results.png` and `results.svg` there;
/// `metric` picks the figure's metric (default: the first whose name ends in `top1`, else the
/// first found).
pub fn collect(dir: &Path, metric: Option<&str>) -> Result<Collection, SweepError> {
    let sweep = Sweep::load(dir)?;
    let statuses = status(&sweep, dir);
    let flat: Vec<BTreeMap<String, f64>> = statuses
        .iter()
        .map(|s| {
            let mut out = BTreeMap::new();
            if s.state == TaskState::Completed {
                flatten("", &Value::Object(s.metrics.clone()), &mut out);
            }
            out
        })
        .collect();
    let metrics: Vec<String> = {
        let mut names: Vec<String> = flat.iter().flat_map(|m| m.keys().cloned()).collect();
        names.sort();
        names.dedup();
        names
    };
    let metric = match metric {
        Some(m) if metrics.iter().any(|n| n == m) => Some(m.to_string()),
        Some(m) => {
            let hint = crate::suggest::did_you_mean(m, metrics.iter().map(String::as_str)).map(str::to_string);
            return Err(SweepError::UnknownMetric {
                metric: m.to_string(),
                known: metrics,
                hint,
            });
        }
        None => metrics
            .iter()
            .find(|n| n.ends_with("top1"))
            .or(metrics.first())
            .cloned(),
    };
    let csv = results_csv(&sweep, &statuses, &flat, &metrics)?;
    let mut files = Vec::new();
    let csv_path = dir.join("results.csv");
    write_atomic(&csv_path, &csv)?;
    files.push(csv_path);
    let conditions = match &metric {
        Some(m) => summarise(&sweep, &statuses, &flat, m),
        None => Vec::new(),
    };
    let figure = match &metric {
        Some(m) if conditions.iter().any(|c| c.n > 0) => Some(figure(&sweep, &conditions, m)?),
        _ => None,
    };
    if let Some(fig) = &figure {
        for (name, bytes) in fig.files("results") {
            let path = dir.join(name);
            write_atomic(&path, bytes)?;
            files.push(path);
        }
    }
    Ok(Collection {
        name: sweep.name.clone(),
        statuses,
        metrics,
        metric,
        conditions,
        files,
        figure,
    })
}

/// Numbers in nested maps as `a.b.c` → value (booleans as 0/1; arrays and text left out).
fn flatten(prefix: &str, value: &Value, out: &mut BTreeMap<String, f64>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out);
            }
        }
        Value::Number(n) => {
            if let Some(x) = n.as_f64() {
                out.insert(prefix.to_string(), x);
            }
        }
        Value::Bool(b) => {
            out.insert(prefix.to_string(), f64::from(u8::from(*b)));
        }
        _ => {}
    }
}

fn results_csv(
    sweep: &Sweep,
    statuses: &[TaskStatus],
    flat: &[BTreeMap<String, f64>],
    metrics: &[String],
) -> Result<Vec<u8>, SweepError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let keys: Vec<&str> = sweep.grid.iter().map(|a| a.key.as_str()).collect();
    let fixed: Vec<&str> = sweep.fixed.keys().map(String::as_str).collect();
    let header = ["index", "run", "status"]
        .into_iter()
        .chain(keys.iter().copied())
        .chain(fixed.iter().copied())
        .chain(metrics.iter().map(String::as_str))
        .chain(["started_at", "finished_at", "error"]);
    let csv_error = |e: csv::Error| SweepError::Corrupt {
        path: PathBuf::from("results.csv"),
        why: e.to_string(),
    };
    writer.write_record(header).map_err(csv_error)?;
    for (s, values) in statuses.iter().zip(flat) {
        let task = &sweep.tasks[s.index];
        let mut row = vec![s.index.to_string(), format!("runs/{}", task.name), s.state.to_string()];
        row.extend(keys.iter().map(|k| task.params[*k].clone()));
        row.extend(fixed.iter().map(|k| sweep.fixed[*k].clone()));
        row.extend(
            metrics
                .iter()
                .map(|m| values.get(m).map_or_else(String::new, |v| v.to_string())),
        );
        row.push(s.started_at.clone().unwrap_or_default());
        row.push(s.finished_at.clone().unwrap_or_default());
        row.push(s.error.clone().unwrap_or_default().replace('\n', " "));
        writer.write_record(&row).map_err(csv_error)?;
    }
    writer.into_inner().map_err(|e| SweepError::Corrupt {
        path: PathBuf::from("results.csv"),
        why: e.to_string(),
    })
}

/// Per condition (grid values other than the seed, in first-appearance order): mean and
/// Student-t 95 % half-width of `metric` over its completed runs.
fn summarise(
    sweep: &Sweep,
    statuses: &[TaskStatus],
    flat: &[BTreeMap<String, f64>],
    metric: &str,
) -> Vec<ConditionSummary> {
    let keys = sweep.condition_keys();
    let mut order: Vec<Condition> = Vec::new();
    // condition → (the metric of its completed runs, how many of its runs did not complete)
    let mut groups: BTreeMap<Condition, (Vec<f64>, usize)> = BTreeMap::new();
    for (s, values) in statuses.iter().zip(flat) {
        let task = &sweep.tasks[s.index];
        let condition: Vec<(String, String)> = keys.iter().map(|k| (k.to_string(), task.params[*k].clone())).collect();
        if !groups.contains_key(&condition) {
            order.push(condition.clone());
        }
        let entry = groups.entry(condition).or_default();
        match values.get(metric) {
            Some(&v) if s.state == TaskState::Completed => entry.0.push(v),
            _ => entry.1 += 1,
        }
    }
    order
        .into_iter()
        .map(|condition| {
            let (values, missing) = &groups[&condition];
            let (mean, ci95) = mean_t_interval(values);
            ConditionSummary {
                condition,
                mean,
                ci95,
                n: values.len(),
                missing: *missing,
            }
        })
        .collect()
}

/// The mean and the half-width of its 95 % Student-t interval (NaN when fewer than 2 values).
///
/// ```
/// let (mean, half) = brainclip::sweep::mean_t_interval(&[0.1, 0.2, 0.3]);
/// assert!((mean - 0.2).abs() < 1e-12);
/// assert!((half - 4.302653 * 0.1 / 3f64.sqrt()).abs() < 1e-6);
/// assert!(brainclip::sweep::mean_t_interval(&[0.5]).1.is_nan());
/// ```
pub fn mean_t_interval(values: &[f64]) -> (f64, f64) {
    let n = values.len();
    if n == 0 {
        return (f64::NAN, f64::NAN);
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    if n < 2 {
        return (mean, f64::NAN);
    }
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    (mean, t975(n - 1) * (var / n as f64).sqrt())
}

/// The 97.5 % quantile of Student's t with `df` degrees of freedom.
fn t975(df: usize) -> f64 {
    const TABLE: [f64; 30] = [
        12.706205, 4.302653, 3.182446, 2.776445, 2.570582, 2.446912, 2.364624, 2.306004, 2.262157, 2.228139, 2.200985,
        2.178813, 2.160369, 2.144787, 2.131450, 2.119905, 2.109816, 2.100922, 2.093024, 2.085963, 2.079614, 2.073873,
        2.068658, 2.063899, 2.059539, 2.055529, 2.051831, 2.048407, 2.045230, 2.042272,
    ];
    match df {
        0 => f64::NAN,
        1..=30 => TABLE[df - 1],
        // Beyond 30: the normal quantile with three terms of the Cornish–Fisher expansion,
        // within 1e-4 of the exact quantile.
        _ => {
            let (z, v) = (1.959964f64, df as f64);
            z + (z.powi(3) + z) / (4.0 * v)
                + (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / (96.0 * v * v)
                + (3.0 * z.powi(7) + 19.0 * z.powi(5) + 17.0 * z.powi(3) - 15.0 * z) / (384.0 * v * v * v)
        }
    }
}

fn figure(sweep: &Sweep, conditions: &[ConditionSummary], metric: &str) -> Result<Figure, SweepError> {
    let keys = sweep.condition_keys();
    let label = |pairs: &[(String, String)]| {
        if pairs.is_empty() {
            "all runs".to_string()
        } else {
            pairs
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    // Two or more condition keys: the first colours the bars, the others name the groups.
    let bars: Vec<Bar> = conditions
        .iter()
        .filter(|c| c.n > 0)
        .map(|c| {
            let (series, group) = if keys.len() >= 2 {
                (label(&c.condition[..1]), label(&c.condition[1..]))
            } else {
                (metric.to_string(), label(&c.condition))
            };
            Bar {
                group,
                series,
                value: c.mean,
                interval: c.ci95.is_finite().then_some((c.mean - c.ci95, c.mean + c.ci95)),
            }
        })
        .collect();
    let seeds = if sweep.grid.iter().any(|a| a.key == "seed") {
        "mean ± 95 % CI over seeds"
    } else {
        "one run per condition"
    };
    let x_label = match keys.len() {
        0 => String::new(),
        1 => keys[0].to_string(),
        _ => keys[1..].join(", "),
    };
    let mut spec = BarChart::new(format!("{}: {metric} ({seeds})", sweep.name), x_label, metric);
    spec.set_bars(&bars);
    Ok(bar_chart(&spec)?)
}

impl fmt::Display for Collection {
    /// The one-screen summary.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "sweep {}: {}", self.name, summary_line(&self.statuses))?;
        if let Some(metric) = &self.metric {
            writeln!(f, "{metric}, mean ± 95 % CI (Student t over the completed runs):")?;
            let labels: Vec<String> = self
                .conditions
                .iter()
                .map(|c| {
                    if c.condition.is_empty() {
                        "all runs".into()
                    } else {
                        c.condition
                            .iter()
                            .map(|(k, v)| format!("{k}={v}"))
                            .collect::<Vec<_>>()
                            .join("  ")
                    }
                })
                .collect();
            let width = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0);
            for (c, label) in self.conditions.iter().zip(&labels) {
                let value = match (c.n, c.ci95.is_finite()) {
                    (0, _) => "—".to_string(),
                    (_, true) => format!("{:.4} ± {:.4}", c.mean, c.ci95),
                    (_, false) => format!("{:.4}", c.mean),
                };
                let missing = if c.missing > 0 {
                    format!(", {} not completed", c.missing)
                } else {
                    String::new()
                };
                writeln!(f, "  {label:width$}  {value:>17}  (n = {}{missing})", c.n)?;
            }
        } else {
            writeln!(
                f,
                "no completed run has metrics yet (save_metrics in the script records them)"
            )?;
        }
        let incomplete: Vec<&TaskStatus> = self
            .statuses
            .iter()
            .filter(|s| s.state != TaskState::Completed)
            .collect();
        if !incomplete.is_empty() {
            writeln!(f, "not completed:")?;
            for s in incomplete.iter().take(10) {
                let why = s
                    .error
                    .as_deref()
                    .map(|e| format!(": {}", first_line(e)))
                    .unwrap_or_default();
                writeln!(f, "  {} {}{why}", s.name, s.state)?;
            }
            if incomplete.len() > 10 {
                writeln!(f, "  … and {} more (results.csv lists them all)", incomplete.len() - 10)?;
            }
        }
        for file in &self.files {
            writeln!(f, "wrote {}", file.display())?;
        }
        Ok(())
    }
}

fn first_line(text: &str) -> &str {
    text.lines().find(|l| !l.trim().is_empty()).unwrap_or("").trim()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_metrics_flatten_to_dotted_names() {
        let mut out = BTreeMap::new();
        let v = serde_json::json!({ "brainclip": { "top1": 0.25, "hits": [1, 0], "label": "x" }, "ok": true, "n": 3 });
        flatten("", &v, &mut out);
        let got: Vec<(&str, f64)> = out.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        assert_eq!(got, [("brainclip.top1", 0.25), ("n", 3.0), ("ok", 1.0)]);
    }

    #[test]
    fn t_quantiles_match_the_tables() {
        assert!((t975(1) - 12.706205).abs() < 1e-6);
        assert!((t975(30) - 2.042272).abs() < 1e-6);
        assert!((t975(31) - 2.039513).abs() < 1e-4);
        assert!((t975(60) - 2.000298).abs() < 1e-4);
        assert!((t975(1000) - 1.962339).abs() < 1e-5);
    }
}
