//! The kernel's in-memory input history (this process only) and the answers to
//! `history_request`'s `tail`, `range` and `search`.

use jupyter_protocol::HistoryEntry;
use serde_json::Value;

/// The session number reported for this process's history.
const SESSION: usize = 1;

/// How much of a result's text the history keeps.
const MAX_OUTPUT: usize = 10_000;

/// Executed cells, in order; line numbers are execution counts.
#[derive(Default)]
pub(crate) struct History {
    entries: Vec<Entry>,
}

struct Entry {
    line: usize,
    input: String,
    output: String,
}

impl History {
    /// Record cell `line` (its execution count) and the text of its result (the first
    /// [`MAX_OUTPUT`] characters).
    pub fn push(&mut self, line: usize, input: &str, output: &str) {
        self.entries.push(Entry {
            line,
            input: input.to_string(),
            output: output.chars().take(MAX_OUTPUT).collect(),
        });
    }

    /// The entries a `history_request` content asks for (unknown access types get none).
    pub fn query(&self, request: &Value) -> Vec<HistoryEntry> {
        let int = |key: &str| request.get(key).and_then(Value::as_i64);
        let with_output = request.get("output").and_then(Value::as_bool).unwrap_or(false);
        let selected: Vec<&Entry> = match request.get("hist_access_type").and_then(Value::as_str) {
            Some("tail") => {
                let n = usize::try_from(int("n").unwrap_or(10)).unwrap_or(0);
                self.entries[self.entries.len().saturating_sub(n)..].iter().collect()
            }
            Some("range") => {
                let session = int("session").unwrap_or(0);
                if session > 0 && session != SESSION as i64 {
                    Vec::new()
                } else {
                    let start = int("start").unwrap_or(0);
                    let stop = int("stop").unwrap_or(i64::MAX);
                    self.entries
                        .iter()
                        .filter(|e| (e.line as i64) >= start && (e.line as i64) < stop)
                        .collect()
                }
            }
            Some("search") => {
                let pattern = request.get("pattern").and_then(Value::as_str).unwrap_or("*");
                let unique = request.get("unique").and_then(Value::as_bool).unwrap_or(false);
                let mut found: Vec<&Entry> = Vec::new();
                for e in self.entries.iter().rev() {
                    if glob_match(pattern, &e.input) && !(unique && found.iter().any(|f| f.input == e.input)) {
                        found.push(e);
                    }
                }
                if let Some(n) = int("n").and_then(|n| usize::try_from(n).ok()) {
                    found.truncate(n);
                }
                found.reverse();
                found
            }
            _ => Vec::new(),
        };
        selected
            .into_iter()
            .map(|e| {
                if with_output {
                    HistoryEntry::InputOutput(SESSION, e.line, (e.input.clone(), e.output.clone()))
                } else {
                    HistoryEntry::Input(SESSION, e.line, e.input.clone())
                }
            })
            .collect()
    }
}

/// Whole-text glob matching with `*` (any run) and `?` (one character), as IPython's history
/// search does.
fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn history() -> History {
        let mut h = History::default();
        for (i, code) in ["1 + 2", "let x = 3;", "1 + 2", "x * 2"].iter().enumerate() {
            h.push(i + 1, code, "out");
        }
        h
    }

    #[test]
    fn tail_range_search() {
        let h = history();
        assert_eq!(h.query(&json!({"hist_access_type": "tail", "n": 2})).len(), 2);
        let range = h.query(&json!({"hist_access_type": "range", "session": 1, "start": 2, "stop": 3}));
        assert!(matches!(&range[..], [HistoryEntry::Input(1, 2, s)] if s == "let x = 3;"));
        assert_eq!(
            h.query(&json!({"hist_access_type": "search", "pattern": "1*"})).len(),
            2
        );
        let unique = json!({"hist_access_type": "search", "pattern": "1*", "unique": true});
        assert_eq!(h.query(&unique).len(), 1);
        assert_eq!(
            h.query(&json!({"hist_access_type": "search", "pattern": "*", "n": 3}))
                .len(),
            3
        );
        let out = h.query(&json!({"hist_access_type": "tail", "n": 1, "output": true}));
        assert!(matches!(&out[..], [HistoryEntry::InputOutput(1, 4, (i, o))] if i == "x * 2" && o == "out"));
    }

    #[test]
    fn globs() {
        assert!(glob_match("a*c", "abbbc"));
        assert!(glob_match("?b*", "abc"));
        assert!(!glob_match("a*d", "abc"));
        assert!(glob_match("*", ""));
    }
}
