//! Rhai-language helpers any Rhai backend can share: completeness from Rhai's own parser, the
//! notebook display of plain Rhai values (maps and arrays of maps as HTML tables), and Rhai errors
//! rendered against the cell with a caret. Nothing here knows a registered function.

use crate::script::format::cell;
use rhai::{Dynamic, Engine, EvalAltResult, Map, ParseErrorType, Position};

use super::backend::{CellError, DisplayValue, IsComplete};
use super::complete::{code_mask, ends_in_literal};
use super::display::{html_table, text_table};

/// Whether a cell is ready to run, using Rhai's parser: `Complete` when it parses; `Incomplete`
/// when brackets, a string or a comment are still open, or the only error is at the very end
/// (`let x =`, `a +`); `Invalid` otherwise.
///
/// ```
/// use brainclip::kernel::{IsComplete, rhai_lang::is_complete};
/// assert_eq!(is_complete("let x = 1;"), IsComplete::Complete);
/// assert_eq!(is_complete("fn f(x) {"), IsComplete::Incomplete { indent: "    ".into() });
/// assert_eq!(is_complete("let = 3;"), IsComplete::Invalid);
/// ```
pub fn is_complete(code: &str) -> IsComplete {
    if code.trim().is_empty() {
        return IsComplete::Complete;
    }
    if ends_in_literal(code) {
        return IsComplete::Incomplete { indent: String::new() };
    }
    let engine = Engine::new_raw();
    let err = match engine.compile(code) {
        Ok(_) => return IsComplete::Complete,
        Err(err) => err,
    };
    let depth = open_brackets(code);
    let at_end = is_at_end(code, err.position());
    let eof = matches!(err.err_type(), ParseErrorType::UnexpectedEOF);
    if depth > 0 || eof || at_end {
        if depth < 0 {
            return IsComplete::Invalid;
        }
        let indent = "    ".repeat(usize::try_from(depth).unwrap_or(0));
        return IsComplete::Incomplete { indent };
    }
    IsComplete::Invalid
}

/// Unclosed `(`, `[` and `{` at the end of `code` (negative when more are closed than opened).
fn open_brackets(code: &str) -> i64 {
    let mask = code_mask(code);
    code.bytes()
        .zip(mask)
        .filter(|(_, is_code)| *is_code)
        .map(|(b, _)| match b {
            b'(' | b'[' | b'{' => 1,
            b')' | b']' | b'}' => -1,
            _ => 0,
        })
        .sum()
}

/// Whether a parse error is at the end of the code (only whitespace and comments after it).
fn is_at_end(code: &str, pos: Position) -> bool {
    let (Some(line), Some(col)) = (pos.line(), pos.position()) else {
        return pos.is_none();
    };
    let offset = code.split_inclusive('\n').take(line - 1).map(str::len).sum::<usize>()
        + code
            .lines()
            .nth(line - 1)
            .map_or(0, |l| l.char_indices().nth(col - 1).map_or(l.len(), |(i, _)| i));
    let mask = code_mask(code);
    let rest = code.get(offset..).unwrap_or("");
    rest.char_indices()
        .all(|(i, c)| c.is_whitespace() || !mask.get(offset + i).copied().unwrap_or(true))
        || rest.trim().is_empty()
}

/// How a plain Rhai value shows in a notebook: `None` for `()`; a map as a two-column HTML table
/// (nested maps become dotted keys such as `image.top1`); an array of maps as an HTML table with
/// one row per map; anything else as its text (strings without quotes).
///
/// ```
/// use brainclip::kernel::{DisplayValue, rhai_lang::value_display};
/// let engine = rhai::Engine::new();
/// let value: rhai::Dynamic = engine.eval("#{ top1: 0.25 }").unwrap();
/// let Some(DisplayValue::Html { html, text }) = value_display(&value) else { panic!() };
/// assert!(html.contains("<td>top1</td>") && text.contains("0.2500"));
/// assert_eq!(value_display(&rhai::Dynamic::UNIT), None);
/// ```
pub fn value_display(value: &Dynamic) -> Option<DisplayValue> {
    if value.is_unit() {
        return None;
    }
    if let Some(map) = value.read_lock::<Map>() {
        let mut flat = Vec::new();
        flatten("", &map, &mut flat);
        let header = ["metric".to_string(), "value".to_string()];
        let rows: Vec<Vec<String>> = flat.into_iter().map(|(k, v)| vec![k, cell(&v)]).collect();
        return Some(DisplayValue::Html {
            html: html_table(&header, &rows),
            text: text_table(&header, &rows),
        });
    }
    if let Some(rows) = value.read_lock::<rhai::Array>() {
        let maps: Option<Vec<Map>> = rows.iter().map(|r| r.clone().try_cast::<Map>()).collect();
        if let Some(maps) = maps.filter(|m| !m.is_empty()) {
            let flat: Vec<Vec<(String, Dynamic)>> = maps
                .iter()
                .map(|m| {
                    let mut f = Vec::new();
                    flatten("", m, &mut f);
                    f
                })
                .collect();
            let mut header: Vec<String> = Vec::new();
            for (key, _) in flat.iter().flatten() {
                if !header.contains(key) {
                    header.push(key.clone());
                }
            }
            header.sort_by_key(|k| !matches!(k.as_str(), "model" | "label" | "name"));
            let rows: Vec<Vec<String>> = flat
                .iter()
                .map(|row| {
                    header
                        .iter()
                        .map(|h| row.iter().find(|(k, _)| k == h).map_or(String::new(), |(_, v)| cell(v)))
                        .collect()
                })
                .collect();
            return Some(DisplayValue::Html {
                html: html_table(&header, &rows),
                text: text_table(&header, &rows),
            });
        }
    }
    Some(DisplayValue::Text(value.to_string()))
}

fn flatten(prefix: &str, map: &Map, out: &mut Vec<(String, Dynamic)>) {
    for (key, value) in map {
        let name = if prefix.is_empty() {
            key.to_string()
        } else {
            format!("{prefix}.{key}")
        };
        match value.read_lock::<Map>() {
            Some(inner) => flatten(&name, &inner, out),
            None => out.push((name, value.clone())),
        }
    }
}

/// A Rhai error as a notebook error: `ename` is its kind (`SyntaxError`, `UnknownFunction`,
/// `UnknownVariable`, `WrongType`, `Interrupted`, `RuntimeError`), `evalue` the message without
/// position, and the traceback points at the line of the cell (`source` names it, e.g.
/// `<cell 3>`) with a caret under the column.
///
/// ```
/// use brainclip::kernel::rhai_lang::cell_error;
/// let code = "let a = 1;\nlet b = nope + 1;";
/// let err = rhai::Engine::new().eval::<rhai::Dynamic>(code).unwrap_err();
/// let e = cell_error(&err, code, "<cell 1>");
/// assert_eq!(e.ename, "UnknownVariable");
/// assert!(e.traceback.iter().any(|l| l.contains("<cell 1>:2:9")));
/// assert!(e.traceback.iter().any(|l| l == "2 | let b = nope + 1;"));
/// ```
pub fn cell_error(err: &EvalAltResult, code: &str, source: &str) -> CellError {
    let mut frames = Vec::new();
    let mut inner = err;
    while let EvalAltResult::ErrorInFunctionCall(name, _, next, pos) = inner {
        frames.push(format!("in function `{name}`, called at {source}:{}", pos_text(*pos)));
        inner = next;
    }
    let (kind, message) = classify(inner);
    let pos = inner.position();
    let source_line = pos.line().and_then(|l| code.lines().nth(l - 1));
    let text = render(&kind, &message, source, pos, source_line, &frames);
    CellError::new(kind, message).with_traceback_text(&text)
}

fn pos_text(pos: Position) -> String {
    match (pos.line(), pos.position()) {
        (Some(l), Some(c)) => format!("{l}:{c}"),
        (Some(l), None) => l.to_string(),
        _ => "?".into(),
    }
}

fn classify(err: &EvalAltResult) -> (String, String) {
    let kind = match err {
        EvalAltResult::ErrorParsing(..) => "SyntaxError",
        EvalAltResult::ErrorTerminated(..) => "Interrupted",
        EvalAltResult::ErrorFunctionNotFound(..) => "UnknownFunction",
        EvalAltResult::ErrorVariableNotFound(..) => "UnknownVariable",
        EvalAltResult::ErrorPropertyNotFound(..) | EvalAltResult::ErrorDotExpr(..) => "UnknownProperty",
        EvalAltResult::ErrorMismatchDataType(..) | EvalAltResult::ErrorMismatchOutputType(..) => "WrongType",
        _ => "RuntimeError",
    };
    let message = match err {
        EvalAltResult::ErrorTerminated(..) => "the cell was interrupted".to_string(),
        EvalAltResult::ErrorRuntime(value, _) => value.to_string(),
        EvalAltResult::ErrorParsing(parse, _) => parse.to_string(),
        other => without_position(other),
    };
    (kind.to_string(), message)
}

/// Rhai's message without the ` (line L, position C)` it appends.
fn without_position(err: &EvalAltResult) -> String {
    let text = err.to_string();
    match text.rfind(" (line ") {
        Some(i) if text.ends_with(')') && !err.position().is_none() => text[..i].to_string(),
        _ => text,
    }
}

/// The diagnostic layout brainclip uses everywhere:
///
/// ```text
/// error[UnknownVariable]: Variable not found: nope
///  --> <cell 1>:2:9
///   |
/// 2 | let b = nope + 1;
///   |         ^
/// ```
pub fn render(
    kind: &str,
    message: &str,
    source: &str,
    pos: Position,
    source_line: Option<&str>,
    frames: &[String],
) -> String {
    let mut out = format!("\u{1b}[1;31merror[{kind}]\u{1b}[0m: {message}\n");
    if let Some(line) = pos.line() {
        let col = pos.position().unwrap_or(1);
        let gutter = line.to_string().len();
        out.push_str(&format!("{:gutter$}--> {source}:{line}:{col}\n", ""));
        if let Some(text) = source_line {
            let pad: String = text
                .chars()
                .take(col.saturating_sub(1))
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            out.push_str(&format!("{:gutter$} |\n{line} | {text}\n{:gutter$} | {pad}^\n", "", ""));
        }
    }
    for frame in frames {
        out.push_str(&format!("   = {frame}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn incomplete(code: &str) -> bool {
        matches!(is_complete(code), IsComplete::Incomplete { .. })
    }

    #[test]
    fn completeness_of_typical_cells() {
        for code in [
            "1 + 2",
            "let x = 1;",
            "print(\"a\")",
            "fn f(x) { x }",
            "// just a comment",
            "",
        ] {
            assert_eq!(is_complete(code), IsComplete::Complete, "{code:?}");
        }
        for code in [
            "let x = [1, 2",
            "if x {",
            "fn f(a,",
            "let s = \"abc",
            "let m = #{ a: 1,",
            "/* open comment",
            "let x = 1 +",
            "let t = `multi",
        ] {
            assert!(incomplete(code), "{code:?} → {:?}", is_complete(code));
        }
        for code in ["let = 3;", "1 +* 2; let y = 3;", "x)", "let x = 1 2;"] {
            assert_eq!(is_complete(code), IsComplete::Invalid, "{code:?}");
        }
        assert_eq!(
            is_complete("fn f() {\n    if x {"),
            IsComplete::Incomplete {
                indent: "        ".into()
            }
        );
    }

    #[test]
    fn arrays_of_maps_become_tables() {
        let engine = Engine::new();
        let value: Dynamic = engine
            .eval(r#"[#{ top1: 0.5, model: "ridge" }, #{ model: "net", top1: 0.25, extra: 1 }]"#)
            .unwrap();
        let Some(DisplayValue::Html { text, html }) = value_display(&value) else {
            panic!("not html")
        };
        assert_eq!(
            text,
            "model  top1    extra\n-----  ------  -----\nridge  0.5000\nnet    0.2500  1"
        );
        assert!(html.contains("<th>model</th>"));
        let plain: Dynamic = engine.eval("[1, 2]").unwrap();
        assert_eq!(value_display(&plain), Some(DisplayValue::Text("[1, 2]".into())));
        let s: Dynamic = engine.eval(r#""a\nb""#).unwrap();
        assert_eq!(value_display(&s), Some(DisplayValue::Text("a\nb".into())));
    }

    #[test]
    fn interrupted_and_syntax_errors() {
        let code = "let x = ;";
        let err = Engine::new().compile(code).unwrap_err();
        let e = cell_error(&EvalAltResult::from(err), code, "<cell 2>");
        assert_eq!(e.ename, "SyntaxError");
        assert!(
            e.traceback.iter().any(|l| l.contains("<cell 2>:1:")),
            "{:?}",
            e.traceback
        );
        let term = EvalAltResult::ErrorTerminated(Dynamic::UNIT, Position::new(1, 1));
        assert_eq!(cell_error(&term, "loop {}", "<cell 3>").ename, "Interrupted");
    }
}
