//! CLIP's tokenizer: OpenAI's text clean-up and byte-level BPE, giving the same ids as OpenAI's
//! `clip.tokenize` (see [`clean`] for the one step not reproduced, mojibake repair).

mod bpe;
pub mod clean;
mod html;
mod tables;

pub use bpe::{ClipTokenizer, END, START, learn_merges};
pub use clean::{clean_text, fix_text};
pub use html::html_unescape;
