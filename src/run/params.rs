//! `--set key=value` parameters: typed values a script reads with defaults.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// A parameter value: the type is inferred from the text (`40` → integer, `3e-4` → float,
/// `true` → bool, anything else → string; quote with `"..."` to force a string).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ParamValue {
    /// An integer.
    Int(i64),
    /// A floating-point number.
    Float(f64),
    /// `true` or `false`.
    Bool(bool),
    /// Any other text.
    Str(String),
}

impl ParamValue {
    /// Infer the type of `text`.
    ///
    /// ```
    /// use brainclip::run::ParamValue;
    /// assert_eq!(ParamValue::parse("40"), ParamValue::Int(40));
    /// assert_eq!(ParamValue::parse("3e-4"), ParamValue::Float(3e-4));
    /// assert_eq!(ParamValue::parse("true"), ParamValue::Bool(true));
    /// assert_eq!(ParamValue::parse("\"40\""), ParamValue::Str("40".into()));
    /// assert_eq!(ParamValue::parse("residual"), ParamValue::Str("residual".into()));
    /// ```
    pub fn parse(text: &str) -> Self {
        let t = text.trim();
        if t.len() >= 2 && t.starts_with('"') && t.ends_with('"') {
            return ParamValue::Str(t[1..t.len() - 1].to_string());
        }
        if let Ok(i) = t.parse::<i64>() {
            return ParamValue::Int(i);
        }
        if let Ok(f) = t.parse::<f64>()
            && f.is_finite()
        {
            return ParamValue::Float(f);
        }
        match t {
            "true" => ParamValue::Bool(true),
            "false" => ParamValue::Bool(false),
            _ => ParamValue::Str(t.to_string()),
        }
    }

    /// The type's name as scripts see it.
    pub fn type_name(&self) -> &'static str {
        match self {
            ParamValue::Int(_) => "integer",
            ParamValue::Float(_) => "float",
            ParamValue::Bool(_) => "bool",
            ParamValue::Str(_) => "string",
        }
    }
}

impl fmt::Display for ParamValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamValue::Int(i) => write!(f, "{i}"),
            ParamValue::Float(x) => write!(f, "{x}"),
            ParamValue::Bool(b) => write!(f, "{b}"),
            ParamValue::Str(s) => write!(f, "{s}"),
        }
    }
}

/// A malformed `--set` argument.
#[derive(Debug, Error, Clone, PartialEq)]
#[error("--set {0:?} is not of the form key=value")]
pub struct ParamSyntaxError(pub String);

/// Parse `key=value` arguments; a later key replaces an earlier one.
///
/// ```
/// let p = brainclip::run::parse_params(&["epochs=5".into(), "arch=linear".into()]).unwrap();
/// assert_eq!(p.len(), 2);
/// ```
pub fn parse_params(args: &[String]) -> Result<BTreeMap<String, ParamValue>, ParamSyntaxError> {
    args.iter()
        .map(|arg| {
            let (key, value) = arg.split_once('=').ok_or_else(|| ParamSyntaxError(arg.clone()))?;
            let key = key.trim();
            let valid = !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !valid {
                return Err(ParamSyntaxError(arg.clone()));
            }
            Ok((key.to_string(), ParamValue::parse(value)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_arguments_are_rejected() {
        assert!(parse_params(&["epochs".into()]).is_err());
        assert!(parse_params(&["=5".into()]).is_err());
        assert!(parse_params(&["a b=5".into()]).is_err());
        assert_eq!(
            parse_params(&["x=1".into(), "x=2".into()]).unwrap()["x"],
            ParamValue::Int(2)
        );
    }
}
