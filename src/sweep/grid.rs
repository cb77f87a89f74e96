//! A sweep's grid: parameters with several values each, expanded into every combination in a
//! fixed order (the first key slowest, the last fastest), so that task `i` means the same run
//! whenever and wherever the table is read.

use serde::{Deserialize, Serialize};

use super::SweepError;

/// One axis of the grid: a parameter and its values, each kept as the text the user wrote (that
/// text is what `--set key=TEXT` passes on, so `1.0` stays a float in the script).
///
/// ```
/// use brainclip::sweep::Axis;
///
/// let seeds = Axis::parse("seed=0..3").unwrap();
/// assert_eq!(seeds.values, ["0", "1", "2"]);
/// assert_eq!(Axis::parse("seed=0..=3").unwrap().values.len(), 4);
/// assert_eq!(Axis::parse("loss=image,text").unwrap().values, ["image", "text"]);
/// assert!(Axis::parse("lr=").is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Axis {
    /// The parameter (`seed` is the session seed, `--seed`; any other key is `--set key=…`).
    pub key: String,
    /// Its values, in order.
    pub values: Vec<String>,
}

/// Longest axis a range may expand to: a typo such as `seed=0..100000` must not make a sweep of
/// a hundred thousand runs.
pub const MAX_AXIS: usize = 10_000;

impl Axis {
    /// Parse `key=v1,v2,...` or `key=A..B` (integers A to B − 1, as Rhai's ranges) or `key=A..=B`.
    pub fn parse(text: &str) -> Result<Self, SweepError> {
        let bad = |why: &str| SweepError::Grid {
            text: text.to_string(),
            why: why.to_string(),
        };
        let (key, values) = text.split_once('=').ok_or_else(|| bad("write key=v1,v2 or key=A..B"))?;
        let key = key.trim();
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(bad("the key must be a parameter name (letters, digits, _)"));
        }
        let values = values.trim();
        let values = if let Some((low, high, inclusive)) = range(values) {
            let low: i64 = low.parse().map_err(|_| bad("a range's ends must be integers"))?;
            let high: i64 = high.parse().map_err(|_| bad("a range's ends must be integers"))?;
            let end = if inclusive { high.saturating_add(1) } else { high };
            if end <= low {
                return Err(bad(
                    "the range is empty (A..B stops before B; write A..=B to include it)",
                ));
            }
            if (end - low) as u128 > MAX_AXIS as u128 {
                return Err(bad(&format!("a range may hold at most {MAX_AXIS} values")));
            }
            (low..end).map(|v| v.to_string()).collect()
        } else {
            values.split(',').map(|v| v.trim().to_string()).collect::<Vec<_>>()
        };
        if values.iter().any(String::is_empty) {
            return Err(bad("a value is empty"));
        }
        for (i, v) in values.iter().enumerate() {
            if values[..i].contains(v) {
                return Err(bad(&format!("`{v}` is given twice")));
            }
        }
        Ok(Self {
            key: key.to_string(),
            values,
        })
    }
}

/// `A..B` or `A..=B`, with both ends present.
fn range(text: &str) -> Option<(&str, &str, bool)> {
    let (low, high) = text.split_once("..")?;
    let (high, inclusive) = match high.strip_prefix('=') {
        Some(h) => (h, true),
        None => (high, false),
    };
    (!low.trim().is_empty() && !high.trim().is_empty()).then(|| (low.trim(), high.trim(), inclusive))
}

/// Most runs one sweep may expand to.
pub const MAX_TASKS: usize = 100_000;

/// Every combination of the axes' values, first axis slowest: `[(key, text), ...]` per task.
///
/// ```
/// use brainclip::sweep::{Axis, expand};
///
/// let grid = [Axis::parse("loss=image,text").unwrap(), Axis::parse("seed=0..2").unwrap()];
/// let tasks = expand(&grid).unwrap();
/// assert_eq!(tasks.len(), 4);
/// assert_eq!(tasks[1], [("loss".to_string(), "image".to_string()), ("seed".to_string(), "1".to_string())]);
/// ```
pub fn expand(grid: &[Axis]) -> Result<Vec<Vec<(String, String)>>, SweepError> {
    for (i, axis) in grid.iter().enumerate() {
        if grid[..i].iter().any(|a| a.key == axis.key) {
            return Err(SweepError::Grid {
                text: axis.key.clone(),
                why: "this key has two --grid axes; list all its values in one".into(),
            });
        }
    }
    let count = grid
        .iter()
        .try_fold(1usize, |n, a| n.checked_mul(a.values.len()))
        .filter(|&n| n <= MAX_TASKS)
        .ok_or_else(|| SweepError::Grid {
            text: grid.iter().map(|a| a.key.as_str()).collect::<Vec<_>>().join(" × "),
            why: format!("the grid expands to more than {MAX_TASKS} runs"),
        })?;
    let mut tasks = Vec::with_capacity(count);
    for mut i in 0..count {
        let mut task = vec![(String::new(), String::new()); grid.len()];
        for (slot, axis) in task.iter_mut().zip(grid).rev() {
            *slot = (axis.key.clone(), axis.values[i % axis.values.len()].clone());
            i /= axis.values.len();
        }
        tasks.push(task);
    }
    Ok(tasks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expansion_order_is_first_axis_slowest() {
        let grid = [
            Axis::parse("a=1,2").unwrap(),
            Axis::parse("b=x,y,z").unwrap(),
            Axis::parse("seed=0..=1").unwrap(),
        ];
        let tasks = expand(&grid).unwrap();
        assert_eq!(tasks.len(), 12);
        let flat: Vec<String> = tasks
            .iter()
            .map(|t| t.iter().map(|(_, v)| v.as_str()).collect::<Vec<_>>().join(""))
            .collect();
        assert_eq!(&flat[..4], ["1x0", "1x1", "1y0", "1y1"]);
        assert_eq!(flat[11], "2z1");
        assert!(expand(&[]).unwrap() == vec![Vec::<(String, String)>::new()]);
    }

    #[test]
    fn bad_axes_say_why() {
        for (text, why) in [
            ("seed", "key=v1,v2"),
            ("seed=3..1", "empty"),
            ("seed=0..x", "integers"),
            ("a b=1", "parameter name"),
            ("lr=0.1,,0.2", "empty"),
            ("lr=0.1,0.1", "twice"),
            ("seed=0..1000000", "at most"),
        ] {
            let err = Axis::parse(text).unwrap_err().to_string();
            assert!(err.contains(why), "{text}: {err}");
        }
        let twice = [Axis::parse("a=1").unwrap(), Axis::parse("a=2").unwrap()];
        assert!(expand(&twice).unwrap_err().to_string().contains("two --grid axes"));
        let huge: Vec<Axis> = (0..6).map(|i| Axis::parse(&format!("k{i}=0..10")).unwrap()).collect();
        assert!(expand(&huge).unwrap_err().to_string().contains("more than"));
    }
}
