//! Options tables read off the domain's settings structs: each field of a
//! `#[derive(JsonSchema)]` settings struct (with `#[serde(default)]`) becomes one [`Opt`], its
//! doc comment the option's documentation, its `Default` value the documented default, its
//! type (with `#[schemars(range(...))]`) the type check, and a unit enum the choices. The
//! declaration thus lives once, in the domain, and a binding only adds the keys it reads itself.
//!
//! ```
//! use brainclip::script::settings::options_of;
//! use brainclip::script::spec::{Declared, Ty};
//! /// Settings.
//! #[derive(Default, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
//! #[serde(default)]
//! struct Fit {
//!     /// Cross-validation folds.
//!     #[schemars(range(min = 2))]
//!     folds: usize,
//! }
//! let opts = options_of(&schemars::schema_for!(Fit).to_value());
//! assert_eq!((opts[0].key, opts[0].doc), ("folds", "cross-validation folds"));
//! assert_eq!(opts[0].ty, Ty::Int { min: 2, max: i64::MAX });
//! assert_eq!(opts[0].default, Declared::Int(0));
//! /// Settings.
//! #[derive(Default, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
//! #[serde(default)]
//! struct Figure {
//!     /// Figure title; none: the model's name.
//!     title: Option<String>,
//! }
//! let opts = options_of(&schemars::schema_for!(Figure).to_value());
//! assert_eq!((opts[0].doc, opts[0].default), ("figure title", Declared::Computed("the model's name")));
//! ```

use schemars::JsonSchema;
use serde_json::Value;

use super::spec::{Declared, Opt, Ty};

/// The JSON schema of a settings struct, subschemas inlined (`FnSpec::settings` takes it).
pub fn schema<T: JsonSchema>() -> Value {
    schemars::generate::SchemaSettings::draft2020_12()
        .with(|s| s.inline_subschemas = true)
        .for_deserialize()
        .into_generator()
        .into_root_schema_for::<T>()
        .to_value()
}

/// One option per property of an object schema, in declaration order. The strings and tables
/// are leaked: they are made once per function and live as long as the engine.
pub fn options_of(schema: &Value) -> Vec<Opt> {
    let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
        return Vec::new();
    };
    properties.iter().map(|(key, property)| option(key, property)).collect()
}

fn leak(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

fn leak_slice<T>(items: Vec<T>) -> &'static [T] {
    Box::leak(items.into_boxed_slice())
}

/// The property's schema without its `null` alternative, and whether there was one.
fn without_null(property: &Value) -> (Value, bool) {
    let mut p = property.clone();
    let mut nullable = false;
    if let Some(any) = p.get("anyOf").and_then(Value::as_array).cloned() {
        let (nulls, rest): (Vec<_>, Vec<_>) = any.into_iter().partition(|s| s.get("type") == Some(&"null".into()));
        if !nulls.is_empty() && rest.len() == 1 {
            nullable = true;
            let mut inner = rest[0].clone();
            if let (Some(o), Some(outer)) = (inner.as_object_mut(), p.as_object()) {
                for (k, v) in outer.iter().filter(|(k, _)| k.as_str() != "anyOf") {
                    o.insert(k.clone(), v.clone());
                }
            }
            p = inner;
        }
    }
    if let Some(Value::Array(types)) = p.get("type").cloned() {
        let rest: Vec<Value> = types.iter().filter(|t| t.as_str() != Some("null")).cloned().collect();
        nullable |= rest.len() < types.len();
        p["type"] = if rest.len() == 1 {
            rest[0].clone()
        } else {
            Value::Array(rest)
        };
    }
    if let Some(Value::Array(values)) = p.get("enum").cloned() {
        nullable |= values.contains(&Value::Null);
        p["enum"] = Value::Array(values.into_iter().filter(|v| !v.is_null()).collect());
    }
    (p, nullable)
}

/// The strings of a unit enum (`enum`, or `oneOf` of `const`s when its variants have docs).
fn choices(p: &Value) -> Option<Vec<String>> {
    let strings = |values: Vec<Option<&Value>>| -> Option<Vec<String>> {
        values.into_iter().map(|v| v?.as_str().map(str::to_owned)).collect()
    };
    if let Some(values) = p.get("enum").and_then(Value::as_array) {
        return strings(values.iter().map(Some).collect());
    }
    let variants = p.get("oneOf").or_else(|| p.get("anyOf"))?.as_array()?;
    strings(variants.iter().map(|v| v.get("const")).collect())
}

fn number(p: &Value, key: &str) -> Option<f64> {
    p.get(key).and_then(Value::as_f64)
}

fn ty(p: &Value) -> Ty {
    let kind = p.get("type").and_then(Value::as_str).unwrap_or("");
    if let Some(choices) = choices(p) {
        return Ty::Choice(leak_slice(choices.into_iter().map(leak).collect()));
    }
    let int_bounds = |p: &Value| {
        (
            number(p, "minimum").map_or(i64::MIN, |m| m as i64),
            number(p, "maximum").map_or(i64::MAX, |m| m.min(i64::MAX as f64) as i64),
        )
    };
    match kind {
        "integer" => {
            let (min, max) = int_bounds(p);
            Ty::Int { min, max }
        }
        "number" => Ty::Float {
            min: number(p, "minimum").unwrap_or(f64::NEG_INFINITY),
            max: number(p, "maximum").unwrap_or(f64::INFINITY),
        },
        "boolean" => Ty::Bool,
        "string" => Ty::Str,
        "object" if p.get("properties").is_some() => Ty::Map(leak_slice(options_of(p))),
        "object" => Ty::Value("map"),
        "array" => {
            let items = p.get("items").cloned().unwrap_or_default();
            match items.get("type").and_then(Value::as_str) {
                Some("integer") => Ty::Ints {
                    min: int_bounds(&items).0,
                },
                Some("number") => Ty::Floats,
                Some("string") => Ty::Strs,
                _ => Ty::Value("array"),
            }
        }
        _ => Ty::Value("?"),
    }
}

fn declared(default: Option<&Value>, ty: Ty) -> Declared {
    let Some(default) = default else {
        return Declared::None;
    };
    match (default, ty) {
        (Value::Null, _) => Declared::None,
        (_, Ty::Map(_)) => Declared::Fields,
        (Value::Bool(b), _) => Declared::Bool(*b),
        (Value::Number(n), Ty::Int { .. }) => Declared::Int(n.as_i64().unwrap_or_default()),
        (Value::Number(n), _) => Declared::Float(n.as_f64().unwrap_or_default()),
        (Value::String(s), _) => Declared::Str(leak(s.clone())),
        (Value::Array(items), Ty::Ints { .. }) => {
            Declared::Ints(leak_slice(items.iter().filter_map(Value::as_i64).collect()))
        }
        (Value::Array(items), Ty::Floats) => {
            Declared::Floats(leak_slice(items.iter().filter_map(Value::as_f64).collect()))
        }
        (Value::Array(items), _) => Declared::Strs(leak_slice(
            items.iter().filter_map(Value::as_str).map(|s| leak(s.into())).collect(),
        )),
        (other, _) => Declared::Computed(leak(other.to_string())),
    }
}

/// A doc comment's first paragraph as an option's documentation (later paragraphs are for
/// Rust readers): one line, lower-case start, no final period (the renderer appends the default).
fn doc(description: Option<&str>) -> &'static str {
    let first = description.unwrap_or_default().split("\n\n").next().unwrap_or_default();
    let text = first.split_whitespace().collect::<Vec<_>>().join(" ");
    let text = text.strip_suffix('.').unwrap_or(&text);
    // "Seed of ..." → "seed of ...", but "N of each ...", "CLIP ..." and "AdamW's ..." stay.
    let first_word = text.split(' ').next().unwrap_or_default();
    let mut chars = first_word.chars();
    match chars.next() {
        Some(first)
            if first.is_uppercase()
                && chars.clone().next().is_some_and(char::is_lowercase)
                && chars.all(|c| !c.is_uppercase()) =>
        {
            leak(first.to_lowercase().collect::<String>() + &text[first.len_utf8()..])
        }
        _ => leak(text.to_string()),
    }
}

fn option(key: &str, property: &Value) -> Opt {
    let (p, nullable) = without_null(property);
    let ty = ty(&p);
    let default = declared(p.get("default"), ty);
    // Every settings seed defaults to the session seed: bindings fill it with `Opts::seeded`.
    let mut default = match (key, ty) {
        ("seed", Ty::Int { .. }) => Declared::Computed("the session seed"),
        _ => default,
    };
    let mut doc = doc(p.get("description").and_then(Value::as_str));
    // "Figure title; none: the model's name." documents what `()` stands for: the default.
    if let (Declared::None, Some((what, instead))) = (default, doc.split_once("; none: ")) {
        (doc, default) = (what, Declared::Computed(instead));
    }
    Opt {
        key: leak(key.into()),
        ty,
        or_none: nullable,
        default,
        doc,
        binding_only: false,
    }
}
