use crate::script::registry::{FnDoc, Registry};

pub const DOC: FnDoc = FnDoc {
    name: "run_dir",
    area: "run",
    signatures: &["run_dir() -> string"],
    summary: "The run directory, where every file the script writes goes.",
    details: "Set with `brainclip script --out DIR`; by default runs/<script>-<timestamp>/.",
    example: r#"let dir = run_dir();
save_json(#{ a: 1 }, "a.json") == `${dir}/a.json`"#,
};

pub fn register(reg: &mut Registry) {
    reg.legacy(&DOC, |engine, run| {
        engine.register_fn(DOC.name, move || run.run_dir().display().to_string());
    });
}
