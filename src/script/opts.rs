//! An options map (`#{ epochs: 40, lr: 3e-4 }`) checked against a function's [`Opt`] table:
//! unknown keys (with did-you-mean), wrong types, out-of-range numbers and unknown choices are
//! errors naming the function, the key and what is valid. What passes is read as typed values, or
//! deserialised straight into the domain's settings struct.

use rhai::{Array, Dynamic, Map};
use serde::de::DeserializeOwned;

use super::fault::ScriptFault;
use super::spec::{Declared, FnSpec, Opt, Ty};
use crate::ErrorKind;
use crate::run::RunContext;
use crate::suggest::did_you_mean;

/// The checked options of one call.
///
/// ```
/// use brainclip::script::opts::Opts;
/// use brainclip::script::spec::{Area, FnSpec, Opt};
/// static SPEC: FnSpec = FnSpec::new("fit", Area::Model)
///     .options(&[Opt::int("folds", 5, "cross-validation folds").min(2.0)]);
/// let mut map = rhai::Map::new();
/// map.insert("fold".into(), 3_i64.into());
/// let err = Opts::new(&SPEC, map).err().unwrap();
/// assert_eq!(err.message, "unknown option `fold` for fit(); valid options: folds");
/// assert_eq!(err.hint.as_deref(), Some("did you mean `folds`?"));
/// assert_eq!(Opts::empty(&SPEC).get::<usize>("folds").unwrap(), 5);
/// ```
#[derive(Clone, Debug)]
pub struct Opts {
    function: &'static str,
    table: &'static [Opt],
    /// `loss.` inside a nested map.
    prefix: String,
    map: Map,
}

type Checked<T> = Result<T, ScriptFault>;

impl Opts {
    /// Check `map` against `spec`'s options table.
    pub fn new(spec: &'static FnSpec, map: Map) -> Checked<Self> {
        Self::checked(spec.name, spec.option_table(), String::new(), map)
    }

    /// A call without an options map.
    pub fn empty(spec: &'static FnSpec) -> Self {
        Self {
            function: spec.name,
            table: spec.option_table(),
            prefix: String::new(),
            map: Map::new(),
        }
    }

    fn checked(function: &'static str, table: &'static [Opt], prefix: String, map: Map) -> Checked<Self> {
        let mut out = Map::new();
        for (key, value) in map {
            let Some(opt) = table.iter().find(|o| o.key == key.as_str()) else {
                let valid: Vec<&str> = table.iter().map(|o| o.key).collect();
                let mut fault = ScriptFault::new(
                    ErrorKind::UnknownOption,
                    format!(
                        "unknown option `{prefix}{key}` for {function}(); valid options: {}",
                        valid.join(", ")
                    ),
                );
                if let Some(s) = did_you_mean(&key, valid.iter().copied()) {
                    fault = fault.with_hint(format!("did you mean `{s}`?"));
                }
                return Err(fault);
            };
            let checker = Check {
                function,
                key: format!("{prefix}{key}"),
                opt,
            };
            if value.is_unit() {
                // `()` means "none" where that is allowed and "the default" elsewhere.
                if opt.or_none {
                    out.insert(key, value);
                }
                continue;
            }
            out.insert(key, checker.value(value)?);
        }
        Ok(Self {
            function,
            table,
            prefix,
            map: out,
        })
    }

    fn declared(&self, key: &str) -> Checked<&'static Opt> {
        self.table.iter().find(|o| o.key == key).ok_or_else(|| {
            ScriptFault::new(
                ErrorKind::Internal,
                format!(
                    "{}() reads option `{}{key}`, which it does not declare",
                    self.function, self.prefix
                ),
            )
        })
    }

    /// Whether the call gave `key` (a `()` that means "the default" does not count).
    pub fn has(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    /// The value given for `key`, if any (`()` where it means "none").
    pub fn raw(&self, key: &str) -> Option<Dynamic> {
        self.map.get(key).cloned()
    }

    /// The value of `key`: the one given, or the declared default.
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Checked<T> {
        let opt = self.declared(key)?;
        let value = match self.map.get(key) {
            Some(v) => v.clone(),
            None => default_value(opt).ok_or_else(|| {
                ScriptFault::new(
                    ErrorKind::Internal,
                    format!(
                        "option `{}{key}` of {}() has a default computed at run time; read it with get_or",
                        self.prefix, self.function
                    ),
                )
            })?,
        };
        self.convert(key, &value)
    }

    /// The value of `key`, or `default` when the call did not give it.
    pub fn get_or<T: DeserializeOwned>(&self, key: &str, default: T) -> Checked<T> {
        self.declared(key)?;
        match self.map.get(key) {
            Some(v) => self.convert(key, v),
            None => Ok(default),
        }
    }

    /// The value of `key` if the call gave it.
    pub fn given<T: DeserializeOwned>(&self, key: &str) -> Checked<Option<T>> {
        self.declared(key)?;
        self.map.get(key).map(|v| self.convert(key, v)).transpose()
    }

    /// The script value given for `key` as a `T` (a Clip, a Map, an Array of values...), when
    /// given and not `()`; a value of another type is an error saying it must be `what`.
    pub fn value_of<T: Clone + 'static>(&self, key: &str, what: &str) -> Checked<Option<T>> {
        self.declared(key)?;
        let Some(value) = self.map.get(key).filter(|v| !v.is_unit()) else {
            return Ok(None);
        };
        value.clone().try_cast::<T>().map(Some).ok_or_else(|| {
            ScriptFault::new(
                ErrorKind::WrongType,
                format!(
                    "option `{}{key}` of {}() must be {what}, got {} `{value}`",
                    self.prefix,
                    self.function,
                    value.type_name()
                ),
            )
        })
    }

    /// The array given for `key` as `T` values, when given; `what` names them in errors.
    pub fn array_of<T: Clone + 'static>(&self, key: &str, what: &str) -> Checked<Option<Vec<T>>> {
        let Some(items) = self.value_of::<Array>(key, &format!("an array of {what}"))? else {
            return Ok(None);
        };
        let cast = |item: Dynamic| {
            let found = item.type_name().to_string();
            item.try_cast::<T>().ok_or_else(|| {
                ScriptFault::new(
                    ErrorKind::WrongType,
                    format!(
                        "option `{}{key}` of {}() must be an array of {what}, found a {found} in it",
                        self.prefix, self.function
                    ),
                )
            })
        };
        items.into_iter().map(cast).collect::<Checked<Vec<T>>>().map(Some)
    }

    /// These options with the session seed as the default `seed`.
    pub fn seeded(self, run: &RunContext) -> Self {
        self.with_default("seed", run.seed() as i64)
    }

    /// The checked nested options map under `key` (empty when not given).
    pub fn nested(&self, key: &str) -> Opts {
        let table = match self.table.iter().find(|o| o.key == key).map(|o| o.ty) {
            Some(Ty::Map(inner)) => inner,
            _ => &[],
        };
        let map = self
            .map
            .get(key)
            .and_then(|v| v.clone().try_cast::<Map>())
            .unwrap_or_default();
        Opts {
            function: self.function,
            table,
            prefix: format!("{}{key}.", self.prefix),
            map,
        }
    }

    /// Set `key` unless the call gave it (for defaults computed at run time, such as the seed).
    pub fn with_default(mut self, key: &str, value: impl Into<Dynamic>) -> Self {
        if !self.map.contains_key(key) {
            self.map.insert(key.into(), value.into());
        }
        self
    }

    /// The given options deserialised into `T`, a domain settings struct whose fields are the
    /// option keys (`#[serde(default)]` supplies what the call left out).
    /// Options marked [`Opt::for_binding`] are left out.
    pub fn parse<T: DeserializeOwned>(&self) -> Checked<T> {
        let settings: Map = self
            .map
            .iter()
            .filter(|(k, _)| !self.table.iter().any(|o| o.key == k.as_str() && o.binding_only))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        rhai::serde::from_dynamic(&Dynamic::from(settings)).map_err(|e| {
            ScriptFault::new(
                ErrorKind::WrongType,
                format!("options of {}(): {}", self.function, plain_error(&e)),
            )
        })
    }

    fn convert<T: DeserializeOwned>(&self, key: &str, value: &Dynamic) -> Checked<T> {
        rhai::serde::from_dynamic(value).map_err(|e| {
            ScriptFault::new(
                ErrorKind::WrongType,
                format!(
                    "option `{}{key}` of {}(): {}",
                    self.prefix,
                    self.function,
                    plain_error(&e)
                ),
            )
        })
    }
}

fn plain_error(e: &rhai::EvalAltResult) -> String {
    match e {
        rhai::EvalAltResult::ErrorMismatchDataType(expected, found, _) => {
            format!("expected {expected}, got {found}")
        }
        other => other.to_string(),
    }
}

/// A declared default as a script value (`None` when computed at run time or absent).
fn default_value(opt: &Opt) -> Option<Dynamic> {
    Some(match opt.default {
        Declared::Int(v) => Dynamic::from(v),
        Declared::Float(v) => Dynamic::from(v),
        Declared::Bool(v) => Dynamic::from(v),
        Declared::Str(v) => Dynamic::from(v),
        Declared::Ints(v) => Dynamic::from(v.iter().map(|&i| Dynamic::from(i)).collect::<rhai::Array>()),
        Declared::Floats(v) => Dynamic::from(v.iter().map(|&f| Dynamic::from(f)).collect::<rhai::Array>()),
        Declared::Strs(v) => Dynamic::from(v.iter().map(|&s| Dynamic::from(s)).collect::<rhai::Array>()),
        Declared::None => Dynamic::UNIT,
        Declared::Fields => Dynamic::from(Map::new()),
        Declared::Computed(_) => return None,
    })
}

/// Checks one given value against its declaration.
struct Check<'a> {
    function: &'static str,
    key: String,
    opt: &'a Opt,
}

impl Check<'_> {
    fn wrong_type(&self, expected: &str, found: &Dynamic) -> ScriptFault {
        let expected = if self.opt.or_none {
            format!("{expected} or ()")
        } else {
            expected.to_string()
        };
        ScriptFault::new(
            ErrorKind::WrongType,
            format!(
                "option `{}` of {}() must be {expected}, got {} `{found}`",
                self.key,
                self.function,
                found.type_name()
            ),
        )
    }

    fn invalid(&self, expected: &str, found: impl std::fmt::Display) -> ScriptFault {
        ScriptFault::new(
            ErrorKind::InvalidValue,
            format!(
                "option `{}` of {}() must be {expected}, got {found}",
                self.key, self.function
            ),
        )
    }

    fn integer(&self, value: &Dynamic, min: i64, max: i64, whole: &Dynamic) -> Checked<i64> {
        let i = value.as_int().map_err(|_| self.wrong_type("an integer", whole))?;
        if i < min || i > max {
            let expected = match (min, max) {
                (0, i64::MAX) => "a non-negative integer".to_string(),
                (min, i64::MAX) => format!("an integer ≥ {min}"),
                (min, max) => format!("an integer in [{min}, {max}]"),
            };
            return Err(self.invalid(&expected, i));
        }
        Ok(i)
    }

    /// Check each item of an array option with `item`.
    fn each(&self, value: &Dynamic, expected: &str, item: impl Fn(&Dynamic) -> Checked<Dynamic>) -> Checked<Dynamic> {
        let items = value.as_array_ref().map_err(|_| self.wrong_type(expected, value))?;
        items
            .iter()
            .map(item)
            .collect::<Checked<rhai::Array>>()
            .map(Dynamic::from)
    }

    fn value(&self, value: Dynamic) -> Checked<Dynamic> {
        match self.opt.ty {
            Ty::Int { min, max } => self.integer(&value, min, max, &value).map(Dynamic::from),
            Ty::Float { min, max } => {
                let x = as_number(&value).ok_or_else(|| self.wrong_type("a number", &value))?;
                if x.is_nan() || x < min || x > max {
                    let expected = match (min.is_finite(), max.is_finite()) {
                        (true, true) => format!("a number in [{min}, {max}]"),
                        (true, false) => format!("a number ≥ {min}"),
                        (false, true) => format!("a number ≤ {max}"),
                        (false, false) => "a number".into(),
                    };
                    return Err(self.invalid(&expected, x));
                }
                Ok(Dynamic::from(x))
            }
            Ty::Bool => value
                .as_bool()
                .map(Dynamic::from)
                .map_err(|_| self.wrong_type("true or false", &value)),
            Ty::Str => match value.is_string() {
                true => Ok(value),
                false => Err(self.wrong_type("a string", &value)),
            },
            Ty::Choice(choices) => {
                let text = value
                    .clone()
                    .into_string()
                    .map_err(|_| self.wrong_type("a string", &value))?;
                if choices.contains(&text.as_str()) {
                    return Ok(value);
                }
                let listed = choices
                    .iter()
                    .map(|c| format!("\"{c}\""))
                    .collect::<Vec<_>>()
                    .join(", ");
                let fault = self.invalid(&format!("one of {listed}"), format!("\"{text}\""));
                Err(match did_you_mean(&text, choices.iter().copied()) {
                    Some(s) => fault.with_hint(format!("did you mean \"{s}\"?")),
                    None => fault,
                })
            }
            Ty::Ints { min } => self.each(&value, "an array of integers", |x| match x.is_int() {
                true => self.integer(x, min, i64::MAX, &value).map(Dynamic::from),
                false => Err(self.wrong_type("an array of integers", &value)),
            }),
            Ty::Floats => self.each(&value, "an array of numbers", |x| {
                as_number(x)
                    .map(Dynamic::from)
                    .ok_or_else(|| self.wrong_type("an array of numbers", &value))
            }),
            Ty::Strs => self.each(&value, "an array of strings", |x| match x.is_string() {
                true => Ok(x.clone()),
                false => Err(self.wrong_type("an array of strings", &value)),
            }),
            Ty::Map(inner) => {
                let map = value
                    .clone()
                    .try_cast::<Map>()
                    .ok_or_else(|| self.wrong_type("an object map #{...}", &value))?;
                let nested = Opts::checked(self.function, inner, format!("{}.", self.key), map)?;
                Ok(Dynamic::from(nested.map))
            }
            Ty::Value(_) => Ok(value),
        }
    }
}

fn as_number(v: &Dynamic) -> Option<f64> {
    v.as_float().ok().or_else(|| v.as_int().ok().map(|i| i as f64))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::script::spec::Area;

    static LOSS: &[Opt] = &[Opt::float("image", 1.0, "weight")];
    static SPEC: FnSpec = FnSpec::new("train", Area::Train).options(&[
        Opt::int("epochs", 40, "passes").min(1.0),
        Opt::float("lr", 3e-4, "rate").min(0.0),
        Opt::float("grad_clip", 1.0, "limit").or_none(),
        Opt::choice("arch", &["linear", "mlp"], "mlp", "architecture"),
        Opt::ints("k", &[1, 5], "ranks").min(1.0),
        Opt::map("loss", LOSS, "loss terms"),
        Opt::seed("seed"),
    ]);

    fn map(pairs: &[(&str, Dynamic)]) -> Map {
        pairs.iter().map(|(k, v)| ((*k).into(), v.clone())).collect()
    }

    #[test]
    fn unknown_keys_list_the_valid_ones_at_every_depth() {
        let err = Opts::new(&SPEC, map(&[("epoch", Dynamic::from(3_i64))])).unwrap_err();
        assert_eq!(err.kind, ErrorKind::UnknownOption);
        assert_eq!(
            err.message,
            "unknown option `epoch` for train(); valid options: epochs, lr, grad_clip, arch, k, loss, seed"
        );
        assert_eq!(err.hint.as_deref(), Some("did you mean `epochs`?"));
        let nested = map(&[("imge", Dynamic::from(1.0))]);
        let err = Opts::new(&SPEC, map(&[("loss", Dynamic::from(nested))])).unwrap_err();
        assert_eq!(
            err.message,
            "unknown option `loss.imge` for train(); valid options: image"
        );
        assert_eq!(err.hint.as_deref(), Some("did you mean `image`?"));
    }

    #[test]
    fn types_ranges_and_choices_are_checked() {
        let bad = |pairs: &[(&str, Dynamic)]| Opts::new(&SPEC, map(pairs)).unwrap_err();
        let e = bad(&[("epochs", Dynamic::from("ten"))]);
        assert_eq!(
            e.message,
            "option `epochs` of train() must be an integer, got string `ten`"
        );
        let e = bad(&[("epochs", Dynamic::from(0_i64))]);
        assert_eq!(
            (e.kind, e.message.as_str()),
            (
                ErrorKind::InvalidValue,
                "option `epochs` of train() must be an integer ≥ 1, got 0"
            )
        );
        let e = bad(&[("lr", Dynamic::from(-1.0))]);
        assert_eq!(e.message, "option `lr` of train() must be a number ≥ 0, got -1");
        let e = bad(&[("arch", Dynamic::from("lineer"))]);
        assert_eq!(e.hint.as_deref(), Some("did you mean \"linear\"?"));
        let e = bad(&[("k", Dynamic::from(vec![Dynamic::from(0_i64)]))]);
        assert_eq!(e.message, "option `k` of train() must be an integer ≥ 1, got 0");
        let e = bad(&[("grad_clip", Dynamic::from("none"))]);
        assert_eq!(
            e.message,
            "option `grad_clip` of train() must be a number or (), got string `none`"
        );
        let e = bad(&[("loss", Dynamic::from(map(&[("image", Dynamic::from("x"))])))]);
        assert_eq!(
            e.message,
            "option `loss.image` of train() must be a number, got string `x`"
        );
    }

    #[test]
    fn values_read_as_given_or_declared() {
        let opts = Opts::new(
            &SPEC,
            map(&[
                ("lr", Dynamic::from(1_i64)),
                ("grad_clip", Dynamic::UNIT),
                ("epochs", Dynamic::UNIT),
            ]),
        )
        .unwrap();
        assert_eq!(opts.get::<f64>("lr").unwrap(), 1.0);
        assert_eq!(opts.get::<Option<f64>>("grad_clip").unwrap(), None);
        assert_eq!(
            opts.get::<usize>("epochs").unwrap(),
            40,
            "() on a plain option means the default"
        );
        assert_eq!(opts.get::<Vec<usize>>("k").unwrap(), vec![1, 5]);
        assert_eq!(opts.get::<String>("arch").unwrap(), "mlp");
        assert_eq!(opts.nested("loss").get::<f64>("image").unwrap(), 1.0);
        assert_eq!(opts.get_or::<u64>("seed", 9).unwrap(), 9);
        assert_eq!(opts.get::<u64>("seed").unwrap_err().kind, ErrorKind::Internal);
        assert_eq!(opts.get::<u64>("undeclared").unwrap_err().kind, ErrorKind::Internal);
    }

    #[test]
    fn parse_fills_a_settings_struct() {
        #[derive(serde::Deserialize, Debug, PartialEq)]
        #[serde(default)]
        struct Settings {
            epochs: usize,
            lr: f64,
            grad_clip: Option<f64>,
            seed: u64,
        }
        impl Default for Settings {
            fn default() -> Self {
                Self {
                    epochs: 40,
                    lr: 3e-4,
                    grad_clip: Some(1.0),
                    seed: 0,
                }
            }
        }
        let opts = Opts::new(
            &SPEC,
            map(&[("lr", Dynamic::from(2_i64)), ("grad_clip", Dynamic::UNIT)]),
        )
        .unwrap()
        .with_default("seed", 7_i64);
        let s: Settings = opts.parse().unwrap();
        assert_eq!(
            s,
            Settings {
                epochs: 40,
                lr: 2.0,
                grad_clip: None,
                seed: 7
            }
        );
    }
}
