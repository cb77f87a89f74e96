//! The one entry point for the CLI, the Jupyter kernel, evcxr users and the tests: a session owns
//! a Rhai engine with every brainclip function, a scope that persists between evaluations, and the
//! run (directory, parameters, provenance).

mod diagnostic;
mod display;
mod limits;
mod modules;
mod watchdog;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use rhai::module_resolvers::StaticModuleResolver;
use rhai::{AST, Dynamic, Engine, Module, Scope};

pub use diagnostic::{DiagnosticContext, ScriptError, SourceLookup, diagnose};
pub use limits::{Limit, Limits, parse_timeout};

use self::modules::ScriptModules;
use self::watchdog::Watchdog;
use crate::data::formats::budget::set_memory_budget;
use crate::device;
use crate::run::{Catalog, FileError, ParamValue, RunContext, RunSettings, RunStatus};
use crate::script::fault::ScriptFault;
use crate::script::{self, Docs, STDLIB, StdlibModule};

/// The copy of its script a run keeps in its directory.
pub const SCRIPT_COPY: &str = "script.rhai";

/// How to start a session.
#[derive(Clone, Debug)]
pub struct SessionOptions {
    /// The run directory; `None` means `<runs_root>/<label>-<timestamp>`.
    pub out_dir: Option<PathBuf>,
    /// Where default run directories go.
    pub runs_root: PathBuf,
    /// Names the run directory and the manifest's script entry (a script's stem, `repl`, ...).
    pub label: String,
    /// Session seed: the default seed of every random draw.
    pub seed: u64,
    /// `--set` parameters.
    pub params: BTreeMap<String, ParamValue>,
    /// Device string (`cpu`, `cpu:flex`, `cpu:ndarray`, `cuda:0`, `auto`).
    pub device: String,
    /// The command line, for the manifest.
    pub command: Vec<String>,
    /// Draw progress bars on a terminal.
    pub progress: bool,
    /// Extra folders or files scripts may read (`--allow-read`); the script's folder (or, for a
    /// session without a script, the working directory) is always readable.
    pub allow_read: Vec<PathBuf>,
    /// The data catalog: dataset names → paths (`brainclip.toml`, `--catalog FILE`).
    pub catalog: Catalog,
    /// Resource limits (operations, call depth, sizes, time, memory).
    pub limits: Limits,
}

impl Default for SessionOptions {
    fn default() -> Self {
        Self {
            out_dir: None,
            runs_root: PathBuf::from("runs"),
            label: "session".into(),
            seed: 0,
            params: BTreeMap::new(),
            device: "cpu".into(),
            command: Vec::new(),
            progress: false,
            allow_read: Vec::new(),
            catalog: Catalog::default(),
            limits: Limits::default(),
        }
    }
}

/// A session could not start.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// The device string cannot be satisfied.
    #[error(transparent)]
    Device(#[from] device::DeviceError),
    /// The run directory cannot be written.
    #[error(transparent)]
    Files(#[from] FileError),
}

/// Source texts seen by the session, for quoting lines in errors.
#[derive(Default)]
struct Sources(RefCell<BTreeMap<String, String>>);

impl SourceLookup for Sources {
    fn source_text(&self, name: &str) -> Option<String> {
        if let Some(text) = self.0.borrow().get(name) {
            return Some(text.clone());
        }
        STDLIB.iter().find(|m| m.path == name).map(|m| m.source.to_string())
    }
}

/// A brainclip session.
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// let opts = brainclip::SessionOptions { out_dir: Some(dir.path().join("run")), ..Default::default() };
/// let mut session = brainclip::Session::new(opts).unwrap();
/// let n: i64 = session.eval("let god = god_synthetic(#{ voxels: 70, dim: 16 }); god.test.n_samples").unwrap().cast();
/// assert_eq!(n, 50);
/// // the scope persists between evaluations, as in a notebook
/// assert_eq!(session.eval("god.train.n_voxels").unwrap().cast::<i64>(), 70);
/// ```
pub struct Session {
    engine: Engine,
    scope: Scope<'static>,
    run: Rc<RunContext>,
    docs: Docs,
    sources: Rc<Sources>,
    cells: usize,
    /// Names of the functions earlier evaluations defined (kept as global modules).
    functions: std::collections::BTreeSet<String>,
    /// Resource limits.
    limits: Limits,
}

impl Session {
    /// Start a session: resolve the device, create the run directory, write the initial manifest.
    pub fn new(options: SessionOptions) -> Result<Self, SessionError> {
        Self::with_script(options, None)
    }

    /// Start a session for the script at `path` with text `text` (hashed into the manifest).
    pub fn for_script(options: SessionOptions, path: &Path, text: &str) -> Result<Self, SessionError> {
        let session = Self::with_script(options, Some((path, text)))?;
        session
            .sources
            .0
            .borrow_mut()
            .insert(path.display().to_string(), text.to_string());
        Ok(session)
    }

    fn with_script(options: SessionOptions, script: Option<(&Path, &str)>) -> Result<Self, SessionError> {
        let device = device::resolve(&options.device)?;
        let run_dir = options
            .out_dir
            .clone()
            .unwrap_or_else(|| default_run_dir(&options.runs_root, &options.label));
        let settings = RunSettings {
            run_dir,
            script: script.map_or_else(|| options.label.clone(), |(p, _)| p.display().to_string()),
            script_text: script.map(|(_, t)| t.to_string()),
            params: options.params.clone(),
            seed: options.seed,
            device,
            command: options.command.clone(),
            progress: options.progress,
            read_roots: read_roots(&options, script.map(|(p, _)| p)),
            catalog: options.catalog.clone(),
            limits: serde_json::to_value(&options.limits).unwrap_or_default(),
        };
        let run = Rc::new(RunContext::start(settings)?);
        if let Some((_, text)) = script {
            // The run keeps the exact text it ran: what `brainclip pack` bundles and `verify` re-runs.
            run.write_output(SCRIPT_COPY, text.as_bytes())?;
        }
        let script_dir = script
            .and_then(|(p, _)| p.parent())
            .filter(|d| !d.as_os_str().is_empty());
        Ok(Self::assemble(run, script_dir.map(Path::to_path_buf), options.limits))
    }

    fn assemble(run: Rc<RunContext>, script_dir: Option<PathBuf>, limits: Limits) -> Self {
        let mut engine = Engine::new();
        let docs = script::register_all(&mut engine, Rc::clone(&run));
        let printer = Rc::clone(&run);
        engine.on_print(move |text| match printer.output() {
            Some(sink) => sink.print(text),
            None => println!("{text}"),
        });
        let debugger = Rc::clone(&run);
        engine.on_debug(move |text, source, pos| match debugger.output() {
            // A notebook shows the cell's stderr next to the cell: the text alone.
            Some(sink) => sink.debug(text),
            None => match (source, pos.line()) {
                (Some(source), Some(line)) => eprintln!("[{source}:{line}] {text}"),
                _ => eprintln!("{text}"),
            },
        });
        let cancel = run.cancel_flag();
        engine.on_progress(move |ops| {
            (ops % 1024 == 0 && cancel.load(std::sync::atomic::Ordering::SeqCst)).then(|| Dynamic::from("interrupted"))
        });
        let mut stdlib = StaticModuleResolver::new();
        for module in STDLIB {
            let compiled = compile_stdlib(&engine, module)
                .unwrap_or_else(|e| panic!("embedded stdlib module {} does not compile: {e}", module.path));
            stdlib.insert(module.path, compiled);
        }
        // After the stdlib compiled: its own code is not held to a script's limits.
        limits.apply(&mut engine);
        let base = script_dir.unwrap_or_else(|| PathBuf::from("."));
        engine.set_module_resolver(ScriptModules::new(stdlib, STDLIB, &base, Rc::clone(&run)));

        let mut scope = Scope::new();
        scope.push_constant("params", script::params_map(run.params()));
        Self {
            engine,
            scope,
            run,
            docs,
            sources: Rc::new(Sources::default()),
            cells: 0,
            functions: Default::default(),
            limits,
        }
    }

    /// Send `print`/`debug` output and training progress to `sink` instead of the terminal
    /// (`None` restores the terminal). The Jupyter kernel points it at the running cell.
    pub fn set_output(&self, sink: crate::run::SharedSink) {
        self.run.set_output(sink);
    }

    /// A value as `print` shows it (the `to_string` registered for its type).
    pub fn describe(&self, value: &Dynamic) -> String {
        let mut scope = Scope::new();
        scope.push_dynamic("value", value.clone());
        self.engine
            .eval_with_scope::<String>(&mut scope, "to_string(value)")
            .unwrap_or_else(|_| value.to_string())
    }

    /// Names of the variables in the session's scope (for completion).
    pub fn variables(&self) -> Vec<String> {
        self.scope.iter_raw().map(|(name, _, _)| name.to_string()).collect()
    }

    /// The documentation of every function and type, without starting a run.
    pub fn documentation() -> Docs {
        let settings = RunSettings {
            run_dir: PathBuf::from("."),
            script: "doc".into(),
            script_text: None,
            params: BTreeMap::new(),
            seed: 0,
            device: device::default_cpu(),
            command: Vec::new(),
            progress: false,
            read_roots: Vec::new(),
            catalog: Catalog::default(),
            limits: serde_json::Value::Null,
        };
        let mut engine = Engine::new();
        script::register_all(&mut engine, Rc::new(RunContext::detached(settings)))
    }

    /// Run the script this session was created for (see [`Session::for_script`]).
    pub fn run_script(&mut self, path: &Path) -> Result<Dynamic, Box<ScriptError>> {
        let name = path.display().to_string();
        let text = self.sources.source_text(&name).unwrap_or_default();
        self.evaluate(&name, &text, Code::Statements)
    }

    /// Evaluate code in the session's scope (variables persist between calls, as in a notebook);
    /// returns the value of the last expression.
    pub fn eval(&mut self, code: &str) -> Result<Dynamic, Box<ScriptError>> {
        // An interrupt stopped the previous cell, not this one. (A script run keeps an interrupt
        // that arrived while the session was starting.)
        self.run.reset_cancel();
        self.cells += 1;
        let name = format!("<cell {}>", self.cells);
        self.sources.0.borrow_mut().insert(name.clone(), code.to_string());
        self.evaluate(&name, code, Code::Statements)
    }

    fn evaluate(&mut self, name: &str, code: &str, kind: Code) -> Result<Dynamic, Box<ScriptError>> {
        set_memory_budget(self.limits.max_memory);
        let watchdog = Watchdog::start(
            self.limits.timeout,
            Some(self.limits.max_memory),
            self.run.cancel_flag(),
        );
        let compiled = match kind {
            Code::Statements => self.engine.compile_with_scope(&self.scope, code),
            Code::Expression => self.engine.compile_expression_with_scope(&self.scope, code),
        };
        let result = compiled.map_err(|e| e.into()).and_then(|mut ast| {
            ast.set_source(name);
            self.keep_functions(&ast);
            let (engine, scope) = (&self.engine, &mut self.scope);
            // A panic is a bug in brainclip, but it must not take the run's record with it.
            catch_unwind(AssertUnwindSafe(|| engine.eval_ast_with_scope::<Dynamic>(scope, &ast)))
                .unwrap_or_else(|payload| Err(panic_fault(&*payload).into()))
        });
        let exceeded = watchdog.finish();
        result.map_err(|err| {
            let mut variables: Vec<String> = self.scope.iter_raw().map(|(n, _, _)| n.to_string()).collect();
            variables.extend(declared_names(code));
            let ctx = DiagnosticContext {
                docs: &self.docs,
                default_source: name,
                sources: &*self.sources,
                variables,
                limits: &self.limits,
            };
            let mut error = diagnose(&err, &ctx);
            if let Some(limit) = exceeded.filter(|_| error.kind == crate::ErrorKind::Interrupted) {
                let (message, hint) = self.limits.reached(limit);
                error.kind = crate::ErrorKind::Limit;
                error.message = format!("{message}: {}", error.message);
                error.hint = Some(hint);
            }
            Box::new(error)
        })
    }

    /// The session's resource limits.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The Rhai engine, to register a lab's own Rust functions next to brainclip's.
    ///
    /// ```
    /// let dir = tempfile::tempdir().unwrap();
    /// let opts = brainclip::SessionOptions { out_dir: Some(dir.path().join("run")), ..Default::default() };
    /// let mut session = brainclip::Session::new(opts).unwrap();
    /// session.engine_mut().register_fn("twice", |x: i64| 2 * x);
    /// assert_eq!(session.eval("twice(21)").unwrap().cast::<i64>(), 42);
    /// ```
    pub fn engine_mut(&mut self) -> &mut Engine {
        &mut self.engine
    }

    /// Evaluate one expression (no statements: `let`, `fn` and `;` are refused) in the session's
    /// scope without counting it as a cell — Jupyter's `user_expressions`, which a frontend asks
    /// for after a cell.
    ///
    /// ```
    /// let dir = tempfile::tempdir().unwrap();
    /// let opts = brainclip::SessionOptions { out_dir: Some(dir.path().join("run")), ..Default::default() };
    /// let mut session = brainclip::Session::new(opts).unwrap();
    /// session.eval("let x = 20;").unwrap();
    /// assert_eq!(session.eval_expression("x + 1").unwrap().cast::<i64>(), 21);
    /// assert!(session.eval_expression("let y = 1").is_err());
    /// ```
    pub fn eval_expression(&mut self, expression: &str) -> Result<Dynamic, Box<ScriptError>> {
        const NAME: &str = "<expression>";
        self.run.reset_cancel();
        self.sources.0.borrow_mut().insert(NAME.into(), expression.to_string());
        self.evaluate(NAME, expression, Code::Expression)
    }

    /// Make the functions `ast` defines callable from later evaluations, as a notebook user
    /// expects of a function defined in an earlier cell (Rhai forgets them with the AST). Each
    /// cell's functions become a global module named after the cell, so an error inside one
    /// quotes the cell that defined it; a later definition shadows an earlier one.
    fn keep_functions(&mut self, ast: &AST) {
        let mut defined = ast.iter_functions().map(|f| f.name.to_string()).peekable();
        if defined.peek().is_none() {
            return;
        }
        self.functions.extend(defined);
        match Module::eval_ast_as_new(Scope::new(), &ast.clone_functions_only(), &self.engine) {
            Ok(module) => {
                self.engine.register_global_module(module.into());
            }
            // Only statements can fail to evaluate, and a functions-only AST has none.
            Err(e) => eprintln!("brainclip: could not keep the functions of {:?}: {e}", ast.source()),
        }
    }

    /// Names of the script functions defined so far with `fn` (for completion).
    pub fn script_functions(&self) -> Vec<String> {
        self.functions.iter().cloned().collect()
    }

    /// The run directory.
    pub fn run_dir(&self) -> &Path {
        self.run.run_dir()
    }

    /// Signatures of every native function the engine holds, outside Rhai's standard library
    /// (for completion and for checking the registry against the documentation).
    pub fn engine_signatures(&self) -> Vec<String> {
        self.engine.gen_fn_signatures(false)
    }

    /// The documentation of what scripts can call.
    pub fn docs(&self) -> &Docs {
        &self.docs
    }

    /// The flag that interrupts running code (set it from a signal handler or another thread).
    pub fn interrupt_flag(&self) -> Arc<AtomicBool> {
        self.run.cancel_flag()
    }

    /// The run's provenance so far.
    pub fn manifest(&self) -> crate::run::Manifest {
        self.run.manifest()
    }

    /// Record how the run ended in `manifest.json`.
    pub fn finish(&self, outcome: Result<(), &ScriptError>) -> Result<(), FileError> {
        let (status, error) = match outcome {
            Ok(()) => (RunStatus::Completed, None),
            Err(e) if e.kind == crate::ErrorKind::Interrupted => (RunStatus::Interrupted, Some(e.message.clone())),
            Err(e) => (RunStatus::Failed, Some(format!("[{}] {}", e.kind, e.message))),
        };
        self.run.finish(status, error)
    }
}

/// The script fault a caught panic becomes: an internal error with the panic's message and where
/// it happened (recorded by [`quiet_panics`]), without a backtrace.
fn panic_fault(payload: &(dyn std::any::Any + Send)) -> ScriptFault {
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into());
    let location = LAST_PANIC
        .lock()
        .ok()
        .and_then(|mut last| last.take())
        .map(|l| format!(" (at {l})"))
        .unwrap_or_default();
    ScriptFault::new(
        crate::ErrorKind::Internal,
        format!("brainclip stopped on a bug: {message}{location}"),
    )
    .with_hint("please report it with the script that caused it; set RUST_BACKTRACE=1 to print a backtrace")
}

/// Where the last panic happened, recorded by the hook [`quiet_panics`] installs.
static LAST_PANIC: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);

/// Install a panic hook for a front end whose session reports panics itself: it records where
/// a panic happened for the error message and prints nothing, unless `RUST_BACKTRACE` asks for
/// the usual report with a backtrace.
pub fn quiet_panics() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if let Ok(mut last) = LAST_PANIC.lock() {
            *last = info.location().map(|l| format!("{}:{}", l.file(), l.line()));
        }
        if std::env::var_os("RUST_BACKTRACE").is_some_and(|v| v != "0") {
            default(info);
        }
    }));
}

/// What a piece of code handed to [`Session::evaluate`] may contain.
#[derive(Clone, Copy)]
enum Code {
    /// A script or a cell.
    Statements,
    /// One expression (`user_expressions`).
    Expression,
}

/// Names a piece of code declares with `let`, `const` or `for` (the scope forgets them when the
/// code fails, but a typo of one still deserves a suggestion).
fn declared_names(code: &str) -> Vec<String> {
    let words: Vec<&str> = code
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .collect();
    words
        .windows(2)
        .filter(|w| matches!(w[0], "let" | "const" | "for"))
        .map(|w| w[1].to_string())
        .collect()
}

/// Compile and evaluate an embedded module (a failure is a bug in brainclip, covered by tests).
fn compile_stdlib(engine: &Engine, module: &StdlibModule) -> Result<Module, String> {
    let mut ast = engine.compile(module.source).map_err(|e| e.to_string())?;
    ast.set_source(module.path);
    Module::eval_ast_as_new(Scope::new(), &ast, engine).map_err(|e| e.to_string())
}

/// The folders a session may read: the script's folder (the working directory without a script)
/// and every `--allow-read` path.
fn read_roots(options: &SessionOptions, script: Option<&Path>) -> Vec<PathBuf> {
    let home = match script.and_then(Path::parent).filter(|d| !d.as_os_str().is_empty()) {
        Some(dir) => dir.to_path_buf(),
        None => PathBuf::from("."),
    };
    std::iter::once(home)
        .chain(options.allow_read.iter().cloned())
        .collect()
}

/// `<root>/<label>-<UTC timestamp>`, with a numeric suffix if that exists already.
fn default_run_dir(root: &Path, label: &str) -> PathBuf {
    let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S");
    let base = root.join(format!("{label}-{stamp}"));
    let mut candidate = base.clone();
    let mut n = 2;
    while candidate.exists() {
        candidate = PathBuf::from(format!("{}-{n}", base.display()));
        n += 1;
    }
    candidate
}

/// `--set` keys that neither the script text nor a stdlib module it imports mentions: almost
/// certainly typos, so the CLI refuses them before a long run starts.
///
/// ```
/// let params = brainclip::run::parse_params(&["epochs=3".into(), "epoch=3".into()]).unwrap();
/// let unused = brainclip::session::unmentioned_params(&params, r#"let e = param("epochs", 40);"#);
/// assert_eq!(unused, vec!["epoch".to_string()]);
/// // Keys the steps of brainclip/experiment read from `params` count as mentioned.
/// let script = r#"import "brainclip/experiment" as exp; exp::brainclip(d, params);"#;
/// assert!(brainclip::session::unmentioned_params(&params, script) == vec!["epoch".to_string()]);
/// ```
pub fn unmentioned_params(params: &BTreeMap<String, ParamValue>, script: &str) -> Vec<String> {
    let mut words: std::collections::BTreeSet<&str> = crate::suggest::words(script).collect();
    for module in STDLIB.iter().filter(|m| script.contains(&format!("\"{}\"", m.path))) {
        words.extend(crate::suggest::words(module.source));
    }
    params.keys().filter(|k| !words.contains(k.as_str())).cloned().collect()
}
