//! Rhai-language helpers any Rhai backend can share: whether a cell is complete, from Rhai's own
//! parser. Nothing here knows a registered function.

use rhai::{Engine, ParseErrorType, Position};

use super::backend::IsComplete;
use super::complete::{code_mask, ends_in_literal};

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
}
