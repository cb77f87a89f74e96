//! How much a script may use, so that a script received from another lab cannot hang or exhaust
//! the machine: Rhai's operation, call-depth and data-size limits, a wall-clock time limit, and the
//! memory budget the file readers check. Each has a flag, and the manifest records them all.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::data::formats::budget::{default_memory_budget, human_bytes};

/// The limits of a session.
///
/// ```
/// let limits = brainclip::session::Limits::default();
/// assert_eq!(limits.max_call_depth, 64);
/// assert!(limits.timeout.is_none());
/// let json = serde_json::to_value(&limits).unwrap();
/// assert_eq!(json["timeout_s"], serde_json::Value::Null);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Limits {
    /// Rhai operations per evaluation (a script, or one notebook cell); 0 for no limit.
    pub max_operations: u64,
    /// Nesting of script function calls.
    pub max_call_depth: usize,
    /// Length of one string, in bytes.
    pub max_string_size: usize,
    /// Elements of one array.
    pub max_array_size: usize,
    /// Entries of one object map.
    pub max_map_size: usize,
    /// Wall-clock time of one evaluation (the whole script, or one cell); `None` for no limit.
    #[serde(rename = "timeout_s", with = "seconds")]
    pub timeout: Option<Duration>,
    /// The memory budget in bytes: what one array read from a file may take, and what the run
    /// may hold in all (checked a few times a second).
    pub max_memory: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            // About three minutes of a loop that does nothing but count: far beyond what a real
            // script spends outside brainclip's functions (a call to train() is one operation).
            max_operations: 10_000_000_000,
            max_call_depth: 64,
            max_string_size: 64 << 20,
            max_array_size: 10_000_000,
            max_map_size: 1_000_000,
            timeout: None,
            max_memory: default_memory_budget(),
        }
    }
}

impl Limits {
    /// Apply the script limits to `engine` (the memory budget is set per thread by the session).
    pub fn apply(&self, engine: &mut rhai::Engine) {
        engine
            .set_max_operations(self.max_operations)
            .set_max_call_levels(self.max_call_depth)
            .set_max_string_size(self.max_string_size)
            .set_max_array_size(self.max_array_size)
            .set_max_map_size(self.max_map_size);
    }

    /// The value of `limit`, as its flag takes it.
    pub fn value(&self, limit: Limit) -> String {
        match limit {
            Limit::Operations => self.max_operations.to_string(),
            Limit::CallDepth => self.max_call_depth.to_string(),
            Limit::StringSize => self.max_string_size.to_string(),
            Limit::ArraySize => self.max_array_size.to_string(),
            Limit::MapSize => self.max_map_size.to_string(),
            Limit::Timeout => self
                .timeout
                .map_or_else(|| "none".into(), |t| humantime::format_duration(t).to_string()),
            Limit::Memory => human_bytes(self.max_memory),
        }
    }

    /// The message and hint of a limit reached.
    pub fn reached(&self, limit: Limit) -> (String, String) {
        let value = self.value(limit);
        let message = match limit {
            Limit::Operations => format!("the script ran more than {value} operations"),
            Limit::CallDepth => format!("function calls nested deeper than {value} levels"),
            Limit::StringSize => format!("a string grew longer than {value} bytes"),
            Limit::ArraySize => format!("an array grew beyond {value} elements"),
            Limit::MapSize => format!("an object map grew beyond {value} entries"),
            Limit::Timeout => format!("the run took longer than its time limit of {value}"),
            Limit::Memory => format!("the run held more than its memory budget of {value}"),
        };
        let hint = format!(
            "the limit is {} {value}; raise it with {} {}",
            limit.flag(),
            limit.flag(),
            limit.example()
        );
        (message, hint)
    }
}

/// One of the [`Limits`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    /// Rhai operations.
    Operations,
    /// Nested function calls.
    CallDepth,
    /// String length.
    StringSize,
    /// Array length.
    ArraySize,
    /// Object map size.
    MapSize,
    /// Wall-clock time.
    Timeout,
    /// Memory: of one array read from a file, and of the whole run.
    Memory,
}

impl Limit {
    /// The command-line flag that sets it.
    ///
    /// ```
    /// assert_eq!(brainclip::session::Limit::Timeout.flag(), "--timeout");
    /// ```
    pub fn flag(self) -> &'static str {
        match self {
            Limit::Operations => "--max-operations",
            Limit::CallDepth => "--max-call-depth",
            Limit::StringSize => "--max-string-size",
            Limit::ArraySize => "--max-array-size",
            Limit::MapSize => "--max-map-size",
            Limit::Timeout => "--timeout",
            Limit::Memory => "--max-memory",
        }
    }

    fn example(self) -> &'static str {
        match self {
            Limit::Operations => "100000000000 (0 for none)",
            Limit::CallDepth => "256",
            Limit::StringSize | Limit::ArraySize | Limit::MapSize => "N",
            Limit::Timeout => "2h",
            Limit::Memory => "64G",
        }
    }

    /// The limit a Rhai data-size error is about (`Length of string`, `Size of array/BLOB`, ...).
    pub fn of_data_error(what: &str) -> Limit {
        if what.contains("string") {
            Limit::StringSize
        } else if what.contains("map") {
            Limit::MapSize
        } else {
            Limit::ArraySize
        }
    }
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.flag())
    }
}

/// Parse a duration as `--timeout` takes it: `90s`, `30m`, `2h`, `1h 30m`, or plain seconds.
///
/// ```
/// use brainclip::session::parse_timeout;
/// assert_eq!(parse_timeout("2h").unwrap().as_secs(), 7200);
/// assert_eq!(parse_timeout("45").unwrap().as_secs(), 45);
/// assert!(parse_timeout("soon").is_err());
/// ```
pub fn parse_timeout(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    if let Ok(seconds) = t.parse::<f64>() {
        return Duration::try_from_secs_f64(seconds).map_err(|e| format!("`{text}`: {e}"));
    }
    humantime::parse_duration(t).map_err(|e| format!("`{text}` is not a duration ({e}); write e.g. 90s, 30m or 2h"))
}

/// `Option<Duration>` as seconds in JSON.
mod seconds {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(d) => s.serialize_f64(d.as_secs_f64()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
        let seconds = Option::<f64>::deserialize(d)?;
        seconds
            .map(|s| Duration::try_from_secs_f64(s).map_err(serde::de::Error::custom))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_round_trip_through_the_manifest_form() {
        let limits = Limits {
            timeout: Some(Duration::from_millis(1500)),
            max_operations: 7,
            ..Limits::default()
        };
        let json = serde_json::to_value(&limits).unwrap();
        assert_eq!(json["timeout_s"], 1.5);
        assert_eq!(json["max_operations"], 7);
        let back: Limits = serde_json::from_value(json).unwrap();
        assert_eq!(back, limits);
    }

    #[test]
    fn a_reached_limit_names_its_flag_and_value() {
        let limits = Limits {
            max_operations: 1000,
            ..Limits::default()
        };
        let (message, hint) = limits.reached(Limit::Operations);
        assert_eq!(message, "the script ran more than 1000 operations");
        assert!(
            hint.starts_with("the limit is --max-operations 1000; raise it with --max-operations"),
            "{hint}"
        );
        assert_eq!(Limit::of_data_error("Length of string"), Limit::StringSize);
        assert_eq!(Limit::of_data_error("Size of object map"), Limit::MapSize);
        assert_eq!(Limit::of_data_error("Size of array/BLOB"), Limit::ArraySize);
    }
}
