//! The function registry: every script function is registered here together with its
//! documentation, so `brainclip doc`, kernel completion/inspection and the example tests all read
//! one list.

use std::rc::Rc;

use rhai::Engine;

use crate::run::RunContext;

/// Documentation of one script function (all its overloads).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FnDoc {
    /// The name scripts call.
    pub name: &'static str,
    /// The area it belongs to (`data`, `world`, `clip`, `model`, `train`, `eval`, `generate`, `plot`, `run`).
    pub area: &'static str,
    /// One line per overload, e.g. `train(net: MappingNet, data: Dataset, options: map) -> Model`.
    pub signatures: &'static [&'static str],
    /// One sentence: what it does.
    pub summary: &'static str,
    /// Options, defaults and details (may be empty).
    pub details: &'static str,
    /// A Rhai example whose last expression is `true` when the function works.
    pub example: &'static str,
}

/// Documentation of a value type scripts handle (its printable form and properties).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypeDoc {
    /// The type name scripts see in messages.
    pub name: &'static str,
    /// What it is.
    pub summary: &'static str,
    /// `(property, meaning)` pairs readable as `value.property`.
    pub properties: Vec<(&'static str, &'static str)>,
}

/// Registers functions into an engine and collects their documentation.
pub struct Registry<'e> {
    engine: &'e mut Engine,
    run: Rc<RunContext>,
    functions: Vec<FnDoc>,
    types: Vec<TypeDoc>,
}

impl<'e> Registry<'e> {
    /// A registry filling `engine`, whose functions act on `run`.
    pub fn new(engine: &'e mut Engine, run: Rc<RunContext>) -> Self {
        Self {
            engine,
            run,
            functions: Vec::new(),
            types: Vec::new(),
        }
    }

    /// The run the functions act on.
    pub fn run(&self) -> Rc<RunContext> {
        Rc::clone(&self.run)
    }

    /// Register a function family: `doc` once, then `register` adds its overloads to the engine.
    ///
    /// A name documented twice is a programming error and panics at start-up (a test covers
    /// every registration, so this cannot reach a user).
    pub fn function(&mut self, doc: &FnDoc, register: impl FnOnce(&mut Engine, Rc<RunContext>)) {
        assert!(
            !self.functions.iter().any(|d| d.name == doc.name),
            "script function `{}` is registered twice",
            doc.name
        );
        self.functions.push(*doc);
        register(self.engine, Rc::clone(&self.run));
    }

    /// Register a value type: `doc` once, then `register` adds its type name and getters.
    pub fn value_type(&mut self, doc: TypeDoc, register: impl FnOnce(&mut Engine)) {
        assert!(
            !self.types.iter().any(|d| d.name == doc.name),
            "script type `{}` is registered twice",
            doc.name
        );
        self.types.push(doc);
        register(self.engine);
    }

    /// The documentation collected so far.
    pub fn finish(self) -> (Vec<FnDoc>, Vec<TypeDoc>) {
        (self.functions, self.types)
    }
}

/// Render one function's documentation as `brainclip doc NAME` prints it.
pub fn render_fn_doc(doc: &FnDoc) -> String {
    let mut out = String::new();
    for sig in doc.signatures {
        out.push_str(sig);
        out.push('\n');
    }
    out.push_str(&format!("\n  {}\n", doc.summary));
    if !doc.details.is_empty() {
        out.push('\n');
        for line in doc.details.trim_end().lines() {
            out.push_str(&format!("  {line}\n"));
        }
    }
    out.push_str("\n  Example:\n");
    for line in doc.example.trim().lines() {
        out.push_str(&format!("    {line}\n"));
    }
    out
}

/// Render a type's documentation.
pub fn render_type_doc(doc: &TypeDoc) -> String {
    let mut out = format!("type {}\n\n  {}\n", doc.name, doc.summary);
    if !doc.properties.is_empty() {
        out.push_str("\n  Properties:\n");
        let width = doc.properties.iter().map(|(p, _)| p.len()).max().unwrap_or(0);
        for (p, meaning) in &doc.properties {
            out.push_str(&format!("    .{p:width$}  {meaning}\n"));
        }
    }
    out
}
