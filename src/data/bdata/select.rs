//! Column selection expressions, as bdpy's `BData.select` reads them (`bdpy/bdata/featureselector.py`
//! and `BData.select` in bdpy 0.26):
//!
//! - a metadata key selects the columns whose value for that key is exactly 1; `*` inside a key is
//!   a wildcard (`ROI_V*` is the union of every key it matches, matched against the whole key);
//! - `A | B` and `A + B`: union; `A & B`: intersection; `A - B`: columns of A not in B;
//! - the four have the same precedence and group left to right (`A - B | C` is `(A - B) | C`);
//! - `A = 1` keeps A's columns and `A = 0` takes the others (bdpy compares the 0/1 selection with
//!   the number), binding tighter than the set operators;
//! - parentheses group; text in `"..."` or `'...'` is part of a key (for keys with spaces or
//!   operator characters).
//!
//! The result is a set of columns, returned in ascending order whatever the order of the terms:
//! bdpy returns a boolean mask over the columns.
//!
//! Where this parser is stricter than bdpy's: whitespace separates tokens (bdpy deletes it, so
//! `ROI V1` means `ROIV1` there and is an error here); nested parentheses group as written (bdpy's
//! shunting-yard pops the whole operator stack at each `)`, so `A - ((B | C) | D)` evaluates as
//! `(A - (B | C)) | D` there); `@` and `top` (bdpy's unfinished top-N selection) are refused.

/// A parse error: where, and what was expected and found there.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SyntaxError {
    /// Character offset (0-based) in the expression.
    pub position: usize,
    pub message: String,
}

/// A set operator between two selections.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum SetOp {
    Union,
    Intersection,
    Difference,
}

/// A parsed selection expression.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expr {
    /// A key or a `*` pattern, with its position for error messages.
    Key { pattern: String, position: usize },
    /// `inner = value`.
    Equals { inner: Box<Expr>, value: f64 },
    /// `lhs op rhs`.
    Binary { op: SetOp, lhs: Box<Expr>, rhs: Box<Expr> },
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    /// A key, a pattern or a number; `quoted` when any part of it was in quotes.
    Word {
        text: String,
        quoted: bool,
    },
    Op(char),
    Open,
    Close,
}

/// Parse `expression` into an [`Expr`].
pub(crate) fn parse(expression: &str) -> Result<Expr, SyntaxError> {
    let tokens = tokenize(expression)?;
    let end = expression.chars().count();
    let mut parser = Parser { tokens, next: 0, end };
    if parser.peek().is_none() {
        return Err(SyntaxError {
            position: 0,
            message: "expected a metadata key (e.g. ROI_VC), found an empty expression".into(),
        });
    }
    let expr = parser.expression()?;
    match parser.peek() {
        None => Ok(expr),
        Some((pos, Token::Close)) => Err(SyntaxError {
            position: pos,
            message: "found `)` without a matching `(`".into(),
        }),
        Some((pos, token)) => Err(SyntaxError {
            position: pos,
            message: format!("expected an operator (`|`, `+`, `&`, `-`), found {}", describe(&token)),
        }),
    }
}

/// Evaluate `expr` to a column mask, resolving keys with `resolve(pattern)` (masks of one length).
pub(crate) fn evaluate<E>(expr: &Expr, resolve: &mut dyn FnMut(&str) -> Result<Vec<bool>, E>) -> Result<Vec<bool>, E> {
    match expr {
        Expr::Key { pattern, .. } => resolve(pattern),
        Expr::Equals { inner, value } => {
            let mask = evaluate(inner, resolve)?;
            Ok(mask.into_iter().map(|m| f64::from(u8::from(m)) == *value).collect())
        }
        Expr::Binary { op, lhs, rhs } => {
            let l = evaluate(lhs, resolve)?;
            let r = evaluate(rhs, resolve)?;
            Ok(l.iter()
                .zip(&r)
                .map(|(&a, &b)| match op {
                    SetOp::Union => a || b,
                    SetOp::Intersection => a && b,
                    SetOp::Difference => a && !b,
                })
                .collect())
        }
    }
}

/// Whether `key` matches `pattern`, where `*` stands for any run of characters (possibly empty).
pub(crate) fn glob_match(pattern: &str, key: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let k: Vec<char> = key.chars().collect();
    // Greedy matching with backtracking to the last `*`: linear for one star, fine for keys.
    let (mut pi, mut ki) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ki < k.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ki));
                pi += 1;
            }
            Some(&c) if c == k[ki] => {
                pi += 1;
                ki += 1;
            }
            _ => match star {
                Some((sp, sk)) => {
                    pi = sp + 1;
                    ki = sk + 1;
                    star = Some((sp, sk + 1));
                }
                None => return false,
            },
        }
    }
    p[pi.min(p.len())..].iter().all(|&c| c == '*')
}

fn tokenize(expression: &str) -> Result<Vec<(usize, Token)>, SyntaxError> {
    let mut tokens = Vec::new();
    let mut word = String::new();
    let mut word_start = 0;
    let mut quoted = false;
    let mut chars = expression.chars().enumerate().peekable();
    let flush = |tokens: &mut Vec<(usize, Token)>, word: &mut String, start: usize, quoted: &mut bool| {
        if !word.is_empty() || *quoted {
            tokens.push((
                start,
                Token::Word {
                    text: std::mem::take(word),
                    quoted: *quoted,
                },
            ));
            *quoted = false;
        }
    };
    while let Some((pos, c)) = chars.next() {
        match c {
            c if c.is_whitespace() => flush(&mut tokens, &mut word, word_start, &mut quoted),
            '"' | '\'' => {
                if word.is_empty() && !quoted {
                    word_start = pos;
                }
                quoted = true;
                loop {
                    match chars.next() {
                        Some((_, q)) if q == c => break,
                        Some((_, other)) => word.push(other),
                        None => {
                            return Err(SyntaxError {
                                position: pos,
                                message: format!("expected a closing {c}, found the end of the expression"),
                            });
                        }
                    }
                }
            }
            '(' | ')' | '|' | '&' | '+' | '-' | '=' | '@' => {
                flush(&mut tokens, &mut word, word_start, &mut quoted);
                let token = match c {
                    '(' => Token::Open,
                    ')' => Token::Close,
                    op => Token::Op(op),
                };
                tokens.push((pos, token));
            }
            other => {
                if word.is_empty() && !quoted {
                    word_start = pos;
                }
                word.push(other);
            }
        }
    }
    flush(&mut tokens, &mut word, word_start, &mut quoted);
    Ok(tokens)
}

fn describe(token: &Token) -> String {
    match token {
        Token::Word { text, .. } if text == "*" => {
            "`*`, which is a wildcard inside a key (as in ROI_V*), not an operator: use `&` for intersection"
                .to_string()
        }
        Token::Word { text, .. } => format!("`{text}`"),
        Token::Op('@') => "`@` (bdpy's conditional top-N selection, which is not supported)".into(),
        Token::Op(c) => format!("`{c}`"),
        Token::Open => "`(`".into(),
        Token::Close => "`)`".into(),
    }
}

struct Parser {
    tokens: Vec<(usize, Token)>,
    next: usize,
    /// Length of the expression in characters: the position of "the end".
    end: usize,
}

impl Parser {
    fn peek(&self) -> Option<(usize, Token)> {
        self.tokens.get(self.next).cloned()
    }

    fn bump(&mut self) -> Option<(usize, Token)> {
        let token = self.peek();
        self.next += 1;
        token
    }

    fn expression(&mut self) -> Result<Expr, SyntaxError> {
        let mut lhs = self.term()?;
        while let Some((_, Token::Op(c @ ('|' | '+' | '&' | '-')))) = self.peek() {
            self.bump();
            let op = match c {
                '&' => SetOp::Intersection,
                '-' => SetOp::Difference,
                _ => SetOp::Union,
            };
            let rhs = self.term()?;
            lhs = Expr::Binary {
                op,
                lhs: Box::new(lhs),
                rhs: Box::new(rhs),
            };
        }
        Ok(lhs)
    }

    fn term(&mut self) -> Result<Expr, SyntaxError> {
        let mut inner = self.primary()?;
        while let Some((_, Token::Op('='))) = self.peek() {
            self.bump();
            let value = match self.bump() {
                Some((_, Token::Word { text, quoted: false })) if is_number(&text) => text.parse::<f64>().ok(),
                _ => None,
            };
            let Some(value) = value else {
                self.next -= 1;
                return Err(self.unexpected("a number (such as 1) after `=`"));
            };
            inner = Expr::Equals {
                inner: Box::new(inner),
                value,
            };
        }
        Ok(inner)
    }

    fn primary(&mut self) -> Result<Expr, SyntaxError> {
        match self.bump() {
            Some((position, Token::Word { text, quoted })) => {
                if !quoted && is_number(&text) {
                    return Err(SyntaxError {
                        position,
                        message: format!("expected a metadata key, found the number `{text}` (numbers go after `=`)"),
                    });
                }
                if !quoted && text == "top" {
                    return Err(SyntaxError {
                        position,
                        message: "expected a metadata key, found `top` (bdpy's top-N selection is not supported)"
                            .into(),
                    });
                }
                Ok(Expr::Key {
                    pattern: text,
                    position,
                })
            }
            Some((open, Token::Open)) => {
                let inner = self.expression()?;
                match self.bump() {
                    Some((_, Token::Close)) => Ok(inner),
                    Some((pos, token)) => Err(SyntaxError {
                        position: pos,
                        message: format!("expected an operator or `)`, found {}", describe(&token)),
                    }),
                    None => Err(SyntaxError {
                        position: open,
                        message: "this `(` is never closed".into(),
                    }),
                }
            }
            _ => {
                self.next -= 1;
                Err(self.unexpected("a metadata key or `(`"))
            }
        }
    }

    fn unexpected(&self, expected: &str) -> SyntaxError {
        match self.peek() {
            Some((position, token)) => SyntaxError {
                position,
                message: format!("expected {expected}, found {}", describe(&token)),
            },
            None => SyntaxError {
                position: self.end,
                message: format!("expected {expected}, found the end of the expression"),
            },
        }
    }
}

/// bdpy takes a token for a number when `str.isdigit()`: digits only.
fn is_number(text: &str) -> bool {
    !text.is_empty() && text.chars().all(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(k: &str, position: usize) -> Box<Expr> {
        Box::new(Expr::Key {
            pattern: k.into(),
            position,
        })
    }

    /// Evaluate against keys given as column lists over 6 columns.
    fn eval(expr: &str) -> Result<Vec<usize>, String> {
        let keys: [(&str, &[usize]); 4] = [
            ("ROI_V1", &[0, 1]),
            ("ROI_V2", &[2, 3]),
            ("ROI_VC", &[0, 1, 2, 3, 4]),
            ("odd key", &[5]),
        ];
        let parsed = parse(expr).map_err(|e| format!("{}: {}", e.position, e.message))?;
        let mut resolve = |p: &str| -> Result<Vec<bool>, String> {
            let hits: Vec<_> = keys.iter().filter(|(k, _)| glob_match(p, k)).collect();
            if hits.is_empty() {
                return Err(format!("unknown {p}"));
            }
            Ok((0..6).map(|c| hits.iter().any(|(_, cols)| cols.contains(&c))).collect())
        };
        let mask = evaluate(&parsed, &mut resolve)?;
        Ok(mask.iter().enumerate().filter(|(_, m)| **m).map(|(i, _)| i).collect())
    }

    #[test]
    fn set_operators_follow_bdpy() {
        assert_eq!(eval("ROI_V1 + ROI_V2"), Ok(vec![0, 1, 2, 3]));
        assert_eq!(
            eval("ROI_V2 | ROI_V1"),
            Ok(vec![0, 1, 2, 3]),
            "ascending whatever the term order"
        );
        assert_eq!(eval("ROI_VC"), Ok(vec![0, 1, 2, 3, 4]));
        assert_eq!(eval("ROI_VC - ROI_V1"), Ok(vec![2, 3, 4]));
        assert_eq!(eval("ROI_VC & ROI_V2"), Ok(vec![2, 3]));
        assert_eq!(
            eval("ROI_VC-ROI_V1&ROI_V2"),
            Ok(vec![2, 3]),
            "left to right: (VC - V1) & V2"
        );
        assert_eq!(eval("ROI_VC - (ROI_V1 | ROI_V2)"), Ok(vec![4]));
        assert_eq!(eval("ROI_VC - ((ROI_V1 | ROI_V2) | ROI_V1)"), Ok(vec![4]));
        assert_eq!(
            eval("ROI_V*"),
            Ok(vec![0, 1, 2, 3, 4]),
            "wildcard: union of V1, V2 and VC"
        );
        assert_eq!(eval("ROI_V* - ROI_VC"), Ok(vec![]));
        assert_eq!(eval("\"odd key\" | ROI_V1"), Ok(vec![0, 1, 5]));
        assert_eq!(
            eval("'odd' key"),
            Err("6: expected an operator (`|`, `+`, `&`, `-`), found `key`".into())
        );
        assert_eq!(eval("odd' 'key"), Ok(vec![5]), "quotes join the text around them");
    }

    #[test]
    fn equals_compares_the_selection_with_a_number() {
        assert_eq!(eval("ROI_V1 = 1"), Ok(vec![0, 1]));
        assert_eq!(eval("ROI_V1 = 0"), Ok(vec![2, 3, 4, 5]));
        assert_eq!(eval("ROI_V1 = 2"), Ok(vec![]));
        assert_eq!(eval("ROI_V2 | ROI_V1 = 0"), Ok(vec![2, 3, 4, 5]), "`=` binds tighter");
        assert_eq!(eval("(ROI_V2 | ROI_V1) = 0"), Ok(vec![4, 5]));
        assert_eq!(
            parse("ROI_V1 = 1").unwrap(),
            Expr::Equals {
                inner: key("ROI_V1", 0),
                value: 1.0
            }
        );
    }

    #[test]
    fn syntax_errors_say_where_and_what() {
        let err = |e: &str| parse(e).map(|_| ()).unwrap_err();
        assert_eq!(err("").position, 0);
        assert_eq!(
            err("   ").message,
            "expected a metadata key (e.g. ROI_VC), found an empty expression"
        );
        let e = err("ROI_V1 +");
        assert_eq!(
            (e.position, e.message.as_str()),
            (8, "expected a metadata key or `(`, found the end of the expression")
        );
        let e = err("ROI_V1 + (ROI_V2");
        assert_eq!((e.position, e.message.as_str()), (9, "this `(` is never closed"));
        let e = err("ROI_V1 )");
        assert_eq!(
            (e.position, e.message.as_str()),
            (7, "found `)` without a matching `(`")
        );
        let e = err("ROI_V1 ROI_V2");
        assert_eq!(e.position, 7);
        assert!(e.message.contains("found `ROI_V2`"));
        let e = err("ROI_V1 * ROI_V2");
        assert_eq!(e.position, 7);
        assert!(e.message.contains("wildcard inside a key"), "{}", e.message);
        let e = err("ROI_V1 = x");
        assert_eq!(
            (e.position, e.message.as_str()),
            (9, "expected a number (such as 1) after `=`, found `x`")
        );
        assert!(err("2").message.contains("found the number `2`"));
        assert!(err("ROI_V1 @ 2").message.contains("not supported"));
        assert!(err("@").message.contains("not supported"));
        assert!(err("top").message.contains("top-N"));
        assert_eq!(
            err("\"ROI").message,
            "expected a closing \", found the end of the expression"
        );
        assert_eq!(err("| ROI_V1").position, 0);
        assert_eq!(err("(  )").position, 3);
        assert_eq!(err("日本 + ").position, 5, "positions count characters, not bytes");
    }

    #[test]
    fn glob_matches_whole_keys() {
        assert!(glob_match("ROI_V1", "ROI_V1"));
        assert!(!glob_match("ROI_V", "ROI_V1"), "no prefix match: bdpy anchors with `$`");
        assert!(glob_match("ROI_*", "ROI_V1"));
        assert!(glob_match("*V1", "ROI_V1"));
        assert!(glob_match("R*_*1", "ROI_V1"));
        assert!(glob_match("*", ""));
        assert!(glob_match("a**b", "ab"));
        assert!(!glob_match("*V2", "ROI_V1"));
        assert!(!glob_match("", "x"));
        assert!(glob_match("a*b*c", "aXbYbZc"));
    }
}
