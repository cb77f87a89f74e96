//! brainclip's kernel backend: one [`Session`] per kernel, the same the CLI uses, so a notebook
//! cell behaves like the same lines of a script and state persists from cell to cell.

use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use rhai::Dynamic;

use super::complete::{
    CursorContext, KEYWORDS, completion_context, declared_names, enclosing_call, filter_matches, item, word_at,
};
use super::{
    CellError, CellOutput, Completion, CompletionItem, CompletionKind, IsComplete, KernelBackend, KernelInfo,
    LanguageInfo, Stream, rhai_lang,
};
use crate::display::MimeBundle;
use crate::run::OutputSink;
use crate::{ScriptError, Session};

/// The version of the `rhai` crate brainclip is built with.
const RHAI_VERSION: &str = "1.27.0";

/// A [`Session`] behind the Jupyter protocol.
///
/// ```no_run
/// use brainclip::{Session, SessionOptions};
/// use brainclip::kernel::{SessionBackend, run_kernel};
///
/// let session = Session::new(SessionOptions { label: "notebook".into(), ..Default::default() })?;
/// run_kernel("kernel-1234.json".as_ref(), SessionBackend::new(session))?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct SessionBackend {
    session: Session,
    /// (name, signature) of every function, for completion and inspection.
    signatures: Vec<(String, String)>,
}

impl SessionBackend {
    /// Serve `session` to a notebook.
    pub fn new(session: Session) -> Self {
        let mut signatures: Vec<(String, String)> = session
            .docs()
            .functions
            .iter()
            .flat_map(|f| f.signatures().into_iter().map(|s| (f.name.to_string(), s)))
            .collect();
        for sig in session.engine_signatures() {
            let name = sig.split('(').next().unwrap_or_default().trim().to_string();
            let plain = !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
            if plain && !signatures.iter().any(|(n, _)| *n == name) {
                signatures.push((name, sig));
            }
        }
        for (name, sig) in [
            ("print", "print(value)"),
            ("debug", "debug(value)"),
            ("type_of", "type_of(value) -> string"),
        ] {
            signatures.push((name.into(), sig.into()));
        }
        Self { session, signatures }
    }

    /// The option keys `function` declares at `path` inside its options map.
    fn options_of(&self, function: &str, path: &[String]) -> Vec<CompletionItem> {
        let Some(spec) = self.session.docs().function(function) else {
            return Vec::new();
        };
        spec.option_keys(&path.join("."))
            .into_iter()
            .map(|o| CompletionItem {
                text: o.key.to_string(),
                kind: CompletionKind::Option,
                signature: Some(format!("{}: {}", o.key, o.type_text())),
            })
            .collect()
    }

    /// Properties of every value type (the receiver's type is only known at run time).
    fn properties(&self) -> Vec<CompletionItem> {
        self.session
            .docs()
            .types
            .iter()
            .flat_map(|t| {
                t.properties.iter().map(|(name, doc)| CompletionItem {
                    text: name.to_string(),
                    kind: CompletionKind::Property,
                    signature: Some(format!("{}.{name}: {doc}", t.name)),
                })
            })
            .collect()
    }

    fn names(&self, code: &str) -> Vec<CompletionItem> {
        let variables = self
            .session
            .variables()
            .into_iter()
            .chain(declared_names(code))
            .map(|n| item(n, CompletionKind::Variable));
        let functions = self.signatures.iter().map(|(name, sig)| CompletionItem {
            text: name.clone(),
            kind: CompletionKind::Function,
            signature: Some(sig.clone()),
        });
        let defined = self
            .session
            .script_functions()
            .into_iter()
            .map(|n| item(n, CompletionKind::Function));
        let keywords = KEYWORDS.iter().map(|k| item(*k, CompletionKind::Keyword));
        variables.chain(functions).chain(defined).chain(keywords).collect()
    }
}

/// Sends a session's output to the running cell.
struct CellSink(Arc<dyn CellOutput>);

impl OutputSink for CellSink {
    fn print(&self, text: &str) {
        self.0.stream(Stream::Stdout, &format!("{text}\n"));
    }
    fn debug(&self, text: &str) {
        self.0.stream(Stream::Stderr, &format!("{text}\n"));
    }
    fn progress(&self, line: &str) {
        self.0.progress(line);
    }
}

impl SessionBackend {
    /// A cell's outcome as the notebook shows it.
    fn shown(&self, result: Result<Dynamic, Box<ScriptError>>) -> Result<Option<MimeBundle>, CellError> {
        match result {
            Ok(value) => Ok(self.session.display(&value)),
            Err(e) => Err(CellError::new(e.kind.name(), e.message.clone()).with_traceback_text(&e.to_string())),
        }
    }
}

impl KernelBackend for SessionBackend {
    fn execute(&mut self, code: &str, out: Arc<dyn CellOutput>) -> Result<Option<MimeBundle>, CellError> {
        self.session.set_output(Some(Rc::new(CellSink(out))));
        let result = self.session.eval(code);
        self.session.set_output(None);
        self.shown(result)
    }

    fn evaluate_expression(&mut self, expression: &str) -> Result<Option<MimeBundle>, CellError> {
        let result = self.session.eval_expression(expression);
        self.shown(result)
    }

    fn complete(&self, code: &str, cursor: usize) -> Completion {
        let ctx = completion_context(code, cursor);
        let candidates = match &ctx.context {
            CursorContext::Nothing => Vec::new(),
            CursorContext::Name => self.names(code),
            CursorContext::Member { .. } => self.properties(),
            CursorContext::MapKey {
                function: Some(function),
                path,
                ..
            } => self.options_of(function, path),
            CursorContext::MapKey { function: None, .. } => Vec::new(),
        };
        Completion {
            matches: filter_matches(&ctx.prefix, candidates),
            start: ctx.start,
            end: ctx.end,
        }
    }

    fn inspect(&self, code: &str, cursor: usize) -> Option<String> {
        let name = match word_at(code, cursor) {
            Some((start, end)) => code.get(start..end)?.to_string(),
            None => enclosing_call(code, cursor)?.0,
        };
        if let Some(doc) = self.session.docs().function(&name) {
            return Some(doc.render_text());
        }
        if let Some(doc) = self.session.docs().value_type(&name) {
            return Some(doc.render_text());
        }
        let signatures: Vec<&str> = self
            .signatures
            .iter()
            .filter(|(n, _)| *n == name)
            .map(|(_, s)| s.as_str())
            .collect();
        (!signatures.is_empty()).then(|| format!("{}\n", signatures.join("\n")))
    }

    fn is_complete(&self, code: &str) -> IsComplete {
        rhai_lang::is_complete(code)
    }

    fn interrupt_flag(&self) -> Arc<AtomicBool> {
        self.session.interrupt_flag()
    }

    fn kernel_info(&self) -> KernelInfo {
        KernelInfo {
            implementation: "brainclip".into(),
            implementation_version: env!("CARGO_PKG_VERSION").into(),
            banner: format!(
                "BrainCLIP kernel {} (Rhai {RHAI_VERSION}). `?name` shows a function's documentation; \
                 outputs go to {}.",
                env!("CARGO_PKG_VERSION"),
                self.session.run_dir().display()
            ),
            help_links: vec![("Rhai book".into(), "https://rhai.rs/book/".into())],
            language: LanguageInfo {
                name: "rhai".into(),
                version: RHAI_VERSION.into(),
                mimetype: "text/x-rhai".into(),
                file_extension: ".rhai".into(),
                pygments_lexer: "rust".into(),
                codemirror_mode: "rust".into(),
            },
        }
    }
}
