//! Where `import` finds modules: brainclip's embedded stdlib (`import "brainclip/report"`) and the
//! lab's own files (`import "lib/steps"`, relative to the script). Module files are held to the
//! run's read policy like every other file a script reads, and every module a run imports is
//! recorded in its manifest with a SHA-256 of its source, so `brainclip pack` can bundle them and
//! `brainclip verify` can tell when one changed.

use std::collections::BTreeMap;
use std::path::Path;
use std::rc::Rc;

use rhai::module_resolvers::{FileModuleResolver, StaticModuleResolver};
use rhai::{Engine, EvalAltResult, Module, ModuleResolver, Position, Shared};

type SharedModule = Shared<Module>;

use crate::run::RunContext;
use crate::script::StdlibModule;
use crate::script::fault::ScriptFault;

/// The module resolver of a session.
pub(super) struct ScriptModules {
    stdlib: StaticModuleResolver,
    stdlib_sources: BTreeMap<&'static str, &'static str>,
    files: FileModuleResolver,
    run: Rc<RunContext>,
}

impl ScriptModules {
    pub(super) fn new(
        stdlib: StaticModuleResolver,
        sources: &[StdlibModule],
        base: &Path,
        run: Rc<RunContext>,
    ) -> Self {
        Self {
            stdlib,
            stdlib_sources: sources.iter().map(|m| (m.path, m.source)).collect(),
            files: FileModuleResolver::new_with_path(base),
            run,
        }
    }

    /// Resolve `path` with `resolve_file` unless it is a stdlib module; record what was imported.
    fn resolve_with(
        &self,
        engine: &Engine,
        source: Option<&str>,
        path: &str,
        pos: Position,
        resolve_file: impl FnOnce() -> Result<SharedModule, Box<EvalAltResult>>,
    ) -> Result<SharedModule, Box<EvalAltResult>> {
        if let Some(text) = self.stdlib_sources.get(path) {
            let module = self.stdlib.resolve(engine, source, path, pos)?;
            self.run.record_module(path, None, text);
            return Ok(module);
        }
        let file = self
            .files
            .get_file_path(path, source.and_then(|s| Path::new(s).parent()));
        // A file that does not exist is left to the file resolver: "module not found" is clearer.
        if !file.exists() {
            return resolve_file();
        }
        let readable = self.run.readable(&file.display().to_string()).map_err(|e| {
            Box::new(EvalAltResult::ErrorRuntime(
                rhai::Dynamic::from(ScriptFault::from(e)),
                pos,
            ))
        })?;
        let module = resolve_file()?;
        let text = std::fs::read_to_string(&readable).unwrap_or_default();
        self.run.record_module(path, Some(&readable), &text);
        Ok(module)
    }
}

impl ModuleResolver for ScriptModules {
    fn resolve(
        &self,
        engine: &Engine,
        source: Option<&str>,
        path: &str,
        pos: Position,
    ) -> Result<SharedModule, Box<EvalAltResult>> {
        self.resolve_with(engine, source, path, pos, || {
            self.files.resolve(engine, source, path, pos)
        })
    }
}
