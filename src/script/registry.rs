//! The function registry: a script function is its [`FnSpec`] plus a Rust closure. Registering
//! the closure registers every overload the spec declares (with and without the options map, with
//! parameter names and types in Rhai's metadata), checks the options map against the spec before
//! the closure runs, names the function in every error the closure returns, and records the
//! Rust parameter types so the registry test can hold the spec to what the engine really accepts.

use std::rc::Rc;

use rhai::{Engine, FuncRegistration, Map};

use super::fault::{ScriptFault, ScriptResult};
use super::opts::Opts;
use super::spec::FnSpec;
use crate::run::RunContext;

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

/// One overload as the engine registered it: the script type names of its Rust parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Overload {
    /// The function.
    pub name: &'static str,
    /// Parameter types as scripts name them (`Dataset`, `string`, `int`, `map`, ...).
    pub params: Vec<String>,
}

/// Registers functions into an engine and collects their specs.
pub struct Registry<'e> {
    engine: &'e mut Engine,
    run: Rc<RunContext>,
    functions: Vec<&'static FnSpec>,
    overloads: Vec<Overload>,
    types: Vec<TypeDoc>,
}

/// What a registry collected: the specs, the overloads behind them and the value types.
pub struct Collected {
    /// Function specs in registration order.
    pub functions: Vec<&'static FnSpec>,
    /// Every registered overload.
    pub overloads: Vec<Overload>,
    /// Value types.
    pub types: Vec<TypeDoc>,
}

impl<'e> Registry<'e> {
    /// A registry filling `engine`, whose functions act on `run`.
    pub fn new(engine: &'e mut Engine, run: Rc<RunContext>) -> Self {
        Self {
            engine,
            run,
            functions: Vec::new(),
            overloads: Vec::new(),
            types: Vec::new(),
        }
    }

    /// The run the functions act on.
    pub fn run(&self) -> Rc<RunContext> {
        Rc::clone(&self.run)
    }

    fn declare(&mut self, spec: &'static FnSpec) {
        match self.functions.iter().find(|s| s.name == spec.name) {
            // A second overload of the same function.
            Some(known) => assert!(
                std::ptr::eq(*known, spec),
                "script function `{}` is declared twice",
                spec.name
            ),
            None => self.functions.push(spec),
        }
    }

    /// Register `f` as `spec`'s function taking an options map: the call without the map and the
    /// call with it. `f` receives the checked options last.
    ///
    /// A spec without options, or a name declared by two specs, is a programming error and
    /// panics at start-up (the registry test registers everything, so this cannot reach a user).
    pub fn function<Args: ParamTypes, F: WithOptions<Args>>(&mut self, spec: &'static FnSpec, f: F) {
        assert!(
            spec.takes_options(),
            "{}: registered with options but declares none",
            spec.name
        );
        self.declare(spec);
        let params = Args::param_types(self.engine);
        f.register(self.engine, spec);
        let mut with_map = params.clone();
        with_map.push("map".into());
        self.overloads.push(Overload {
            name: spec.name,
            params,
        });
        self.overloads.push(Overload {
            name: spec.name,
            params: with_map,
        });
    }

    /// Register `f` as (one overload of) `spec`'s function without an options map.
    pub fn plain<Args: ParamTypes, F: Plain<Args>>(&mut self, spec: &'static FnSpec, f: F) {
        assert!(
            !spec.takes_options(),
            "{}: declares options but is registered without them",
            spec.name
        );
        self.declare(spec);
        let params = Args::param_types(self.engine);
        f.register(self.engine, spec);
        self.overloads.push(Overload {
            name: spec.name,
            params,
        });
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

    /// Everything registered.
    pub fn finish(self) -> Collected {
        Collected {
            functions: self.functions,
            overloads: self.overloads,
            types: self.types,
        }
    }
}

/// The script name of a Rust parameter type, as signatures write it.
fn script_type<T: 'static>(engine: &Engine) -> String {
    let rust = std::any::type_name::<T>();
    match engine.map_type_name(rust) {
        "i64" => "int".into(),
        "f64" => "float".into(),
        name if name.ends_with("Dynamic") => "?".into(),
        other => other.to_string(),
    }
}

fn in_function<R>(spec: &FnSpec, result: Result<R, ScriptFault>) -> ScriptResult<R> {
    result.map_err(|fault| fault.in_function(spec.name).into())
}

fn registration(spec: &FnSpec, with_options: bool, arity: usize) -> FuncRegistration {
    let mut info: Vec<String> = spec.params[..arity.min(spec.params.len())]
        .iter()
        .map(|p| format!("{}: {}", p.name, p.ty))
        .collect();
    if with_options {
        info.push("options: map".into());
    }
    info.push(spec.returns.to_string());
    let summary = format!("/// {}", spec.summary);
    FuncRegistration::new(spec.name)
        .with_params_info(info)
        .with_comments([summary])
}

/// The parameter types `(A1, ..., An)` of a registered closure.
pub trait ParamTypes {
    /// Their script names.
    fn param_types(engine: &Engine) -> Vec<String>;
}

/// A closure `Fn(A1, ..., An, Opts) -> Result<R, ScriptFault>` registered with its options map.
pub trait WithOptions<Args>: Clone + 'static {
    /// Register the overloads with and without the options map.
    fn register(self, engine: &mut Engine, spec: &'static FnSpec);
}

/// A closure `Fn(A1, ..., An) -> Result<R, ScriptFault>` registered as it is.
pub trait Plain<Args>: Clone + 'static {
    /// Register the overload.
    fn register(self, engine: &mut Engine, spec: &'static FnSpec);
}

macro_rules! bindings {
    ($n:expr; $($a:ident),*) => {
        impl<$($a: 'static),*> ParamTypes for ($($a,)*) {
            fn param_types(_engine: &Engine) -> Vec<String> {
                vec![$(script_type::<$a>(_engine)),*]
            }
        }

        impl<F, R, $($a),*> WithOptions<($($a,)*)> for F
        where
            F: Fn($($a,)* Opts) -> Result<R, ScriptFault> + Clone + 'static,
            R: Clone + 'static,
            $($a: Clone + 'static,)*
        {
            #[allow(non_snake_case)]
            fn register(self, engine: &mut Engine, spec: &'static FnSpec) {
                // Without the map, the call is the plain overload with empty options.
                let plain = self.clone();
                Plain::<($($a,)*)>::register(move |$($a: $a),*| plain($($a,)* Opts::empty(spec)), engine, spec);
                registration(spec, true, $n).register_into_engine(
                    engine,
                    move |$($a: $a,)* options: Map| -> ScriptResult<R> {
                        let options = in_function(spec, Opts::new(spec, options))?;
                        in_function(spec, self($($a,)* options))
                    },
                );
            }
        }

        impl<F, R, $($a),*> Plain<($($a,)*)> for F
        where
            F: Fn($($a),*) -> Result<R, ScriptFault> + Clone + 'static,
            R: Clone + 'static,
            $($a: Clone + 'static,)*
        {
            #[allow(non_snake_case)]
            fn register(self, engine: &mut Engine, spec: &'static FnSpec) {
                registration(spec, false, $n).register_into_engine(
                    engine,
                    move |$($a: $a),*| -> ScriptResult<R> { in_function(spec, self($($a),*)) },
                );
            }
        }
    };
}

bindings!(0;);
bindings!(1; A1);
bindings!(2; A1, A2);
bindings!(3; A1, A2, A3);
bindings!(4; A1, A2, A3, A4);

impl TypeDoc {
    /// The documentation `brainclip doc TYPE` prints.
    pub fn render_text(&self) -> String {
        let doc = self;
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

    /// The documentation as a Markdown section.
    pub fn render_markdown(&self) -> String {
        let doc = self;
        let mut out = format!("### `{}`\n\n{}\n", doc.name, doc.summary);
        if !doc.properties.is_empty() {
            out.push_str("\n| property | meaning |\n|---|---|\n");
            for (p, meaning) in &doc.properties {
                out.push_str(&format!("| `.{p}` | {} |\n", meaning.replace('|', "\\|")));
            }
        }
        out
    }
}
