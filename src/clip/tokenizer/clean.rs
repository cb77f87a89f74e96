//! OpenAI's text clean-up before BPE: `ftfy.fix_text`, `html.unescape` twice, strip, fold
//! whitespace, lower-case.
//!
//! ftfy is reproduced step by step from its own tables (see `tables.rs`) except **mojibake
//! repair** (`fix_encoding`: re-decoding text that was decoded with the wrong codec), which needs
//! ftfy's statistical "badness" heuristics; text such as `Ã©tÃ©` is kept as it is, where OpenAI's
//! tokenizer would turn it into `été`. Lone surrogates (`fix_surrogates`) cannot occur in Rust
//! strings.

use std::sync::LazyLock;

use regex::Regex;
use unicode_normalization::UnicodeNormalization;

use super::html::{ftfy_unescape, html_unescape};
use super::tables::{C1, CONTROL, LIGATURES, WIDTH};

fn lookup(table: &'static [(u32, &'static str)], c: char) -> Option<&'static str> {
    table
        .binary_search_by(|(k, _)| k.cmp(&(c as u32)))
        .ok()
        .map(|i| table[i].1)
}

static ANSI: LazyLock<Regex> =
    LazyLock::new(|| Regex::new("\x1b\\[((?:\\d|;)*)([a-zA-Z])").unwrap_or_else(|e| unreachable!("{e}")));

/// One round of ftfy's fixers on a segment (everything but mojibake repair).
fn fix_round(text: &str, unescape: bool) -> String {
    let text = if unescape {
        ftfy_unescape(text)
    } else {
        text.to_string()
    };
    let mut out = String::with_capacity(text.len());
    // fix_c1_controls, fix_latin_ligatures, fix_character_width, uncurl_quotes, in that order;
    // each maps single characters, and none produces a character a later one maps back.
    for c in text.chars() {
        let c1 = match c {
            '\u{80}'..='\u{9f}' => lookup(C1, c),
            _ => None,
        };
        let mapped: String = match c1 {
            Some(s) => s.to_string(),
            None => c.to_string(),
        };
        for c in mapped.chars() {
            if let Some(s) = lookup(LIGATURES, c).or_else(|| lookup(WIDTH, c)) {
                out.push_str(s);
                continue;
            }
            out.push(match c {
                '\u{2bc}' | '\u{2018}'..='\u{201b}' => '\'',
                '\u{201c}'..='\u{201f}' => '"',
                c => c,
            });
        }
    }
    let out = out
        .replace("\r\n", "\n")
        .replace(['\r', '\u{2028}', '\u{2029}', '\u{85}'], "\n");
    let out = ANSI.replace_all(&out, "");
    let out: String = out
        .chars()
        .filter(|c| CONTROL.binary_search(&(*c as u32)).is_err())
        .collect();
    out.nfc().collect()
}

/// ftfy's `fix_text` with its default settings, without mojibake repair.
///
/// ```
/// use brainclip::clip::tokenizer::fix_text;
/// assert_eq!(fix_text("“ﬁne” ＡＢＣ &amp;amp;"), "\"fine\" ABC &");
/// ```
pub fn fix_text(text: &str) -> String {
    let mut unescape = true;
    let mut out = String::with_capacity(text.len());
    // Segments are lines (with their '\n'); once a segment contains '<' (looks like HTML), ftfy
    // stops unescaping for the rest of the text.
    for segment in text.split_inclusive('\n') {
        if segment.contains('<') {
            unescape = false;
        }
        let mut current = segment.to_string();
        loop {
            let next = fix_round(&current, unescape);
            if next == current {
                break;
            }
            current = next;
        }
        out.push_str(&current);
    }
    out
}

/// Python's `str.isspace()` for the characters `re`'s `\s` matches.
fn is_python_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// OpenAI's clean-up: `fix_text`, `html.unescape` twice, strip, whitespace folded to one space,
/// lower-case.
///
/// ```
/// use brainclip::clip::tokenizer::clean_text;
/// assert_eq!(clean_text("  An&nbsp;Image \t of\nOSTRICH. "), "an image of ostrich.");
/// ```
pub fn clean_text(text: &str) -> String {
    let text = html_unescape(&html_unescape(&fix_text(text)));
    let folded: Vec<&str> = text.split(is_python_space).filter(|w| !w.is_empty()).collect();
    folded.join(" ").to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_fix() {
        assert_eq!(fix_text("\u{85}"), "…"); // C1 control as windows-1252
        assert_eq!(fix_text("ﬃ Ĳ"), "ffi IJ"); // ligatures
        assert_eq!(fix_text("ｈｅｌｌｏ\u{3000}！"), "hello !"); // width
        assert_eq!(fix_text("‘a’ “b”"), "'a' \"b\""); // quotes
        assert_eq!(fix_text("a\r\nb\rc"), "a\nb\nc"); // line breaks
        assert_eq!(fix_text("\x1b[31mred\x1b[0m"), "red"); // terminal escapes
        assert_eq!(fix_text("a\u{0}b\u{feff}c"), "abc"); // control characters
        assert_eq!(fix_text("e\u{301}"), "é"); // NFC
        assert_eq!(fix_text("&lt;b&gt; <i>"), "&lt;b&gt; <i>"); // HTML-looking: not unescaped
    }
}
