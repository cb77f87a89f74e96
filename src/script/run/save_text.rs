use crate::script::prelude::*;

pub static SPEC: FnSpec = FnSpec::new("save_text", Area::Run)
    .params(&[param("text", "string"), param("name", "string")])
    .returns("string")
    .summary("Write text into the run directory as it is (a note, a LaTeX table, a script to sweep); returns its path.")
    .details("The name is used as given, with any extension; folders in it are created.")
    .example(
        r#"let path = save_text("lr = 0.001\n", "notes/settings.txt");
path == `${run_dir()}/notes/settings.txt`"#,
    );

pub fn register(reg: &mut Registry) {
    let run = reg.run();
    reg.plain(
        &SPEC,
        move |text: ImmutableString, name: ImmutableString| -> Result<String, ScriptFault> {
            Ok(run.write_output(&name, text.as_bytes())?.display().to_string())
        },
    );
}
