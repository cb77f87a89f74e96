//! CLIP's byte-level BPE (OpenAI's `SimpleTokenizer`): clean the text, split it with OpenAI's
//! pattern, map each piece's UTF-8 bytes to printable characters, merge pairs by rank, look up ids;
//! wrap in `<|startoftext|>` … `<|endoftext|>` and pad or truncate to the context length.

use std::cell::RefCell;
use std::collections::HashMap;
use std::io::Read;
use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;

use super::clean::clean_text;
use crate::clip::ClipError;

/// Start-of-text marker.
pub const START: &str = "<|startoftext|>";
/// End-of-text marker.
pub const END: &str = "<|endoftext|>";
/// OpenAI's vocabulary uses the first 48 894 merges of its BPE file.
const MAX_MERGES: usize = 49152 - 256 - 2;

static SPLIT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+")
        .unwrap_or_else(|e| unreachable!("a constant pattern: {e}"))
});

/// GPT-2's reversible map from bytes to printable characters, and the order of the byte symbols
/// in the vocabulary (Python's dict order: the printable bytes first, then the others).
fn bytes_to_unicode() -> ([char; 256], Vec<u8>) {
    let mut order: Vec<u32> = (u32::from(b'!')..=u32::from(b'~')).collect();
    order.extend(0xA1..=0xAC);
    order.extend(0xAE..=0xFF);
    let printable = order.clone();
    order.extend((0..256u32).filter(|b| !printable.contains(b)));
    let mut table = ['\0'; 256];
    let mut extra = 0;
    for b in 0..256u32 {
        let code = if printable.contains(&b) {
            b
        } else {
            extra += 1;
            255 + extra
        };
        table[b as usize] = char::from_u32(code).unwrap_or_else(|| unreachable!("below 0x200"));
    }
    (table, order.into_iter().map(|b| b as u8).collect())
}

/// CLIP's tokenizer.
///
/// ```no_run
/// use brainclip::clip::tokenizer::ClipTokenizer;
/// let tok = ClipTokenizer::from_file("tests/data/clip/bpe_simple_vocab_16e6.txt.gz".as_ref()).unwrap();
/// assert_eq!(tok.encode("an image of ostrich."), vec![550, 2867, 539, 47640, 269]);
/// ```
#[derive(Debug)]
pub struct ClipTokenizer {
    byte_encoder: [char; 256],
    encoder: HashMap<String, u32>,
    ranks: HashMap<(String, String), usize>,
    cache: RefCell<HashMap<String, Vec<u32>>>,
    start: u32,
    end: u32,
}

impl ClipTokenizer {
    /// Read OpenAI's `bpe_simple_vocab_16e6.txt.gz` (or a gzip-compressed or plain file of the same
    /// format, such as Hugging Face's `merges.txt`): a header line, then one merge per line.
    pub fn from_file(path: &Path) -> Result<Self, ClipError> {
        let bytes = std::fs::read(path).map_err(|e| ClipError::io(path, e))?;
        let text = if bytes.starts_with(&[0x1f, 0x8b]) {
            let mut s = String::new();
            flate2::read::GzDecoder::new(bytes.as_slice())
                .read_to_string(&mut s)
                .map_err(|e| ClipError::io(path, e))?;
            s
        } else {
            String::from_utf8(bytes).map_err(|e| ClipError::Vocabulary(format!("{}: {e}", path.display())))?
        };
        Self::from_merges(&text)
    }

    /// Build from the text of a merges file (header line first).
    pub fn from_merges(text: &str) -> Result<Self, ClipError> {
        let mut merges = Vec::new();
        for (i, line) in text.split('\n').skip(1).take(MAX_MERGES).enumerate() {
            let line = line.trim_end_matches('\r');
            if line.is_empty() {
                continue;
            }
            let mut parts = line.split(' ');
            match (parts.next(), parts.next(), parts.next()) {
                (Some(a), Some(b), None) if !a.is_empty() && !b.is_empty() => {
                    merges.push((a.to_string(), b.to_string()))
                }
                _ => {
                    return Err(ClipError::Vocabulary(format!(
                        "line {} is not a merge of two symbols: {line:?}",
                        i + 2
                    )));
                }
            }
        }
        if merges.is_empty() {
            return Err(ClipError::Vocabulary("no merges".into()));
        }
        let (byte_encoder, order) = bytes_to_unicode();
        let symbols: Vec<char> = order.iter().map(|&b| byte_encoder[b as usize]).collect();
        let mut vocab: Vec<String> = symbols.iter().map(|c| c.to_string()).collect();
        vocab.extend(symbols.iter().map(|c| format!("{c}</w>")));
        vocab.extend(merges.iter().map(|(a, b)| format!("{a}{b}")));
        vocab.push(START.into());
        vocab.push(END.into());
        let encoder: HashMap<String, u32> = vocab.into_iter().enumerate().map(|(i, v)| (v, i as u32)).collect();
        let (start, end) = (encoder[START], encoder[END]);
        let ranks = merges.into_iter().enumerate().map(|(i, m)| (m, i)).collect();
        Ok(Self {
            byte_encoder,
            encoder,
            ranks,
            cache: RefCell::new(HashMap::new()),
            start,
            end,
        })
    }

    /// Vocabulary size (the text tower's embedding rows).
    pub fn vocab_size(&self) -> usize {
        self.encoder.len()
    }

    /// The `<|startoftext|>` and `<|endoftext|>` ids.
    pub fn specials(&self) -> (u32, u32) {
        (self.start, self.end)
    }

    fn bpe(&self, piece: &str) -> Vec<u32> {
        if let Some(ids) = self.cache.borrow().get(piece) {
            return ids.clone();
        }
        let ids = if piece == START || piece == END {
            vec![self.encoder[piece]]
        } else {
            let mut word: Vec<String> = piece
                .bytes()
                .map(|b| self.byte_encoder[b as usize].to_string())
                .collect();
            if let Some(last) = word.last_mut() {
                last.push_str("</w>");
            }
            while word.len() > 1 {
                let best = word
                    .windows(2)
                    .filter_map(|w| self.ranks.get(&(w[0].clone(), w[1].clone())).map(|r| (*r, w)))
                    .min_by_key(|(r, _)| *r)
                    .map(|(_, w)| (w[0].clone(), w[1].clone()));
                let Some((a, b)) = best else { break };
                word = merge_pair(&word, &a, &b);
            }
            // Every symbol of a merged word is in the vocabulary by construction.
            word.iter().filter_map(|s| self.encoder.get(s).copied()).collect()
        };
        self.cache.borrow_mut().insert(piece.to_string(), ids.clone());
        ids
    }

    /// Ids of `text` after OpenAI's clean-up, without the start and end markers.
    pub fn encode(&self, text: &str) -> Vec<u32> {
        let text = clean_text(text);
        SPLIT.find_iter(&text).flat_map(|m| self.bpe(m.as_str())).collect()
    }

    /// One row of `context` ids: start, the text's ids, end, zeros; a text too long is cut and
    /// still ends with the end marker (OpenAI's `tokenize(..., truncate=True)`).
    pub fn tokenize(&self, text: &str, context: usize) -> Vec<u32> {
        let mut ids = vec![self.start];
        ids.extend(self.encode(text));
        ids.push(self.end);
        if ids.len() > context {
            ids.truncate(context);
            if let Some(last) = ids.last_mut() {
                *last = self.end;
            }
        }
        ids.resize(context, 0);
        ids
    }
}

/// `symbols` with every adjacent `a`, `b` (left to right) replaced by their concatenation.
fn merge_pair(symbols: &[String], a: &str, b: &str) -> Vec<String> {
    let mut merged = Vec::with_capacity(symbols.len());
    let mut i = 0;
    while i < symbols.len() {
        if i + 1 < symbols.len() && symbols[i] == a && symbols[i + 1] == b {
            merged.push(format!("{a}{b}"));
            i += 2;
        } else {
            merged.push(symbols[i].clone());
            i += 1;
        }
    }
    merged
}

/// Learn a byte-level BPE vocabulary from `texts` (after OpenAI's clean-up and split, as
/// [`ClipTokenizer`] reads them): the most frequent adjacent pair is merged, ties broken by the
/// pair itself, until no pair occurs twice or `max_merges` merges are made. Returns the text of
/// a `merges.txt` file (header line first), deterministic for its input.
///
/// ```
/// use brainclip::clip::tokenizer::{ClipTokenizer, learn_merges};
/// let texts = vec!["a red circle".to_string(), "a blue circle".into(), "a red square".into()];
/// let tok = ClipTokenizer::from_merges(&learn_merges(&texts, 100)).unwrap();
/// assert_eq!(tok.encode("red circle").len(), 2); // one token per word
/// assert_eq!(tok.vocab_size(), 512 + 2 + learn_merges(&texts, 100).lines().count() - 1);
/// ```
pub fn learn_merges(texts: &[String], max_merges: usize) -> String {
    let (byte_encoder, _) = bytes_to_unicode();
    let mut counts: HashMap<String, usize> = HashMap::new();
    for text in texts {
        for m in SPLIT.find_iter(&clean_text(text)) {
            *counts.entry(m.as_str().to_string()).or_default() += 1;
        }
    }
    let mut words: Vec<(Vec<String>, usize)> = counts
        .into_iter()
        .filter(|(w, _)| w != START && w != END)
        .map(|(w, n)| {
            let mut symbols: Vec<String> = w.bytes().map(|b| byte_encoder[b as usize].to_string()).collect();
            if let Some(last) = symbols.last_mut() {
                last.push_str("</w>");
            }
            (symbols, n)
        })
        .collect();
    words.sort();
    let mut out = String::from("#version: 0.2 (learned by brainclip)\n");
    for _ in 0..max_merges {
        let mut pairs: HashMap<(&str, &str), usize> = HashMap::new();
        for (symbols, n) in &words {
            for w in symbols.windows(2) {
                *pairs.entry((w[0].as_str(), w[1].as_str())).or_default() += n;
            }
        }
        let Some(((a, b), n)) = pairs
            .into_iter()
            .max_by(|(p, n), (q, m)| n.cmp(m).then_with(|| q.cmp(p)))
            .map(|((a, b), n)| ((a.to_string(), b.to_string()), n))
        else {
            break;
        };
        if n < 2 {
            break;
        }
        out.push_str(&format!("{a} {b}\n"));
        for (symbols, _) in &mut words {
            *symbols = merge_pair(symbols, &a, &b);
        }
    }
    out
}
