//! The seam between the Jupyter wire protocol and an interpreter: what a kernel asks of the
//! language (run a cell, complete, inspect, check completeness) and what a running cell can send
//! back (streams, displays, progress). Nothing here knows about ZeroMQ or about brainclip.

use crate::display::MimeBundle;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

/// An interpreter the kernel drives. One value lives for the whole kernel process, on the thread
/// that called [`run_kernel`](super::run_kernel), so it need not be `Send`.
///
/// Cursor positions are **byte offsets** into `code` that lie on a character boundary (the
/// kernel converts Jupyter's code-point offsets before calling and back after).
pub trait KernelBackend {
    /// Run one cell. Streams (`print`/`debug`), displays and progress go through `out` while the
    /// cell runs; `out` may be cloned into callbacks and other threads, and outputs sent after
    /// this call returns are dropped. Returns the display of the cell's value (`None` for a
    /// value that shows nothing, such as `()`), or the error that ended the cell.
    ///
    /// The kernel clears [`interrupt_flag`](Self::interrupt_flag) before each call; a backend
    /// must stop soon after the flag is set and report it as an error (e.g. `Interrupted`).
    fn execute(&mut self, code: &str, out: Arc<dyn CellOutput>) -> Result<Option<MimeBundle>, CellError>;

    /// Completions for the word ending at `cursor`: functions, variables in scope, properties
    /// after `.`, option-map keys inside `f(#{ ... })` where the backend knows them.
    fn complete(&self, code: &str, cursor: usize) -> Completion;

    /// Documentation of the name under (or just before) `cursor`, or of the function whose
    /// argument list the cursor is in; `None` when there is nothing to show.
    fn inspect(&self, code: &str, cursor: usize) -> Option<String>;

    /// Whether `code` is ready to run (a console runs it on Enter), needs more lines, or can
    /// never parse.
    fn is_complete(&self, code: &str) -> IsComplete;

    /// Evaluate one expression in the kernel's state for an `execute_request`'s
    /// `user_expressions` (a frontend asking for values after a cell ran). `None` for a value
    /// that shows nothing. The default refuses, naming the expression.
    fn evaluate_expression(&mut self, expression: &str) -> Result<Option<MimeBundle>, CellError> {
        Err(CellError::new(
            "NotSupported",
            format!("this kernel does not evaluate user expressions (`{expression}`)"),
        ))
    }

    /// The flag that stops running code. The kernel sets it on `interrupt_request` (and on
    /// SIGINT) from another thread.
    fn interrupt_flag(&self) -> Arc<AtomicBool>;

    /// What `kernel_info_reply` says about the language and the implementation.
    fn kernel_info(&self) -> KernelInfo;
}

/// Where a running cell sends its output. Implementations are cheap to share (`Arc`) and may be
/// called from any thread.
pub trait CellOutput: Send + Sync {
    /// Text printed to standard output or standard error (sent as it happens, as a `stream`).
    fn stream(&self, name: Stream, text: &str);
    /// A rich value shown in the middle of a cell (a `display_data` message).
    fn display(&self, value: MimeBundle);
    /// A one-line progress report (e.g. `epoch 3/40  loss 0.412`). The first call of a cell
    /// shows it; later calls replace it in place (`update_display_data`), at most a few times a
    /// second, and the last text is always shown when the cell ends.
    fn progress(&self, text: &str);
}

/// The two output streams of a cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    /// Standard output (`print`).
    Stdout,
    /// Standard error (`debug`, warnings).
    Stderr,
}

/// Why a cell failed: the `error` message of the notebook.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{ename}: {evalue}")]
pub struct CellError {
    /// The error's kind, e.g. `SyntaxError`, `UnknownOption`, `Interrupted`, `Panic`.
    pub ename: String,
    /// What happened, in one line.
    pub evalue: String,
    /// The lines the notebook prints (may contain ANSI colours): position, offending source line
    /// with a caret, hint.
    pub traceback: Vec<String>,
}

impl CellError {
    /// An error whose traceback is the single line `ename: evalue`.
    pub fn new(ename: impl Into<String>, evalue: impl Into<String>) -> Self {
        let (ename, evalue) = (ename.into(), evalue.into());
        let traceback = vec![format!("{ename}: {evalue}")];
        Self {
            ename,
            evalue,
            traceback,
        }
    }

    /// Replace the traceback with the lines of `text` (e.g. a rendered diagnostic).
    pub fn with_traceback_text(mut self, text: &str) -> Self {
        self.traceback = text.lines().map(str::to_string).collect();
        self
    }
}

/// The answer to a completion request.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Completion {
    /// Candidates, best first.
    pub matches: Vec<CompletionItem>,
    /// Byte offset where the replaced text starts.
    pub start: usize,
    /// Byte offset where the replaced text ends (usually the cursor).
    pub end: usize,
}

/// One completion candidate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompletionItem {
    /// The text that replaces `start..end`.
    pub text: String,
    /// What it is; JupyterLab shows an icon per kind.
    pub kind: CompletionKind,
    /// A signature or a type to show beside it, if known.
    pub signature: Option<String>,
}

/// The kind of a completion candidate (the `type` of JupyterLab's experimental metadata).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum CompletionKind {
    /// A variable in scope or declared in the cell.
    Variable,
    /// A function.
    Function,
    /// A property or method of a value.
    Property,
    /// A key of an options map.
    Option,
    /// A language keyword.
    Keyword,
}

impl CompletionKind {
    /// The name JupyterLab expects (`function`, `instance`, `keyword`, ...).
    pub fn jupyter_type(self) -> &'static str {
        match self {
            Self::Variable => "instance",
            Self::Function => "function",
            Self::Property => "property",
            Self::Option => "param",
            Self::Keyword => "keyword",
        }
    }
}

/// Whether code is ready to run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IsComplete {
    /// Run it.
    Complete,
    /// Wait for more lines; `indent` is the suggested indentation of the next one.
    Incomplete {
        /// Whitespace for the next line.
        indent: String,
    },
    /// It can never parse; run it anyway to show the error.
    Invalid,
    /// The backend cannot tell.
    Unknown,
}

/// What `kernel_info_reply` reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KernelInfo {
    /// The implementation's name, e.g. `brainclip`.
    pub implementation: String,
    /// The implementation's version.
    pub implementation_version: String,
    /// The banner consoles print at start.
    pub banner: String,
    /// Links for the notebook's Help menu: (text, url).
    pub help_links: Vec<(String, String)>,
    /// The language.
    pub language: LanguageInfo,
}

/// The `language_info` of `kernel_info_reply` (what notebooks use for highlighting, file
/// extensions and nbconvert).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LanguageInfo {
    /// Language name, e.g. `rhai`.
    pub name: String,
    /// Language version, e.g. the Rhai crate's version.
    pub version: String,
    /// MIME type of a script, e.g. `text/x-rhai`.
    pub mimetype: String,
    /// File extension with its dot, e.g. `.rhai`.
    pub file_extension: String,
    /// The Pygments lexer used by nbconvert for highlighting.
    pub pygments_lexer: String,
    /// The CodeMirror mode used by notebook editors.
    pub codemirror_mode: String,
}
