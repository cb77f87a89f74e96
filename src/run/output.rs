//! Where a session's text output goes when it is not the terminal: a notebook cell, a test.

use std::rc::Rc;

/// Receives a session's `print` and `debug` output and its progress lines.
///
/// ```
/// use std::cell::RefCell;
/// use brainclip::run::OutputSink;
///
/// #[derive(Default)]
/// struct Collect(RefCell<Vec<String>>);
/// impl OutputSink for Collect {
///     fn print(&self, text: &str) { self.0.borrow_mut().push(text.to_string()); }
///     fn debug(&self, text: &str) { self.0.borrow_mut().push(format!("debug: {text}")); }
///     fn progress(&self, _line: &str) {}
/// }
/// let sink = Collect::default();
/// sink.print("hello");
/// assert_eq!(sink.0.borrow()[0], "hello");
/// ```
pub trait OutputSink {
    /// A line printed by the script (`print`).
    fn print(&self, text: &str);
    /// A debug line (`debug`), usually shown on stderr.
    fn debug(&self, text: &str);
    /// The current state of a long computation, replacing the previous progress line.
    fn progress(&self, line: &str);
}

/// The sink a run writes to, if one is set.
pub type SharedSink = Option<Rc<dyn OutputSink>>;
