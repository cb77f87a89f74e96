use crate::script::prelude::*;

pub static SPEC: FnSpec = FnSpec::new("run_dir", Area::Run)
    .returns("string")
    .summary("The run directory, where every file the script writes goes.")
    .details("Set with `brainclip script --out DIR`; by default runs/<script>-<timestamp>/.")
    .example(
        r#"let dir = run_dir();
save_json(#{ a: 1 }, "a.json") == `${dir}/a.json`"#,
    );

pub fn register(reg: &mut Registry) {
    let run = reg.run();
    reg.plain(&SPEC, move || -> Result<String, ScriptFault> {
        Ok(run.run_dir().display().to_string())
    });
}
