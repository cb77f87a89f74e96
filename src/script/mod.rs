//! Rhai bindings. This layer only translates: options maps and values in, a domain call, values or
//! a [`fault::ScriptFault`] out. Each area registers its functions in one place (`<area>/mod.rs`),
//! one function family per file with its documentation beside it.

mod clip;
mod data;
mod eval;
pub mod fault;
pub mod format;
mod generate;
mod model;
pub mod options;
mod plot;
pub mod registry;
mod run;
mod stdlib;
mod train;
pub mod values;
mod world;

use std::rc::Rc;

use rhai::Engine;

pub use registry::{FnDoc, TypeDoc, render_fn_doc, render_type_doc};
pub use run::param::params_map;
pub use stdlib::{STDLIB, StdlibModule};

use crate::run::RunContext;

/// The documentation of everything a script can call or hold.
#[derive(Clone, Debug, Default)]
pub struct Docs {
    /// Functions, in registration order (grouped by area).
    pub functions: Vec<FnDoc>,
    /// Value types.
    pub types: Vec<TypeDoc>,
}

impl Docs {
    /// The function named `name`.
    pub fn function(&self, name: &str) -> Option<&FnDoc> {
        self.functions.iter().find(|d| d.name == name)
    }
    /// The type named `name`.
    pub fn value_type(&self, name: &str) -> Option<&TypeDoc> {
        self.types.iter().find(|d| d.name == name)
    }
}

/// Register every brainclip function and type into `engine`, acting on `run`.
pub fn register_all(engine: &mut Engine, run: Rc<RunContext>) -> Docs {
    let mut reg = registry::Registry::new(engine, run);
    values::register(&mut reg);
    data::register(&mut reg);
    world::register(&mut reg);
    clip::register(&mut reg);
    model::register(&mut reg);
    train::register(&mut reg);
    eval::register(&mut reg);
    generate::register(&mut reg);
    plot::register(&mut reg);
    run::register(&mut reg);
    let (functions, types) = reg.finish();
    Docs { functions, types }
}
