//! Reading an options map (`#{ epochs: 40, lr: 3e-4 }`) into typed values: unknown keys and wrong
//! types are errors that name the function, the key and the valid choices.

use rhai::{Dynamic, Map};

use super::fault::{ScriptFault, did_you_mean};
use crate::ErrorKind;

/// A validated options map of one script function.
pub struct Options {
    function: &'static str,
    map: Map,
}

type OptResult<T> = Result<T, ScriptFault>;

impl Options {
    /// Check `map`'s keys against `valid`; an unknown key is an error listing the valid ones.
    pub fn new(function: &'static str, map: Map, valid: &[&'static str]) -> OptResult<Self> {
        if let Some(key) = map.keys().find(|k| !valid.contains(&k.as_str())) {
            let mut fault = ScriptFault::new(
                ErrorKind::UnknownOption,
                format!(
                    "unknown option `{key}` for {function}(); valid options: {}",
                    valid.join(", ")
                ),
            );
            if let Some(suggestion) = did_you_mean(key, valid.iter().copied()) {
                fault = fault.with_hint(format!("did you mean `{suggestion}`?"));
            }
            return Err(fault);
        }
        Ok(Self { function, map })
    }

    /// An empty options map (a call without options).
    pub fn empty(function: &'static str) -> Self {
        Self {
            function,
            map: Map::new(),
        }
    }

    fn get(&self, key: &str) -> Option<&Dynamic> {
        self.map.get(key).filter(|v| !v.is_unit())
    }

    fn wrong_type(&self, key: &str, expected: &str, found: &Dynamic) -> ScriptFault {
        ScriptFault::new(
            ErrorKind::WrongType,
            format!(
                "option `{key}` of {}() must be {expected}, got {} `{found}`",
                self.function,
                found.type_name()
            ),
        )
    }

    fn invalid(&self, key: &str, expected: &str, found: impl std::fmt::Display) -> ScriptFault {
        ScriptFault::new(
            ErrorKind::InvalidValue,
            format!("option `{key}` of {}() must be {expected}, got {found}", self.function),
        )
    }

    /// A non-negative integer.
    pub fn usize(&self, key: &str, default: usize) -> OptResult<usize> {
        match self.get(key) {
            None => Ok(default),
            Some(v) => {
                let i = v.as_int().map_err(|_| self.wrong_type(key, "an integer", v))?;
                usize::try_from(i).map_err(|_| self.invalid(key, "a non-negative integer", i))
            }
        }
    }

    /// A non-negative integer as `u64` (seeds).
    pub fn u64(&self, key: &str, default: u64) -> OptResult<u64> {
        self.usize(key, default as usize).map(|v| v as u64)
    }

    /// A number (integers are accepted where floats are expected).
    pub fn float(&self, key: &str, default: f64) -> OptResult<f64> {
        match self.get(key) {
            None => Ok(default),
            Some(v) => as_number(v).ok_or_else(|| self.wrong_type(key, "a number", v)),
        }
    }

    /// A number, or `()` for "none".
    pub fn optional_float(&self, key: &str, default: Option<f64>) -> OptResult<Option<f64>> {
        match self.map.get(key) {
            None => Ok(default),
            Some(v) if v.is_unit() => Ok(None),
            Some(v) => as_number(v)
                .map(Some)
                .ok_or_else(|| self.wrong_type(key, "a number or ()", v)),
        }
    }

    /// A non-negative integer, or `()` for "none".
    pub fn optional_usize(&self, key: &str, default: Option<usize>) -> OptResult<Option<usize>> {
        match self.map.get(key) {
            None => Ok(default),
            Some(v) if v.is_unit() => Ok(None),
            Some(_) => self.usize(key, 0).map(Some),
        }
    }

    /// `true` or `false`.
    pub fn bool(&self, key: &str, default: bool) -> OptResult<bool> {
        match self.get(key) {
            None => Ok(default),
            Some(v) => v.as_bool().map_err(|_| self.wrong_type(key, "true or false", v)),
        }
    }

    /// The raw value of `key`, if given and not `()` (for options that take several types).
    pub fn raw(&self, key: &str) -> Option<Dynamic> {
        self.get(key).cloned()
    }

    /// A string.
    pub fn string(&self, key: &str, default: &str) -> OptResult<String> {
        match self.get(key) {
            None => Ok(default.to_string()),
            Some(v) => v.clone().into_string().map_err(|_| self.wrong_type(key, "a string", v)),
        }
    }

    /// One of `choices`.
    pub fn choice(&self, key: &str, choices: &[&'static str], default: &'static str) -> OptResult<&'static str> {
        let value = self.string(key, default)?;
        choices.iter().copied().find(|c| *c == value).ok_or_else(|| {
            let fault = self.invalid(key, &format!("one of {}", quoted(choices)), format!("\"{value}\""));
            match did_you_mean(&value, choices.iter().copied()) {
                Some(s) => fault.with_hint(format!("did you mean \"{s}\"?")),
                None => fault,
            }
        })
    }

    /// A list of non-negative integers.
    pub fn usize_list(&self, key: &str, default: &[usize]) -> OptResult<Vec<usize>> {
        match self.get(key) {
            None => Ok(default.to_vec()),
            Some(v) => {
                let items = v
                    .as_array_ref()
                    .map_err(|_| self.wrong_type(key, "an array of integers", v))?;
                items
                    .iter()
                    .map(|x| {
                        x.as_int()
                            .ok()
                            .and_then(|i| usize::try_from(i).ok())
                            .ok_or_else(|| self.wrong_type(key, "an array of non-negative integers", v))
                    })
                    .collect()
            }
        }
    }

    /// A list of numbers.
    pub fn float_list(&self, key: &str, default: &[f64]) -> OptResult<Vec<f64>> {
        match self.get(key) {
            None => Ok(default.to_vec()),
            Some(v) => {
                let items = v
                    .as_array_ref()
                    .map_err(|_| self.wrong_type(key, "an array of numbers", v))?;
                items
                    .iter()
                    .map(|x| as_number(x).ok_or_else(|| self.wrong_type(key, "an array of numbers", v)))
                    .collect()
            }
        }
    }

    /// An array, if given.
    pub fn array(&self, key: &str) -> OptResult<Option<rhai::Array>> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => v
                .clone()
                .try_cast::<rhai::Array>()
                .map(Some)
                .ok_or_else(|| self.wrong_type(key, "an array [...]", v)),
        }
    }

    /// A nested options map (empty when absent).
    pub fn map(&self, key: &str) -> OptResult<Map> {
        match self.get(key) {
            None => Ok(Map::new()),
            Some(v) => v
                .clone()
                .try_cast::<Map>()
                .ok_or_else(|| self.wrong_type(key, "an object map #{...}", v)),
        }
    }
}

fn as_number(v: &Dynamic) -> Option<f64> {
    v.as_float().ok().or_else(|| v.as_int().ok().map(|i| i as f64))
}

fn quoted(choices: &[&str]) -> String {
    choices
        .iter()
        .map(|c| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, Dynamic)]) -> Map {
        pairs.iter().map(|(k, v)| ((*k).into(), v.clone())).collect()
    }

    #[test]
    fn unknown_keys_list_the_valid_ones() {
        let err = Options::new("train", map(&[("epoch", Dynamic::from(3_i64))]), &["epochs", "lr"])
            .err()
            .unwrap();
        assert_eq!(err.kind, ErrorKind::UnknownOption);
        assert_eq!(
            err.message,
            "unknown option `epoch` for train(); valid options: epochs, lr"
        );
        assert_eq!(err.hint.as_deref(), Some("did you mean `epochs`?"));
    }

    #[test]
    fn types_are_checked() {
        let opts = Options::new(
            "train",
            map(&[
                ("epochs", Dynamic::from("ten")),
                ("lr", Dynamic::from(1_i64)),
                ("arch", Dynamic::from("lineer")),
            ]),
            &["epochs", "lr", "arch"],
        )
        .unwrap();
        let err = opts.usize("epochs", 1).unwrap_err();
        assert_eq!(
            err.message,
            "option `epochs` of train() must be an integer, got string `ten`"
        );
        assert_eq!(opts.float("lr", 0.1).unwrap(), 1.0);
        let err = opts.choice("arch", &["linear", "mlp"], "mlp").unwrap_err();
        assert_eq!(err.hint.as_deref(), Some("did you mean \"linear\"?"));
        assert_eq!(opts.usize("missing", 7).unwrap(), 7);
    }

    #[test]
    fn unit_means_none() {
        let opts = Options::new("train", map(&[("grad_clip", Dynamic::UNIT)]), &["grad_clip"]).unwrap();
        assert_eq!(opts.optional_float("grad_clip", Some(1.0)).unwrap(), None);
        let negative = Options::new("f", map(&[("n", Dynamic::from(-1_i64))]), &["n"]).unwrap();
        assert_eq!(negative.usize("n", 0).unwrap_err().kind, ErrorKind::InvalidValue);
    }
}
