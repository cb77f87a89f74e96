//! Python's `html.unescape`, rule for rule (named references with the HTML5 longest-prefix rule,
//! numeric references with the HTML5 replacement table), and ftfy's stricter variant.

use std::sync::LazyLock;

use regex::{Captures, Regex};

use super::tables::{FTFY_UPPER, INVALID_CHARREFS, INVALID_CODEPOINTS, NAMED};

fn named(name: &str) -> Option<&'static str> {
    NAMED.binary_search_by(|(k, _)| (*k).cmp(name)).ok().map(|i| NAMED[i].1)
}

/// A numeric reference's replacement (`digits` without `#`, `x` or `;`).
fn numeric(digits: &str, radix: u32) -> String {
    // Python parses arbitrarily long numbers; anything past u64 is out of range anyway.
    let num = u64::from_str_radix(digits, radix).unwrap_or(u64::MAX);
    if let Ok(small) = u32::try_from(num)
        && let Some((_, s)) = INVALID_CHARREFS.iter().find(|(k, _)| *k == small)
    {
        return (*s).to_string();
    }
    if (0xD800..=0xDFFF).contains(&num) || num > 0x10FFFF {
        return "\u{FFFD}".into();
    }
    let code = num as u32;
    if INVALID_CODEPOINTS.contains(&code) {
        return String::new();
    }
    char::from_u32(code)
        .map(String::from)
        .unwrap_or_else(|| "\u{FFFD}".into())
}

static CHARREF: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\x0C <&#;]{1,32};?)")
        .unwrap_or_else(|e| unreachable!("a constant pattern: {e}"))
});

fn replace_charref(s: &str) -> String {
    if let Some(rest) = s.strip_prefix('#') {
        let (digits, radix) = match rest.strip_prefix(['x', 'X']) {
            Some(hex) => (hex, 16),
            None => (rest, 10),
        };
        return numeric(digits.trim_end_matches(';'), radix);
    }
    if let Some(v) = named(s) {
        return v.to_string();
    }
    // The longest prefix that is a name (at least 2 characters), as the standard says.
    let bounds: Vec<usize> = s.char_indices().map(|(i, _)| i).collect();
    for &x in bounds.iter().skip(2).rev() {
        if let Some(v) = named(&s[..x]) {
            return format!("{v}{}", &s[x..]);
        }
    }
    format!("&{s}")
}

/// Python's `html.unescape`.
///
/// ```
/// use brainclip::clip::tokenizer::html_unescape;
/// assert_eq!(html_unescape("&lt;b&gt; &amp;amp; &eacute;&#x263A; &copy2024 &notit;"), "<b> &amp; é☺ ©2024 ¬it;");
/// ```
pub fn html_unescape(text: &str) -> String {
    if !text.contains('&') {
        return text.to_string();
    }
    CHARREF
        .replace_all(text, |c: &Captures| replace_charref(&c[1]))
        .into_owned()
}

static FTFY_ENTITY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"&#?[0-9A-Za-z]{1,24};").unwrap_or_else(|e| unreachable!("a constant pattern: {e}")));

/// ftfy's `unescape_html`: only complete references ending in `;`, plus upper-cased names.
pub(crate) fn ftfy_unescape(text: &str) -> String {
    FTFY_ENTITY
        .replace_all(text, |c: &Captures| {
            let whole = &c[0];
            let name = &whole[1..];
            if !name.starts_with('#') {
                if let Some(v) = named(name) {
                    return v.to_string();
                }
                if let Ok(i) = FTFY_UPPER.binary_search_by(|(k, _)| (*k).cmp(name)) {
                    return FTFY_UPPER[i].1.to_string();
                }
                return whole.to_string();
            }
            let unescaped = html_unescape(whole);
            if unescaped.contains(';') {
                whole.to_string()
            } else {
                unescaped
            }
        })
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_cases() {
        // Expected values from Python 3.11's html.unescape.
        for (input, expected) in [
            ("&amp;", "&"),
            ("&amp", "&"),
            ("&ampx", "&x"),
            ("&#0;", "\u{FFFD}"),
            ("&#128;", "€"),
            ("&#x110000;", "\u{FFFD}"),
            ("&#1;", ""),
            ("&#65", "A"),
            ("&#99999999999999999999999;", "\u{FFFD}"),
            ("&unknown;", "&unknown;"),
            ("&;", "&;"),
            ("a & b", "a & b"),
        ] {
            assert_eq!(html_unescape(input), expected, "{input}");
        }
    }

    #[test]
    fn ftfy_is_stricter() {
        assert_eq!(ftfy_unescape("&amp x &NTILDE; &amp;lt; &#65;"), "&amp x Ñ &lt; A");
    }
}
