//! Rhai modules written in Rhai on top of the primitives, embedded in the binary and importable
//! as `import "brainclip/<name>" as <name>;`.

/// An embedded Rhai module.
#[derive(Clone, Copy, Debug)]
pub struct StdlibModule {
    /// Import path, e.g. `brainclip/report`.
    pub path: &'static str,
    /// Rhai source.
    pub source: &'static str,
}

/// Every embedded module.
pub const STDLIB: &[StdlibModule] = &[
    StdlibModule {
        path: "brainclip/report",
        source: include_str!("../../stdlib/brainclip/report.rhai"),
    },
    StdlibModule {
        path: "brainclip/experiment",
        source: include_str!("../../stdlib/brainclip/experiment.rhai"),
    },
];
