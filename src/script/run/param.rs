use crate::script::prelude::*;

use crate::run::ParamValue;

pub static SPEC: FnSpec = FnSpec::new("param", Area::Run)
    .params(&[param("name", "string"), param("default", "?")])
    .returns("?")
    .summary("The value of `--set name=value`, or `default` when it was not given; the default's type is enforced.")
    .details(
        "An integer default accepts only integers, a float default any number, a bool default only
true/false, a string default anything (as text). The whole map is also in scope as `params`
(`params.epochs ?? 40`). A --set key that the script never mentions is an error before the run
starts, so a typo cannot silently fall back to a default.",
    )
    .example(
        r#"let epochs = param("epochs", 40);
let lr = param("lr", 3e-4);
let arch = param("arch", "mlp");
epochs == 40 && lr == 3e-4 && arch == "mlp" && params.len() == 0"#,
    );

/// Convert a `--set` value to the type of the script's default.
pub fn convert(name: &str, value: &ParamValue, default: &Dynamic) -> Result<Dynamic, ScriptFault> {
    let mismatch = |expected: &str| {
        ScriptFault::new(
            ErrorKind::WrongType,
            format!(
                "--set {name}={value} is a {}, but the script expects {expected} (its default is {default})",
                value.type_name()
            ),
        )
        .with_hint(format!("give {name} as {expected}, e.g. --set {name}={default}"))
    };
    Ok(match value {
        ParamValue::Int(i) if default.is_int() || default.is_unit() => Dynamic::from(*i),
        ParamValue::Int(i) if default.is_float() => Dynamic::from(*i as f64),
        ParamValue::Float(f) if default.is_float() || default.is_unit() => Dynamic::from(*f),
        ParamValue::Bool(b) if default.is_bool() || default.is_unit() => Dynamic::from(*b),
        ParamValue::Str(s) if default.is_string() || default.is_unit() => Dynamic::from(s.clone()),
        other if default.is_string() => Dynamic::from(other.to_string()),
        _ if default.is_int() => return Err(mismatch("an integer")),
        _ if default.is_float() => return Err(mismatch("a number")),
        _ if default.is_bool() => return Err(mismatch("true or false")),
        _ => return Err(mismatch(default.type_name())),
    })
}

/// The `params` map put in every session's scope.
pub fn params_map(params: &std::collections::BTreeMap<String, ParamValue>) -> rhai::Map {
    params
        .iter()
        .map(|(k, v)| {
            let value = convert(k, v, &Dynamic::UNIT).unwrap_or(Dynamic::UNIT);
            (k.as_str().into(), value)
        })
        .collect()
}

pub fn register(reg: &mut Registry) {
    let run = reg.run();
    reg.plain(&SPEC, move |name: ImmutableString, default: Dynamic| {
        match run.param(&name) {
            None => Ok(default),
            Some(value) => convert(&name, value, &default),
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions_follow_the_default() {
        let int = Dynamic::from(40_i64);
        let float = Dynamic::from(0.5);
        assert_eq!(convert("e", &ParamValue::Int(5), &int).unwrap().as_int().unwrap(), 5);
        assert_eq!(
            convert("e", &ParamValue::Int(5), &float).unwrap().as_float().unwrap(),
            5.0
        );
        let err = convert("epochs", &ParamValue::Float(2.5), &int).unwrap_err();
        assert_eq!(
            err.message,
            "--set epochs=2.5 is a float, but the script expects an integer (its default is 40)"
        );
        assert!(convert("b", &ParamValue::Str("yes".into()), &Dynamic::from(true)).is_err());
        assert_eq!(
            convert("s", &ParamValue::Int(3), &Dynamic::from("x"))
                .unwrap()
                .into_string()
                .unwrap(),
            "3"
        );
    }
}
