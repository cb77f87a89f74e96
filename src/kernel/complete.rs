//! Reading code around a cursor for completion and inspection: the word being typed, whether it
//! follows `value.`, whether it is a key of an options map passed to a function, and which call's
//! argument list the cursor is in. Knows Rhai's lexical forms (strings, backtick strings,
//! characters, nested block comments, `#{` maps) but nothing about any function.
//!
//! All positions are byte offsets; [`char_to_byte`] and [`byte_to_char`] convert Jupyter's
//! code-point offsets.

use super::backend::{CompletionItem, CompletionKind};

/// What the word at the cursor is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CursorContext {
    /// A name: a variable, a function or a keyword.
    Name,
    /// A property or method after `receiver.` (`receiver` is the text before the dot when it is a
    /// plain or dotted name such as `god.train`, otherwise empty).
    Member {
        /// The value the dot applies to.
        receiver: String,
    },
    /// A key of an options map `#{ ... }`, the `arg`-th argument (0-based, counting a method's
    /// receiver) of a call to `function`.
    MapKey {
        /// The called function, if the map is a call argument.
        function: Option<String>,
        /// Which argument the outermost map is.
        arg: usize,
        /// The keys of the enclosing maps, outermost first (`["loss"]` in `#{ loss: #{ te`).
        path: Vec<String>,
    },
    /// Inside a string or a comment: nothing to complete.
    Nothing,
}

/// The word being completed and its context.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompletionContext {
    /// The part of the word before the cursor.
    pub prefix: String,
    /// Byte offset where the word starts.
    pub start: usize,
    /// Byte offset where the word ends (the cursor).
    pub end: usize,
    /// What kind of word it is.
    pub context: CursorContext,
}

/// The largest character boundary not after `cursor` (and not after the end of `code`).
pub fn clamp_cursor(code: &str, cursor: usize) -> usize {
    let mut cursor = cursor.min(code.len());
    while !code.is_char_boundary(cursor) {
        cursor -= 1;
    }
    cursor
}

/// The byte offset of code point `chars` (Jupyter counts cursor positions in code points);
/// the end of `code` when it is past the end.
///
/// ```
/// use brainclip::kernel::complete::{byte_to_char, char_to_byte};
/// assert_eq!(char_to_byte("é = 1", 2), 3);
/// assert_eq!(byte_to_char("é = 1", 3), 2);
/// assert_eq!(char_to_byte("ab", 10), 2);
/// ```
pub fn char_to_byte(code: &str, chars: usize) -> usize {
    code.char_indices().nth(chars).map_or(code.len(), |(i, _)| i)
}

/// The code-point offset of byte offset `byte` (clamped to a character boundary).
pub fn byte_to_char(code: &str, byte: usize) -> usize {
    code[..clamp_cursor(code, byte)].chars().count()
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// For each byte of `code`: `true` where it is code, `false` inside a string, a character
/// literal or a comment.
pub fn code_mask(code: &str) -> Vec<bool> {
    scan(code).0
}

/// Whether `code` ends inside a string, a character literal or a block comment.
///
/// ```
/// use brainclip::kernel::complete::ends_in_literal;
/// assert!(ends_in_literal("let s = \"abc"));
/// assert!(ends_in_literal("/* a /* b */"));
/// assert!(!ends_in_literal("let s = \"a\\\"b\"; // open \""));
/// ```
pub fn ends_in_literal(code: &str) -> bool {
    scan(code).1
}

fn scan(code: &str) -> (Vec<bool>, bool) {
    let bytes = code.as_bytes();
    let mut mask = vec![true; bytes.len()];
    let mut open = false;
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        match bytes[i] {
            b'"' | b'`' | b'\'' => {
                let quote = bytes[i];
                i += 1;
                while i < bytes.len() && bytes[i] != quote {
                    if bytes[i] == b'\\' && quote != b'`' {
                        i += 1;
                    }
                    i += 1;
                }
                open = i >= bytes.len();
                i = (i + 1).min(bytes.len());
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                open = false;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let mut depth = 0usize;
                while i < bytes.len() {
                    if bytes[i] == b'/' && bytes.get(i + 1) == Some(&b'*') {
                        depth += 1;
                        i += 2;
                    } else if bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/') {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
                open = depth > 0;
            }
            _ => {
                i += 1;
                open = false;
                continue;
            }
        }
        let end = i.min(bytes.len());
        mask[start..end].iter_mut().for_each(|m| *m = false);
    }
    (mask, open)
}

/// The identifier that contains `cursor` or ends at it, as a byte range.
///
/// ```
/// use brainclip::kernel::complete::word_at;
/// assert_eq!(word_at("let x = train(net)", 11), Some((8, 13)));
/// assert_eq!(word_at("let x = train(net)", 13), Some((8, 13)));
/// assert_eq!(word_at("a + ", 4), None);
/// ```
pub fn word_at(code: &str, cursor: usize) -> Option<(usize, usize)> {
    let bytes = code.as_bytes();
    let cursor = clamp_cursor(code, cursor);
    let mut start = cursor;
    while start > 0 && is_ident(bytes[start - 1]) {
        start -= 1;
    }
    let mut end = cursor;
    while end < bytes.len() && is_ident(bytes[end]) {
        end += 1;
    }
    let word = &code[start..end];
    (!word.is_empty() && !word.as_bytes()[0].is_ascii_digit()).then_some((start, end))
}

/// An unclosed opening bracket before a position, with the number of top-level commas between it
/// and the position, and the position after the last such comma.
struct Opener {
    pos: usize,
    byte: u8,
    commas: usize,
    after_last_comma: usize,
}

fn unclosed_opener(code: &str, mask: &[bool], before: usize) -> Option<Opener> {
    let bytes = code.as_bytes();
    let mut depth = 0usize;
    let mut commas = 0;
    let mut after_last_comma = None;
    for i in (0..before).rev() {
        if !mask.get(i).copied().unwrap_or(false) {
            continue;
        }
        match bytes[i] {
            b')' | b']' | b'}' => depth += 1,
            b'(' | b'[' | b'{' if depth > 0 => depth -= 1,
            b'(' | b'[' | b'{' => {
                return Some(Opener {
                    pos: i,
                    byte: bytes[i],
                    commas,
                    after_last_comma: after_last_comma.unwrap_or(i + 1),
                });
            }
            b',' if depth == 0 => {
                commas += 1;
                after_last_comma.get_or_insert(i + 1);
            }
            // a statement boundary outside brackets: no enclosing call
            b';' if depth == 0 => return None,
            _ => {}
        }
    }
    None
}

/// The name just before byte `pos` (skipping spaces), and whether a `.` precedes it (a method
/// call, whose receiver counts as the first argument).
fn name_before(code: &str, pos: usize) -> Option<(String, bool)> {
    let bytes = code.as_bytes();
    let mut end = pos;
    while end > 0 && bytes[end - 1].is_ascii_whitespace() {
        end -= 1;
    }
    let mut start = end;
    while start > 0 && is_ident(bytes[start - 1]) {
        start -= 1;
    }
    let name = &code[start..end];
    if name.is_empty() || name.as_bytes()[0].is_ascii_digit() {
        return None;
    }
    Some((name.to_string(), start > 0 && bytes[start - 1] == b'.'))
}

/// The function whose argument list contains `cursor`, and the 0-based argument the cursor is in
/// (a method's receiver counts as argument 0).
///
/// ```
/// use brainclip::kernel::complete::enclosing_call;
/// assert_eq!(enclosing_call("train(net, data, #{ ep", 21), Some(("train".into(), 2)));
/// assert_eq!(enclosing_call("net.train(data, ", 16), Some(("train".into(), 2)));
/// assert_eq!(enclosing_call("let x = [1, 2", 13), None);
/// ```
pub fn enclosing_call(code: &str, cursor: usize) -> Option<(String, usize)> {
    let cursor = clamp_cursor(code, cursor);
    let mask = code_mask(code);
    let mut before = cursor;
    loop {
        let opener = unclosed_opener(code, &mask, before)?;
        if opener.byte == b'(' {
            let (name, method) = name_before(code, opener.pos)?;
            if is_keyword(&name) {
                return None;
            }
            return Some((name, opener.commas + usize::from(method)));
        }
        if opener.byte == b'{' && !(opener.pos > 0 && code.as_bytes()[opener.pos - 1] == b'#') {
            // a block, not a map: calls outside it are other statements
            return None;
        }
        before = opener.pos;
    }
}

/// The word before `cursor` and what kind of word it is.
///
/// ```
/// use brainclip::kernel::complete::{completion_context, CursorContext};
/// let c = completion_context("let m = train(net, d, #{ epochs: 3, l", 37);
/// assert_eq!(c.prefix, "l");
/// assert_eq!(c.context, CursorContext::MapKey { function: Some("train".into()), arg: 2, path: vec![] });
/// let c = completion_context("train(net, d, #{ loss: #{ te", 28);
/// assert_eq!(c.context, CursorContext::MapKey { function: Some("train".into()), arg: 2, path: vec!["loss".into()] });
/// let c = completion_context("god.tr", 6);
/// assert_eq!(c.context, CursorContext::Member { receiver: "god".into() });
/// assert_eq!(completion_context("print(\"pri", 10).context, CursorContext::Nothing);
/// ```
pub fn completion_context(code: &str, cursor: usize) -> CompletionContext {
    let end = clamp_cursor(code, cursor);
    let bytes = code.as_bytes();
    let mut start = end;
    while start > 0 && is_ident(bytes[start - 1]) {
        start -= 1;
    }
    let prefix = code[start..end].to_string();
    let mask = code_mask(code);
    let in_code = |i: usize| mask.get(i).copied().unwrap_or(true);
    let in_literal = (start > 0 && !in_code(start - 1)) || (start < end && !in_code(start));
    let context = if in_literal || prefix.as_bytes().first().is_some_and(u8::is_ascii_digit) {
        CursorContext::Nothing
    } else if start > 0 && bytes[start - 1] == b'.' && !(start > 1 && bytes[start - 2] == b'.') {
        let mut r = start - 1;
        while r > 0 && (is_ident(bytes[r - 1]) || bytes[r - 1] == b'.') {
            r -= 1;
        }
        let receiver = code[r..start - 1].to_string();
        if receiver.as_bytes().first().is_some_and(u8::is_ascii_digit) {
            CursorContext::Nothing
        } else {
            CursorContext::Member { receiver }
        }
    } else {
        map_key_context(code, &mask, start).unwrap_or(CursorContext::Name)
    };
    CompletionContext {
        prefix,
        start,
        end,
        context,
    }
}

/// `Some(MapKey)` when the word starting at `start` is in key position of a `#{ ... }` map.
fn map_key_context(code: &str, mask: &[bool], start: usize) -> Option<CursorContext> {
    let opener = unclosed_opener(code, mask, start)?;
    let bytes = code.as_bytes();
    if opener.byte != b'{' || opener.pos == 0 || bytes[opener.pos - 1] != b'#' {
        return None;
    }
    // key position: nothing but spaces between the `#{` or the last comma and the word
    if !code[opener.after_last_comma..start].trim().is_empty() {
        return None;
    }
    // Walk out through `key: #{ ... }` nestings to the outermost map.
    let mut path = Vec::new();
    let mut map_open = opener.pos;
    while let Some((key, key_start)) = key_before(code, map_open - 1) {
        let outer =
            unclosed_opener(code, mask, key_start).filter(|o| o.byte == b'{' && o.pos > 0 && bytes[o.pos - 1] == b'#');
        let Some(outer) = outer else { break };
        path.insert(0, key);
        map_open = outer.pos;
    }
    let call = unclosed_opener(code, mask, map_open - 1).filter(|o| o.byte == b'(');
    let (function, arg) = match call {
        Some(call) => match name_before(code, call.pos) {
            Some((name, method)) if !is_keyword(&name) => (Some(name), call.commas + usize::from(method)),
            _ => (None, 0),
        },
        None => (None, 0),
    };
    Some(CursorContext::MapKey { function, arg, path })
}

/// The `key` of a `key:` just before byte `pos` (spaces skipped), with the byte where it starts.
fn key_before(code: &str, pos: usize) -> Option<(String, usize)> {
    let before = code.get(..pos)?.trim_end();
    let rest = before.strip_suffix(':')?.trim_end();
    let start = rest
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .map_or(0, |i| i + 1);
    let key = &rest[start..];
    (!key.is_empty() && !key.starts_with(|c: char| c.is_ascii_digit())).then(|| (key.to_string(), start))
}

/// Names a piece of code declares: `let`/`const` variables, `for` loop variables, `fn` names and
/// their parameters.
///
/// ```
/// use brainclip::kernel::complete::declared_names;
/// let names = declared_names("let a = 1; const B = 2; for (x, i) in y {} fn f(p, q) {}");
/// assert_eq!(names, ["a", "B", "x", "i", "f", "p", "q"]);
/// ```
pub fn declared_names(code: &str) -> Vec<String> {
    let mask = code_mask(code);
    let bytes = code.as_bytes();
    let mut tokens: Vec<&str> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if !mask[i] {
            i += 1;
            continue;
        }
        if is_ident(bytes[i]) {
            let s = i;
            while i < bytes.len() && is_ident(bytes[i]) {
                i += 1;
            }
            tokens.push(&code[s..i]);
        } else {
            // punctuation that matters here is ASCII; other characters are skipped
            if bytes[i].is_ascii() && !bytes[i].is_ascii_whitespace() {
                tokens.push(&code[i..i + 1]);
            }
            i += 1;
        }
    }
    let mut names = Vec::new();
    let mut k = 0;
    while k < tokens.len() {
        match tokens[k] {
            "let" | "const" => {
                if let Some(name) = tokens.get(k + 1).filter(|t| is_name(t)) {
                    names.push(name.to_string());
                }
            }
            "for" | "fn" => {
                let until = if tokens[k] == "for" { "in" } else { "{" };
                let mut j = k + 1;
                while j < tokens.len() && tokens[j] != until && tokens[j] != ";" {
                    if is_name(tokens[j]) && !is_keyword(tokens[j]) {
                        names.push(tokens[j].to_string());
                    }
                    j += 1;
                }
                k = j;
            }
            _ => {}
        }
        k += 1;
    }
    names
}

fn is_name(token: &str) -> bool {
    token
        .as_bytes()
        .first()
        .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_')
}

/// Rhai's keywords (what completion offers besides names).
pub const KEYWORDS: &[&str] = &[
    "let", "const", "if", "else", "switch", "do", "while", "until", "loop", "for", "in", "break", "continue", "return",
    "throw", "try", "catch", "fn", "private", "import", "export", "as", "true", "false", "this", "global",
];

/// Whether `word` is one of [`KEYWORDS`].
pub fn is_keyword(word: &str) -> bool {
    KEYWORDS.contains(&word)
}

/// The candidates that start with `prefix`, without duplicates (the first of each text wins),
/// sorted by kind then name.
pub fn filter_matches(prefix: &str, candidates: impl IntoIterator<Item = CompletionItem>) -> Vec<CompletionItem> {
    let mut seen = std::collections::HashSet::new();
    let mut matches: Vec<CompletionItem> = candidates
        .into_iter()
        .filter(|c| c.text.starts_with(prefix) && !c.text.is_empty())
        .filter(|c| seen.insert(c.text.clone()))
        .collect();
    matches.sort_by(|a, b| a.kind.cmp(&b.kind).then_with(|| a.text.cmp(&b.text)));
    matches
}

/// A candidate of kind `kind` without signature.
pub fn item(text: impl Into<String>, kind: CompletionKind) -> CompletionItem {
    CompletionItem {
        text: text.into(),
        kind,
        signature: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_and_comments_are_masked() {
        let code = "a \"b // c\" /* d /* e */ f */ g // h\ni 'j'";
        let mask = code_mask(code);
        let visible: String = code.char_indices().filter(|(i, _)| mask[*i]).map(|(_, c)| c).collect();
        assert_eq!(visible, "a   g \ni ");
    }

    #[test]
    fn map_value_position_is_a_name() {
        let code = "train(net, #{ epochs: ep";
        assert_eq!(completion_context(code, code.len()).context, CursorContext::Name);
        let code = "let o = #{ ep";
        assert_eq!(
            completion_context(code, code.len()).context,
            CursorContext::MapKey {
                function: None,
                arg: 0,
                path: vec![]
            }
        );
    }

    #[test]
    fn nested_calls_and_blocks() {
        let code = "f(g(1), [2, 3], ";
        assert_eq!(enclosing_call(code, code.len()), Some(("f".into(), 2)));
        let code = "if x { foo(";
        assert_eq!(enclosing_call(code, code.len()), Some(("foo".into(), 0)));
        let code = "if (x";
        assert_eq!(enclosing_call(code, code.len()), None);
        let code = "a(1); b";
        assert_eq!(enclosing_call(code, code.len()), None);
    }

    #[test]
    fn member_after_dotted_receiver_and_not_after_number_or_range() {
        let code = "god.train.n_";
        assert_eq!(
            completion_context(code, code.len()).context,
            CursorContext::Member {
                receiver: "god.train".into()
            }
        );
        assert_eq!(completion_context("1.5", 3).context, CursorContext::Nothing);
        assert_eq!(completion_context("0..n", 4).context, CursorContext::Name);
    }

    #[test]
    fn cursor_conversions_never_panic() {
        let code = "é😀x";
        assert!(declared_names("let é = 1; let b = 2;").contains(&"b".to_string()));
        for c in 0..10 {
            let b = char_to_byte(code, c);
            assert!(code.is_char_boundary(b));
            let _ = completion_context(code, b);
            let _ = word_at(code, c);
        }
        assert_eq!(clamp_cursor(code, 1), 0);
    }
}
