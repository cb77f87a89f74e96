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
    CellError, CellOutput, Completion, CompletionItem, CompletionKind, DisplayValue, IsComplete, KernelBackend,
    KernelInfo, LanguageInfo, Stream, rhai_lang,
};
use crate::run::OutputSink;
use crate::script::render_fn_doc;
use crate::script::values::{EvaluationValue, FigureValue, ImageValue};
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
            .flat_map(|f| f.signatures.iter().map(|s| (f.name.to_string(), s.to_string())))
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

    /// Option keys documented for `function` (the `Options:` lines of its reference).
    fn options_of(&self, function: &str) -> Vec<CompletionItem> {
        let Some(doc) = self.session.docs().function(function) else {
            return Vec::new();
        };
        let Some((_, options)) = doc.details.split_once("Options") else {
            return Vec::new();
        };
        options
            .lines()
            .filter_map(|line| {
                let key = line.strip_prefix("  ")?.split_whitespace().next()?;
                let plain = key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
                (plain && !line.starts_with("   ")).then(|| item(key, CompletionKind::Option))
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

/// How a value shows in the notebook: figures as PNG + SVG, images (e.g. generated) as PNG, evaluation reports and tables as
/// text, maps and arrays of maps as HTML tables; `()` shows nothing.
pub fn display(value: &Dynamic) -> Option<DisplayValue> {
    if let Some(fig) = value.read_lock::<FigureValue>() {
        return Some(DisplayValue::Image {
            png: fig.0.png().to_vec(),
            svg: Some(fig.0.svg().to_string()),
            text: fig.0.to_string(),
        });
    }
    if let Some(img) = value.read_lock::<ImageValue>() {
        return Some(DisplayValue::Image {
            png: crate::data::formats::images::png_bytes(&img.image),
            svg: None,
            text: format!("Image {}×{} ({})", img.image.width(), img.image.height(), img.path),
        });
    }
    if let Some(report) = value.read_lock::<EvaluationValue>() {
        let text = format!(
            "{} on {}\n{}",
            report.model,
            report.report.split,
            report.report.to_table()
        );
        let html = format!("<pre>{}</pre>", super::display::escape_html(&text));
        return Some(DisplayValue::Html { html, text });
    }
    rhai_lang::value_display(value)
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
    fn shown(&self, result: Result<Dynamic, Box<ScriptError>>) -> Result<Option<DisplayValue>, CellError> {
        match result {
            Ok(value) => Ok(display(&value).map(|shown| match shown {
                // Other brainclip values (models, datasets, masks...) show as `print` shows them.
                DisplayValue::Text(_) if value.is_variant() => DisplayValue::Text(self.session.describe(&value)),
                other => other,
            })),
            Err(e) => Err(CellError::new(e.kind.clone(), e.message.clone()).with_traceback_text(&e.to_string())),
        }
    }
}

impl KernelBackend for SessionBackend {
    fn execute(&mut self, code: &str, out: Arc<dyn CellOutput>) -> Result<Option<DisplayValue>, CellError> {
        self.session.set_output(Some(Rc::new(CellSink(out))));
        let result = self.session.eval(code);
        self.session.set_output(None);
        self.shown(result)
    }

    fn evaluate_expression(&mut self, expression: &str) -> Result<Option<DisplayValue>, CellError> {
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
                ..
            } => self.options_of(function),
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
            return Some(render_fn_doc(doc));
        }
        if let Some(doc) = self.session.docs().value_type(&name) {
            return Some(crate::script::render_type_doc(doc));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_display_as_png() {
        let img = ImageValue {
            image: Arc::new(image::RgbImage::from_pixel(3, 2, image::Rgb([10, 200, 30]))),
            path: "generated/cat.png".into(),
        };
        let Some(DisplayValue::Image { png, svg, text }) = display(&Dynamic::from(img)) else {
            panic!("an image displays as an image")
        };
        assert!(png.starts_with(b"\x89PNG"));
        assert!(svg.is_none());
        assert_eq!(text, "Image 3×2 (generated/cat.png)");
        let back = image::load_from_memory(&png).unwrap().to_rgb8();
        assert_eq!(back.get_pixel(2, 1).0, [10, 200, 30]);
    }
}
