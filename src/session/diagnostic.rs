//! Turning a Rhai error into a diagnostic a scientist can act on: the file, line and column, the
//! offending source line with a caret, the error's kind, and a one-line hint.

use std::fmt;

use rhai::{EvalAltResult, Position};

use super::limits::{Limit, Limits};
use crate::ErrorKind;
use crate::script::Docs;
use crate::script::fault::ScriptFault;
use crate::suggest::did_you_mean;

/// A script error, rendered with its source position.
#[derive(Clone, Debug, PartialEq)]
pub struct ScriptError {
    /// What kind of error (its name is a notebook's `ename`).
    pub kind: ErrorKind,
    /// What happened, without position.
    pub message: String,
    /// How to fix it.
    pub hint: Option<String>,
    /// Source name (script path, module path or notebook cell).
    pub source: Option<String>,
    /// 1-based line.
    pub line: Option<usize>,
    /// 1-based column.
    pub column: Option<usize>,
    /// The text of the offending line.
    pub source_line: Option<String>,
    /// Script-defined functions the error passed through, innermost first.
    pub call_stack: Vec<String>,
}

impl ScriptError {
    /// An error outside any script source (e.g. a file that cannot be read).
    pub fn plain(kind: ErrorKind, message: impl Into<String>, hint: Option<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            hint,
            source: None,
            line: None,
            column: None,
            source_line: None,
            call_stack: Vec::new(),
        }
    }
}

impl fmt::Display for ScriptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "error[{}]: {}", self.kind, self.message)?;
        if let (Some(line), Some(col)) = (self.line, self.column) {
            let source = self.source.as_deref().unwrap_or("<script>");
            let gutter = line.to_string().len();
            writeln!(f, "{:gutter$}--> {source}:{line}:{col}", "")?;
            if let Some(text) = &self.source_line {
                writeln!(f, "{:gutter$} |", "")?;
                writeln!(f, "{line} | {text}")?;
                let pad: String = text
                    .chars()
                    .take(col.saturating_sub(1))
                    .map(|c| if c == '\t' { '\t' } else { ' ' })
                    .collect();
                writeln!(f, "{:gutter$} | {pad}^", "")?;
            }
        }
        for frame in &self.call_stack {
            writeln!(f, "   = in {frame}")?;
        }
        if let Some(hint) = &self.hint {
            writeln!(f, "   = hint: {hint}")?;
        }
        Ok(())
    }
}

/// Where the sources of a session live, to quote the offending line.
pub trait SourceLookup {
    /// The text of source `name` (a script path, a module path or a cell label).
    fn source_text(&self, name: &str) -> Option<String>;
}

/// What the diagnostic needs to know about the session.
pub struct DiagnosticContext<'a> {
    /// The function and type documentation (for did-you-mean and signatures).
    pub docs: &'a Docs,
    /// The source of code that has no source name of its own.
    pub default_source: &'a str,
    /// Source texts.
    pub sources: &'a dyn SourceLookup,
    /// Variables in scope (for did-you-mean).
    pub variables: Vec<String>,
    /// The session's limits (a limit reached names its value and flag).
    pub limits: &'a Limits,
}

/// Build a [`ScriptError`] from a Rhai error.
pub fn diagnose(err: &EvalAltResult, ctx: &DiagnosticContext) -> ScriptError {
    let mut call_stack = Vec::new();
    let mut source = ctx.default_source.to_string();
    let mut inner = err;
    loop {
        match inner {
            EvalAltResult::ErrorInFunctionCall(name, src, next, pos) => {
                call_stack.push(format!("function `{name}`, called at {}", at(&source, *pos)));
                if !src.is_empty() {
                    source = src.clone();
                }
                inner = next;
            }
            EvalAltResult::ErrorInModule(module, next, pos) => {
                call_stack.push(format!("module `{module}`, imported at {}", at(&source, *pos)));
                source = module.clone();
                inner = next;
            }
            _ => break,
        }
    }
    call_stack.reverse();
    let pos = inner.position();
    let (kind, message, hint) = classify(inner, ctx);
    let hint = hint.or_else(|| kind.fallback_hint().map(str::to_string));
    let line = pos.line();
    let column = pos.position().or(line.map(|_| 1));
    let source_line = line.and_then(|l| {
        ctx.sources
            .source_text(&source)
            .and_then(|text| text.lines().nth(l - 1).map(str::to_string))
    });
    ScriptError {
        kind,
        message,
        hint,
        source: Some(source),
        line,
        column,
        source_line,
        call_stack,
    }
}

fn at(source: &str, pos: Position) -> String {
    match (pos.line(), pos.position()) {
        (Some(l), Some(c)) => format!("{source}:{l}:{c}"),
        (Some(l), None) => format!("{source}:{l}"),
        _ => source.to_string(),
    }
}

/// Rhai's message without the " (line L, position C)" it appends.
fn without_position(err: &EvalAltResult) -> String {
    let text = err.to_string();
    match text.rfind(" (line ") {
        Some(i) if text.ends_with(')') && !err.position().is_none() => text[..i].to_string(),
        _ => text,
    }
}

fn classify(err: &EvalAltResult, ctx: &DiagnosticContext) -> (ErrorKind, String, Option<String>) {
    let docs = ctx.docs;
    let function_names = || docs.functions.iter().map(|d| d.name);
    match err {
        EvalAltResult::ErrorRuntime(value, _) => match value.clone().try_cast::<ScriptFault>() {
            Some(fault) => (fault.kind, fault.message, fault.hint),
            None => (ErrorKind::Runtime, value.to_string(), None),
        },
        EvalAltResult::ErrorFunctionNotFound(signature, _) => {
            let name = signature.split(['(', ' ']).next().unwrap_or(signature).trim();
            let args = signature.get(name.len()..).unwrap_or("").trim().to_string();
            if let Some(property) = name.strip_prefix("get$") {
                let type_name = args.trim_matches(['(', ')']).to_string();
                let hint = docs
                    .value_type(&type_name)
                    .and_then(|t| did_you_mean(property, t.properties.iter().map(|p| p.0)))
                    .map(|s| format!("did you mean `.{s}`? (`brainclip doc {type_name}` lists its properties)"));
                return (
                    ErrorKind::UnknownProperty,
                    format!("{type_name} has no property `{property}`"),
                    hint,
                );
            }
            if let Some(doc) = docs.function(name) {
                let hint = format!(
                    "{name} takes: {}  (see `brainclip doc {name}`)",
                    doc.signatures().join("  |  ")
                );
                (
                    ErrorKind::WrongType,
                    format!("{name} cannot be called with arguments {args}"),
                    Some(hint),
                )
            } else {
                let hint = did_you_mean(name, function_names())
                    .map(|s| format!("did you mean `{s}`?"))
                    .unwrap_or_else(|| "`brainclip doc` lists every function".into());
                (
                    ErrorKind::UnknownFunction,
                    format!("no function `{name}` taking {args}"),
                    Some(hint),
                )
            }
        }
        EvalAltResult::ErrorVariableNotFound(name, _) => {
            let hint = did_you_mean(name, ctx.variables.iter().map(String::as_str).chain(function_names()))
                .map(|s| format!("did you mean `{s}`?"))
                .unwrap_or_else(|| format!("declare it first: let {name} = ...;"));
            (
                ErrorKind::UnknownVariable,
                format!("variable `{name}` is not defined"),
                Some(hint),
            )
        }
        EvalAltResult::ErrorParsing(rhai::ParseErrorType::LiteralTooLarge(what, _), _) => {
            limit(ctx.limits, Limit::of_data_error(&what.to_lowercase()))
        }
        EvalAltResult::ErrorParsing(parse, _) => (ErrorKind::Syntax, parse.to_string(), None),
        EvalAltResult::ErrorMismatchDataType(expected, found, _)
        | EvalAltResult::ErrorMismatchOutputType(expected, found, _) => (
            ErrorKind::WrongType,
            format!("expected {expected}, found {found}"),
            None,
        ),
        EvalAltResult::ErrorTerminated(_, _) => (ErrorKind::Interrupted, "the script was interrupted".into(), None),
        EvalAltResult::ErrorTooManyOperations(_) => limit(ctx.limits, Limit::Operations),
        EvalAltResult::ErrorStackOverflow(_) => limit(ctx.limits, Limit::CallDepth),
        EvalAltResult::ErrorDataTooLarge(what, _) => limit(ctx.limits, Limit::of_data_error(what)),
        EvalAltResult::ErrorModuleNotFound(path, _) => {
            let hint =
                "stdlib modules are imported as \"brainclip/<name>\"; your own relative to the script".to_string();
            (
                ErrorKind::ModuleNotFound,
                format!("module `{path}` not found"),
                Some(hint),
            )
        }
        EvalAltResult::ErrorDotExpr(text, _) => match quoted_pair(text) {
            Some((property, type_name)) if text.starts_with("Unknown property") => {
                let hint = docs
                    .value_type(type_name)
                    .and_then(|t| did_you_mean(property, t.properties.iter().map(|p| p.0)))
                    .map(|s| format!("did you mean `.{s}`? (`brainclip doc {type_name}` lists its properties)"))
                    .or_else(|| {
                        docs.value_type(type_name)
                            .map(|_| format!("`brainclip doc {type_name}` lists its properties"))
                    });
                (
                    ErrorKind::UnknownProperty,
                    format!("{type_name} has no property `{property}`"),
                    hint,
                )
            }
            Some((property, type_name)) if text.starts_with("No writable property") => (
                ErrorKind::ReadOnlyProperty,
                format!("`{property}` of a {type_name} cannot be changed"),
                Some("make a new value instead, e.g. with the function that created it".into()),
            ),
            _ => (ErrorKind::Runtime, text.clone(), None),
        },
        EvalAltResult::ErrorPropertyNotFound(property, _) => {
            (ErrorKind::UnknownProperty, format!("no property `{property}`"), None)
        }
        other => (ErrorKind::Runtime, without_position(other), None),
    }
}

fn limit(limits: &Limits, which: Limit) -> (ErrorKind, String, Option<String>) {
    let (message, hint) = limits.reached(which);
    (ErrorKind::Limit, message, Some(hint))
}

/// The first two '-quoted words of Rhai's property messages: the property and the type.
fn quoted_pair(text: &str) -> Option<(&str, &str)> {
    let mut parts = text.split('\'').skip(1).step_by(2);
    Some((parts.next()?, parts.next()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn property_messages_are_parsed() {
        let text = "Unknown property 'n_sample' - a getter is not registered for type 'Dataset'";
        assert_eq!(quoted_pair(text), Some(("n_sample", "Dataset")));
        assert_eq!(quoted_pair("no quotes"), None);
    }

    #[test]
    fn renders_position_caret_and_hint() {
        let err = ScriptError {
            kind: ErrorKind::UnknownOption,
            message: "unknown option `epoch` for train()".into(),
            hint: Some("did you mean `epochs`?".into()),
            source: Some("scripts/x.rhai".into()),
            line: Some(3),
            column: Some(9),
            source_line: Some("let m = train(net, d, #{ epoch: 5 });".into()),
            call_stack: Vec::new(),
        };
        let text = err.to_string();
        assert_eq!(
            text,
            "error[UnknownOption]: unknown option `epoch` for train()\n --> scripts/x.rhai:3:9\n  |\n3 | let m = train(net, d, #{ epoch: 5 });\n  |         ^\n   = hint: did you mean `epochs`?\n"
        );
    }
}
